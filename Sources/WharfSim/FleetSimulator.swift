import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import WharfAgent

/// Many nodes in one process: each a real ``Agent`` with its own identity, data directory and
/// ``FakeRuntime``, speaking agent protocol v1 over real HTTP to a real controller, all on one
/// shared HTTP client. Containers start after `startDelay` and a share of starts can fail. Used by
/// the scale benchmarks and the CI smoke test.
public struct FleetSimulator: Service {
    /// What to simulate.
    public struct Configuration: Sendable {
        public var controllerURL: String
        public var cluster: String
        public var agents: Int
        /// Each node's directory is `node-NNNNN` in here.
        public var dataDirectory: String
        /// Each node's CPU cores and memory.
        public var cpus: Int
        public var memoryMiB: Int
        public var startDelay: Duration
        public var startFailureRate: Double
        /// How long each container runs before it exits on its own (code 0); nil runs until stopped.
        public var runTime: Duration?
        /// The nodes start spread over this long, so they do not all register in one instant.
        public var ramp: Duration
        /// How often a progress line is printed; nil prints none.
        public var reportEvery: Duration?

        public init(controllerURL: String, cluster: String = "default", agents: Int, dataDirectory: String, cpus: Int = 4,
                    memoryMiB: Int = 16_384, startDelay: Duration = .milliseconds(200), startFailureRate: Double = 0,
                    runTime: Duration? = nil, ramp: Duration = .seconds(10), reportEvery: Duration? = .seconds(5)) {
            self.controllerURL = controllerURL
            self.cluster = cluster
            self.agents = agents
            self.dataDirectory = dataDirectory
            self.cpus = cpus
            self.memoryMiB = memoryMiB
            self.startDelay = startDelay
            self.startFailureRate = startFailureRate
            self.runTime = runTime
            self.ramp = ramp
            self.reportEvery = reportEvery
        }
    }

    let configuration: Configuration
    let logger: Logger
    let nodeLogger: Logger

    /// - Parameter nodeLogger: what the simulated agents log to (at warning or above, usually).
    public init(configuration: Configuration, logger: Logger, nodeLogger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.nodeLogger = nodeLogger
    }

    public func run() async throws {
        var http = HTTPClient.Configuration()
        // One connection per node: each holds a long-poll sync open.
        http.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = configuration.agents * 2 + 16
        http.connectionPool.idleTimeout = .seconds(120)
        http.timeout.connect = .seconds(10)
        http.httpVersion = .http1Only
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)
        let controller = HTTPControllerClient(baseURL: configuration.controllerURL, httpClient: client)
        let info = RuntimeInfo(version: "20.10.24-simulated", apiVersion: "1.41", cpus: configuration.cpus,
                               memoryBytes: configuration.memoryMiB << 20, osType: "linux", architecture: "x86_64")
        let nodes = (0..<configuration.agents).map { index in
            let name = "node-" + String(repeating: "0", count: max(0, 5 - String(index + 1).count)) + String(index + 1)
            let runtime = FakeRuntime(info: info, startDelay: configuration.startDelay, startFailureRate: configuration.startFailureRate,
                                      runTime: configuration.runTime, recordsCalls: false, otherImages: .present)
            var agentConfiguration = AgentConfiguration(controllerURL: configuration.controllerURL, cluster: configuration.cluster,
                                                        dataDirectory: configuration.dataDirectory + "/" + name, reservedPorts: [],
                                                        imagePullBehavior: .preferCached, taskCleanupWait: .seconds(60))
            agentConfiguration.shipsLogs = false
            agentConfiguration.samplesUsage = false
            // A simulated node never restarts; saving its tasks on every change took half of
            // the simulator's CPU at 1,000 nodes (docs/benchmarks.md, scheduling throughput).
            agentConfiguration.persistsTasks = false
            agentConfiguration.hostname = name
            let agent = Agent(configuration: agentConfiguration, runtime: runtime, client: controller,
                              logger: nodeLogger.with(name))
            return (agent, runtime)
        }
        logger.info("simulating \(configuration.agents) agents against \(configuration.controllerURL), starting over \(configuration.ramp)")
        let started = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for (index, (agent, runtime)) in nodes.enumerated() {
                let offset = configuration.ramp * (Double(index) / Double(max(1, configuration.agents)))
                group.addTask {
                    try? await Task.sleep(until: started + offset)
                    if Task.isCancelled { return }
                    do {
                        try await AgentService(agent: agent, runtime: runtime, logger: nodeLogger, cleanupInterval: .seconds(30)).run()
                    } catch {
                        nodeLogger.error("a simulated agent stopped", metadata: ["error": "\(error)"])
                    }
                }
            }
            if let every = configuration.reportEvery {
                group.addTask {
                    await cancelWhenGracefulShutdown {
                        while !Task.isCancelled {
                            try? await Task.sleep(for: every)
                            var registered = 0
                            var running = 0
                            for (agent, runtime) in nodes {
                                if await agent.containerInstanceArn != nil { registered += 1 }
                                running += runtime.runningCount
                            }
                            let elapsed = ContinuousClock.now - started
                            print("[wharf-sim] \(elapsed.components.seconds) s: \(registered)/\(nodes.count) agents registered, \(running) containers running")
                            fflush(nil)
                        }
                    }
                }
            }
            await group.waitForAll()
        }
        await controller.shutdown()
        try? await client.shutdown()
        logger.info("wharf-sim stopped")
    }
}

extension Logger {
    /// This logger with `node` in its metadata.
    func with(_ node: String) -> Logger {
        var logger = self
        logger[metadataKey: "node"] = "\(node)"
        return logger
    }
}
