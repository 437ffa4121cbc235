/// Everything needed to create one container of a task, in engine-neutral terms. The task engine
/// builds it from an ECS container definition; a runtime turns it into its own create request.
public struct ContainerSpec: Equatable, Sendable {
    /// A port to publish: `hostPort` nil or 0 lets the engine choose a free one.
    public struct Port: Equatable, Sendable {
        public var containerPort: Int
        public var hostPort: Int?
        /// `tcp` or `udp`.
        public var transport: String
        public init(containerPort: Int, hostPort: Int?, transport: String = "tcp") {
            self.containerPort = containerPort
            self.hostPort = hostPort
            self.transport = transport
        }
    }

    /// A mount: a host path or a named volume at `containerPath`.
    public struct Mount: Equatable, Sendable {
        public enum Source: Equatable, Sendable {
            case hostPath(String)
            case volume(name: String, driver: String?, driverOptions: [String: String], labels: [String: String])
        }
        public var source: Source
        public var containerPath: String
        public var readOnly: Bool
        public init(source: Source, containerPath: String, readOnly: Bool) {
            self.source = source
            self.containerPath = containerPath
            self.readOnly = readOnly
        }
    }

    /// A Docker health check; intervals in seconds.
    public struct HealthCheck: Equatable, Sendable {
        /// `["CMD", ...]` or `["CMD-SHELL", "..."]` as ECS gives it.
        public var test: [String]
        public var intervalSeconds: Int
        public var timeoutSeconds: Int
        public var retries: Int
        public var startPeriodSeconds: Int
        public init(test: [String], intervalSeconds: Int, timeoutSeconds: Int, retries: Int, startPeriodSeconds: Int) {
            self.test = test
            self.intervalSeconds = intervalSeconds
            self.timeoutSeconds = timeoutSeconds
            self.retries = retries
            self.startPeriodSeconds = startPeriodSeconds
        }
    }

    /// Another container whose volumes this one mounts.
    public struct VolumesFrom: Equatable, Sendable {
        public var containerID: String
        public var readOnly: Bool
        public init(containerID: String, readOnly: Bool) {
            self.containerID = containerID
            self.readOnly = readOnly
        }
    }

    /// A resource limit such as `nofile`.
    public struct Ulimit: Equatable, Sendable {
        public var name: String
        public var soft: Int
        public var hard: Int
        public init(name: String, soft: Int, hard: Int) {
            self.name = name
            self.soft = soft
            self.hard = hard
        }
    }

    /// A host device the container may use (`linuxParameters.devices`).
    public struct Device: Equatable, Sendable {
        public var hostPath: String
        public var containerPath: String
        /// `r`, `w` and `m` as the engine writes them; `rwm` when the definition names none.
        public var permissions: String
        public init(hostPath: String, containerPath: String, permissions: String) {
            self.hostPath = hostPath
            self.containerPath = containerPath
            self.permissions = permissions
        }
    }

    /// What the container shares of the node or of another container: its PID or IPC namespace.
    public enum Namespace: Equatable, Sendable {
        /// The node's.
        case host
        /// The namespace of another container of the task, by engine ID.
        case container(String)
        /// Its own, which other containers of the task may join (IPC only).
        case shareable
        /// None at all (IPC only: no shared memory).
        case disabled
    }

    /// The container's name on the engine (unique per node).
    public var name: String
    public var image: String
    /// Overrides the image's entrypoint when given.
    public var entryPoint: [String]?
    /// Overrides the image's command when given.
    public var command: [String]?
    /// `NAME=value` pairs.
    public var environment: [String: String]
    public var workingDirectory: String?
    public var user: String?
    public var hostname: String?
    /// Labels: Wharf's own (cluster, instance, task ARN, container name) plus the task's dockerLabels.
    public var labels: [String: String]
    /// `bridge`, `host`, `none`, `container:<id>` (the network of an awsvpc task's pause
    /// container) or the name of a network (the pause container's own).
    public var networkMode: String
    public var ports: [Port]
    /// CPU shares (ECS cpu units map 1:1; 0 means the engine default).
    public var cpuShares: Int
    /// Hard memory limit in MiB, if any.
    public var memoryMiB: Int?
    /// Soft memory limit in MiB, if any.
    public var memoryReservationMiB: Int?
    public var ulimits: [Ulimit]
    /// Runs an init process as PID 1 (`initProcessEnabled`).
    public var initProcess: Bool
    public var mounts: [Mount]
    /// Containers whose volumes this one mounts.
    public var volumesFrom: [VolumesFrom]
    /// The log driver and its options; nil for the engine default.
    public var logDriver: String?
    public var logOptions: [String: String]
    public var healthCheck: HealthCheck?
    /// Seconds between SIGTERM and SIGKILL when stopping.
    public var stopTimeoutSeconds: Int?
    public var privileged: Bool
    public var readOnlyRootFilesystem: Bool
    public var dnsServers: [String]
    public var dnsSearchDomains: [String]
    /// `hostname:ip` entries for /etc/hosts.
    public var extraHosts: [String]
    /// Legacy links, `name:alias`, in bridge mode.
    public var links: [String]
    /// Linux capabilities to add and drop.
    public var capabilitiesAdded: [String] = []
    public var capabilitiesDropped: [String] = []
    public var devices: [Device] = []
    /// The size of `/dev/shm` in MiB; nil for the engine's default.
    public var sharedMemoryMiB: Int?
    /// tmpfs mounts: the path and the engine's options (`size=64m,noexec`).
    public var tmpfs: [String: String] = [:]
    /// Swap the container may use on top of its memory limit, in MiB (0: none).
    public var maxSwapMiB: Int?
    /// 0 to 100: how readily its pages are swapped.
    public var swappiness: Int?
    /// `no-new-privileges`, `apparmor:PROFILE`, `label:...`.
    public var securityOptions: [String] = []
    /// Namespaced kernel parameters (`net.core.somaxconn`).
    public var sysctls: [String: String] = [:]
    public var pidNamespace: Namespace?
    public var ipcNamespace: Namespace?
    /// Keeps standard input open (`interactive`).
    public var openStdin = false
    /// Gives the container a terminal (`pseudoTerminal`).
    public var tty = false
    /// Turns networking off inside the container (`disableNetworking`).
    public var networkDisabled = false
    /// Shared volumes that must exist already (not `autoprovision`ed): the container fails to be
    /// created without them, where the engine would create an empty one.
    public var existingVolumes: [String] = []
    /// The cgroup the container is created in: its task's, which holds the task-level limits.
    public var cgroupParent: String?
    /// A CPU quota in CPU units (1024 a CPU): the task's `cpu`, where the task has no cgroup of
    /// its own to hold it.
    public var cpuQuotaUnits: Int?
    /// The node's GPUs the container may use, by ID, through the NVIDIA runtime.
    public var gpuDeviceIDs: [String] = []
    /// Its address on the network `networkMode` names (an awsvpc task's pause container).
    public var ipv4Address: String?

    public init(name: String, image: String, entryPoint: [String]? = nil, command: [String]? = nil,
                environment: [String: String] = [:], workingDirectory: String? = nil, user: String? = nil,
                hostname: String? = nil, labels: [String: String] = [:], networkMode: String = "bridge",
                ports: [Port] = [], cpuShares: Int = 0, memoryMiB: Int? = nil, memoryReservationMiB: Int? = nil,
                ulimits: [Ulimit] = [], initProcess: Bool = false, mounts: [Mount] = [],
                volumesFrom: [VolumesFrom] = [], logDriver: String? = nil,
                logOptions: [String: String] = [:], healthCheck: HealthCheck? = nil, stopTimeoutSeconds: Int? = nil,
                privileged: Bool = false, readOnlyRootFilesystem: Bool = false, dnsServers: [String] = [],
                dnsSearchDomains: [String] = [], extraHosts: [String] = [], links: [String] = []) {
        self.name = name
        self.image = image
        self.entryPoint = entryPoint
        self.command = command
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.user = user
        self.hostname = hostname
        self.labels = labels
        self.networkMode = networkMode
        self.ports = ports
        self.cpuShares = cpuShares
        self.memoryMiB = memoryMiB
        self.memoryReservationMiB = memoryReservationMiB
        self.ulimits = ulimits
        self.initProcess = initProcess
        self.mounts = mounts
        self.volumesFrom = volumesFrom
        self.logDriver = logDriver
        self.logOptions = logOptions
        self.healthCheck = healthCheck
        self.stopTimeoutSeconds = stopTimeoutSeconds
        self.privileged = privileged
        self.readOnlyRootFilesystem = readOnlyRootFilesystem
        self.dnsServers = dnsServers
        self.dnsSearchDomains = dnsSearchDomains
        self.extraHosts = extraHosts
        self.links = links
    }
}

/// A container as the engine reports it.
public struct ContainerState: Equatable, Sendable {
    /// A published port as bound: the host port is the real one, also for dynamic mappings.
    public struct Binding: Equatable, Sendable {
        public var containerPort: Int
        public var hostPort: Int
        public var hostIP: String
        public var transport: String
        public init(containerPort: Int, hostPort: Int, hostIP: String, transport: String) {
            self.containerPort = containerPort
            self.hostPort = hostPort
            self.hostIP = hostIP
            self.transport = transport
        }
    }

    public enum Status: String, Sendable {
        case created, running, paused, restarting, removing, exited, dead
    }

    public var id: String
    public var name: String
    public var labels: [String: String]
    public var status: Status
    /// The exit code once the container has exited.
    public var exitCode: Int?
    /// Whether the kernel's OOM killer ended it.
    public var oomKilled: Bool
    /// The engine's error (for example why it could not start), if any.
    public var error: String?
    /// `starting`, `healthy` or `unhealthy`; nil without a health check.
    public var health: String?
    public var bindings: [Binding]
    /// Seconds since 1970, nil when not started / not finished.
    public var startedAt: Double?
    public var finishedAt: Double?
    /// Its address and MAC address on each network it is attached to, by network name.
    public var networks: [String: Endpoint] = [:]

    /// A container's place on one network.
    public struct Endpoint: Equatable, Sendable {
        public var ipv4Address: String
        /// Nil when the engine gives none.
        public var macAddress: String?
        public init(ipv4Address: String, macAddress: String?) {
            self.ipv4Address = ipv4Address
            self.macAddress = macAddress
        }
    }

    public init(id: String, name: String, labels: [String: String], status: Status, exitCode: Int? = nil,
                oomKilled: Bool = false, error: String? = nil, health: String? = nil, bindings: [Binding] = [],
                startedAt: Double? = nil, finishedAt: Double? = nil) {
        self.id = id
        self.name = name
        self.labels = labels
        self.status = status
        self.exitCode = exitCode
        self.oomKilled = oomKilled
        self.error = error
        self.health = health
        self.bindings = bindings
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

/// Something that happened to a container.
public struct ContainerEvent: Equatable, Sendable {
    /// The attribute names the engine sets itself on a container event. Every other attribute is
    /// one of the container's labels (a label with one of these names is shadowed by the engine's).
    public static let engineAttributeNames: Set<String> = ["image", "name", "exitCode", "signal", "execID", "oldName"]

    /// The engine's action: `create`, `start`, `die`, `oom`, `kill`, `stop`, `destroy`,
    /// `health_status: healthy`, ...
    public var action: String
    /// The full ID of the container.
    public var containerID: String
    /// The container's labels (its own and those it inherited from its image).
    public var labels: [String: String]
    /// What the engine says about the event itself, keyed as the engine names them: `image`,
    /// `name`, `exitCode` (on `die`), `signal` (on `kill`).
    public var attributes: [String: String]

    /// An event about the container `containerID`.
    public init(action: String, containerID: String, labels: [String: String], attributes: [String: String] = [:]) {
        self.action = action
        self.containerID = containerID
        self.labels = labels
        self.attributes = attributes
    }

    /// The container's exit code, on a `die` event.
    public var exitCode: Int? { attributes["exitCode"].flatMap { Int($0) } }
}
