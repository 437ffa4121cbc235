#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import WharfModel
import WharfProtocol

/// The node agent: registers the node, keeps its tasks in the state the controller wants through
/// the container runtime, and reports what really happens. One actor owns the tasks; launches and
/// stops run as child work that reports back here.
public actor Agent {
    let configuration: AgentConfiguration
    let runtime: any ContainerRuntime
    let client: any ControllerClient
    let files: AgentStateFiles
    let logger: Logger
    let now: @Sendable () -> Date

    var identity: RegisterResponse?
    var tasks: [String: ManagedTask] = [:]
    /// The values of each task's `secrets` as the controller sent them (by task ARN, container and
    /// variable), kept in memory only until its containers are created; never saved.
    var taskSecrets: [String: [String: [String: String]]] = [:]
    /// The registry logins the controller read for each task's containers (by task ARN and
    /// container), in memory only.
    var taskRegistryLogins: [String: [String: RegistryLogin]] = [:]
    /// The log driver options from each task's `secretOptions` (by task ARN and container), in
    /// memory only.
    var taskLogOptions: [String: [String: [String: String]]] = [:]
    /// Containers on the node labelled with this instance and a task the agent does not know, held
    /// from start-up until the first sync says which of them the controller still wants. After a
    /// power cut or a torn `tasks.json` the labels are the truth: a wanted task's containers are
    /// taken up, not stopped and started again; the rest are removed then. Nil once decided.
    var strays: [String: [ContainerState]]?
    /// Saves `tasks.json` away from the actor.
    let taskFile: TaskFileWriter
    var desiredVersion = 0
    /// The sync in flight and when it was sent; an event on the node cuts it short so news goes
    /// out soon (``syncSoon()``).
    var currentSync: Task<Result<SyncResponse, AgentProtocolError>, Never>?
    var syncSentAt: ContinuousClock.Instant?
    var syncInterrupted = false
    /// Whether something changed on the node that the sync in flight does not carry.
    var newsPending = false
    /// Whether a cut of the sync in flight is already scheduled.
    var interruptScheduled = false
    /// Images this agent has pulled (for the `once` pull behaviour).
    var pulledImages: Set<String> = []
    /// The block of task addresses the controller leased to this node (for awsvpc tasks).
    var taskSubnet: String?
    /// The whole task address range, as the controller said.
    var taskCIDR: String?
    /// The node's firewall and routes, for awsvpc tasks.
    let hostNetwork: any HostNetwork
    /// Why this node cannot run awsvpc tasks, when it cannot.
    var awsvpcProblem: String?
    /// The node's HAProxy, when it serves the load balancers (`--load-balancer`).
    public let loadBalancerNode: LoadBalancerNode?
    /// The node's DNS for Cloud Map names (``AgentConfiguration/discoveryDNS``).
    public let discoveryDNS: DiscoveryDNS?
    /// The address this node registered as the one other nodes reach it at.
    var registeredAddress: String?
    /// The version of the task routes installed, and of the ones being installed.
    var routesVersion: String?
    /// Whether the container engine answers, as last found (``noteRuntime(answering:)``); nil
    /// before the first listing.
    var runtimeHealth: RuntimeHealth?
    var routesInstalling: String?
    /// The port the task metadata endpoint listens on, once it does.
    var metadataPort: Int?
    /// The engine bridge's gateway: where bridge-mode containers reach the node.
    var bridgeGateway: String?
    /// The moments a reconcile is already scheduled for (start timeouts).
    var wakeups: Set<Double> = []
    /// The containers the engine sent an `oom` event for. Docker 20.10 sets `OOMKilled` only when
    /// that event comes before the exit; one that comes after is the only word of the OOM kill.
    var oomReported: Set<String> = []
    var runtimeInfo: RuntimeInfo?
    /// The last stats sample and what it says each running container uses, by container ID.
    var lastSamples: [String: ContainerStatsSample] = [:]
    var usage: [String: ContainerUsage] = [:]
    /// What the agent counts (`/metrics`).
    public nonisolated let metrics: AgentMetrics
    /// The buffer of container output, once the service runs.
    var logBuffer: LogBuffer?

    public init(
        configuration: AgentConfiguration,
        runtime: any ContainerRuntime,
        client: any ControllerClient,
        logger: Logger,
        metrics: AgentMetrics = AgentMetrics(),
        hostNetwork: any HostNetwork = LinuxHostNetwork(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.hostNetwork = hostNetwork
        self.metrics = metrics
        self.configuration = configuration
        self.runtime = runtime
        self.client = client
        self.files = AgentStateFiles(directory: configuration.dataDirectory)
        // The containers' labels, not this file, are the truth at the next start; a stale file
        // costs nothing wanted, but the operator must hear of a failing disk.
        self.taskFile = TaskFileWriter(files: files) { error in
            metrics.stateWriteFailed("tasks")
            logger.error("cannot save the agent's tasks", metadata: ["error": "\(error)"])
        }
        self.logger = logger
        self.now = now
        loadBalancerNode =
            configuration.loadBalancer
            ? LoadBalancerNode(directory: configuration.dataDirectory + "/haproxy", logger: logger) : nil
        discoveryDNS = configuration.discoveryDNS ? DiscoveryDNS(logger: logger) : nil
    }

    /// The container instance ARN, once registered.
    public var containerInstanceArn: String? { identity?.containerInstanceArn }

    /// A copy of the tasks, for tests and introspection.
    public var taskSnapshot: [ManagedTask] { tasks.values.sorted { $0.arn < $1.arn } }

    /// Prepares the node: state, engine, registration, re-adoption of what runs.
    /// - Throws: ``AgentError`` with code `terminal` when the controller refuses the agent for good.
    public func start() async throws(AgentError) {
        try files.prepare()
        do {
            for task in try files.tasks() { tasks[task.arn] = task }
        } catch {
            // A torn or damaged task list: the containers' labels and the controller say what runs.
            let aside = files.setAside(files.tasksPath)
            logger.error(
                "the saved task list is damaged; taking up the running containers by their labels",
                metadata: ["error": "\(error.message)", "moved.to": "\(aside ?? "nowhere: it could not be moved")"]
            )
        }
        let info: RuntimeInfo
        do {
            info = try await runtime.info()
        } catch {
            throw AgentError(.runtime, "the container engine is not usable: \(error.message)")
        }
        runtimeInfo = info
        bridgeGateway = try? await runtime.networkGateway("bridge")
        if let port = configuration.metadataPort, port != 0 { metadataPort = port }
        if configuration.taskNetworking {
            awsvpcProblem = await hostNetwork.problem()
            if let problem = awsvpcProblem {
                logger.warning("this node runs no awsvpc tasks", metadata: ["reason": "\(problem)"])
            }
        } else {
            awsvpcProblem = "awsvpc task networking is turned off on this node"
        }
        try await register(info)
        await prepareTaskNetwork()
        strays = [:]
        await adopt(initial: true)
    }

    /// Registers, or rejoins with the saved identity; retries while the controller cannot be reached.
    func register(_ info: RuntimeInfo) async throws(AgentError) {
        var saved: RegisterResponse?
        do {
            saved = try files.identity()
        } catch {
            // Without its credential the node must join again: a fresh activation, and
            // --container-instance to stay the same instance.
            let aside = files.setAside(files.identityPath)
            logger.error(
                "the saved identity is damaged; joining with the activation given, if any",
                metadata: ["error": "\(error.message)", "moved.to": "\(aside ?? "nowhere: it could not be moved")"]
            )
        }
        let request = RegisterRequest(
            cluster: configuration.cluster,
            containerInstanceArn: saved?.containerInstanceArn ?? configuration.rejoinInstanceArn,
            credential: saved?.credential,
            activationId: saved == nil ? configuration.activationId : nil,
            activationCode: saved == nil ? configuration.activationCode : nil,
            hostname: configuration.hostname ?? ProcessInfo.processInfo.hostName,
            resources: resources(info),
            attributes: attributes(info),
            versionInfo: ECS.VersionInfo(
                agentVersion: WharfAgentVersion.current,
                agentHash: nil,
                dockerVersion: "DockerVersion: \(info.version)"
            ),
            nodeAddress: configuration.nodeAddress ?? controllerHost.flatMap {
                NodeAddress.discover(towards: $0.host, port: $0.port)
            },
            region: configuration.region
        )
        var delay: Duration = .milliseconds(500)
        while true {
            do {
                let response = try await client.register(request)
                guard response.protocolVersion == AgentProtocol.version else {
                    throw AgentError(
                        .terminal,
                        "the controller speaks agent protocol version \(response.protocolVersion), this agent "
                            + "\(AgentProtocol.version); run matching versions of wharf-agent and wharf-controller"
                    )
                }
                if response.containerInstanceArn != request.containerInstanceArn {
                    logger.info(
                        "registered as a new container instance",
                        metadata: [
                            "instance.arn": "\(response.containerInstanceArn)",
                            "task.subnet": "\(response.taskSubnet ?? "none")",
                        ]
                    )
                } else {
                    logger.info(
                        Logger.Message(
                            stringLiteral: saved == nil
                                ? "joined again as its container instance" : "rejoined as the saved container instance"
                        ),
                        metadata: [
                            "instance.arn": "\(response.containerInstanceArn)",
                            "task.subnet": "\(response.taskSubnet ?? "none")",
                        ]
                    )
                }
                taskSubnet = response.taskSubnet
                registeredAddress = request.nodeAddress
                taskCIDR = response.taskCIDR
                try files.save(identity: response)
                identity = response
                return
            } catch let error as AgentProtocolError where error.isTerminal {
                throw AgentError(.terminal, error.message)
            } catch let error as AgentError {
                throw error
            } catch {
                logger.warning(
                    "cannot register yet; retrying",
                    metadata: ["error": "\(error)", "retry.in": "\(delay)"]
                )
                try? await Task.sleep(for: delay)
                if Task.isCancelled { throw AgentError(.controller, "stopped before registering") }
                delay = min(delay * 2, .seconds(10))
            }
        }
    }

    /// What the node offers: all cores × 1024 CPU units, memory less the reservation, reserved ports.
    func resources(_ info: RuntimeInfo) -> NodeResources {
        NodeResources(
            cpu: info.cpus * 1024,
            memoryMiB: max(0, info.memoryBytes / 1_048_576 - configuration.reservedMemoryMiB),
            reservedTCPPorts: configuration.reservedPorts,
            reservedUDPPorts: configuration.reservedUDPPorts,
            gpus: configuration.gpus.isEmpty ? nil : configuration.gpus
        )
    }

    /// The attributes placement can match: OS, architecture, what this agent supports, and the
    /// operator's own.
    func attributes(_ info: RuntimeInfo) -> [ECS.Attribute] {
        let architecture = info.architecture == "aarch64" ? "arm64" : info.architecture
        var attributes = [
            ECS.Attribute(name: "ecs.os-type", value: info.osType),
            ECS.Attribute(name: "ecs.cpu-architecture", value: architecture),
        ]
        let capabilities = [
            "com.amazonaws.ecs.capability.docker-remote-api.1.17",
            "com.amazonaws.ecs.capability.docker-remote-api.1.18",
            "com.amazonaws.ecs.capability.docker-remote-api.1.19",
            "com.amazonaws.ecs.capability.docker-remote-api.1.21",
            "com.amazonaws.ecs.capability.docker-remote-api.1.24",
            "com.amazonaws.ecs.capability.docker-remote-api.1.25",
            "com.amazonaws.ecs.capability.logging-driver.awslogs",
            "com.amazonaws.ecs.capability.logging-driver.json-file", "com.amazonaws.ecs.capability.logging-driver.none",
            "com.amazonaws.ecs.capability.logging-driver.syslog",
            "com.amazonaws.ecs.capability.logging-driver.journald",
            "ecs.capability.container-health-check", "ecs.capability.container-ordering",
            "ecs.capability.docker-plugin.local",
        ]
        attributes += capabilities.map { ECS.Attribute(name: $0) }
        if awsvpcProblem == nil { attributes.append(ECS.Attribute(name: TaskNetworkRules.taskENIAttribute)) }
        if configuration.fargate { attributes.append(ECS.Attribute(name: TaskNetworkRules.fargateAttribute)) }
        if configuration.loadBalancer { attributes.append(ECS.Attribute(name: LoadBalancerPlan.nodeAttribute)) }
        attributes += configuration.attributes.sorted { $0.key < $1.key }.map {
            ECS.Attribute(name: $0.key, value: $0.value)
        }
        return attributes
    }

    /// The controller's host and port, from its URL.
    var controllerHost: (host: String, port: Int)? {
        guard let url = URL(string: configuration.controllerURLs[0]), let host = url.host else { return nil }
        return (host, url.port ?? (url.scheme == "https" ? 443 : 80))
    }

    /// Persists the tasks soon, away from the actor (``TaskFileWriter``); a failure is logged
    /// (the next change tries again).
    func persist() {
        guard configuration.persistsTasks else { return }
        taskFile.save(Array(tasks.values))
    }

    /// Returns once the tasks as they were at the call are saved (or the save failed): at a
    /// graceful stop, and for tests that read `tasks.json`.
    public func tasksSaved() async {
        await taskFile.written()
    }
}

/// The agent's version, reported to the controller.
public enum WharfAgentVersion {
    public static let current = "0.1.0"
}
