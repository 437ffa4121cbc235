#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import WharfModel

/// How an agent is set up: which controller and cluster, where it keeps its state, what it offers.
public struct AgentConfiguration: Sendable {
    /// When to pull an image before creating a container, as the ECS agent's
    /// `ECS_IMAGE_PULL_BEHAVIOR` has it.
    public enum ImagePullBehavior: String, Sendable, CaseIterable {
        /// Pull; when the pull fails, use a local copy if there is one.
        case `default`
        /// Pull; when the pull fails, the container fails.
        case always
        /// Pull only the first time this agent uses the image.
        case once
        /// Use a local copy when there is one; pull otherwise.
        case preferCached = "prefer-cached"
    }

    /// The controller's base URL, such as `http://controller:8080`.
    public var controllerURL: String

    /// The controllers' URLs: ``controllerURL`` split at commas.
    public var controllerURLs: [String] { Self.controllerURLs(controllerURL) }

    /// The URLs in a comma-separated list, trimmed, empty ones left out; `[text]` when none.
    public static func controllerURLs(_ text: String) -> [String] {
        let urls = text.split(separator: ",").map { String($0.filter { !$0.isWhitespace }) }.filter { !$0.isEmpty }
        return urls.isEmpty ? [text] : urls
    }
    public var cluster: String
    /// The cluster's region (`--region`); nil for the controller's own.
    public var region: String?
    public var dataDirectory: String
    public var dockerSocket: String
    /// MiB of the node's memory kept back from tasks.
    public var reservedMemoryMiB: Int
    /// TCP ports never given to tasks.
    public var reservedPorts: [Int]
    /// UDP ports never given to tasks.
    public var reservedUDPPorts: [Int]
    /// The GPUs the node offers to tasks, by ID (`resourceRequirements` of type GPU).
    public var gpus: [String] = []
    /// The operator's attributes (`--attributes key=value,...`).
    public var attributes: [String: String]
    public var imagePullBehavior: ImagePullBehavior
    /// Private-registry credentials for pulls (`--engine-auth-file`); empty means anonymous pulls.
    public var registryAuth: RegistryAuth
    /// The loopback port of the introspection endpoint (0: any free port; nil: none).
    public var introspectionPort: Int?
    /// The activation to join with, the first time (`--activation-id`, `--activation-code`).
    public var activationId: String?
    public var activationCode: String?
    /// The container instance to join as when the data directory holds no identity (it was lost),
    /// with a fresh activation (`--container-instance`): the node takes up its running containers
    /// instead of joining as a new instance.
    public var rejoinInstanceArn: String?
    /// How long the containers of a stopped task are kept before removal.
    public var taskCleanupWait: Duration
    /// Which CA an https controller's certificate must chain to.
    public var controllerTrust: ControllerTrust = .system
    /// Whether the agent may stop and remove containers it finds labelled for this instance that
    /// belong to no task it knows (true in production; tests turn it off to keep foreign ones).
    public var removeUnknownContainers: Bool
    /// The most the on-disk buffer of container output may take (`--log-buffer-mb`).
    public var logBufferBytes: Int = 64 << 20
    /// Whether the agent ships awslogs output and samples usage (the fleet simulator turns both off).
    public var shipsLogs = true
    public var samplesUsage = true
    /// Whether the agent saves its tasks to `tasks.json` to take them up again after a restart;
    /// off only for the fleet simulator's nodes, which never restart.
    public var persistsTasks = true
    /// The host name to register with; nil for the machine's (the fleet simulator names its nodes).
    public var hostname: String?
    /// How often the containers' CPU and memory are sampled.
    public var usageInterval: Duration = .seconds(10)
    /// How long a sync just sent is left to finish before news cuts it short (see
    /// ``Agent/syncSoon()``); tests lengthen it to make the timing certain.
    public var syncCoalescing: Duration = .milliseconds(50)
    /// Whether the node runs awsvpc tasks (its own bridge network, firewall rules and routes);
    /// on in `wharf-agent` (`--awsvpc`), off by default for agents made in code (the simulator, tests).
    public var taskNetworking = false
    /// The address other nodes reach this node at (`--node-address`); nil: the one it reaches the
    /// controller from.
    public var nodeAddress: String?
    /// Whether the node takes FARGATE tasks (`--fargate`).
    public var fargate = true
    /// The port of the task metadata endpoint (`--metadata-port`; 0: any free one); nil: none.
    public var metadataPort: Int?
    /// Whether the node serves the load balancers with HAProxy (`--load-balancer`).
    public var loadBalancer = false
    /// Whether the node answers Cloud Map names to its awsvpc tasks (on their gateway, port 53);
    /// on in `wharf-agent`, off by default for agents made in code (the simulator, tests).
    public var discoveryDNS = false

    public init(
        controllerURL: String,
        cluster: String = "default",
        dataDirectory: String,
        dockerSocket: String = "/var/run/docker.sock",
        reservedMemoryMiB: Int = 0,
        reservedPorts: [Int] = [22, 2375, 2376],
        reservedUDPPorts: [Int] = [],
        attributes: [String: String] = [:],
        imagePullBehavior: ImagePullBehavior = .default,
        registryAuth: RegistryAuth = RegistryAuth(),
        activationId: String? = nil,
        activationCode: String? = nil,
        introspectionPort: Int? = nil,
        taskCleanupWait: Duration = .seconds(3600),
        removeUnknownContainers: Bool = true
    ) {
        self.controllerURL = controllerURL
        self.cluster = cluster
        self.dataDirectory = dataDirectory
        self.dockerSocket = dockerSocket
        self.reservedMemoryMiB = reservedMemoryMiB
        self.reservedPorts = reservedPorts
        self.reservedUDPPorts = reservedUDPPorts
        self.attributes = attributes
        self.imagePullBehavior = imagePullBehavior
        self.registryAuth = registryAuth
        self.activationId = activationId
        self.introspectionPort = introspectionPort
        self.activationCode = activationCode
        self.taskCleanupWait = taskCleanupWait
        self.removeUnknownContainers = removeUnknownContainers
    }

    /// Parses `key=value,key=value` attributes.
    /// - Returns: nil when an item has no `=` or an empty key.
    public static func parseAttributes(_ text: String) -> [String: String]? {
        var attributes: [String: String] = [:]
        for item in text.split(separator: ",") where !item.trimmingWhitespace().isEmpty {
            let parts = item.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, !parts[0].trimmingWhitespace().isEmpty else { return nil }
            attributes[parts[0].trimmingWhitespace()] = parts[1].trimmingWhitespace()
        }
        return attributes
    }
}
