import Foundation
import Hummingbird
import HummingbirdCore
import HTTPTypes
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import UnixSignals
import WharfMetrics
import WharfStore

/// A controller on a PostgreSQL store before it leads: it tries to take the lease every renew
/// interval and meanwhile serves as a follower on the controller's address: `GET /healthz` with
/// `"role": "follower"` and the leader's address, `GET /healthz/leader` 503, the CA and metrics;
/// every other request is passed to the leader (``LeaderForwarder``), or, when none leads or it
/// cannot be reached, answered with a 503 `ServiceUnavailableException` that the SDKs and the
/// agents retry (agents with several controller addresses move to the next).
enum Standby {
    /// What the follower knows of the leader.
    final class Leader: Sendable {
        let holder = Mutex<PostgresLease.Holder?>(nil)
    }

    /// Waits for the lease, serving as a follower while another controller holds it. Returns the
    /// keeper of this controller's term, started; nil when asked to stop first.
    static func lead(
        _ configuration: ControllerConfiguration,
        lease: PostgresLease,
        tls: ControllerTLS?,
        metrics: ControllerMetrics,
        logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void,
        lost: @escaping @Sendable (String) -> Void
    ) async throws -> LeaseKeeper? {
        let identity = "\(ProcessInfo.processInfo.hostName)/\(getpid())/\(UUID().uuidString.prefix(8))"
        let address = configuration.leadership.advertiseURL ?? defaultAddress(configuration, tls: tls)
        let settings = configuration.leadership
        let taken = Mutex<(token: Int64, at: ContinuousClock.Instant)?>(nil)
        let attempt: @Sendable () async -> Bool = {
            let sent = ContinuousClock.now
            do {
                if let token = try await lease.acquire(holder: identity, address: address, duration: settings.lease) {
                    taken.withLock { $0 = (token, sent) }
                    return true
                }
            } catch {
                logger.warning("cannot reach the leadership lease; trying again", metadata: ["error": "\(error)"])
            }
            return false
        }
        metrics.leading(false)
        if await !attempt() {
            let leader = Leader()
            if let holder = try? await lease.current() { leader.holder.withLock { $0 = holder } }
            logger.notice(
                "following: another controller leads; taking over when its lease expires",
                metadata: ["leader": "\(leader.holder.withLock { $0?.address ?? "none" })"]
            )
            let election = Election(lease: lease, leader: leader, interval: settings.renewInterval, attempt: attempt)
            let forwarder = LeaderForwarder(identity: identity, caPEM: tls?.caPEM, logger: logger)
            let app = try follower(
                configuration,
                tls: tls,
                leader: leader,
                forwarder: forwarder,
                metrics: metrics,
                logger: logger,
                onListening: onListening
            )
            let group = ServiceGroup(
                configuration: .init(
                    services: [
                        .init(service: app),
                        // Stopped before the server (in reverse order), so that calls still held by
                        // a dead leader end at once and the server's shutdown does not wait for them.
                        .init(service: forwarder),
                        .init(service: election, successTerminationBehavior: .gracefullyShutdownGroup),
                    ],
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger
                )
            )
            try await group.run()
        }
        guard let (token, at) = taken.withLock({ $0 }) else { return nil }
        metrics.leading(true)
        metrics.leadershipChange("acquired")
        logger.notice("leading: took the leadership lease", metadata: ["token": "\(token)", "address": "\(address)"])
        let keeper = LeaseKeeper(lease: lease, token: token, acquiredAt: at, settings: settings, logger: logger) {
            reason in
            metrics.leading(false)
            metrics.leadershipChange("lost")
            lost(reason)
        }
        await keeper.start()
        return keeper
    }

    /// `scheme://host:port` of this machine.
    static func defaultAddress(_ configuration: ControllerConfiguration, tls: ControllerTLS?) -> String {
        let host =
            ["0.0.0.0", "::"].contains(configuration.host) ? ProcessInfo.processInfo.hostName : configuration.host
        return "\(tls == nil ? "http" : "https")://\(host.contains(":") ? "[\(host)]" : host):\(configuration.port)"
    }

    /// Tries for the lease every interval until it is this controller's or the group stops.
    struct Election: Service {
        let lease: PostgresLease
        let leader: Leader
        let interval: Duration
        let attempt: @Sendable () async -> Bool

        func run() async throws {
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return }
                if await attempt() { return }
                if let holder = try? await lease.current() { leader.holder.withLock { $0 = holder } }
            }
        }
    }

    /// The follower's HTTP server.
    static func follower(
        _ configuration: ControllerConfiguration,
        tls: ControllerTLS?,
        leader: Leader,
        forwarder: LeaderForwarder,
        metrics: ControllerMetrics,
        logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void
    ) throws(ControllerStartError) -> some Service {
        let caPEM = tls?.caPEM
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            let known = leader.holder.withLock { $0 }
            let address = known.flatMap { $0.live ? $0.address : nil }
            switch (request.method, request.uri.path) {
            case (.get, "/healthz"):
                return json(.ok, HealthAnswer(status: "ok", role: "follower", leader: address))
            case (.get, "/healthz/leader"):
                return json(.serviceUnavailable, HealthAnswer(status: "ok", role: "follower", leader: address))
            case (.get, "/metrics"):
                return Response(
                    status: .ok,
                    headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.registry.exposition()))
                )
            case (.get, "/v1/ca"):
                if let caPEM {
                    return Response(
                        status: .ok,
                        headers: [.contentType: "application/x-pem-file"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: caPEM))
                    )
                }
                return refusal(address)
            default:
                guard let address, let answer = await forwarder.forward(request, to: address) else {
                    return refusal(address)
                }
                return answer
            }
        }
        return Application(
            responder: responder,
            server: try ControllerServer.serverBuilder(tls),
            configuration: ControllerServer.listening(on: configuration.host, port: configuration.port),
            // A follower serves: systemd's start is over (READY=1), though it leads later or never.
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
    }

    /// A follower's 503 to a call it cannot pass on, naming the leader (`address`) when one leads.
    static func refusal(_ address: String?) -> Response {
        let message =
            "this controller is a follower and cannot pass the request on; "
            + (address.map { "the leader is \($0)" } ?? "no controller leads right now") + "; retry"
        var response = json(
            .serviceUnavailable,
            Refusal(type: "ServiceUnavailableException", code: "serverError", message: message)
        )
        response.headers[.retryAfter] = "1"
        if let address, let name = HTTPField.Name("X-Wharf-Leader") { response.headers[name] = address }
        return response
    }

    /// `GET /healthz`'s answer.
    struct HealthAnswer: Encodable {
        var status: String
        var role: String
        var leader: String?
    }

    /// A follower's refusal, read as an AWS JSON error (`__type`) and as the agent protocol's (`code`).
    struct Refusal: Encodable {
        var type: String
        var code: String
        var message: String

        enum CodingKeys: String, CodingKey {
            case type = "__type"
            case code, message
        }
    }

    static func json(_ status: HTTPResponse.Status, _ body: some Encodable) -> Response {
        let data = (try? JSONEncoder().encode(body)) ?? Data("{}".utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}
