import Foundation
import WharfModel

/// A service as the controller keeps it: the `Service` that DescribeServices returns (its
/// deployments and newest events included) plus what the service scheduler remembers between
/// rounds.
public struct ServiceRecord: Codable, Equatable, Sendable {
    /// The service, in ECS's shape.
    public var service: ECS.Service
    /// The cluster's name.
    public var cluster: String
    /// The `clientToken` of the CreateService that made it, for idempotent retries.
    public var clientToken: String?
    /// The newest deployment that completed: where a circuit breaker rolls back to.
    public var lastCompleted: CompletedDeployment?
    /// Task launches of the primary deployment that failed in a row (reset by a task that runs).
    public var consecutiveFailures: Int
    /// While launches are being throttled after repeated failures: no new task before this time
    /// (epoch seconds).
    public var throttledUntil: Double?
    /// The task ARNs that counted towards the primary deployment's `failedTasks`.
    public var countedFailures: Set<String>
    /// Whether the service was last seen in a steady state (so the event is written once).
    public var steady: Bool
    /// Its service deployments (ListServiceDeployments), newest first.
    public var serviceDeployments: [ECS.ServiceDeployment]
    /// When the scheduler made it INACTIVE (its last task had stopped after DeleteService): it is
    /// forgotten a task retention later. Nil for services INACTIVE since before this was kept.
    public var inactiveAt: Date?

    /// Creates a record.
    public init(
        service: ECS.Service,
        cluster: String,
        clientToken: String? = nil,
        lastCompleted: CompletedDeployment? = nil,
        consecutiveFailures: Int = 0,
        throttledUntil: Double? = nil,
        countedFailures: Set<String> = [],
        steady: Bool = false,
        serviceDeployments: [ECS.ServiceDeployment] = [],
        inactiveAt: Date? = nil
    ) {
        self.service = service
        self.cluster = cluster
        self.clientToken = clientToken
        self.lastCompleted = lastCompleted
        self.consecutiveFailures = consecutiveFailures
        self.throttledUntil = throttledUntil
        self.countedFailures = countedFailures
        self.steady = steady
        self.serviceDeployments = serviceDeployments
        self.inactiveAt = inactiveAt
    }

    /// The service's ARN.
    public var arn: String { service.serviceArn ?? "" }
    /// The service's name.
    public var name: String { service.serviceName ?? "" }
    /// The task group its tasks carry, as ECS sets it: `service:<name>`.
    public var group: String { "service:\(name)" }
    /// Its task group within its cluster.
    public var groupKey: GroupKey { GroupKey(cluster: cluster, group: group) }
    /// Whether the scheduler has nothing more to do for it: deleted and drained.
    public var isInactive: Bool { service.status == "INACTIVE" }
}

/// A deployment that reached COMPLETED, remembered after it is drained.
public struct CompletedDeployment: Codable, Equatable, Sendable {
    /// The deployment's ID (`ecs-svc/…`).
    public var id: String
    /// The task definition ARN it ran.
    public var taskDefinition: String

    /// Creates one.
    public init(id: String, taskDefinition: String) {
        self.id = id
        self.taskDefinition = taskDefinition
    }
}
