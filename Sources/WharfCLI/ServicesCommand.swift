import ArgumentParser
import WharfModel

/// `wharf services`: the cluster's services.
struct ServicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "services",
        abstract: "List the cluster's services: running of desired, deployment state, use."
    )

    @OptionGroup var connection: ControllerConnection
    @OptionGroup var cluster: ClusterOption

    func run() async throws {
        let services = try await APISession.with(connection) { try await $0.services(cluster: cluster.name) }
        if connection.output == "json" { return try Terminal.printJSON(["services": services]) }
        print(Table(header: Rows.serviceHeader, rows: services.map(Rows.service)).rendered)
    }
}
