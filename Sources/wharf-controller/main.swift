import WharfAgentCLI
import WharfCLI

await ControllerCommand.launch()
