import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import ServiceLifecycle

/// How a follower serves the API: it passes each request to the leader as it came (method, path,
/// query, `Host`, headers and body, so the leader verifies the client's SigV4 signature itself)
/// and the leader's answer back as it came. Every controller then answers every call with the
/// leader's state (a client reads its own writes through any of them), and a load-balanced name
/// or an agent with several addresses works through whichever controller it reaches.
///
/// A request another controller already forwarded is not forwarded again (a stale leader address
/// cannot make a loop), and when the leader cannot be reached the follower answers its retryable
/// 503. As a ``Service`` it stops its client on shutdown, which ends requests still in flight, so
/// a follower that takes over is not held up by calls to a dead leader.
final class LeaderForwarder: Service, Sendable {
    /// The header that marks a forwarded request, with the forwarding controller's identity.
    static let forwardedHeader = HTTPField.Name("X-Wharf-Forwarded-By")!

    /// Headers that belong to one connection, not to the request (RFC 9110, section 7.6.1), and
    /// the length, which the body sets again.
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te",
        "trailer", "transfer-encoding", "upgrade", "content-length",
    ]

    private let client: HTTPClient
    private let identity: String
    private let timeout: TimeAmount
    private let logger: Logger

    /// - Parameters:
    ///   - caPEM: the cluster's CA, which every controller's certificate chains to; nil trusts the
    ///     system's roots (an operator's own certificate).
    ///   - timeout: how long one forwarded call may take, long polls included.
    init(identity: String, caPEM: String?, timeout: Duration = .seconds(120), logger: Logger) {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let caPEM, let roots = try? NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)), !roots.isEmpty {
            tls.trustRoots = .certificates(roots)
        }
        tls.shutdownTimeout = .milliseconds(250)
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.connectionPool.retryConnectionEstablishment = false
        // Agents' long polls each hold a connection for their length: past AHC's default of 8 a
        // connection, the other calls would queue behind them.
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 16_384
        configuration.timeout.connect = .seconds(3)
        configuration.decompression = .disabled
        configuration.redirectConfiguration = .disallow
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.identity = identity
        self.timeout = .seconds(timeout.components.seconds)
        self.logger = logger
    }

    func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Stops the client; calls still in flight end with an error (the follower's 503).
    func shutdown() async {
        try? await client.shutdown()
    }

    /// The leader's answer to `request`; nil when it was forwarded once already or the leader at
    /// `leader` (`scheme://host:port`) did not answer, for the caller's 503.
    func forward(_ request: Request, to leader: String) async -> Response? {
        guard request.headers[Self.forwardedHeader] == nil,
            request.headers[.upgrade] == nil,
            let url = Self.target(leader, uri: request.uri.string)
        else { return nil }
        var outgoing = HTTPClientRequest(url: url)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        if let authority = request.head.authority { outgoing.headers.add(name: "Host", value: authority) }
        for field in request.headers where !Self.hopByHop.contains(field.name.canonicalName) {
            outgoing.headers.add(name: field.name.rawName, value: field.value)
        }
        outgoing.headers.add(name: Self.forwardedHeader.rawName, value: identity)
        if request.method != .get, request.method != .head {
            let length = request.headers[.contentLength].flatMap { Int64($0) }
            outgoing.body = .stream(request.body, length: length.map { .known($0) } ?? .unknown)
        }
        let answer: HTTPClientResponse
        do {
            answer = try await client.execute(outgoing, timeout: timeout)
        } catch {
            logger.info(
                "cannot pass a request to the leader",
                metadata: ["leader": "\(leader)", "path": "\(request.uri.path)", "error": "\(error)"]
            )
            return nil
        }
        var headers = HTTPFields()
        for header in answer.headers where !Self.hopByHop.contains(header.name.lowercased()) {
            if let name = HTTPField.Name(header.name) { headers.append(HTTPField(name: name, value: header.value)) }
        }
        let status = HTTPResponse.Status(code: Int(answer.status.code), reasonPhrase: answer.status.reasonPhrase)
        let length = answer.headers.first(name: "content-length").flatMap(Int.init)
        let body = ResponseBody(contentLength: length) { writer in
            try await writer.write(answer.body)
            try await writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: body)
    }

    /// `leader` with the request's path and query.
    static func target(_ leader: String, uri: String) -> String? {
        guard let base = URL(string: leader), let scheme = base.scheme, ["http", "https"].contains(scheme),
            base.host != nil
        else { return nil }
        let root = leader.hasSuffix("/") ? String(leader.dropLast()) : leader
        return root + (uri.hasPrefix("/") ? uri : "/" + uri)
    }
}
