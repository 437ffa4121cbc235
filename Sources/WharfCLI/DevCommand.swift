import ArgumentParser
import Foundation
import Logging
import NIOSSL
import ServiceLifecycle
import WharfAgent
import WharfAgentCLI
import WharfController
import WharfModel

/// `wharf dev`: a local cluster in one process on embedded defaults (data in ./.wharf, API on
/// loopback) with an agent on the local Docker engine, like `nomad agent -dev`.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run a local Wharf cluster: a controller on 127.0.0.1:8080 and an agent on the local Docker engine, data in ./.wharf."
    )

    @OptionGroup var options: ControllerOptions

    @Option(help: "The Docker Engine socket for the local agent. Default: /var/run/docker.sock.")
    var dockerSocket: String = "/var/run/docker.sock"

    func run() async throws {
        var settings = try options.configuration(defaultDataDir: ".wharf", defaultOpenRegistration: true)
        // Without the bootstrap pair, wharf dev checks no signatures, and so serves on loopback only.
        let authenticated = settings.authentication != .sigV4(bootstrap: nil)
        if !authenticated {
            guard ControllerConfiguration.isLoopback(settings.host) else {
                throw ValidationError("""
                    wharf dev without WHARF_ADMIN_ACCESS_KEY_ID and WHARF_ADMIN_SECRET_ACCESS_KEY checks no signatures, so it serves on \
                    loopback only (127.0.0.1 or ::1), not \(settings.host); set that pair to turn authentication on, or run wharf-controller
                    """)
            }
            settings.authentication = .disabled
        }
        let configuration = settings
        let logger = Daemon.logger("wharf.dev", level: try options.level())
        let runtime = DockerRuntime(socketPath: dockerSocket, logger: logger)
        let port = ListeningPort()
        var extra: [any Service] = []
        var agentNote = ""
        do {
            _ = try await runtime.info()
            var agentConfiguration = AgentConfiguration(
                controllerURL: "", cluster: "default",
                dataDirectory: (configuration.dataDirectory as NSString).appendingPathComponent("agent"),
                dockerSocket: dockerSocket, reservedPorts: [22, 2375, 2376])
            agentConfiguration.taskNetworking = true
            agentConfiguration.discoveryDNS = true
            agentConfiguration.metadataPort = 0
            extra.append(LocalAgentService(
                port: port, runtime: runtime, logger: logger, configuration: agentConfiguration,
                controllerDataDirectory: settings.dataDirectory, serving: settings.tls))
            agentNote = "A local agent runs tasks on the Docker engine at \(dockerSocket)."
        } catch {
            agentNote = """
            No Docker engine answers on \(dockerSocket), so no local agent runs tasks (\(error.message)).
            Start one (`sudo systemctl start docker`, or `sudo dockerd &`) and run `wharf dev` again.
            """
            FileHandle.standardError.write(Data("wharf dev: \(agentNote)\n".utf8))
        }
        let note = agentNote
        try await Daemon.run(logger: logger) {
            try await ControllerServer.run(configuration, logger: logger, extraServices: extra) { bound in
                // Whether it serves HTTPS is known now: the certificate is resolved before it listens.
                let https = switch configuration.tls {
                case .off: false
                case .files: true
                case .on, .auto: ControllerTLS.exists(dataDirectory: configuration.dataDirectory)
                }
                await port.set(bound)
                let endpoint = "\(https ? "https" : "http")://\(configuration.host == "0.0.0.0" ? "127.0.0.1" : configuration.host):\(bound)"
                FileHandle.standardOutput.write(Data("""

                Wharf dev cluster is up. Data: \(configuration.dataDirectory). Stop with Ctrl-C.
                \(note)
                \(authenticated
                    ? "Authentication is on: requests must be signed with the bootstrap pair or a key from wharf keys create."
                    : "Authentication is OFF (loopback only): any access key works. Set WHARF_ADMIN_ACCESS_KEY_ID and WHARF_ADMIN_SECRET_ACCESS_KEY to turn it on.")
                \(ControllerConfiguration.isLoopback(configuration.host) ? "" : "Nodes join WITHOUT an activation here, as the local agent does: for a network, run wharf-controller.")
                Try it with the AWS CLI:
                  export \(authenticated ? "AWS_ACCESS_KEY_ID=$WHARF_ADMIN_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$WHARF_ADMIN_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID=wharf AWS_SECRET_ACCESS_KEY=wharf") AWS_DEFAULT_REGION=\(configuration.context.region)
                  aws ecs create-cluster --cluster-name demo --endpoint-url \(endpoint)
                  aws ecs list-container-instances --endpoint-url \(endpoint)

                """.utf8))
            }
        }
        await runtime.shutdown()
    }
}

/// The port the dev controller bound, handed to the local agent once known.
actor ListeningPort {
    private var port: Int?
    private var waiting: [UUID: CheckedContinuation<Int?, Never>] = [:]

    func set(_ port: Int) {
        self.port = port
        for continuation in waiting.values { continuation.resume(returning: port) }
        waiting = [:]
    }

    /// The port, once bound; nil when the waiting task is cancelled first (the controller failed).
    func value() async -> Int? {
        if let port { return port }
        let id = UUID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Int?, Never>) in
                if Task.isCancelled { continuation.resume(returning: nil) } else { waiting[id] = continuation }
            }
        } onCancel: {
            Task { await self.cancel(id) }
        }
    }

    private func cancel(_ id: UUID) {
        waiting.removeValue(forKey: id)?.resume(returning: nil)
    }
}

/// The dev cluster's agent: waits for the controller's port, then runs as `wharf-agent` would.
struct LocalAgentService: Service {
    let port: ListeningPort
    let runtime: DockerRuntime
    let logger: Logger
    let configuration: AgentConfiguration
    /// The controller's data directory and TLS mode, to reach it over HTTPS when it serves that.
    let controllerDataDirectory: String
    let serving: ControllerConfiguration.TLSMode

    func run() async throws {
        guard let bound = await cancelWhenGracefulShutdown({ await port.value() }) ?? nil, !Task.isCancelled else { return }
        var configuration = self.configuration
        // The controller's own CA, when it serves HTTPS with one (wharf dev --tls on, say).
        let caFile = ControllerTLS.directory(controllerDataDirectory) + "/ca.pem"
        let https = switch serving {
        case .off: false
        case .files: true
        case .on, .auto: ControllerTLS.exists(dataDirectory: controllerDataDirectory)
        }
        configuration.controllerURL = "\(https ? "https" : "http")://127.0.0.1:\(bound)"
        // An operator's own certificate (--tls-cert) is checked against the system's trust store.
        var ownCA = https && FileManager.default.fileExists(atPath: caFile)
        if case .files = serving { ownCA = false }
        let roots = ownCA ? try? NIOSSLCertificate.fromPEMFile(caFile) : nil
        let client = HTTPControllerClient(baseURL: configuration.controllerURL, trustRoots: roots)
        let agent = Agent(configuration: configuration, runtime: runtime, client: client, logger: logger)
        do {
            try await AgentService(agent: agent, runtime: runtime, logger: logger).run()
        } catch {
            logger.error("the local agent stopped: \(error)")
        }
        await client.shutdown()
    }
}
