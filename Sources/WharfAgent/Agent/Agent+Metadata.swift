#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import NIOHTTP1
import WharfModel

extension Agent {
    /// The environment variable that gives a container its task metadata endpoint, as ECS's.
    public static let metadataVariable = "ECS_CONTAINER_METADATA_URI_V4"
    /// The same for version 3 of the endpoint, which ECS's agent still sets; Wharf answers it
    /// with the same documents.
    public static let metadataVariableV3 = "ECS_CONTAINER_METADATA_URI"

    /// The task metadata endpoint listens on `port` (the one picked, for 0).
    public func metadataBound(_ port: Int) {
        metadataPort = port
    }

    /// The address of a container's task metadata endpoint: the node's address the container
    /// reaches it at (its awsvpc task's gateway, the engine bridge's gateway, or loopback with the
    /// host's network), the port, and the container's secret token, made on first use and kept.
    /// Nil without an endpoint, or for a container without a network.
    func metadataURI(container name: String, task arn: String) -> String? {
        guard let port = metadataPort, let task = tasks[arn] else { return nil }
        let host: String?
        switch task.definition.networkMode ?? "bridge" {
        case "awsvpc":
            host = task.network.flatMap { IPv4Network($0.subnet) }.map { IPv4Network.text($0.address + 1) }
        case "host":
            host = "127.0.0.1"
        case "bridge":
            host = bridgeGateway
        default:
            host = nil
        }
        guard let host, task.definition(of: name)?.disableNetworking != true else { return nil }
        var token = task.containers.first { $0.name == name }?.metadataToken
        if token == nil {
            var generator = SystemRandomNumberGenerator()
            let made = (0..<4).map { _ in String(generator.next() as UInt32, radix: 16) }.joined(separator: "-")
            update(name, task: arn) { $0.metadataToken = made }
            persist()
            token = made
        }
        return token.map { "http://\(host):\(port)/v4/\($0)" }
    }

    /// Answers a request of the task metadata endpoint: `/v4/TOKEN` (the container), `/task`,
    /// `/stats` and `/task/stats`, in ECS's JSON.
    func metadataAnswer(path: String) async -> (HTTPResponseStatus, [UInt8]) {
        let parts = path.split(separator: "?").first.map { $0.split(separator: "/").map(String.init) } ?? []
        guard parts.count >= 2, parts[0] == "v4" || parts[0] == "v3",
            let (task, container) = tasks.values.lazy.compactMap({ task -> (ManagedTask, ManagedContainer)? in
                task.containers.first { $0.metadataToken == parts[1] }.map { (task, $0) }
            }).first
        else {
            return (.notFound, Array(#"{"error":"no container has this metadata address"}"#.utf8))
        }
        switch Array(parts.dropFirst(2)) {
        case []:
            return (.ok, Self.json(await metadata(of: container, in: task)))
        case ["task"]:
            var containers: [TaskMetadata.Container] = []
            for other in task.containers { containers.append(await metadata(of: other, in: task)) }
            let size = task.size
            return (
                .ok,
                Self.json(
                    TaskMetadata.Task(
                        cluster: task.clusterArn,
                        taskARN: task.arn,
                        family: task.definition.family ?? "",
                        revision: String(task.definition.revision ?? 0),
                        desiredStatus: task.desiredStatus,
                        knownStatus: task.lastStatus,
                        limits: size.map {
                            TaskMetadata.Limits(cpu: $0.cpu.map { Double($0) / 1024 }, memory: $0.memoryMiB)
                        },
                        pullStartedAt: TaskMetadata.time(task.pullStartedAt),
                        pullStoppedAt: TaskMetadata.time(task.pullStoppedAt),
                        executionStoppedAt: TaskMetadata.time(task.executionStoppedAt),
                        launchType: task.launchType,
                        containers: containers
                    ))
            )
        case ["stats"]:
            guard let id = container.runtimeId, let document = try? await runtime.statsDocument(id: id) else {
                return (.ok, Array("{}".utf8))
            }
            return (.ok, document)
        case ["task", "stats"]:
            var out = Array("{".utf8)
            for other in task.containers {
                guard let id = other.runtimeId, other.phase == .running,
                    let document = try? await runtime.statsDocument(id: id)
                else { continue }
                if out.count > 1 { out.append(UInt8(ascii: ",")) }
                out += Array("\"\(id)\":".utf8) + document
            }
            return (.ok, out + Array("}".utf8))
        default:
            return (.notFound, Array(#"{"error":"try the container, /task, /stats or /task/stats"}"#.utf8))
        }
    }

    /// A container as the metadata endpoint shows it.
    func metadata(of container: ManagedContainer, in task: ManagedTask) async -> TaskMetadata.Container {
        let definition = task.definition(of: container.name)
        let override = task.overrides?.containerOverrides?.first { $0.name == container.name }
        var networks: [TaskMetadata.Network] = []
        let mode = task.definition.networkMode ?? "bridge"
        if mode == "awsvpc", let network = task.network, let block = IPv4Network(network.subnet) {
            networks.append(
                TaskMetadata.Network(
                    attachmentIndex: 0,
                    networkMode: "awsvpc",
                    ipv4Addresses: [network.address],
                    macAddress: network.macAddress,
                    ipv4SubnetCIDRBlock: network.subnet,
                    privateDNSName: "ip-" + network.address.split(separator: ".").joined(separator: "-"),
                    subnetGatewayIpv4Address: "\(IPv4Network.text(block.address + 1))/\(block.prefixLength)"
                ))
        } else if let id = container.runtimeId, container.phase == .running,
            let state = try? await runtime.inspectContainer(id: id)
        {
            networks = state.networks.sorted { $0.key < $1.key }.map { name, endpoint in
                TaskMetadata.Network(networkMode: name, ipv4Addresses: [endpoint.ipv4Address])
            }
        }
        let logDriver = definition?.logConfiguration?.logDriver
        return TaskMetadata.Container(
            dockerID: container.runtimeId,
            name: container.name,
            dockerName: task.engineName(of: container.name),
            image: definition?.image ?? "",
            labels: (definition?.dockerLabels ?? [:]).merging([
                ContainerLabels.cluster: task.clusterArn, ContainerLabels.taskArn: task.arn,
                ContainerLabels.containerName: container.name,
                ContainerLabels.family: task.definition.family ?? "",
                ContainerLabels.revision: String(task.definition.revision ?? 0),
            ]) { _, ours in ours },
            desiredStatus: task.isStopping ? "STOPPED" : "RUNNING",
            knownStatus: container.phase == .running
                ? "RUNNING" : (container.phase == .stopped ? "STOPPED" : "PENDING"),
            exitCode: container.exitCode,
            limits: TaskMetadata.Limits(
                cpu: Double(override?.cpu ?? definition?.cpu ?? 0),
                memory: override?.memory ?? definition?.memory
            ),
            startedAt: TaskMetadata.time(container.startedAt),
            logDriver: logDriver,
            logOptions: logDriver == nil ? nil : definition?.logConfiguration?.options,
            restartCount: definition?.restartPolicy?.enabled == true ? container.restartCount ?? 0 : nil,
            networks: networks
        )
    }

    static func json(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
    }
}

/// Serves the task metadata endpoint on every address of the node, at `port`: containers reach it
/// at their gateway. A port taken by another process is tried again every few seconds, as the
/// endpoint is a convenience, not a reason to stop the agent.
struct TaskMetadataServer: Sendable {
    let agent: Agent
    let port: Int
    let logger: Logger

    func run() async {
        let server = AgentHTTPServer(host: "0.0.0.0", port: port) { [agent] request in
            let (status, body) = await agent.metadataAnswer(path: request.uri)
            return AgentHTTPServer.Answer(status: status, body: body)
        }
        var reported = false
        while !Task.isCancelled {
            do {
                try await server.serve { [agent, logger] bound in
                    logger.info("task metadata endpoint listening", metadata: ["port": "\(bound)"])
                    await agent.metadataBound(bound)
                }
                return
            } catch {
                if Task.isCancelled { return }
                if !reported {
                    logger.error(
                        "the task metadata endpoint is not available; trying again",
                        metadata: ["port": "\(port)", "error": "\(error)"]
                    )
                    reported = true
                }
                try? await Task.sleep(for: .seconds(2))
            }
        }
    }
}
