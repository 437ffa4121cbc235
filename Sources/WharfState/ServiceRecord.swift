import Foundation
import WharfModel

/// A service as the controller keeps it: its settings, its deployments (the primary first) and
/// newest events, and what the service scheduler remembers between rounds. DescribeServices shows
/// it in ECS's shape, made at the API edge.
public struct ServiceRecord: Codable, Equatable, Sendable {
    /// Its ARN: `arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/NAME`.
    public var arn: String
    public var name: String
    /// The cluster's name.
    public var cluster: String
    public var status: ServiceStatus
    /// How many tasks it keeps (for a DAEMON service: how many instances qualify).
    public var desiredCount: Int
    public var schedulingStrategy: SchedulingStrategy
    /// Nil when it runs with a capacity provider strategy instead.
    public var launchType: LaunchType?
    public var capacityProviderStrategy: [CapacityProviderStrategyItem]?
    /// The task definition of its primary deployment.
    public var taskDefinition: TaskDefinitionKey
    public var deploymentConfiguration: DeploymentSettings
    /// Its deployments, the primary first.
    public var deployments: [DeploymentRecord]
    public var roleArn: String?
    /// Its events, newest first.
    public var events: [ServiceEventRecord]
    public var createdAt: Date
    /// The principal that created it.
    public var createdBy: String?
    /// Placement rules as given (checked when given; placement reads them each round).
    public var placementConstraints: [ECS.PlacementConstraint]
    public var placementStrategy: [ECS.PlacementStrategy]
    public var networkConfiguration: Shared<ECS.NetworkConfiguration>?
    /// The platform version of a service whose tasks run as FARGATE (`1.4.0`).
    public var platformVersion: String?
    public var healthCheckGracePeriodSeconds: Int?
    /// The target groups its tasks are registered in; nil for none (and in records from before).
    public var loadBalancers: [ServiceLoadBalancer]?
    /// The Cloud Map service its tasks are registered in; nil for none.
    public var serviceRegistries: [ServiceRegistryRecord]?
    public var tags: [Tag]
    public var enableECSManagedTags: Bool
    public var propagateTags: PropagateTags
    public var enableExecuteCommand: Bool

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
    /// While a deployment with alarms bakes: the primary deployment settled, and completes at this
    /// time (epoch seconds) unless one of its alarms goes off first.
    public var bakeUntil: Double?
    /// When the first protection of one of its tasks (UpdateTaskProtection) lapses (epoch
    /// seconds), so the scheduler plans the service again then; nil when none is protected.
    public var protectionLapsesAt: Double?
    /// StopServiceDeployment asked to stop the primary deployment and roll back; the next round
    /// does it and clears this.
    public var deploymentStopRequested: Bool?
    /// Its service deployments (ListServiceDeployments), newest first.
    public var serviceDeployments: [ServiceDeploymentRecord]
    /// When the scheduler made it INACTIVE (its last task had stopped after DeleteService): it is
    /// forgotten a task retention later. Nil for services INACTIVE since before this was kept.
    public var inactiveAt: Date?
    /// EXTERNAL for a service whose task sets an outside controller manages; nil is ECS.
    public var deploymentController: DeploymentControllerType?
    /// The task sets of an EXTERNAL service (it has no deployments); nil otherwise.
    public var taskSets: [TaskSetRecord]?
    /// The blue/green (linear, canary) deployment in progress, if any.
    public var blueGreen: BlueGreenState?
    /// Whether production traffic goes to the load balancers' alternate target groups: each
    /// blue/green deployment that completes moves it to the other set.
    public var alternateServesProduction: Bool?

    /// Whether an outside controller manages its task sets (`deploymentController` EXTERNAL).
    public var isExternal: Bool { deploymentController == .external }

    /// Creates a record of an ACTIVE service with no event, deployment history nor bookkeeping yet.
    public init(
        arn: String,
        name: String,
        cluster: String,
        status: ServiceStatus = .active,
        desiredCount: Int,
        schedulingStrategy: SchedulingStrategy = .replica,
        launchType: LaunchType? = .ec2,
        capacityProviderStrategy: [CapacityProviderStrategyItem]? = nil,
        taskDefinition: TaskDefinitionKey,
        deploymentConfiguration: DeploymentSettings = .defaults(daemon: false),
        deployments: [DeploymentRecord] = [],
        roleArn: String? = nil,
        events: [ServiceEventRecord] = [],
        createdAt: Date,
        createdBy: String? = nil,
        placementConstraints: [ECS.PlacementConstraint] = [],
        placementStrategy: [ECS.PlacementStrategy] = [],
        networkConfiguration: Shared<ECS.NetworkConfiguration>? = nil,
        healthCheckGracePeriodSeconds: Int? = nil,
        tags: [Tag] = [],
        enableECSManagedTags: Bool = false,
        propagateTags: PropagateTags = .none,
        enableExecuteCommand: Bool = false,
        clientToken: String? = nil
    ) {
        self.arn = arn
        self.name = name
        self.cluster = cluster
        self.status = status
        self.desiredCount = desiredCount
        self.schedulingStrategy = schedulingStrategy
        self.launchType = launchType
        self.capacityProviderStrategy = capacityProviderStrategy
        self.taskDefinition = taskDefinition
        self.deploymentConfiguration = deploymentConfiguration
        self.deployments = deployments
        self.roleArn = roleArn
        self.events = events
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.placementConstraints = placementConstraints
        self.placementStrategy = placementStrategy
        self.networkConfiguration = networkConfiguration
        self.healthCheckGracePeriodSeconds = healthCheckGracePeriodSeconds
        self.tags = tags
        self.enableECSManagedTags = enableECSManagedTags
        self.propagateTags = propagateTags
        self.enableExecuteCommand = enableExecuteCommand
        self.clientToken = clientToken
        self.lastCompleted = nil
        self.consecutiveFailures = 0
        self.throttledUntil = nil
        self.countedFailures = []
        self.steady = false
        self.serviceDeployments = []
        self.inactiveAt = nil
    }

    /// The task group its tasks carry, as ECS sets it: `service:<name>`.
    public var group: String { "service:\(name)" }
    /// Its task group within its cluster.
    public var groupKey: GroupKey { GroupKey(cluster: cluster, group: group) }
    /// Whether the scheduler has nothing more to do for it: deleted and drained.
    public var isInactive: Bool { status == .inactive }
    /// Whether it runs one task on every instance that qualifies.
    public var isDaemon: Bool { schedulingStrategy == .daemon }
    /// The deployment being rolled out.
    public var primary: DeploymentRecord? {
        get { deployments.first }
        set {
            guard let newValue, !deployments.isEmpty else { return }
            deployments[0] = newValue
        }
    }
}

/// A deployment that reached COMPLETED, remembered after it is drained.
public struct CompletedDeployment: Codable, Equatable, Sendable {
    /// The deployment's ID (`ecs-svc/…`).
    public var id: String
    /// The task definition it ran.
    public var taskDefinition: TaskDefinitionKey

    /// Creates one.
    public init(id: String, taskDefinition: TaskDefinitionKey) {
        self.id = id
        self.taskDefinition = taskDefinition
    }
}

/// A target group a service's tasks are registered in: the container and port that serve it.
public struct ServiceLoadBalancer: Codable, Equatable, Sendable {
    /// The 16 hex digits that end the target group's ARN.
    public var targetGroupID: String
    public var containerName: String
    public var containerPort: Int
    /// The alternate target group and listener rules of blue/green deployments.
    public var alternate: AlternateTarget?

    /// Creates a service's load balancer.
    public init(targetGroupID: String, containerName: String, containerPort: Int, alternate: AlternateTarget? = nil) {
        self.targetGroupID = targetGroupID
        self.containerName = containerName
        self.containerPort = containerPort
        self.alternate = alternate
    }

    /// The target group of the production set (`production` true) or the other set, when the
    /// alternate one serves production if `alternateServes`; the target group itself when there
    /// is no alternate.
    public func targetGroup(production: Bool, alternateServes: Bool) -> String {
        guard let alternate else { return targetGroupID }
        return production != alternateServes ? targetGroupID : alternate.alternateTargetGroupID
    }
}

/// A Cloud Map service a service's tasks are registered in, with the port its SRV records carry:
/// `port`, or the one `containerName` publishes `containerPort` on.
public struct ServiceRegistryRecord: Codable, Equatable, Sendable {
    /// The Cloud Map service's ID (`srv-…`).
    public var serviceID: String
    public var port: Int?
    public var containerName: String?
    public var containerPort: Int?

    /// Creates a service registry.
    public init(serviceID: String, port: Int? = nil, containerName: String? = nil, containerPort: Int? = nil) {
        self.serviceID = serviceID
        self.port = port
        self.containerName = containerName
        self.containerPort = containerPort
    }
}
