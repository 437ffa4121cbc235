import ArgumentParser
import Logging
import WharfAgentCLI
import WharfController

/// `wharf-controller`: the API server and cluster state, as a daemon.
public struct ControllerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "wharf-controller",
        abstract: "Serve the ECS API and keep the cluster state of a Wharf cluster."
    )

    @OptionGroup var options: ControllerOptions

    public init() {}

    public func run() async throws {
        let configuration = try options.configuration()
        let logger = Daemon.logger("wharf.controller", level: try options.level())
        try await Daemon.run(logger: logger) {
            do {
                try await ControllerServer.run(configuration, logger: logger, extraServices: [SystemdStoppingService()]) { _ in
                    SystemdNotifier.notify("READY=1")
                }
            } catch let error as ControllerStartError {
                // A setting to fix: 64, which the systemd unit does not restart on.
                logger.critical("cannot run: \(error)")
                throw ExitCode(64)
            }
        }
    }
}
