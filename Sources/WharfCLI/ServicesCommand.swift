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
        let (services, scaling) = try await APISession.with(connection) { session in
            (try await session.services(cluster: cluster.name), try await session.scaling(cluster: cluster.name))
        }
        if connection.output == "json" { return try Terminal.printJSON(["services": services]) }
        let rows = services.map { Rows.service($0, scaling: scaling[$0.serviceName ?? ""]) }
        print(Table(header: Rows.serviceHeader, rows: rows).rendered)
    }
}
