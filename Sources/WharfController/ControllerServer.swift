import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals
import WharfModel
import WharfStore

/// The `wharf-controller` daemon: the store, the state actor and the HTTP API in one
/// `ServiceGroup`. SIGTERM or SIGINT stops accepting connections, lets requests in flight finish,
/// then closes the store.
public enum ControllerServer {
    /// Runs until a shutdown signal.
    /// - Parameters:
    ///   - extraServices: run in the same group and stopped first (`wharf dev` adds its agent).
    ///   - onListening: called with the bound port once the API serves.
    public static func run(_ configuration: ControllerConfiguration, logger: Logger, extraServices: [any Service] = [],
                           onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let lock = try DataDirectoryLock.acquire(configuration.dataDirectory)
        defer { lock.release() }
        let databasePath = (configuration.dataDirectory as NSString).appendingPathComponent("wharf.db")
        let store = try await SQLiteStore.open(path: databasePath, logger: logger)
        let controller: Controller
        do {
            controller = try await Controller(store: store, context: configuration.context, logger: logger,
                                              settings: configuration.agentTimings, openRegistration: configuration.openRegistration)
        } catch {
            await store.close()
            throw error
        }
        let sealer: SecretSealer
        do {
            sealer = try SecretSealer.load(dataDirectory: configuration.dataDirectory)
            if case .sigV4(let bootstrap) = configuration.authentication, bootstrap == nil, await controller.read({ $0.accessKeys.isEmpty }) {
                throw ControllerStartError("""
                    no access key can sign requests: set WHARF_ADMIN_ACCESS_KEY_ID and WHARF_ADMIN_SECRET_ACCESS_KEY (the bootstrap pair; \
                    in /etc/wharf/controller.env for the systemd unit), then create more with wharf keys create
                    """)
            }
        } catch {
            await store.close()
            throw error
        }
        let app = makeApplication(controller: controller, configuration: configuration, sealer: sealer, logger: logger) { port in
            let auth = switch configuration.authentication {
            case .disabled: "off (wharf dev, loopback only)"
            case .sigV4(let bootstrap): "SigV4" + (bootstrap.map { ", bootstrap key \($0.accessKeyId)" } ?? "")
            }
            logger.info("wharf-controller listening on http://\(configuration.host):\(port)", metadata: [
                "data.dir": "\(configuration.dataDirectory)", "region": "\(configuration.context.region)", "authentication": "\(auth)",
            ])
            await onListening(port)
        }
        // Shut down in reverse order: the service scheduler, liveness (which also answers held
        // syncs), then HTTP, then the store.
        let scheduler = ServiceSchedulerService(controller: controller, sweep: configuration.agentTimings.schedulerSweep,
                                                logger: Logger(label: "wharf.controller.scheduler"))
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: StoreService(store: store, logger: logger)), .init(service: app),
                       .init(service: AgentLivenessService(controller: controller, interval: configuration.agentTimings.sweepInterval)),
                       .init(service: scheduler)]
                + extraServices.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await group.run()
        logger.info("wharf-controller stopped")
    }

    /// The HTTP application: `POST /` for the ECS API and `GET /healthz`.
    /// - Parameter sealer: seals access key secrets; the data directory's (``SecretSealer/load(dataDirectory:)``).
    public static func makeApplication(
        controller: Controller, configuration: ControllerConfiguration, sealer: SecretSealer = SecretSealer(), logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let authentication = configuration.authentication
        let endpoint = ECSEndpoint(
            operations: ECSOperations(controller: controller, sealer: sealer, bootstrapKeyId: authentication.bootstrapKeyId),
            authenticator: APIAuthenticator(mode: authentication, region: configuration.context.region, controller: controller,
                                            sealer: sealer, logger: logger),
            maxBodyBytes: configuration.maxBodyBytes, logger: logger)
        let router = Router()
        router.post("/") { request, _ in await endpoint.handle(request) }
        AgentEndpoint(controller: controller, maxBodyBytes: configuration.maxBodyBytes, logger: logger).register(on: router)
        router.get("/healthz") { _, _ in "ok\n" }
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "wharf"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
    }
}

/// Keeps the store open while the daemon runs and closes it after the HTTP server has stopped
/// (the group stops services in reverse order, so this one goes last).
struct StoreService: Service {
    let store: any ClusterStore
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        await store.close()
        logger.info("store closed")
    }
}
