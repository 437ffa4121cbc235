import WharfCLI

await ControllerCommand.launch()
