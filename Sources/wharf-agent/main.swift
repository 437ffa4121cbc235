import WharfAgentCLI

await AgentCommand.launch()
