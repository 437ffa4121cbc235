import WharfModel

/// When ECS lets a cluster be deleted: not while it has active services, registered container
/// instances or tasks, each refused with its own exception.
enum ClusterDeletion {
    static func check(cluster: String, activeServices: Int, registeredInstances: Int, tasks: Int) throws(ECSError) {
        if activeServices > 0 {
            throw ECSError(.clusterContainsServices, "cluster \"\(cluster)\" still has \(activeServices) active service(s); scale them to 0 and delete them first")
        }
        if registeredInstances > 0 {
            throw ECSError(.clusterContainsContainerInstances, "cluster \"\(cluster)\" still has \(registeredInstances) registered container instance(s); deregister them first")
        }
        if tasks > 0 {
            throw ECSError(.clusterContainsTasks, "cluster \"\(cluster)\" still has \(tasks) task(s); stop them first")
        }
    }
}
