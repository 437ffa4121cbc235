import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `wharf-sim`: a fleet of simulated nodes against a real controller (see ``FleetSimulator``).
public struct SimulatorCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "wharf-sim",
        abstract:
            "Simulate many Wharf agents in one process against a real controller: real agent protocol, real HTTP, "
                + "fake containers."
    )

    @Option(help: "The controller's URL. It must let nodes join without an activation (--open-registration).")
    var controller = "http://127.0.0.1:8080"

    @Option(help: "The cluster the nodes join.")
    var cluster = "default"

    @Option(help: "How many agents.")
    var agents = 100

    @Option(help: "Each node's CPU cores.")
    var cpus = 4

    @Option(help: "Each node's memory in MiB.")
    var memory = 16_384

    @Option(help: "Milliseconds a container takes to start.")
    var startDelayMs = 200

    @Option(help: "The share of container starts that fail, 0 to 1.")
    var failRate = 0.0

    @Option(
        help: "Milliseconds each container runs before it exits on its own (code 0); 0 runs it until it is stopped."
    )
    var runMs = 0

    @Option(help: "Seconds over which the nodes start.")
    var ramp = 10

    @Option(help: "Directory for the nodes' state (identity, tasks). Default: a new one under /tmp, removed at exit.")
    var dataDir: String?

    @Option(help: "The simulated agents' log level (trace ... critical). Default: warning.")
    var logLevel = "warning"

    public init() {}

    public func validate() throws {
        guard agents > 0 else { throw ValidationError("--agents \(agents) must be at least 1") }
        guard (0...1).contains(failRate) else { throw ValidationError("--fail-rate \(failRate) must be 0 to 1") }
        guard startDelayMs >= 0, runMs >= 0, ramp >= 0, cpus > 0, memory > 0 else {
            throw ValidationError("--start-delay-ms, --ramp, --cpus and --memory take positive numbers")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError(
                "--log-level \"\(logLevel)\" is not trace, debug, info, notice, warning, error or critical"
            )
        }
    }

    public func run() async throws {
        var logger = Logger(label: "wharf.sim")
        logger.logLevel = .info
        var nodeLogger = Logger(label: "wharf.sim.agent")
        nodeLogger.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
        let owned = dataDir == nil
        let directory = dataDir ?? NSTemporaryDirectory() + "wharf-sim-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { if owned { try? FileManager.default.removeItem(atPath: directory) } }
        let simulator = FleetSimulator(
            configuration: .init(
                controllerURL: controller,
                cluster: cluster,
                agents: agents,
                dataDirectory: directory,
                cpus: cpus,
                memoryMiB: memory,
                startDelay: .milliseconds(startDelayMs),
                startFailureRate: failRate,
                runTime: runMs > 0 ? .milliseconds(runMs) : nil,
                ramp: .seconds(ramp)
            ),
            logger: logger,
            nodeLogger: nodeLogger
        )
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: simulator)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}
