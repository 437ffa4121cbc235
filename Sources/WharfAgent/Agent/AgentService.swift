#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import ServiceLifecycle

/// Runs an ``Agent`` as a service: start (registration and re-adoption), then the sync loop, the
/// container event stream, log collection and shipping, usage sampling and the cleanup of
/// stopped tasks side by side until graceful shutdown.
/// Shutting down leaves the containers running, as the ECS agent does: a restarted agent takes
/// them up again.
public struct AgentService: Service {
    let agent: Agent
    let runtime: any ContainerRuntime
    let logger: Logger
    let cleanupInterval: Duration
    let onReady: @Sendable () async -> Void

    /// - Parameter onReady: called once the agent has registered and taken up its containers.
    public init(agent: Agent, runtime: any ContainerRuntime, logger: Logger, cleanupInterval: Duration = .seconds(30),
                onReady: @escaping @Sendable () async -> Void = {}) {
        self.agent = agent
        self.runtime = runtime
        self.logger = logger
        self.cleanupInterval = cleanupInterval
        self.onReady = onReady
    }

    public func run() async throws {
        do {
            try await serve()
        } catch {
            await agent.tasksSaved()
            throw error
        }
        await agent.tasksSaved()
        logger.info("agent stopped; its containers keep running")
    }

    /// The agent's loops, until graceful shutdown or a terminal error.
    func serve() async throws {
        try await cancelWhenGracefulShutdown {
            // Up before the first task arrives, so its containers are told where it is.
            let metadata = agent.configuration.metadataPort.map { [agent, logger] port in
                Task { await TaskMetadataServer(agent: agent, port: port, logger: logger).run() }
            }
            defer { metadata?.cancel() }
            try await agent.start()
            guard let arn = await agent.containerInstanceArn else { return }
            let configuration = agent.configuration
            let buffer = try LogBuffer(directory: configuration.dataDirectory + "/log-buffer", maxBytes: configuration.logBufferBytes)
            await agent.attach(buffer)
            let collector = LogCollector(runtime: runtime, buffer: buffer, logger: logger)
            let shipper = LogShipper(buffer: buffer, client: agent.client, logger: logger, metrics: agent.metrics)
            await onReady()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await agent.syncLoop() }
                // A held poll per node: only where commands can run (not the simulator's nodes).
                if runtime.runsCommands {
                    group.addTask { await ExecRunner(agent: agent, runtime: runtime, logger: logger).run() }
                }
                group.addTask { await watchEvents(instanceArn: arn) }
                if configuration.shipsLogs {
                    group.addTask { await collector.run { await agent.logSources() } }
                    group.addTask { await shipper.run { await agent.shippingIdentity() } }
                }
                if configuration.samplesUsage {
                    group.addTask {
                        while !Task.isCancelled {
                            await agent.sampleUsage()
                            try? await Task.sleep(for: configuration.usageInterval)
                        }
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: cleanupInterval)
                        await agent.cleanUp()
                    }
                }
                if let dns = agent.discoveryDNS, let gateway = await agent.taskGateway {
                    // Tried again every 30 s while it cannot listen; it never ends the agent's loops.
                    group.addTask {
                        while !Task.isCancelled {
                            do { try await dns.serve(address: gateway) } catch {
                                logger.error(
                                    "Wharf's DNS cannot listen; awsvpc tasks cannot resolve Cloud Map names",
                                    metadata: ["address": "\(gateway):53", "error": "\(error)"]
                                )
                            }
                            try? await Task.sleep(for: .seconds(30))
                        }
                    }
                }
                if let node = agent.loadBalancerNode {
                    // What the health checks see goes to the controller with the next sync, soon.
                    group.addTask { await node.run { await agent.syncSoon() } }
                }
                // The first loop to end (a terminal sync error, or cancellation) ends them all.
                try await group.next()
                group.cancelAll()
            }
        }
    }

    /// Follows container events, reconnecting with a pause when the stream breaks.
    func watchEvents(instanceArn: String) async {
        while !Task.isCancelled {
            do {
                // Subscribe first, then re-read the containers: whatever happened before the
                // subscription shows in the re-read, whatever happens after arrives as an event.
                let events = runtime.events(labels: [ContainerLabels.instanceArn: instanceArn])
                await agent.adopt()
                for try await event in events {
                    await agent.handle(event)
                }
            } catch {
                logger.warning("container event stream broke; reconnecting", metadata: ["error": "\(error)"])
                // Not known to answer until a listing says so (``Agent/adopt(initial:)``).
                await agent.noteRuntime(answering: false)
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
