import WharfAgentCLI
import WharfCLI

await WharfCommand.launch()
