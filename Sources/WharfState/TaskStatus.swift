/// A task's status, as ECS names the steps of its lifecycle. The raw values are ECS's.
public enum TaskStatus: String, Codable, Sendable, CaseIterable {
    case provisioning = "PROVISIONING"
    case pending = "PENDING"
    case activating = "ACTIVATING"
    case running = "RUNNING"
    case deactivating = "DEACTIVATING"
    case stopping = "STOPPING"
    case deprovisioning = "DEPROVISIONING"
    case stopped = "STOPPED"
    case deleted = "DELETED"

    /// How far along its lifecycle a task with this status is: a task's status only moves forward,
    /// in the order of the cases above.
    public var lifecycleStep: Int {
        switch self {
        case .provisioning: 0
        case .pending: 1
        case .activating: 2
        case .running: 3
        case .deactivating: 4
        case .stopping: 5
        case .deprovisioning: 6
        case .stopped: 7
        case .deleted: 8
        }
    }
}

/// What the controller wants of a task. ECS's model also lists PENDING, which no task is ever
/// desired to be.
public enum DesiredStatus: String, Codable, Sendable {
    case running = "RUNNING"
    case stopped = "STOPPED"
}

/// A container's status as the agent reports it.
public enum ContainerStatus: String, Codable, Sendable {
    case pending = "PENDING"
    case running = "RUNNING"
    case stopped = "STOPPED"
}

/// What health checks say of a task or container.
public enum HealthStatus: String, Codable, Sendable {
    case unknown = "UNKNOWN"
    case healthy = "HEALTHY"
    case unhealthy = "UNHEALTHY"
}

/// Why a task stopped, in ECS's codes.
public enum TaskStopCode: String, Codable, Sendable {
    case taskFailedToStart = "TaskFailedToStart"
    case essentialContainerExited = "EssentialContainerExited"
    case userInitiated = "UserInitiated"
    case serviceSchedulerInitiated = "ServiceSchedulerInitiated"
    case spotInterruption = "SpotInterruption"
    case terminationNotice = "TerminationNotice"
}

/// Where ECS runs a task. Wharf runs EC2 and EXTERNAL tasks on its own container instances.
public enum LaunchType: String, Codable, Sendable {
    case ec2 = "EC2"
    case fargate = "FARGATE"
    case external = "EXTERNAL"
    case managedInstances = "MANAGED_INSTANCES"
}
