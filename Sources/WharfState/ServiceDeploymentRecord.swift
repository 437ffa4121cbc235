import Foundation

/// One service deployment (ECS's ListServiceDeployments and DescribeServiceDeployments): a
/// deployment a user started, from the revisions that ran before it to its own. Its ARN and its
/// revisions' ARNs are made from the service's ARN and the deployment IDs.
public struct ServiceDeploymentRecord: Codable, Equatable, Sendable {
    /// The deployment it follows (an `ecs-svc/…` ID).
    public var deployment: String
    public var createdAt: Date
    public var startedAt: Date
    public var updatedAt: Date
    public var finishedAt: Date?
    public var stoppedAt: Date?
    /// The revisions that ran when it began, with their counts as they drain.
    public var sources: [RevisionCounts]
    /// The revision it deploys.
    public var target: RevisionCounts
    public var status: ServiceDeploymentStatus
    public var statusReason: String?
    /// The service's deployment configuration when it began.
    public var configuration: DeploymentSettings
    public var circuitBreaker: CircuitBreakerState
    /// Set once the circuit breaker rolled it back.
    public var rollback: RollbackRecord?
    /// Its deployment alarms; nil in entries from before Wharf had them.
    public var alarms: DeploymentAlarmsState?
    /// The settings of the revision it deploys (DescribeServiceRevisions); nil in entries from
    /// before Wharf kept them.
    public var revision: ServiceRevisionRecord?
    /// The stage a blue/green, linear or canary deployment reached; nil for a rolling one.
    public var lifecycleStage: LifecycleStage?

    /// The deployment ID (`ecs-svc/…`) that ends a service deployment or service revision ARN.
    public static func deploymentID(inARN arn: String) -> String {
        "ecs-svc/" + (arn.split(separator: "/").last.map(String.init) ?? "")
    }

    /// Creates a service deployment.
    public init(
        deployment: String,
        createdAt: Date,
        startedAt: Date,
        updatedAt: Date,
        finishedAt: Date? = nil,
        stoppedAt: Date? = nil,
        sources: [RevisionCounts],
        target: RevisionCounts,
        status: ServiceDeploymentStatus,
        statusReason: String?,
        configuration: DeploymentSettings,
        circuitBreaker: CircuitBreakerState,
        rollback: RollbackRecord? = nil
    ) {
        self.deployment = deployment
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.updatedAt = updatedAt
        self.finishedAt = finishedAt
        self.stoppedAt = stoppedAt
        self.sources = sources
        self.target = target
        self.status = status
        self.statusReason = statusReason
        self.configuration = configuration
        self.circuitBreaker = circuitBreaker
        self.rollback = rollback
    }
}

/// A service revision's task counts: the revision is the one a deployment runs.
public struct RevisionCounts: Codable, Equatable, Sendable {
    /// The deployment whose revision it is (an `ecs-svc/…` ID).
    public var deployment: String
    public var requested: Int
    public var running: Int
    public var pending: Int

    /// Creates counts.
    public init(deployment: String, requested: Int, running: Int, pending: Int) {
        self.deployment = deployment
        self.requested = requested
        self.running = running
        self.pending = pending
    }
}

/// The circuit breaker as a service deployment shows it.
public struct CircuitBreakerState: Codable, Equatable, Sendable {
    public var status: CircuitBreakerStatus
    public var failureCount: Int
    public var threshold: Int

    /// Creates one.
    public init(status: CircuitBreakerStatus, failureCount: Int, threshold: Int) {
        self.status = status
        self.failureCount = failureCount
        self.threshold = threshold
    }
}

/// The CloudWatch alarms a service deployment watches (`deploymentConfiguration.alarms`), as
/// the deployment shows them.
public struct DeploymentAlarmsState: Codable, Equatable, Sendable {
    public var status: CircuitBreakerStatus
    public var names: [String]
    /// The alarms that were in ALARM when the deployment failed.
    public var triggered: [String]

    /// Creates one.
    public init(status: CircuitBreakerStatus, names: [String], triggered: [String] = []) {
        self.status = status
        self.names = names
        self.triggered = triggered
    }
}

/// A circuit-breaker rollback of a service deployment.
public struct RollbackRecord: Codable, Equatable, Sendable {
    public var reason: String
    public var startedAt: Date
    /// The deployment whose revision it rolls back to.
    public var target: String

    /// Creates one.
    public init(reason: String, startedAt: Date, target: String) {
        self.reason = reason
        self.startedAt = startedAt
        self.target = target
    }
}
