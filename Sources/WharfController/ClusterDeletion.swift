import WharfModel

/// When ECS lets a cluster be deleted: not while it has active services, registered container
/// instances or tasks, each refused with its own exception.
enum ClusterDeletion {
    static func check(cluster: String, activeServices: Int, registeredInstances: Int, tasks: Int) throws(ECSError) {
        if activeServices > 0 {
            throw ECSError(
                .clusterContainsServices,
                "The Cluster cannot be deleted while Services are active.",
                hint: "cluster \"\(cluster)\" still has \(activeServices) active service(s)"
            )
        }
        if registeredInstances > 0 {
            throw ECSError(
                .clusterContainsContainerInstances,
                "The Cluster cannot be deleted while Container Instances are active.",
                hint: "cluster \"\(cluster)\" still has \(registeredInstances) registered container instance(s)"
            )
        }
        if tasks > 0 {
            throw ECSError(
                .clusterContainsTasks,
                "The Cluster cannot be deleted while Tasks are active.",
                hint: "cluster \"\(cluster)\" still has \(tasks) task(s); stop them first"
            )
        }
    }
}
