#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import WharfModel

/// The agent's introspection endpoint on loopback, like the Amazon ECS agent's on port 51678:
/// `GET /v1/metadata` (cluster, container instance ARN, version) and `GET /v1/tasks` (each task
/// with its desired and known status and its containers), in the ECS agent's JSON. Read-only; it
/// answers from the agent's memory.
public struct IntrospectionServer: Service {
    let agent: Agent
    let cluster: String
    let port: Int
    let logger: Logger
    let retryInterval: Duration
    let onBound: @Sendable (Int) -> Void

    /// - Parameters:
    ///   - port: the loopback port; 0 picks a free one (`onBound` says which).
    ///   - retryInterval: how long to wait before binding again when the port is taken.
    public init(agent: Agent, cluster: String, port: Int, logger: Logger, retryInterval: Duration = .seconds(2),
                onBound: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.agent = agent
        self.retryInterval = retryInterval
        self.cluster = cluster
        self.port = port
        self.logger = logger
        self.onBound = onBound
    }

    /// Serves until graceful shutdown. A port that cannot be bound (another process holds it) is
    /// logged and tried again every `retryInterval` while the agent goes on: the endpoint is a
    /// convenience, not a reason to stop running tasks, and it comes up once the port is free.
    public func run() async throws {
        var failures = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await serve()
                return
            } catch {
                failures += 1
                guard (error as? IOError)?.errnoCode == EADDRINUSE else {
                    // Not a port another process holds (no permission, no such address): it will not pass.
                    logger.error("the introspection endpoint is not available", metadata: ["port": "\(port)", "error": "\(error)"])
                    try? await gracefulShutdown()
                    return
                }
                let metadata: Logger.Metadata = ["port": "\(port)", "error": "\(error)", "retry.after": "\(retryInterval)"]
                if failures == 1 {
                    logger.error("the introspection endpoint is not available; trying again until the port is free", metadata: metadata)
                } else {
                    logger.debug("the introspection port is still taken", metadata: metadata)
                }
            }
            // Ending would end the agent's whole service group: wait for the next try or the shutdown.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: retryInterval) }
        }
    }

    func serve() async throws {
        let server = AgentHTTPServer(host: "127.0.0.1", port: port) { request in
            let (status, body) = await answer(request)
            let metrics = request.uri.hasPrefix("/metrics") && status == .ok
            return AgentHTTPServer.Answer(
                status: status,
                contentType: metrics ? "text/plain; version=0.0.4; charset=utf-8" : "application/json",
                body: body
            )
        }
        try await cancelWhenGracefulShutdown {
            try await server.serve { bound in
                logger.info(
                    "introspection endpoint listening",
                    metadata: ["introspection.url": "http://127.0.0.1:\(bound)/v1/metadata"]
                )
                onBound(bound)
            }
        }
    }

    func answer(_ request: HTTPRequestHead) async -> (HTTPResponseStatus, [UInt8]) {
        switch request.uri.split(separator: "?").first.map(String.init) ?? "" {
        case "/v1/metadata":
            return (.ok, Self.json(Metadata(cluster: cluster, containerInstanceArn: await agent.containerInstanceArn,
                                            version: "Wharf Agent v\(WharfAgentVersion.current)")))
        case "/v1/tasks":
            let tasks = await agent.taskSnapshot.map { task in
                TaskEntry(arn: task.arn, desiredStatus: task.desiredStatus, knownStatus: task.lastStatus,
                          family: task.definition.family ?? "", version: String(task.definition.revision ?? 0),
                          containers: task.containers.map { ContainerEntry(dockerId: $0.runtimeId, name: $0.name) })
            }
            return (.ok, Self.json(["Tasks": tasks]))
        case "/metrics":
            return (.ok, Array(await agent.metrics.exposition(agent: agent).utf8))
        default:
            return (.notFound, Self.json(["error": "not found; try /v1/metadata, /v1/tasks or /metrics"]))
        }
    }

    static func json(_ value: some Encodable) -> [UInt8] {
        Array((try? JSONEncoder().encode(value)) ?? Data("{}".utf8))
    }

    struct Metadata: Encodable {
        var cluster: String
        var containerInstanceArn: String?
        var version: String
        enum CodingKeys: String, CodingKey { case cluster = "Cluster", containerInstanceArn = "ContainerInstanceArn", version = "Version" }
    }

    struct TaskEntry: Encodable {
        var arn, desiredStatus, knownStatus, family, version: String
        var containers: [ContainerEntry]
        enum CodingKeys: String, CodingKey {
            case arn = "Arn", desiredStatus = "DesiredStatus", knownStatus = "KnownStatus", family = "Family", version = "Version"
            case containers = "Containers"
        }
    }

    struct ContainerEntry: Encodable {
        var dockerId: String?
        var name: String
        enum CodingKeys: String, CodingKey { case dockerId = "DockerId", name = "Name" }
    }
}
