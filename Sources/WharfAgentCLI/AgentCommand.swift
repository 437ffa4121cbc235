import ArgumentParser
import Logging
import NIOSSL
import ServiceLifecycle
import UnixSignals
import WharfAgent

/// `wharf-agent`: runs a node's tasks in Docker for a Wharf controller.
public struct AgentCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "wharf-agent",
        abstract: "Join this node to a Wharf cluster and run its tasks in the local Docker Engine."
    )

    /// The exit status for a refusal that retrying cannot fix (deregistered, wrong protocol
    /// version): systemd's unit does not restart on it, as with the ECS agent's exit 5.
    public static let terminalExitCode: Int32 = 5

    @OptionGroup var options: AgentOptions

    public init() {}

    public func run() async throws {
        let configuration = try options.configuration()
        let logger = Daemon.logger("wharf.agent", level: try options.level())
        try await Self.runAgent(configuration, logger: logger)
    }

    /// Runs the agent until SIGTERM/SIGINT; exits 5 on a terminal refusal.
    static func runAgent(_ configuration: AgentConfiguration, logger: Logger) async throws {
        let roots = try await trustRoots(configuration, logger: logger)
        let runtime = DockerRuntime(socketPath: configuration.dockerSocket, logger: logger)
        let client = HTTPControllerClient(baseURL: configuration.controllerURL, trustRoots: roots)
        let agent = Agent(configuration: configuration, runtime: runtime, client: client, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: AgentService(agent: agent, runtime: runtime, logger: logger) { SystemdNotifier.notify("READY=1") })]
                + (configuration.introspectionPort.map { port in
                    [.init(service: IntrospectionServer(agent: agent, cluster: configuration.cluster, port: port, logger: logger))]
                } ?? [])
                + [.init(service: SystemdStoppingService())],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch let error as AgentError where error.code == .terminal {
            logger.critical("the controller refused this agent for good: \(error.message)")
            await client.shutdown()
            await runtime.shutdown()
            throw ExitCode(terminalExitCode)
        } catch {
            logger.critical("cannot run: \(error)")
            await client.shutdown()
            await runtime.shutdown()
            throw ExitCode(1)
        }
        await client.shutdown()
        await runtime.shutdown()
    }

    /// The CAs to verify the controller against, retrying while the controller cannot be
    /// reached; a CA that is not the pinned one ends the agent (exit 5).
    static func trustRoots(_ configuration: AgentConfiguration, logger: Logger) async throws -> [NIOSSLCertificate]? {
        var delay = 1
        var attempt = -1
        while true {
            do {
                // Each try asks the next controller: any one that answers has the CA they share.
                let urls = configuration.controllerURLs
                attempt += 1
                return try await configuration.controllerTrust.roots(controllerURL: urls[attempt % urls.count],
                                                                     dataDirectory: configuration.dataDirectory, logger: logger)
            } catch where error.code == .terminal {
                logger.critical("cannot trust the controller: \(error.message)")
                throw ExitCode(terminalExitCode)
            } catch {
                logger.warning("cannot fetch the controller's CA yet; trying again", metadata: ["error": "\(error.message)", "retry.seconds": "\(delay)"])
                try await Task.sleep(for: .seconds(delay))
                delay = min(delay * 2, 30)
            }
        }
    }
}
