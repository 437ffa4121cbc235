import ArgumentParser

/// `wharf status`: the clusters at a glance, then one cluster's instances and services.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the clusters, and a cluster's instances and services.")

    @OptionGroup var connection: ControllerConnection
    @OptionGroup var cluster: ClusterOption

    func run() async throws {
        let (clusters, instances, services) = try await APISession.with(connection) { session in
            let arns = try await session.listAll("ListClusters", [:], key: "clusterArns")
            let clusters = try await session.describeAll("DescribeClusters", [:], arnsKey: "clusters", arns: arns, resultKey: "clusters", chunk: 100)
            let known = clusters.contains { $0["clusterName"] as? String == cluster.name || $0["clusterArn"] as? String == cluster.name }
            guard known else { return (clusters, [[String: Any]](), [[String: Any]]()) }
            return (clusters, try await session.instances(cluster: cluster.name), try await session.services(cluster: cluster.name))
        }
        if connection.output == "json" {
            return try Terminal.printJSON(["clusters": clusters, "cluster": cluster.name, "containerInstances": instances, "services": services])
        }
        let rows = clusters.sorted { ($0["clusterName"] as? String ?? "") < ($1["clusterName"] as? String ?? "") }.map { item in
            [item["clusterName"] as? String ?? "-", Terminal.status(item["status"] as? String ?? "-"),
             String(item["registeredContainerInstancesCount"] as? Int ?? 0), String(item["activeServicesCount"] as? Int ?? 0),
             String(item["runningTasksCount"] as? Int ?? 0), String(item["pendingTasksCount"] as? Int ?? 0)]
        }
        print(Table(header: ["CLUSTER", "STATUS", "INSTANCES", "SERVICES", "RUNNING", "PENDING"], rows: rows).rendered)
        guard clusters.contains(where: { $0["clusterName"] as? String == cluster.name || $0["clusterArn"] as? String == cluster.name }) else {
            print("\ncluster \(cluster.name) does not exist; pick one with --cluster")
            return
        }
        let connected = instances.filter { $0["agentConnected"] as? Bool == true }.count
        print("\n" + Terminal.paint("Instances in \(cluster.name)", .blue) + " (\(connected) of \(instances.count) connected)")
        print(instances.isEmpty ? "none; join a node with install-agent.sh or wharf-agent" : Table(header: Rows.instanceHeader, rows: instances.map(Rows.instance)).rendered)
        print("\n" + Terminal.paint("Services in \(cluster.name)", .blue))
        print(services.isEmpty ? "none" : Table(header: Rows.serviceHeader, rows: services.map(Rows.service)).rendered)
    }
}
