import Foundation
import WharfModel

/// Who deploys a service's tasks: ECS's own rolling deployments, or an outside controller that
/// manages task sets (`EXTERNAL`).
public enum DeploymentControllerType: String, Codable, Sendable {
    case ecs = "ECS"
    case external = "EXTERNAL"
}

/// Where a task set stands (ECS's `TaskSet.status`).
public enum TaskSetStatus: String, Codable, Sendable {
    /// The one serving production traffic; DescribeServices shows its settings.
    case primary = "PRIMARY"
    case active = "ACTIVE"
    /// Deleted: its tasks are being stopped, then it is gone.
    case draining = "DRAINING"
}

extension ServiceRecord {
    /// The IDs of the target groups its tasks are registered in: the service's own, and those of
    /// its task sets.
    public var balancedTargetGroups: Set<String> {
        var ids = Set((loadBalancers ?? []).map(\.targetGroupID))
        ids.formUnion((loadBalancers ?? []).compactMap(\.alternate?.alternateTargetGroupID))
        for set in taskSets ?? [] { ids.formUnion((set.loadBalancers ?? []).map(\.targetGroupID)) }
        return ids
    }
}

/// A task set of a service whose deployment controller is EXTERNAL: tasks of one task definition
/// and network configuration, kept at `scale` percent of the service's desired count.
public struct TaskSetRecord: Codable, Equatable, Sendable {
    /// `ecs-svc/` and 19 digits: the `startedBy` of its tasks.
    public var id: String
    public var externalId: String?
    public var status: TaskSetStatus
    public var taskDefinition: TaskDefinitionKey
    public var launchType: LaunchType?
    public var capacityProviderStrategy: [CapacityProviderStrategyItem]?
    public var platformVersion: String?
    public var networkConfiguration: Shared<ECS.NetworkConfiguration>?
    /// Percent of the service's desired count, 0 to 100.
    public var scale: Double
    /// Whether it runs exactly the tasks it should (STEADY_STATE), and since when.
    public var steady: Bool
    public var stabilityStatusAt: Date
    public var createdAt: Date
    public var updatedAt: Date
    public var clientToken: String?
    public var tags: [Tag]
    /// The target groups its tasks are registered in; nil for none.
    public var loadBalancers: [ServiceLoadBalancer]?
    /// The Cloud Map service its tasks are registered in; nil for none.
    public var serviceRegistries: [ServiceRegistryRecord]?

    /// Creates an ACTIVE task set with no task yet.
    public init(
        id: String,
        externalId: String? = nil,
        taskDefinition: TaskDefinitionKey,
        launchType: LaunchType?,
        capacityProviderStrategy: [CapacityProviderStrategyItem]? = nil,
        platformVersion: String? = nil,
        networkConfiguration: Shared<ECS.NetworkConfiguration>? = nil,
        scale: Double,
        createdAt: Date,
        clientToken: String? = nil,
        tags: [Tag] = []
    ) {
        self.id = id
        self.externalId = externalId
        self.status = .active
        self.taskDefinition = taskDefinition
        self.launchType = launchType
        self.capacityProviderStrategy = capacityProviderStrategy
        self.platformVersion = platformVersion
        self.networkConfiguration = networkConfiguration
        self.scale = scale
        self.steady = false
        self.stabilityStatusAt = createdAt
        self.createdAt = createdAt
        self.updatedAt = createdAt
        self.clientToken = clientToken
        self.tags = tags
    }

    /// How many tasks it keeps for a service that wants `desired`: `scale` percent, rounded up
    /// as ECS rounds it; none once it drains.
    public func computedDesiredCount(of desired: Int) -> Int {
        guard status != .draining else { return 0 }
        return Int((Double(desired) * scale / 100).rounded(.up))
    }

    /// The task set as the scheduler launches tasks for it: a deployment of its settings.
    public var deployment: DeploymentRecord {
        var deployment = DeploymentRecord(
            id: id,
            status: status == .primary ? .primary : .active,
            taskDefinition: taskDefinition,
            desiredCount: 0,
            createdAt: createdAt,
            updatedAt: updatedAt,
            launchType: launchType,
            capacityProviderStrategy: capacityProviderStrategy,
            networkConfiguration: networkConfiguration
        )
        deployment.platformVersion = platformVersion
        return deployment
    }
}
