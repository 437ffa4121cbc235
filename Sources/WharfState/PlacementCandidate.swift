import WharfModel

/// A container instance as placement sees it: what is left on it and what describes it.
public struct PlacementCandidate: Equatable, Sendable {
    /// The instance's ARN.
    public var arn: String
    /// ACTIVE instances take tasks; DRAINING and others do not.
    public var status: InstanceStatus
    public var agentConnected: Bool
    public var remainingCPU: Int
    public var remainingMemoryMiB: Int
    /// GPUs no task holds.
    public var remainingGPUs: Int
    /// Host ports taken by running tasks or reserved by the node.
    public var usedPorts: Set<TaskDemand.HostPort>
    /// Attributes by name (`ecs.os-type`, user attributes, ...).
    public var attributes: [String: String]
    /// How many tasks of each task group run here (for distinctInstance and spread).
    public var tasksByGroup: [String: Int]
    /// How many tasks run here in all.
    public var taskCount: Int
    /// What the cluster query language also looks at.
    public var agentVersion: String?
    public var ec2InstanceId: String?
    /// When the instance registered (epoch seconds).
    public var registeredAt: Double?

    /// Creates a candidate.
    public init(
        arn: String,
        status: InstanceStatus = .active,
        agentConnected: Bool = true,
        remainingCPU: Int,
        remainingMemoryMiB: Int,
        remainingGPUs: Int = 0,
        usedPorts: Set<TaskDemand.HostPort> = [],
        attributes: [String: String] = [:],
        tasksByGroup: [String: Int] = [:],
        taskCount: Int = 0,
        agentVersion: String? = nil,
        ec2InstanceId: String? = nil,
        registeredAt: Double? = nil
    ) {
        self.arn = arn
        self.status = status
        self.agentConnected = agentConnected
        self.remainingCPU = remainingCPU
        self.remainingMemoryMiB = remainingMemoryMiB
        self.remainingGPUs = remainingGPUs
        self.usedPorts = usedPorts
        self.attributes = attributes
        self.tasksByGroup = tasksByGroup
        self.taskCount = taskCount
        self.agentVersion = agentVersion
        self.ec2InstanceId = ec2InstanceId
        self.registeredAt = registeredAt
    }

    /// Why `demand` does not fit here, in ECS's words (`RESOURCE:CPU`, `AGENT`, ...), or nil.
    public func misfitReason(_ demand: TaskDemand) -> String? {
        if status != .active { return "INACTIVE" }
        if !agentConnected { return "AGENT" }
        if demand.cpu > remainingCPU { return "RESOURCE:CPU" }
        if demand.memoryMiB > remainingMemoryMiB { return "RESOURCE:MEMORY" }
        if !demand.hostPorts.isDisjoint(with: usedPorts) { return "RESOURCE:PORTS" }
        if demand.gpus > remainingGPUs { return "RESOURCE:GPU" }
        return nil
    }

    /// Takes `demand` (and one task of `group`) from this instance.
    public mutating func take(_ demand: TaskDemand, group: String) {
        remainingCPU -= demand.cpu
        remainingMemoryMiB -= demand.memoryMiB
        remainingGPUs -= demand.gpus
        usedPorts.formUnion(demand.hostPorts)
        tasksByGroup[group, default: 0] += 1
        taskCount += 1
    }

    /// Gives back what ``take(_:group:)`` took, for a task that leaves this instance. Host ports
    /// are not given back: a port may also be one the instance reserves, so the caller rebuilds
    /// the candidate when the demand holds any.
    public mutating func giveBack(_ demand: TaskDemand, group: String) {
        remainingCPU += demand.cpu
        remainingMemoryMiB += demand.memoryMiB
        remainingGPUs += demand.gpus
        let left = tasksByGroup[group, default: 0] - 1
        tasksByGroup[group] = left > 0 ? left : nil
        taskCount -= 1
    }
}
