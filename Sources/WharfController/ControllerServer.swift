import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals
import WharfConsole
import WharfModel
import WharfState
import WharfStore

/// The `wharf-controller` daemon: the store, the state actor and the HTTP API in one
/// `ServiceGroup`. SIGTERM or SIGINT stops accepting connections, lets requests in flight finish,
/// then closes the store.
public enum ControllerServer {
    /// Runs until a shutdown signal.
    /// - Parameters:
    ///   - extraServices: run in the same group and stopped first (`wharf dev` adds its agent).
    ///   - onListening: called with the bound port once the API serves (and, on a PostgreSQL store, once
    ///     the follower serves before that).
    public static func run(
        _ given: ControllerConfiguration,
        logger: Logger,
        extraServices: [any Service] = [],
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let lock = try DataDirectoryLock.acquire(given.dataDirectory)
        defer { lock.release() }
        var settings = given
        let metrics = ControllerMetrics()
        let tls = try resolveTLS(settings, logger: logger)
        var leadership: LeadershipService?
        if case .postgres(let location) = settings.store {
            let lease = try await PostgresLease.open(location, logger: logger)
            let keeper: LeaseKeeper?
            do {
                keeper = try await Standby.lead(
                    settings,
                    lease: lease,
                    tls: tls,
                    metrics: metrics,
                    logger: logger,
                    onListening: onListening,
                    lost: { reason in stepDown(reason, logger: logger) }
                )
            } catch {
                await lease.close()
                throw error
            }
            guard let keeper else {
                await lease.close()
                logger.info("wharf-controller stopped before it led")
                return
            }
            settings.storeFence = PostgresStore.Fence(token: keeper.token) {
                stepDown("the database refused a write under this controller's lease", logger: logger)
            }
            leadership = LeadershipService(keeper: keeper, lease: lease, metrics: metrics, logger: logger)
            settings.leadership.advertiseURL =
                settings.leadership.advertiseURL ?? Standby.defaultAddress(settings, tls: tls)
        } else {
            metrics.leading(true)
        }
        let configuration = settings
        let bundle: RegionBundle
        do {
            bundle = try await RegionBundle.open(configuration, metrics: metrics, logger: logger)
        } catch {
            if let leadership { try? await leadership.stop() }
            throw error
        }
        let controller = bundle.controller
        // Every row was decoded once to build the state and is garbage now.
        AllocatorTrim.run()
        let sealer: SecretSealer
        let regions: ControllerRegions
        do throws(any Error) {
            sealer = try SecretSealer.load(dataDirectory: configuration.dataDirectory)
            try await checkKeys(configuration, controller: controller, sealer: sealer)
            await controller.useSecrets(sealer)
            regions = ControllerRegions(
                parts: .home(
                    controller,
                    configuration: configuration,
                    sealer: sealer,
                    tls: tls != nil,
                    logs: bundle.logs,
                    metricStore: bundle.metricStore,
                    metrics: metrics,
                    logger: logger
                ),
                logger: logger
            )
            do {
                try await regions.openStored()
            } catch {
                await regions.closeAll()
                throw error
            }
        } catch {
            await bundle.close()
            if let leadership { try? await leadership.stop() }
            throw error
        }
        let scheme = tls == nil ? "http" : "https"
        if let caPEM = tls?.caPEM, let fingerprint = try? ControllerTLS.fingerprint(ofPEM: caPEM) {
            logger.notice(
                "serving HTTPS with the controller's own CA; agents join with --ca-fingerprint \(fingerprint)",
                metadata: ["ca.file": "\(ControllerTLS.directory(configuration.dataDirectory))/ca.pem"]
            )
        }
        let listening: @Sendable (Int) async -> Void = { port in
            let auth =
                switch configuration.authentication {
                case .disabled: "off (wharf dev, loopback only)"
                case .sigV4(let bootstrap): "SigV4" + (bootstrap.map { ", bootstrap key \($0.accessKeyId)" } ?? "")
                }
            let others = await regions.names
            logger.info(
                "wharf-controller listening on \(scheme)://\(configuration.host):\(port)",
                metadata: [
                    "data.dir": "\(configuration.dataDirectory)", "region": "\(configuration.context.region)",
                    "regions.opened": "\(others.joined(separator: ","))", "authentication": "\(auth)",
                ]
            )
            await onListening(port)
        }
        let app: any Service
        do {
            app = try makeApplication(regions.parts, regions: regions, tls: tls, onListening: listening)
        } catch {
            await regions.closeAll()
            await bundle.close()
            if let leadership { try? await leadership.stop() }
            throw error
        }
        // Shut down in reverse order: the service scheduler, expiry, liveness (which also answers
        // held syncs), the same in the other regions, the exec sessions (their held polls), then
        // HTTP, then the other regions' stores, then the store.
        // The lease goes back last, once the store has closed: no write can follow the hand-over.
        let services: [any Service] =
            (leadership.map { [$0] } ?? []) + [
                bundle.storeService, regions.storesService, app, ExecSessionsService(sessions: regions.parts.exec),
                regions.loopsService,
            ] + bundle.loops(metrics: metrics)
        let group = ServiceGroup(
            configuration: .init(
                services: (services + extraServices).map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
        logger.info("wharf-controller stopped")
    }

    /// Ends the process at once when this controller's term as leader is over: it must not act on
    /// a state another controller may now change. Exit status 75 (temporary failure), which the
    /// systemd unit restarts, as a follower.
    static func stepDown(_ reason: String, logger: Logger) -> Never {
        logger.critical(
            "lost the leadership: \(reason); stopping at once, to start again as a follower",
            metadata: ["exit.status": "75"]
        )
        exit(75)
    }

    /// Refuses to start when no access key could sign a request: the stored ones cannot be unsealed
    /// with this `secrets.key`, or there are none and no bootstrap pair.
    static func checkKeys(
        _ configuration: ControllerConfiguration,
        controller: Controller,
        sealer: SecretSealer
    ) async throws(ControllerStartError) {
        let stored = await controller.read { Array($0.credentials.accessKeys) }
        if !stored.isEmpty,
            !stored.contains(where: { sealer.open($0.sealedSecret, context: $0.accessKeyId) != nil })
        {
            throw ControllerStartError(
                """
                none of the \(stored.count) stored access keys can be unsealed with \
                \(configuration.dataDirectory)/\(SecretSealer.fileName): restore the secrets.key that belongs \
                with this wharf.db
                """
            )
        }
        if case .sigV4(let bootstrap) = configuration.authentication, bootstrap == nil, stored.isEmpty {
            throw ControllerStartError(
                """
                no access key can sign requests: set WHARF_ADMIN_ACCESS_KEY_ID and \
                WHARF_ADMIN_SECRET_ACCESS_KEY (the bootstrap pair; in /etc/wharf/controller.env for the systemd \
                unit), then create more with wharf keys create
                """
            )
        }
    }

    /// The HTTP application: `POST /` for the ECS, CloudWatch Logs, SSM and admin APIs, the agent
    /// protocol, `GET /healthz` and `GET /v1/ca`.
    /// - Parameters:
    ///   - sealer: seals access key secrets; the data directory's (``SecretSealer/load(dataDirectory:)``).
    ///   - tls: the certificate to serve HTTPS with; nil for plain HTTP.
    ///   - logs: the container logs behind the CloudWatch Logs API and the agents' log shipping;
    ///     nil serves neither.
    ///   - metricStore: the metrics and alarm history behind the CloudWatch API; nil serves none.
    public static func makeApplication(
        controller: Controller,
        configuration: ControllerConfiguration,
        sealer: SecretSealer = SecretSealer(),
        tls: ControllerTLS? = nil,
        logs: LogStore? = nil,
        metricStore: MetricStore? = nil,
        metrics: ControllerMetrics = ControllerMetrics(),
        logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws(ControllerStartError) -> some ApplicationProtocol {
        let parts = RegionEndpoints.Parts.home(
            controller,
            configuration: configuration,
            sealer: sealer,
            tls: tls != nil,
            logs: logs,
            metricStore: metricStore,
            metrics: metrics,
            logger: logger
        )
        return try makeApplication(parts, regions: nil, tls: tls, onListening: onListening)
    }

    /// The HTTP application for the controller's own region as `parts` has it and the other
    /// `regions` (nil: none).
    static func makeApplication(
        _ parts: RegionEndpoints.Parts,
        regions: ControllerRegions?,
        tls: ControllerTLS?,
        onListening: @escaping @Sendable (Int) async -> Void
    ) throws(ControllerStartError) -> some ApplicationProtocol {
        let configuration = parts.configuration
        let controller = parts.controller
        let logs = parts.logs
        let metrics = parts.metrics
        let logger = parts.logger
        let homeRegion = configuration.context.region
        let served = (configuration.servedRegions ?? AWSRegions.all).union([homeRegion])
        var regionRouter = RegionRouter(
            homeRegion: homeRegion,
            home: RegionEndpoints(parts, regions: [homeRegion]),
            refusing: RegionEndpoints(parts, regions: regions == nil ? [homeRegion] : served, refuseVerified: true),
            regions: regions,
            maxBodyBytes: configuration.maxBodyBytes,
            logger: logger
        )
        regionRouter.served = { served.contains($0) }
        let route = regionRouter
        let router = Router()
        router.post("/") { request, _ in await route.api(request) }
        for path in AgentEndpoint.paths {
            router.post(RouterPath(path)) { request, _ in await route.agent(path, request) }
        }
        let authenticator = regionRouter.home.json.authenticator
        let console = ConsoleEndpoint(
            authentication: configuration.authentication == .disabled
                ? .disabled : .keys { id in await authenticator.secret(for: id) },
            region: homeRegion,
            secureCookies: tls != nil,
            maxBodyBytes: configuration.maxBodyBytes
        ) { request in await route.api(request) }
        console.register(on: router)
        let exec = ExecEndpoint(sessions: parts.exec, maxBodyBytes: configuration.maxBodyBytes)
        for path in ExecEndpoint.paths {
            router.post(RouterPath(path)) { request, _ in await exec.answer(path, request) }
        }
        let health = Standby.json(
            .ok,
            Standby.HealthAnswer(status: "ok", role: "leader", leader: configuration.leadership.advertiseURL)
        )
        router.get("/healthz") { _, _ in health }
        router.get("/healthz/leader") { _, _ in health }
        // Prometheus scrapes without signing, as it does every exporter; the figures name
        // operations and counts, never resources or secrets.
        router.get("/metrics") { _, _ -> Response in
            // Every open region's figures, the home region's first.
            let others = await regions?.stores.map { ($0.controller, Optional($0.logs)) } ?? []
            let text = await metrics.exposition(regions: [(controller, logs)] + others)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text))
            )
        }
        // The CA agents pin at join (public: its fingerprint is what they check).
        let caPEM = tls?.caPEM
        router.get("/v1/ca") { _, _ -> Response in
            guard let caPEM else {
                return Response(
                    status: .notFound,
                    body: ResponseBody(byteBuffer: ByteBuffer(string: "this controller has no CA of its own\n"))
                )
            }
            return Response(
                status: .ok,
                headers: [.contentType: "application/x-pem-file"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: caPEM))
            )
        }
        return Application(
            router: router,
            server: try serverBuilder(tls),
            configuration: listening(on: configuration.host, port: configuration.port),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
    }
}
