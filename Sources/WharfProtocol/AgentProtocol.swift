import WharfModel

/// Agent protocol v1: JSON over HTTP(S) under `/agent/v1/`, between `wharf-agent` and
/// `wharf-controller`. Level-triggered: every sync carries the agent's whole view of its tasks and
/// every answer the controller's whole desired state for the node, so a lost message loses nothing.
/// `Protocols/agent-v1.openapi.yaml` publishes the same shapes; a test keeps the two in step.
public enum AgentProtocol {
    /// The protocol version these types speak.
    public static let version = 1
    /// The path prefix of every endpoint.
    public static let pathPrefix = "/agent/v1"
    /// `POST` with a ``RegisterRequest``; answers ``RegisterResponse``.
    public static let registerPath = "/agent/v1/register"
    /// `POST` with a ``SyncRequest``; answers ``SyncResponse``, at once or after a long poll.
    public static let syncPath = "/agent/v1/sync"
    /// `POST` with a ``LogDeliveryRequest``; answers ``LogDeliveryResponse``.
    public static let logsPath = "/agent/v1/logs"
}

/// What a node offers: CPU units (cores × 1024), memory in MiB after the agent's reservation, and
/// the host ports nothing may be placed on.
public struct NodeResources: Codable, Equatable, Sendable {
    public var cpu: Int
    public var memoryMiB: Int
    public var reservedTCPPorts: [Int]
    public var reservedUDPPorts: [Int]
    /// The IDs of the node's GPUs (NVIDIA UUIDs such as `GPU-6a8f...`); absent without any.
    public var gpus: [String]?

    public init(cpu: Int, memoryMiB: Int, reservedTCPPorts: [Int], reservedUDPPorts: [Int], gpus: [String]? = nil) {
        self.cpu = cpu
        self.memoryMiB = memoryMiB
        self.reservedTCPPorts = reservedTCPPorts
        self.reservedUDPPorts = reservedUDPPorts
        self.gpus = gpus
    }
}

/// `register`: a node joins a cluster, or rejoins with the identity it saved.
public struct RegisterRequest: Codable, Equatable, Sendable {
    public var protocolVersion: Int
    /// The cluster name or ARN to join.
    public var cluster: String
    /// The saved identity when rejoining; nil on first registration.
    public var containerInstanceArn: String?
    /// The credential issued with the saved identity.
    public var credential: String?
    /// An activation to join with (first registration only), as `aws ssm create-activation` gave it.
    public var activationId: String?
    public var activationCode: String?
    /// The node's host name, shown as its `ec2InstanceId`-like identifier.
    public var hostname: String
    public var resources: NodeResources
    /// `ecs.os-type`, `ecs.cpu-architecture`, `ecs.capability.*` and the operator's attributes.
    public var attributes: [ECS.Attribute]
    public var versionInfo: ECS.VersionInfo
    /// The address other nodes reach this node at (its address on the route to the controller,
    /// or `wharf-agent --node-address`): the gateway of the routes to its awsvpc tasks.
    public var nodeAddress: String?
    /// The region of the cluster (`wharf-agent --region`); nil for the controller's own region. A
    /// cluster or container instance ARN names its region itself.
    public var region: String?

    public init(
        protocolVersion: Int = AgentProtocol.version,
        cluster: String,
        containerInstanceArn: String? = nil,
        credential: String? = nil,
        activationId: String? = nil,
        activationCode: String? = nil,
        hostname: String,
        resources: NodeResources,
        attributes: [ECS.Attribute],
        versionInfo: ECS.VersionInfo,
        nodeAddress: String? = nil,
        region: String? = nil
    ) {
        self.nodeAddress = nodeAddress
        self.region = region
        self.protocolVersion = protocolVersion
        self.cluster = cluster
        self.containerInstanceArn = containerInstanceArn
        self.credential = credential
        self.activationId = activationId
        self.activationCode = activationCode
        self.hostname = hostname
        self.resources = resources
        self.attributes = attributes
        self.versionInfo = versionInfo
    }
}

/// The identity a registered node keeps (mode 0600) and presents on every sync.
public struct RegisterResponse: Codable, Equatable, Sendable {
    public var protocolVersion: Int
    public var containerInstanceArn: String
    public var credential: String
    /// The cluster's ARN.
    public var clusterArn: String
    /// How long the controller holds a sync that has nothing new (seconds).
    public var longPollSeconds: Int
    /// The block of task addresses leased to the node (`10.64.3.0/24`), for its awsvpc tasks.
    public var taskSubnet: String?
    /// The whole task address range (`--task-cidr`): traffic within it keeps its task addresses,
    /// traffic beyond it leaves with the node's.
    public var taskCIDR: String?

    public init(
        protocolVersion: Int = AgentProtocol.version,
        containerInstanceArn: String,
        credential: String,
        clusterArn: String,
        longPollSeconds: Int,
        taskSubnet: String? = nil,
        taskCIDR: String? = nil
    ) {
        self.taskCIDR = taskCIDR
        self.protocolVersion = protocolVersion
        self.containerInstanceArn = containerInstanceArn
        self.credential = credential
        self.clusterArn = clusterArn
        self.longPollSeconds = longPollSeconds
        self.taskSubnet = taskSubnet
    }
}

/// What the agent knows about one container of a task.
public struct ContainerReport: Codable, Equatable, Sendable {
    public var name: String
    /// The engine's container ID, once created.
    public var runtimeId: String?
    /// `PENDING`, `RUNNING` or `STOPPED`.
    public var lastStatus: String
    public var exitCode: Int?
    /// Why it stopped or could not start, in ECS's words (`CannotPullContainerError: ...`).
    public var reason: String?
    public var networkBindings: [ECS.NetworkBinding]
    /// `HEALTHY`, `UNHEALTHY` or `UNKNOWN`.
    public var healthStatus: String?
    /// What the running container uses, from the engine's last stats sample.
    public var usage: ContainerUsage?
    /// The node's GPUs the agent gave the container (its `resourceRequirements` of type GPU).
    public var gpuIds: [String]?

    public init(
        name: String,
        runtimeId: String? = nil,
        lastStatus: String,
        exitCode: Int? = nil,
        reason: String? = nil,
        networkBindings: [ECS.NetworkBinding] = [],
        healthStatus: String? = nil,
        usage: ContainerUsage? = nil,
        gpuIds: [String]? = nil
    ) {
        self.usage = usage
        self.gpuIds = gpuIds
        self.name = name
        self.runtimeId = runtimeId
        self.lastStatus = lastStatus
        self.exitCode = exitCode
        self.reason = reason
        self.networkBindings = networkBindings
        self.healthStatus = healthStatus
    }
}

/// What a container uses: CPU in ECS's units (1024 per core) averaged since the previous sample,
/// and memory in MiB without the page cache, as `docker stats` counts it.
public struct ContainerUsage: Codable, Equatable, Sendable {
    public var cpuUnits: Double
    public var memoryMiB: Double
    /// When the sample was taken, seconds since 1970.
    public var sampledAt: Double

    public init(cpuUnits: Double, memoryMiB: Double, sampledAt: Double) {
        self.cpuUnits = cpuUnits
        self.memoryMiB = memoryMiB
        self.sampledAt = sampledAt
    }
}

/// What the agent knows about one task.
public struct TaskReport: Codable, Equatable, Sendable {
    public var taskArn: String
    /// ECS's task status: `PROVISIONING`, `PENDING`, `ACTIVATING`, `RUNNING`, `DEACTIVATING`,
    /// `STOPPING`, `DEPROVISIONING` or `STOPPED`.
    public var lastStatus: String
    public var containers: [ContainerReport]
    public var pullStartedAt: Double?
    public var pullStoppedAt: Double?
    public var startedAt: Double?
    public var executionStoppedAt: Double?
    /// Set once the task stopped: `TaskFailedToStart`, `EssentialContainerExited`, `UserInitiated`, ...
    public var stopCode: String?
    public var stoppedReason: String?
    /// `HEALTHY`, `UNHEALTHY` or `UNKNOWN`, from the essential containers' health checks.
    public var healthStatus: String?
    /// The MAC address of an awsvpc task's interface, once it has one.
    public var macAddress: String?

    public init(
        taskArn: String,
        lastStatus: String,
        containers: [ContainerReport],
        pullStartedAt: Double? = nil,
        pullStoppedAt: Double? = nil,
        startedAt: Double? = nil,
        executionStoppedAt: Double? = nil,
        stopCode: String? = nil,
        stoppedReason: String? = nil,
        healthStatus: String? = nil,
        macAddress: String? = nil
    ) {
        self.macAddress = macAddress
        self.taskArn = taskArn
        self.lastStatus = lastStatus
        self.containers = containers
        self.pullStartedAt = pullStartedAt
        self.pullStoppedAt = pullStoppedAt
        self.startedAt = startedAt
        self.executionStoppedAt = executionStoppedAt
        self.stopCode = stopCode
        self.stoppedReason = stoppedReason
        self.healthStatus = healthStatus
    }
}

/// `sync`: the agent's heartbeat, carrying everything it knows.
public struct SyncRequest: Codable, Equatable, Sendable {
    public var protocolVersion: Int
    public var containerInstanceArn: String
    public var credential: String
    /// The version of desired state the agent holds; the controller answers at once when it has a
    /// newer one, else holds the request until it does or the long poll ends.
    public var desiredVersion: Int
    /// Every task the agent knows of that the controller has not yet seen STOPPED.
    public var tasks: [TaskReport]
    /// The version of the task routes the agent holds (``TaskRoutes``); absent before any.
    public var routesVersion: String?
    /// The version of the load balancer plan a load balancer node serves; absent on other nodes
    /// and before any plan.
    public var loadBalancerVersion: String?
    /// What a load balancer node's health checks see of the targets it serves.
    public var targetHealth: [TargetHealthReport]?
    /// What a load balancer node served of each target group, for CloudWatch's metrics.
    public var targetTraffic: [TargetGroupTraffic]?
    /// The version of the Cloud Map names the node's DNS answers; absent before any.
    public var discoveryVersion: String?
    /// Whether the node answers Cloud Map names (Wharf's DNS): one that does not (false) is sent
    /// none. Absent from agents older than this member, which are sent them.
    public var servesNames: Bool?
    /// Whether the node's container engine answers; absent from agents older than this member,
    /// and before the agent first asked the engine.
    public var runtimeHealth: RuntimeHealth?

    public init(
        protocolVersion: Int = AgentProtocol.version,
        containerInstanceArn: String,
        credential: String,
        desiredVersion: Int,
        tasks: [TaskReport],
        routesVersion: String? = nil,
        loadBalancerVersion: String? = nil,
        targetHealth: [TargetHealthReport]? = nil,
        targetTraffic: [TargetGroupTraffic]? = nil,
        discoveryVersion: String? = nil,
        servesNames: Bool? = nil,
        runtimeHealth: RuntimeHealth? = nil
    ) {
        self.runtimeHealth = runtimeHealth
        self.targetTraffic = targetTraffic
        self.discoveryVersion = discoveryVersion
        self.servesNames = servesNames
        self.routesVersion = routesVersion
        self.loadBalancerVersion = loadBalancerVersion
        self.targetHealth = targetHealth
        self.protocolVersion = protocolVersion
        self.containerInstanceArn = containerInstanceArn
        self.credential = credential
        self.desiredVersion = desiredVersion
        self.tasks = tasks
    }
}

/// One task the controller wants on the node (or wants stopped), with all the agent needs to run it.
public struct DesiredTask: Codable, Equatable, Sendable {
    public var taskArn: String
    /// `RUNNING` or `STOPPED`.
    public var desiredStatus: String
    public var taskDefinition: ECS.TaskDefinition
    public var overrides: ECS.TaskOverride?
    public var clusterArn: String
    /// Why the controller wants it stopped, when it does.
    public var stoppedReason: String?
    /// The values of the definition's `secrets`, sent only while the task is still to be started;
    /// never written to the node's disk.
    public var secrets: TaskSecrets?
    /// The address of an awsvpc task, from the node's block.
    public var network: TaskAddress?
    /// `EC2`, `EXTERNAL` or `FARGATE`, as the task metadata endpoint reports it.
    public var launchType: String?

    public init(
        taskArn: String,
        desiredStatus: String,
        taskDefinition: ECS.TaskDefinition,
        overrides: ECS.TaskOverride?,
        clusterArn: String,
        stoppedReason: String? = nil,
        secrets: TaskSecrets? = nil,
        network: TaskAddress? = nil,
        launchType: String? = nil
    ) {
        self.network = network
        self.launchType = launchType
        self.taskArn = taskArn
        self.desiredStatus = desiredStatus
        self.taskDefinition = taskDefinition
        self.overrides = overrides
        self.clusterArn = clusterArn
        self.stoppedReason = stoppedReason
        self.secrets = secrets
    }
}

/// The controller's answer to a sync: the node's whole desired state at `desiredVersion`.
public struct SyncResponse: Codable, Equatable, Sendable {
    public var protocolVersion: Int
    public var desiredVersion: Int
    /// Every task the node should run or stop. A task the agent runs that is not listed is
    /// unknown to the controller and must be stopped.
    public var tasks: [DesiredTask]
    /// Task ARNs whose STOPPED report the controller has recorded; the agent may forget them.
    public var acknowledgedStopped: [String]
    /// The routes to every node's task block, when their version differs from the one the agent
    /// holds.
    public var taskRoutes: TaskRoutes?
    /// What a load balancer node is to serve, when its version differs from the node's.
    public var loadBalancerPlan: LoadBalancerPlan?
    /// The names the node's DNS answers, when their version differs from the node's.
    public var discoveryNames: DiscoveryNames?

    public init(
        protocolVersion: Int = AgentProtocol.version,
        desiredVersion: Int,
        tasks: [DesiredTask],
        acknowledgedStopped: [String],
        taskRoutes: TaskRoutes? = nil,
        loadBalancerPlan: LoadBalancerPlan? = nil,
        discoveryNames: DiscoveryNames? = nil
    ) {
        self.discoveryNames = discoveryNames
        self.taskRoutes = taskRoutes
        self.loadBalancerPlan = loadBalancerPlan
        self.protocolVersion = protocolVersion
        self.desiredVersion = desiredVersion
        self.tasks = tasks
        self.acknowledgedStopped = acknowledgedStopped
    }
}
