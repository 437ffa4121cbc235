import WharfModel
import WharfProtocol
import WharfState

/// What the running containers use, as the agents sample it: kept in memory from each sync (the
/// next sync replaces it), summed per task, service and instance.
public struct Utilization: Codable, Equatable, Sendable {
    /// CPU in ECS units (1024 per core).
    public var cpuUnits: Double
    /// Memory in MiB.
    public var memoryMiB: Double
    /// How many containers were sampled.
    public var containers: Int

    public init(cpuUnits: Double = 0, memoryMiB: Double = 0, containers: Int = 0) {
        self.cpuUnits = cpuUnits
        self.memoryMiB = memoryMiB
        self.containers = containers
    }

    static func + (left: Utilization, right: Utilization) -> Utilization {
        Utilization(
            cpuUnits: ((left.cpuUnits + right.cpuUnits) * 10).rounded() / 10,
            memoryMiB: ((left.memoryMiB + right.memoryMiB) * 10).rounded() / 10,
            containers: left.containers + right.containers
        )
    }
}

extension Controller {
    /// Keeps the usage a sync reports, replacing what the instance reported before.
    func recordUsage(_ request: SyncRequest, instance: InstanceID) {
        var tasks: [String: Utilization] = [:]
        for task in request.tasks {
            let sampled = task.containers.compactMap(\.usage)
            guard !sampled.isEmpty else { continue }
            tasks[task.taskArn] = sampled.reduce(Utilization()) {
                $0 + Utilization(cpuUnits: $1.cpuUnits, memoryMiB: $1.memoryMiB, containers: 1)
            }
        }
        usage[instance] = tasks.isEmpty ? nil : tasks
    }

    /// The sampled use of each task, by task ARN.
    public func taskUtilization() -> [String: Utilization] {
        var all: [String: Utilization] = [:]
        for tasks in usage.values { all.merge(tasks) { first, _ in first } }
        return all
    }

    /// The sampled use of each container instance's tasks, by instance ID.
    public func instanceUtilization() -> [InstanceID: Utilization] {
        usage.mapValues { $0.values.reduce(Utilization(), +) }
    }
}
