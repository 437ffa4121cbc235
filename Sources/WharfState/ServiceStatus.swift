/// Where a service stands, in ECS's words. DeleteService makes it DRAINING; it is INACTIVE once
/// its last task has stopped.
public enum ServiceStatus: String, Codable, Sendable {
    case active = "ACTIVE"
    case draining = "DRAINING"
    case inactive = "INACTIVE"
}

/// How the service scheduler keeps a service's tasks: `desiredCount` of them placed by strategy,
/// or one on every instance that qualifies.
public enum SchedulingStrategy: String, Codable, Sendable {
    case replica = "REPLICA"
    case daemon = "DAEMON"
}

/// Where a service's new tasks take their tags from.
public enum PropagateTags: String, Codable, Sendable {
    case taskDefinition = "TASK_DEFINITION"
    case service = "SERVICE"
    case none = "NONE"
}

/// A deployment's place in its service: the one being rolled out, an older one still draining,
/// or one whose tasks have all stopped.
public enum DeploymentStatus: String, Codable, Sendable {
    case primary = "PRIMARY"
    case active = "ACTIVE"
    case inactive = "INACTIVE"
}

/// How a deployment's rollout goes.
public enum RolloutState: String, Codable, Sendable {
    case inProgress = "IN_PROGRESS"
    case completed = "COMPLETED"
    case failed = "FAILED"
}

/// Where a service deployment (ListServiceDeployments) stands.
public enum ServiceDeploymentStatus: String, Codable, Sendable {
    case pending = "PENDING"
    case inProgress = "IN_PROGRESS"
    case successful = "SUCCESSFUL"
    case stopped = "STOPPED"
    case stopRequested = "STOP_REQUESTED"
    case rollbackRequested = "ROLLBACK_REQUESTED"
    case rollbackInProgress = "ROLLBACK_IN_PROGRESS"
    case rollbackSuccessful = "ROLLBACK_SUCCESSFUL"
    case rollbackFailed = "ROLLBACK_FAILED"

    /// Still under way: in progress or rolling back.
    public var isRunning: Bool { self == .inProgress || self == .rollbackInProgress }
}

/// What the circuit breaker of a service deployment is doing.
public enum CircuitBreakerStatus: String, Codable, Sendable {
    case monitoring = "MONITORING"
    case monitoringComplete = "MONITORING_COMPLETE"
    case triggered = "TRIGGERED"
    case disabled = "DISABLED"
}
