import Foundation
import WharfModel

/// A task as the controller keeps it: where it runs, what it runs, what is wanted of it and what
/// its agent last reported. ECS's `Task` shape is made from it only when an answer is written
/// (`ECSProjection` in WharfController); ARNs are derived from the IDs, not stored.
public struct TaskRecord: Codable, Equatable, Sendable {
    public var id: TaskID
    /// The name of its cluster.
    public var cluster: String
    /// The container instance it was placed on.
    public var instance: InstanceID?
    /// The task definition revision it runs.
    public var taskDefinition: TaskDefinitionKey
    /// Its task group: `family:NAME`, `service:NAME` or what RunTask was given.
    public var group: String
    /// Who started it: RunTask's `startedBy`, or the ID of the service deployment that did.
    public var startedBy: String?
    public var launchType: LaunchType
    public var lastStatus: TaskStatus
    public var desiredStatus: DesiredStatus
    public var health: HealthStatus
    public var stopCode: TaskStopCode?
    public var stoppedReason: String?
    /// The task-level CPU and memory as given (by the overrides or the definition), as ECS shows them.
    public var cpu: String?
    public var memory: String?
    public var createdAt: Date
    public var pullStartedAt: Date?
    public var pullStoppedAt: Date?
    public var startedAt: Date?
    public var stoppingAt: Date?
    /// While a service task is taken out of its load balancers before it stops (DEACTIVATING):
    /// when its targets' draining ends. Its node keeps it running until then.
    public var deactivatingUntil: Date?
    public var stoppedAt: Date?
    public var executionStoppedAt: Date?
    /// Raised by every change, as ECS's `version`.
    public var version: Int
    public var containers: [ContainerRecord]
    /// The overrides RunTask or StartTask was given, kept as given: the agent applies them.
    public var overrides: Shared<ECS.TaskOverride>?
    public var tags: [Tag]
    /// The network interface of an awsvpc task.
    public var network: TaskNetworkRecord?
    /// The platform version of a FARGATE task (`1.4.0`).
    public var platformVersion: String?
    /// The capacity provider it was launched with (`FARGATE`, `FARGATE_SPOT`), if any.
    public var capacityProviderName: String?
    /// Until when the task is protected from scale-in and deployments (UpdateTaskProtection); nil
    /// when it is not.
    public var protectedUntil: Date?
    /// Whether `wharf exec` (ECS's ExecuteCommand) may run commands in its containers; nil is no.
    public var enableExecuteCommand: Bool?

    /// Creates a record.
    public init(
        id: TaskID,
        cluster: String,
        instance: InstanceID?,
        taskDefinition: TaskDefinitionKey,
        group: String,
        startedBy: String? = nil,
        launchType: LaunchType = .ec2,
        lastStatus: TaskStatus = .provisioning,
        desiredStatus: DesiredStatus = .running,
        health: HealthStatus = .unknown,
        stopCode: TaskStopCode? = nil,
        stoppedReason: String? = nil,
        cpu: String? = nil,
        memory: String? = nil,
        createdAt: Date,
        version: Int = 1,
        containers: [ContainerRecord] = [],
        overrides: Shared<ECS.TaskOverride>? = nil,
        tags: [Tag] = [],
        network: TaskNetworkRecord? = nil,
        platformVersion: String? = nil
    ) {
        self.network = network
        self.platformVersion = platformVersion
        self.id = id
        self.cluster = cluster
        self.instance = instance
        self.taskDefinition = taskDefinition
        self.group = group
        self.startedBy = startedBy
        self.launchType = launchType
        self.lastStatus = lastStatus
        self.desiredStatus = desiredStatus
        self.health = health
        self.stopCode = stopCode
        self.stoppedReason = stoppedReason
        self.cpu = cpu
        self.memory = memory
        self.createdAt = createdAt
        self.version = version
        self.containers = containers
        self.overrides = overrides
        self.tags = tags
    }

    /// Whether its protection (UpdateTaskProtection) still holds at `now`.
    public func isProtected(at now: Date) -> Bool { protectedUntil.map { $0 > now } ?? false }

    /// Whether it is wanted stopped but still draining from its load balancers.
    public var isDeactivating: Bool { deactivatingUntil != nil && desiredStatus == .stopped && lastStatus != .stopped }

    /// Whether the controller has recorded it STOPPED (final: no later report changes it).
    public var isStopped: Bool { lastStatus == .stopped }

    /// Whether it still holds resources on its instance: placed there and not yet STOPPED.
    public var holdsResources: Bool { instance != nil && lastStatus != .stopped }

    /// Its task group within its cluster.
    public var groupKey: GroupKey { GroupKey(cluster: cluster, group: group) }
}

/// One container of a task.
public struct ContainerRecord: Codable, Equatable, Sendable {
    public var id: ContainerID
    /// Its name in the task definition.
    public var name: String
    public var image: String?
    /// CPU units, memory and memory reservation as the definition gives them.
    public var cpu: Int
    public var memory: Int?
    public var memoryReservation: Int?
    /// The engine's container ID, once created.
    public var runtimeId: String?
    public var lastStatus: ContainerStatus
    public var exitCode: Int?
    /// Why it stopped or could not start, in ECS's words.
    public var reason: String?
    public var networkBindings: [NetworkBinding]
    public var health: HealthStatus?
    /// The node's GPUs the agent gave it.
    public var gpuIDs: [String]?

    /// Creates a record, PENDING unless told otherwise.
    public init(
        id: ContainerID,
        name: String,
        image: String?,
        cpu: Int = 0,
        memory: Int? = nil,
        memoryReservation: Int? = nil,
        runtimeId: String? = nil,
        lastStatus: ContainerStatus = .pending,
        exitCode: Int? = nil,
        reason: String? = nil,
        networkBindings: [NetworkBinding] = [],
        health: HealthStatus? = nil
    ) {
        self.id = id
        self.name = name
        self.image = image
        self.cpu = cpu
        self.memory = memory
        self.memoryReservation = memoryReservation
        self.runtimeId = runtimeId
        self.lastStatus = lastStatus
        self.exitCode = exitCode
        self.reason = reason
        self.networkBindings = networkBindings
        self.health = health
    }
}

/// A port of a container bound on its host, as the agent reports it.
public struct NetworkBinding: Codable, Hashable, Sendable {
    public var bindIP: String?
    public var containerPort: Int?
    public var hostPort: Int?
    /// `tcp` or `udp`.
    public var `protocol`: String?
    public var containerPortRange: String?
    public var hostPortRange: String?

    /// Creates a binding.
    public init(
        bindIP: String? = nil,
        containerPort: Int? = nil,
        hostPort: Int? = nil,
        protocol: String? = nil,
        containerPortRange: String? = nil,
        hostPortRange: String? = nil
    ) {
        self.bindIP = bindIP
        self.containerPort = containerPort
        self.hostPort = hostPort
        self.protocol = `protocol`
        self.containerPortRange = containerPortRange
        self.hostPortRange = hostPortRange
    }
}

/// A task group within one cluster: what a service's tasks share (`service:NAME`).
public struct GroupKey: Hashable, Sendable {
    public var cluster: String
    public var group: String

    /// Creates a key.
    public init(cluster: String, group: String) {
        self.cluster = cluster
        self.group = group
    }
}
