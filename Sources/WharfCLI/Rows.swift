import Foundation
import WharfModel

/// The table rows the listing commands share, from described ECS resources.
enum Rows {
    /// The `integerValue` of the resource named `name` (`CPU`, `MEMORY`) in `resources`.
    static func resource(_ resources: [ECS.Resource]?, _ name: String) -> Int? {
        resources?.first { $0.name == name }?.integerValue
    }

    /// `remaining/registered` of the resource named `name` on a container instance.
    static func capacity(_ item: ECS.ContainerInstance, _ name: String) -> String {
        let remaining = resource(item.remainingResources, name).map(String.init) ?? "-"
        let registered = resource(item.registeredResources, name).map(String.init) ?? "-"
        return "\(remaining)/\(registered)"
    }

    /// CPU units and MiB of memory used, `-` where the controller did not say.
    static func usage(_ used: Usage?) -> (cpu: String, memory: String) {
        guard let used else { return ("-", "-") }
        return (Terminal.number(used.cpuUnits), Terminal.number(used.memoryMiB))
    }

    static let clusterHeader = ["CLUSTER", "STATUS", "INSTANCES", "SERVICES", "RUNNING", "PENDING"]

    /// A cluster's row: its name, status, and how many instances, services and tasks it has.
    static func cluster(_ item: ECS.Cluster) -> [String] {
        [
            item.clusterName ?? "-",
            Terminal.status(item.status ?? "-"),
            String(item.registeredContainerInstancesCount ?? 0),
            String(item.activeServicesCount ?? 0),
            String(item.runningTasksCount ?? 0),
            String(item.pendingTasksCount ?? 0),
        ]
    }

    static let instanceHeader = [
        "INSTANCE", "HOST", "STATUS", "AGENT", "TASKS", "CPU FREE", "MEMORY FREE (MiB)", "CPU USED",
        "MEMORY USED (MiB)",
    ]

    static func instance(_ item: Described<ECS.ContainerInstance>) -> [String] {
        let used = usage(item.utilization)
        let connected = item.agentConnected == true
        return [
            Terminal.short(item.containerInstanceArn),
            item.ec2InstanceId ?? "-",
            Terminal.status(item.status ?? "-"),
            connected ? Terminal.paint("connected", .green) : Terminal.paint("disconnected", .red),
            String(item.runningTasksCount ?? 0),
            capacity(item.resource, "CPU"),
            capacity(item.resource, "MEMORY"),
            used.cpu,
            used.memory,
        ]
    }

    static let serviceHeader = [
        "SERVICE", "STATUS", "RUNNING", "PENDING", "DEPLOYMENT", "TASK DEFINITION", "CPU USED", "MEMORY USED (MiB)",
        "SCALING",
    ]

    /// A service's row; `scaling` is its Application Auto Scaling, if it has any.
    static func service(_ item: Described<ECS.Service>, scaling: ServiceScaling? = nil) -> [String] {
        let used = usage(item.utilization)
        let deployments = item.deployments ?? []
        let rollout = deployments.first?.rolloutState ?? "-"
        let state = deployments.count > 1 ? "\(rollout) (\(deployments.count) deployments)" : rollout
        return [
            item.serviceName ?? "-",
            Terminal.status(item.status ?? "-"),
            "\(item.runningCount ?? 0)/\(item.desiredCount ?? 0)",
            String(item.pendingCount ?? 0),
            Terminal.status(state),
            Terminal.short(item.taskDefinition),
            used.cpu,
            used.memory,
            scaling?.summary ?? "-",
        ]
    }

    static let taskHeader = [
        "TASK", "GROUP", "STATUS", "DESIRED", "HEALTH", "TASK DEFINITION", "INSTANCE", "STARTED", "CPU USED",
        "MEMORY USED (MiB)",
    ]

    static func task(_ item: Described<ECS.Task>) -> [String] {
        let used = usage(item.utilization)
        return [
            Terminal.short(item.taskArn),
            item.group ?? "-",
            Terminal.status(item.lastStatus ?? "-"),
            item.desiredStatus ?? "-",
            Terminal.status(item.healthStatus ?? "-"),
            Terminal.short(item.taskDefinitionArn),
            Terminal.short(item.containerInstanceArn),
            Terminal.ago(item.startedAt?.timeIntervalSince1970),
            used.cpu,
            used.memory,
        ]
    }
}
