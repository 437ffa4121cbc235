extension DockerAPI {
    /// The body of `POST /containers/create`.
    struct ContainerCreate: Encodable, Sendable, Equatable {
        struct Healthcheck: Encodable, Sendable, Equatable {
            var test: [String]
            /// Nanoseconds, like the other durations; nil inherits the image's value.
            var interval: Int?
            var timeout: Int?
            var startPeriod: Int?
            var retries: Int?

            enum CodingKeys: String, CodingKey {
                case test = "Test", interval = "Interval", timeout = "Timeout", startPeriod = "StartPeriod"
                case retries = "Retries"
            }
        }

        /// An empty JSON object, the value type of `ExposedPorts`.
        struct Empty: Encodable, Sendable, Equatable {}

        var image: String
        var entrypoint: [String]?
        var cmd: [String]?
        var env: [String]
        var workingDir: String?
        var user: String?
        var hostname: String?
        var labels: [String: String]
        var exposedPorts: [String: Empty]?
        var healthcheck: Healthcheck?
        var stopTimeout: Int?
        var openStdin: Bool?
        var tty: Bool?
        var networkDisabled: Bool?
        var hostConfig: HostConfig
        var networkingConfig: NetworkingConfig?

        /// The container's address on a network, given at create.
        struct NetworkingConfig: Encodable, Sendable, Equatable {
            struct Endpoint: Encodable, Sendable, Equatable {
                struct IPAM: Encodable, Sendable, Equatable {
                    var ipv4Address: String
                    enum CodingKeys: String, CodingKey { case ipv4Address = "IPv4Address" }
                }
                var ipamConfig: IPAM
                enum CodingKeys: String, CodingKey { case ipamConfig = "IPAMConfig" }
            }
            var endpointsConfig: [String: Endpoint]
            enum CodingKeys: String, CodingKey { case endpointsConfig = "EndpointsConfig" }
        }

        enum CodingKeys: String, CodingKey {
            case image = "Image", entrypoint = "Entrypoint", cmd = "Cmd", env = "Env", workingDir = "WorkingDir"
            case user = "User", hostname = "Hostname", labels = "Labels", exposedPorts = "ExposedPorts"
            case healthcheck = "Healthcheck", stopTimeout = "StopTimeout", hostConfig = "HostConfig"
            case openStdin = "OpenStdin", tty = "Tty", networkDisabled = "NetworkDisabled"
            case networkingConfig = "NetworkingConfig"
        }
    }

    /// `HostConfig` of a create request.
    struct HostConfig: Encodable, Sendable, Equatable {
        struct PortBinding: Codable, Sendable, Equatable {
            var hostIP: String
            /// `""` lets the engine choose a free port.
            var hostPort: String

            enum CodingKeys: String, CodingKey {
                case hostIP = "HostIp", hostPort = "HostPort"
            }
        }

        struct Ulimit: Encodable, Sendable, Equatable {
            var name: String
            var soft: Int
            var hard: Int

            enum CodingKeys: String, CodingKey {
                case name = "Name", soft = "Soft", hard = "Hard"
            }
        }

        struct LogConfig: Encodable, Sendable, Equatable {
            var type: String
            var config: [String: String]

            enum CodingKeys: String, CodingKey {
                case type = "Type", config = "Config"
            }
        }

        struct Device: Encodable, Sendable, Equatable {
            var pathOnHost: String
            var pathInContainer: String
            var cgroupPermissions: String

            enum CodingKeys: String, CodingKey {
                case pathOnHost = "PathOnHost", pathInContainer = "PathInContainer"
                case cgroupPermissions = "CgroupPermissions"
            }
        }

        /// A request for devices of a driver: GPUs by ID through `nvidia`.
        struct DeviceRequest: Encodable, Sendable, Equatable {
            var driver: String
            var deviceIDs: [String]
            var capabilities: [[String]]

            enum CodingKeys: String, CodingKey {
                case driver = "Driver", deviceIDs = "DeviceIDs", capabilities = "Capabilities"
            }
        }

        var networkMode: String
        var portBindings: [String: [PortBinding]]?
        var cpuShares: Int?
        /// Bytes.
        var memory: Int?
        /// Bytes.
        var memoryReservation: Int?
        var ulimits: [Ulimit]?
        var initProcess: Bool?
        var binds: [String]?
        var volumesFrom: [String]?
        var logConfig: LogConfig?
        var privileged: Bool
        var readonlyRootfs: Bool
        var dns: [String]?
        var dnsSearch: [String]?
        var extraHosts: [String]?
        var links: [String]?
        var capAdd: [String]?
        var capDrop: [String]?
        var devices: [Device]?
        /// Bytes.
        var shmSize: Int?
        var tmpfs: [String: String]?
        /// Bytes of memory and swap together; -1 for unlimited swap.
        var memorySwap: Int?
        var memorySwappiness: Int?
        var securityOpt: [String]?
        var sysctls: [String: String]?
        var pidMode: String?
        var ipcMode: String?
        var deviceRequests: [DeviceRequest]?
        var cgroupParent: String?
        /// Billionths of a CPU.
        var nanoCpus: Int?

        enum CodingKeys: String, CodingKey {
            case networkMode = "NetworkMode", portBindings = "PortBindings", cpuShares = "CpuShares"
            case memory = "Memory", memoryReservation = "MemoryReservation", ulimits = "Ulimits"
            case initProcess = "Init", binds = "Binds", volumesFrom = "VolumesFrom", logConfig = "LogConfig"
            case privileged = "Privileged", readonlyRootfs = "ReadonlyRootfs", dns = "Dns", dnsSearch = "DnsSearch"
            case extraHosts = "ExtraHosts", links = "Links", capAdd = "CapAdd", capDrop = "CapDrop"
            case devices = "Devices", shmSize = "ShmSize", tmpfs = "Tmpfs", memorySwap = "MemorySwap"
            case memorySwappiness = "MemorySwappiness", securityOpt = "SecurityOpt", sysctls = "Sysctls"
            case pidMode = "PidMode", ipcMode = "IpcMode", deviceRequests = "DeviceRequests"
            case cgroupParent = "CgroupParent", nanoCpus = "NanoCpus"
        }
    }
}
