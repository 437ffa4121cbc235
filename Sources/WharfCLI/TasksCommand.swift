import ArgumentParser
import WharfModel

/// `wharf tasks`: the cluster's tasks, or one service's.
struct TasksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks",
        abstract: "List the cluster's running tasks (or a service's), with status, health and use."
    )

    @OptionGroup var connection: ControllerConnection
    @OptionGroup var cluster: ClusterOption

    @Option(help: "Only this service's tasks.")
    var service: String?

    @Flag(help: "List the stopped tasks instead.")
    var stopped = false

    func run() async throws {
        let tasks = try await APISession.with(connection) { session in
            try await session.tasks(cluster: cluster.name, service: service, stopped: stopped)
        }
        if connection.output == "json" { return try Terminal.printJSON(["tasks": tasks]) }
        print(Table(header: Rows.taskHeader, rows: tasks.map(Rows.task)).rendered)
    }
}
