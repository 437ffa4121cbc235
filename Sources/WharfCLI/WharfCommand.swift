import ArgumentParser

/// `wharf`: the operator's command line.
public struct WharfCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "wharf",
        abstract: "Run and operate a Wharf cluster: Amazon ECS on your own machines.",
        subcommands: [
            DevCommand.self, StatusCommand.self, ServicesCommand.self, ScalingCommand.self, TasksCommand.self,
            InstancesCommand.self, LogsCommand.self, EventsCommand.self, DeployCommand.self, ActivationCommand.self,
            KeysCommand.self, LabCommand.self, ExecCommand.self,
        ]
    )

    public init() {}
}
