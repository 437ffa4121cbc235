import WharfCLI

await WharfCommand.launch()
