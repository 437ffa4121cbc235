import ArgumentParser
import Foundation
import Logging
import WharfAgentCLI
import WharfController

/// `wharf-controller`: the API server and cluster state, as a daemon (`serve`, the default), and
/// `wharf-controller init`, which creates its CA and server certificate.
public struct ControllerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "wharf-controller",
        abstract: "Serve the ECS API and keep the cluster state of a Wharf cluster.",
        subcommands: [ControllerServeCommand.self, ControllerInitCommand.self, ControllerMigrateCommand.self],
        defaultSubcommand: ControllerServeCommand.self
    )

    public init() {}
}

/// `wharf-controller init`: creates the CA (once) and a server certificate for the names and
/// addresses given, and prints the CA fingerprint agents pin.
struct ControllerInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the controller's CA and a server certificate for its names and addresses; print the CA fingerprint agents pin."
    )

    @OptionGroup var options: ControllerOptions

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let directory = options.dataDir ?? environment["WHARF_DATA_DIR"] ?? "/var/lib/wharf"
        let subjects = try options.certificateSubjects(environment)
        let host = ProcessInfo.processInfo.hostName
        let names = [host] + subjects.names.filter { $0 != host }
        let fingerprint: String
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            fingerprint = try ControllerTLS.initialize(dataDirectory: directory, names: names, addresses: subjects.addresses)
            try ControllerTLS.chownToDataDirectory(directory)
        } catch {
            FileHandle.standardError.write(Data("wharf-controller init: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let tls = ControllerTLS.directory(directory)
        let address = subjects.names.first ?? subjects.addresses.first ?? host
        let listen = options.listen ?? environment["WHARF_LISTEN"] ?? "0.0.0.0:8080"
        let port = ControllerConfiguration.parseListen(listen)?.port ?? 8080
        let reach = (address.contains(":") ? "[\(address)]" : address) + ":\(port)"
        print("""
        CA certificate:     \(tls)/ca.pem (created once, kept on later runs)
        Server certificate: \(tls)/server.pem for \((["localhost"] + names + ["127.0.0.1", "::1"] + subjects.addresses).joined(separator: ", "))
        CA fingerprint:     \(fingerprint)

        The controller serves HTTPS with it. Join nodes with:
          install-agent.sh --controller https://\(reach) --ca-fingerprint \(fingerprint) --activation-id ID --activation-code CODE
        Point the AWS CLI at it with:
          export AWS_CA_BUNDLE=\(tls)/ca.pem AWS_ENDPOINT_URL=https://\(reach)
        """)
    }
}

/// `wharf-controller serve` (the default): runs the controller until SIGTERM.
struct ControllerServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the ECS API and keep the cluster state (what wharf-controller does without a subcommand)."
    )

    @OptionGroup var options: ControllerOptions

    func run() async throws {
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
