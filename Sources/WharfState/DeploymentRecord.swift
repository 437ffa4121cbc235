import Foundation
import WharfModel

/// One deployment of a service (ECS's `Deployment`): the tasks of one task definition and network
/// configuration that the scheduler keeps at its desired count.
public struct DeploymentRecord: Codable, Equatable, Sendable {
    /// Its ID, `ecs-svc/` and 19 digits: the `startedBy` of its tasks.
    public var id: String
    public var status: DeploymentStatus
    public var taskDefinition: TaskDefinitionKey
    public var desiredCount: Int
    /// Its tasks that run and that are wanted running but do not run yet, as the scheduler's last
    /// round counted them.
    public var runningCount: Int
    public var pendingCount: Int
    /// Its tasks that failed to start or whose essential container exited.
    public var failedTasks: Int
    public var createdAt: Date
    public var updatedAt: Date
    /// Nil when the service runs with a capacity provider strategy instead.
    public var launchType: LaunchType?
    public var capacityProviderStrategy: [CapacityProviderStrategyItem]?
    public var networkConfiguration: Shared<ECS.NetworkConfiguration>?
    /// The platform version of its tasks when they run as FARGATE (`1.4.0`).
    public var platformVersion: String?
    public var rolloutState: RolloutState
    public var rolloutStateReason: String?

    /// Creates a deployment, IN_PROGRESS with no task yet.
    public init(
        id: String,
        status: DeploymentStatus,
        taskDefinition: TaskDefinitionKey,
        desiredCount: Int,
        runningCount: Int = 0,
        pendingCount: Int = 0,
        failedTasks: Int = 0,
        createdAt: Date,
        updatedAt: Date,
        launchType: LaunchType?,
        capacityProviderStrategy: [CapacityProviderStrategyItem]? = nil,
        networkConfiguration: Shared<ECS.NetworkConfiguration>? = nil,
        rolloutState: RolloutState = .inProgress,
        rolloutStateReason: String? = nil
    ) {
        self.id = id
        self.status = status
        self.taskDefinition = taskDefinition
        self.desiredCount = desiredCount
        self.runningCount = runningCount
        self.pendingCount = pendingCount
        self.failedTasks = failedTasks
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.launchType = launchType
        self.capacityProviderStrategy = capacityProviderStrategy
        self.networkConfiguration = networkConfiguration
        self.rolloutState = rolloutState
        self.rolloutStateReason = rolloutStateReason
    }
}

/// How a service rolls out its deployments: what the scheduler acts on, typed, and whatever else
/// the user gave (alarms that are off, the ROLLING strategy) kept as given.
public struct DeploymentSettings: Codable, Equatable, Sendable {
    /// The most tasks, in percent of the desired count, that may run during a deployment.
    public var maximumPercent: Int
    /// The fewest healthy tasks, in percent of the desired count, that must keep running.
    public var minimumHealthyPercent: Int
    /// Whether the circuit breaker fails a deployment whose tasks keep failing.
    public var circuitBreakerEnabled: Bool
    /// Whether a failed deployment rolls back to the last one that completed.
    public var circuitBreakerRollback: Bool
    /// The other members of the configuration, as given; nil when there are none.
    public var others: Shared<ECS.DeploymentConfiguration>?

    /// Creates settings.
    public init(
        maximumPercent: Int,
        minimumHealthyPercent: Int,
        circuitBreakerEnabled: Bool = false,
        circuitBreakerRollback: Bool = false,
        others: Shared<ECS.DeploymentConfiguration>? = nil
    ) {
        self.maximumPercent = maximumPercent
        self.minimumHealthyPercent = minimumHealthyPercent
        self.circuitBreakerEnabled = circuitBreakerEnabled
        self.circuitBreakerRollback = circuitBreakerRollback
        self.others = others
    }

    /// ECS's defaults: 200/100 for a REPLICA service, 100/0 for a DAEMON one; the breaker off.
    public static func defaults(daemon: Bool) -> DeploymentSettings {
        DeploymentSettings(maximumPercent: daemon ? 100 : 200, minimumHealthyPercent: daemon ? 0 : 100)
    }
}
