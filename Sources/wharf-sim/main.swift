import WharfSim

import WharfAgentCLI

await SimulatorCommand.launch()
