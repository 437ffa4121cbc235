import ArgumentParser
import WharfModel

/// `wharf instances`: the cluster's container instances.
struct InstancesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instances",
        abstract: "List the cluster's container instances: agent, free CPU and memory, tasks, use."
    )

    @OptionGroup var connection: ControllerConnection
    @OptionGroup var cluster: ClusterOption

    func run() async throws {
        let instances = try await APISession.with(connection) { try await $0.instances(cluster: cluster.name) }
        if connection.output == "json" { return try Terminal.printJSON(["containerInstances": instances]) }
        print(Table(header: Rows.instanceHeader, rows: instances.map(Rows.instance)).rendered)
    }
}
