import WharfCLI

await AgentCommand.launch()
