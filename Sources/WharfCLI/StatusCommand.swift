import ArgumentParser
import WharfModel

/// `wharf status`: the clusters at a glance, then one cluster's instances and services.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the clusters, and a cluster's instances and services."
    )

    @OptionGroup var connection: ControllerConnection
    @OptionGroup var cluster: ClusterOption

    /// What `status` shows, and prints as it is for `--output json`: every cluster, and the chosen
    /// cluster's container instances and services (none when it does not exist).
    struct Document: Encodable {
        var clusters: [ECS.Cluster]
        var cluster: String
        var containerInstances: [Described<ECS.ContainerInstance>] = []
        var services: [Described<ECS.Service>] = []
        /// The scaling of the services that have a scalable target, by name.
        var scaling: [String: ServiceScaling] = [:]
    }

    /// Whether `item` is the cluster `--cluster` names.
    func isChosen(_ item: ECS.Cluster) -> Bool {
        item.clusterName == cluster.name || item.clusterArn == cluster.name
    }

    func run() async throws {
        let document = try await APISession.with(connection) { session -> Document in
            let clusters = try await session.clusters()
            var document = Document(clusters: clusters, cluster: cluster.name)
            guard clusters.contains(where: { isChosen($0) }) else { return document }
            document.containerInstances = try await session.instances(cluster: cluster.name)
            document.services = try await session.services(cluster: cluster.name)
            document.scaling = try await session.scaling(cluster: cluster.name)
            return document
        }
        if connection.output == "json" { return try Terminal.printJSON(document) }
        let rows = document.clusters.sorted { ($0.clusterName ?? "") < ($1.clusterName ?? "") }.map(Rows.cluster)
        print(Table(header: Rows.clusterHeader, rows: rows).rendered)
        guard document.clusters.contains(where: { isChosen($0) }) else {
            print("\ncluster \(cluster.name) does not exist; pick one with --cluster")
            return
        }
        let instances = document.containerInstances
        let connected = instances.filter { $0.agentConnected == true }.count
        let heading = Terminal.paint("Instances in \(cluster.name)", .blue)
        print("\n" + heading + " (\(connected) of \(instances.count) connected)")
        print(instances.isEmpty
            ? "none; join a node with install-agent.sh or wharf-agent"
            : Table(header: Rows.instanceHeader, rows: instances.map(Rows.instance)).rendered)
        print("\n" + Terminal.paint("Services in \(cluster.name)", .blue))
        let services = document.services
        let serviceRows = services.map { Rows.service($0, scaling: document.scaling[$0.serviceName ?? ""]) }
        print(services.isEmpty ? "none" : Table(header: Rows.serviceHeader, rows: serviceRows).rendered)
    }
}
