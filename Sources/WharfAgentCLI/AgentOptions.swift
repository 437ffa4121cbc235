import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import WharfAgent
import WharfModel

/// The agent's flags; each also reads `WHARF_<FLAG>` from the environment.
public struct AgentOptions: ParsableArguments {
    @Option(help: """
        The controller's URL, or several controllers' comma-separated (one PostgreSQL store): the agent moves to \
        the next when one cannot be reached or follows (env WHARF_CONTROLLER). Default: http://127.0.0.1:8080.
        """)
    var controller: String?

    @Option(help: "The cluster to join (env WHARF_CLUSTER). Default: default.")
    var cluster: String?

    @Option(help: "The cluster's region (env WHARF_REGION). Default: the controller's own region.")
    var region: String?

    @Option(help: "Directory for the agent's identity and task state (env WHARF_DATA_DIR). Default: /var/lib/wharf-agent.")
    var dataDir: String?

    @Option(help: "The Docker Engine socket (env WHARF_DOCKER_SOCKET). Default: /var/run/docker.sock.")
    var dockerSocket: String?

    @Option(help: "MiB of memory kept back from tasks (env WHARF_RESERVED_MEMORY). Default: 0.")
    var reservedMemory: Int?

    @Option(help: "TCP ports never given to tasks, comma-separated (env WHARF_RESERVED_PORTS). Default: 22,2375,2376.")
    var reservedPorts: String?

    @Option(help: "Attributes for placement, key=value,... (env WHARF_ATTRIBUTES).")
    var attributes: String?

    @Option(
        help: """
            GPUs for tasks' resourceRequirements: comma-separated IDs, auto (the NVIDIA GPUs the driver lists \
            under /proc/driver/nvidia/gpus) or none (env WHARF_GPUS). Default: auto.
            """
    )
    var gpus: String?

    @Option(
        help: """
            Run awsvpc tasks: on (a bridge network over the node's task address block, firewall rules and \
            routes to the other nodes' blocks; needs IP forwarding) or off (env WHARF_AWSVPC). Default: on.
            """
    )
    var awsvpc: String?

    @Option(
        help: """
            The IPv4 address other nodes reach this node at, the gateway of their routes to its awsvpc tasks \
            (env WHARF_NODE_ADDRESS). Default: the address it reaches the controller from.
            """
    )
    var nodeAddress: String?

    @Option(help: "Take FARGATE tasks: on or off (env WHARF_FARGATE). Default: on.")
    var fargate: String?

    @Flag(
        help: """
            Serve the cluster's load balancers on this node with HAProxy (Debian's haproxy package), on the \
            listeners' ports of every address of the node (env WHARF_LOAD_BALANCER=true).
            """
    )
    var loadBalancer = false

    @Option(
        help: """
            Port of the task metadata endpoint (ECS_CONTAINER_METADATA_URI_V4), on every address of the node, or \
            off (env WHARF_METADATA_PORT). Default: 51679.
            """
    )
    var metadataPort: String?

    @Option(help: "default, always, once or prefer-cached (env WHARF_IMAGE_PULL_BEHAVIOR). Default: default.")
    var imagePullBehavior: String?

    @Option(help: "The activation ID to join with the first time, from `aws ssm create-activation` (env WHARF_ACTIVATION_ID).")
    var activationId: String?

    @Option(help: "The activation code that goes with --activation-id (env WHARF_ACTIVATION_CODE). Not needed once joined.")
    var activationCode: String?

    @Option(help: """
        The container instance (ARN) to join as again after the data directory lost its identity, with a fresh \
        --activation-id and --activation-code made for it; the node takes up its running containers \
        (env WHARF_CONTAINER_INSTANCE).
        """)
    var containerInstance: String?

    @Option(help: "Loopback port of the introspection endpoint (/v1/metadata, /v1/tasks), 0 for any free one, off for none (env WHARF_INTROSPECTION_PORT). Default: 51678.")
    var introspectionPort: String?

    @Option(help: "A Docker config.json (or ECS_ENGINE_AUTH_DATA map) with private-registry credentials; keep it mode 0600 (env WHARF_ENGINE_AUTH_FILE).")
    var engineAuthFile: String?

    @Option(help: "Secrets for containers' repositoryCredentials, by secret ARN or name: {\"NAME\": {\"username\": ..., \"password\": ...}}; keep it mode 0600 (env WHARF_SECRETS_FILE).")
    var secretsFile: String?

    @Option(help: "Seconds a stopped task's containers are kept (env WHARF_TASK_CLEANUP_WAIT). Default: 3600.")
    var taskCleanupWait: Int?

    @Option(help: "MiB the on-disk buffer of container output (awslogs) may take while the controller cannot be reached; past it the oldest lines are dropped and counted (env WHARF_LOG_BUFFER_MB). Default: 64.")
    var logBufferMb: Int?

    @Option(help: "Seconds between samples of the containers' CPU and memory (env WHARF_STATS_INTERVAL). Default: 10.")
    var statsInterval: Int?

    @Option(help: "SHA-256 fingerprint of the controller's CA (wharf-controller prints it): fetched once and pinned (env WHARF_CA_FINGERPRINT). https only.")
    var caFingerprint: String?

    @Option(help: "PEM file of the CA that signs the controller's certificate (env WHARF_CA_FILE). https only.")
    var caFile: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical (env WHARF_LOG_LEVEL). Default: info.")
    var logLevel: String?

    @Flag(help: """
        Talk to a plain-HTTP controller beyond loopback, sending the node's credential in clear on every call \
        (env WHARF_INSECURE_HTTP=true). Without it such a --controller is refused; serve the controller over HTTPS.
        """)
    var insecureHttp = false

    public init() {}

    func configuration(defaultDataDir: String = "/var/lib/wharf-agent",
                       environment: [String: String] = ProcessInfo.processInfo.environment) throws -> AgentConfiguration {
        func value(_ flag: String?, _ name: String) -> String? { flag ?? environment[name] }
        func number(_ flag: Int?, _ name: String, _ option: String) throws -> Int? {
            if let flag { return flag }
            guard let text = environment[name] else { return nil }
            guard let parsed = Int(text), parsed >= 0 else { throw ValidationError("\(name) \"\(text)\" is not a whole number (\(option))") }
            return parsed
        }
        let controller = value(self.controller, "WHARF_CONTROLLER") ?? "http://127.0.0.1:8080"
        let insecure = insecureHttp || environment["WHARF_INSECURE_HTTP"] == "true"
        var schemes: Set<String> = []
        for address in AgentConfiguration.controllerURLs(controller) {
            guard let parsed = URL(string: address), let scheme = parsed.scheme, let host = parsed.host,
                scheme == "http" || scheme == "https"
            else {
                throw ValidationError(
                    "--controller \"\(address)\" is not an http(s) URL such as http://controller:8080 (give several "
                        + "controllers comma-separated)"
                )
            }
            schemes.insert(scheme)
            if scheme == "http", !Self.isLoopback(host), !insecure {
                throw ValidationError(
                    "--controller \"\(address)\" is plain HTTP beyond loopback: the node's credential would cross "
                        + "the network in clear on every call. Give the controller's https:// URL (wharf-controller "
                        + "serves HTTPS when it listens beyond loopback; join with --ca-fingerprint), or accept the "
                        + "risk with --insecure-http"
                )
            }
        }
        guard schemes.count == 1, let url = URL(string: AgentConfiguration.controllerURLs(controller)[0]) else {
            throw ValidationError("--controller \"\(controller)\" mixes http and https controllers; give one kind")
        }
        var ports = [22, 2375, 2376]
        if let text = value(reservedPorts, "WHARF_RESERVED_PORTS") {
            let parsed = text.split(separator: ",").map { Int($0.trimmingWhitespace()) }
            guard parsed.allSatisfy({ $0 != nil && (1...65535).contains($0!) }) else {
                throw ValidationError("--reserved-ports \"\(text)\" must be comma-separated port numbers 1-65535, such as 22,2375")
            }
            ports = parsed.compactMap { $0 }
        }
        var parsedAttributes: [String: String] = [:]
        if let text = value(attributes, "WHARF_ATTRIBUTES") {
            guard let parsed = AgentConfiguration.parseAttributes(text) else {
                throw ValidationError("--attributes \"\(text)\" must be key=value pairs separated by commas, such as rack=a,disk=ssd")
            }
            parsedAttributes = parsed
        }
        let behaviorText = value(imagePullBehavior, "WHARF_IMAGE_PULL_BEHAVIOR") ?? "default"
        guard let behavior = AgentConfiguration.ImagePullBehavior(rawValue: behaviorText) else {
            throw ValidationError("--image-pull-behavior \"\(behaviorText)\" is not one of default, always, once, prefer-cached")
        }
        var registryAuth = RegistryAuth()
        if let path = value(engineAuthFile, "WHARF_ENGINE_AUTH_FILE") {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("--engine-auth-file \"\(path)\" cannot be read; give the path of a Docker config.json with the registries' credentials")
            }
            do {
                registryAuth = try RegistryAuth(parsing: data, source: path)
            } catch {
                throw ValidationError("--engine-auth-file: \(error.message)")
            }
        }
        if let path = value(secretsFile, "WHARF_SECRETS_FILE").flatMap({ $0.isEmpty ? nil : $0 }) {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("--secrets-file \"\(path)\" cannot be read; give the path of a JSON file of secrets by ARN or name")
            }
            do {
                try registryAuth.addSecrets(parsing: data, source: path)
            } catch {
                throw ValidationError("--secrets-file: \(error.message)")
            }
        }
        // Empty counts as unset, as in an EnvironmentFile that leaves them blank.
        let activation = value(activationId, "WHARF_ACTIVATION_ID").flatMap { $0.isEmpty ? nil : $0 }
        let code = value(activationCode, "WHARF_ACTIVATION_CODE").flatMap { $0.isEmpty ? nil : $0 }
        guard (activation == nil) == (code == nil) else {
            throw ValidationError("--activation-id and --activation-code go together; give both, as `aws ssm create-activation` printed them")
        }
        let rejoin = value(containerInstance, "WHARF_CONTAINER_INSTANCE").flatMap { $0.isEmpty ? nil : $0 }
        if let rejoin {
            guard rejoin.hasPrefix("arn:"), rejoin.contains(":container-instance/") else {
                throw ValidationError(
                    "--container-instance \"\(rejoin)\" is not a container instance ARN "
                        + "(arn:aws:ecs:REGION:ACCOUNT:container-instance/CLUSTER/ID)"
                )
            }
            guard activation != nil else {
                throw ValidationError(
                    "--container-instance joins with a fresh activation: give --activation-id and --activation-code too"
                )
            }
        }
        let introspectionText = value(introspectionPort, "WHARF_INTROSPECTION_PORT") ?? "51678"
        var introspection: Int?
        if introspectionText != "off" {
            guard let port = Int(introspectionText), (0...65535).contains(port) else {
                throw ValidationError("--introspection-port \"\(introspectionText)\" must be a port number 0-65535 (0: any free port) or off")
            }
            introspection = port
        }
        let cleanup = try number(taskCleanupWait, "WHARF_TASK_CLEANUP_WAIT", "--task-cleanup-wait") ?? 3600
        let bufferMiB = try number(logBufferMb, "WHARF_LOG_BUFFER_MB", "--log-buffer-mb") ?? 64
        guard (1...65_536).contains(bufferMiB) else { throw ValidationError("--log-buffer-mb \(bufferMiB) must be 1 to 65536 MiB") }
        let stats = try number(statsInterval, "WHARF_STATS_INTERVAL", "--stats-interval") ?? 10
        guard (1...3_600).contains(stats) else { throw ValidationError("--stats-interval \(stats) must be 1 to 3600 seconds") }
        var trust = ControllerTrust.system
        let pin = value(caFingerprint, "WHARF_CA_FINGERPRINT").flatMap { $0.isEmpty ? nil : $0 }
        let file = value(caFile, "WHARF_CA_FILE").flatMap { $0.isEmpty ? nil : $0 }
        if pin != nil || file != nil {
            guard url.scheme == "https" else {
                throw ValidationError("--ca-fingerprint and --ca-file verify an https controller; --controller \"\(controller)\" is http")
            }
            guard pin == nil || file == nil else {
                throw ValidationError("give --ca-fingerprint or --ca-file, not both")
            }
        }
        if let pin {
            guard let normalized = ControllerTrust.normalize(fingerprint: pin) else {
                throw ValidationError("--ca-fingerprint \"\(pin)\" is not a SHA-256 fingerprint (64 hex digits, colons allowed)")
            }
            trust = .pinned(fingerprint: normalized)
        }
        if let file {
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw ValidationError("--ca-file \"\(file)\" cannot be read; give the controller's ca.pem")
            }
            trust = .caFile(file)
        }
        var configuration = AgentConfiguration(
            controllerURL: controller, cluster: value(cluster, "WHARF_CLUSTER") ?? "default",
            dataDirectory: value(dataDir, "WHARF_DATA_DIR") ?? defaultDataDir,
            dockerSocket: value(dockerSocket, "WHARF_DOCKER_SOCKET") ?? "/var/run/docker.sock",
            reservedMemoryMiB: try number(reservedMemory, "WHARF_RESERVED_MEMORY", "--reserved-memory") ?? 0,
            reservedPorts: ports, attributes: parsedAttributes, imagePullBehavior: behavior, registryAuth: registryAuth,
            activationId: activation, activationCode: code, introspectionPort: introspection, taskCleanupWait: .seconds(cleanup))
        configuration.controllerTrust = trust
        configuration.rejoinInstanceArn = rejoin
        if let region = value(region, "WHARF_REGION"), !region.isEmpty {
            guard region.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else {
                throw ValidationError("--region \"\(region)\" is not a region name such as eu-west-1")
            }
            configuration.region = region
        }
        switch value(gpus, "WHARF_GPUS") ?? "auto" {
        case "auto": configuration.gpus = GPUDiscovery.nvidiaGPUs()
        case "none": configuration.gpus = []
        case let text:
            configuration.gpus = text.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        }
        configuration.logBufferBytes = bufferMiB << 20
        configuration.usageInterval = .seconds(stats)
        configuration.taskNetworking = try Self.onOff(value(awsvpc, "WHARF_AWSVPC"), "--awsvpc") ?? true
        configuration.fargate = try Self.onOff(value(fargate, "WHARF_FARGATE"), "--fargate") ?? true
        configuration.loadBalancer = loadBalancer || value(nil, "WHARF_LOAD_BALANCER") == "true"
        configuration.discoveryDNS = configuration.taskNetworking
        let metadataText = value(metadataPort, "WHARF_METADATA_PORT") ?? "51679"
        if metadataText != "off" {
            guard let port = Int(metadataText), (1...65535).contains(port) else {
                throw ValidationError("--metadata-port \"\(metadataText)\" must be a port number 1-65535 or off")
            }
            configuration.metadataPort = port
        }
        if let address = value(nodeAddress, "WHARF_NODE_ADDRESS").flatMap({ $0.isEmpty ? nil : $0 }) {
            guard IPv4Network.address(address) != nil else {
                throw ValidationError("--node-address \"\(address)\" is not an IPv4 address such as 192.168.1.20")
            }
            configuration.nodeAddress = address
        }
        return configuration
    }

    /// `on` or `off` (also `true` and `false`); nil when not given.
    /// Whether `host` is this machine: `localhost`, 127.0.0.0/8 or `::1`.
    static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare == "localhost" || bare == "::1" { return true }
        let parts = bare.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    static func onOff(_ text: String?, _ option: String) throws -> Bool? {
        guard let text, !text.isEmpty else { return nil }
        switch text.lowercased() {
        case "on", "true": return true
        case "off", "false": return false
        default: throw ValidationError("\(option) \"\(text)\" must be on or off")
        }
    }

    func level(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        let level = logLevel ?? environment["WHARF_LOG_LEVEL"] ?? "info"
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(level) else {
            throw ValidationError("--log-level \"\(level)\" is not one of trace, debug, info, notice, warning, error, critical")
        }
        return level
    }
}
