import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import WharfAuth
import WharfController
import WharfModel

/// One command's conversation with the controller: a single HTTP client for every call it makes
/// (`wharf logs -f` and `wharf deploy --wait` make many), each call signed as the AWS CLI would
/// sign it.
final class APISession: Sendable {
    let endpoint: String
    private let url: URL
    private let signer: SigV4Signer?
    private let client: HTTPClient

    init(_ connection: ControllerConnection) throws {
        let base = connection.resolvedEndpoint.hasSuffix("/") ? String(connection.resolvedEndpoint.dropLast()) : connection.resolvedEndpoint
        guard let url = URL(string: base + "/"), let host = url.host, let scheme = url.scheme, ["http", "https"].contains(scheme) else {
            throw ValidationError("--endpoint \"\(connection.resolvedEndpoint)\" is not an http(s) URL such as http://127.0.0.1:8080")
        }
        if scheme == "http", !ControllerConfiguration.isLoopback(host) {
            // Signatures stop tampering, not reading: a new key's secret would cross the network in clear.
            FileHandle.standardError.write(Data("wharf: warning: \(base) is plain HTTP beyond loopback; what it answers (such as a new key's secret) crosses the network unencrypted. Use https://\n".utf8))
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let bundle = connection.caBundle ?? ProcessInfo.processInfo.environment["AWS_CA_BUNDLE"], !bundle.isEmpty {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(bundle))
            } catch {
                throw ValidationError("--ca-bundle \"\(bundle)\" cannot be read as PEM certificates: \(error)")
            }
        }
        self.endpoint = base
        self.url = url
        self.signer = try connection.signer()
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        // A refused connection is an address where nothing listens: said at once, not after the
        // client's own retries for the length of its connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func shutdown() async {
        try? await client.shutdown()
    }

    /// Calls `target.operation` with a JSON body and returns the answer's body.
    /// - Throws: `ValidationError` naming the operation and the controller's error type and message.
    func call(
        _ operation: String,
        body payload: Data,
        target: String,
        signingName: String,
        contentType: String = "application/x-amz-json-1.1",
        extraHeaders: [(name: String, value: String)] = []
    ) async throws -> Data {
        let host = url.host ?? ""
        var headers: [(name: String, value: String)] = [
            ("Host", (host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host) + (url.port.map { ":\($0)" } ?? "")),
            ("Content-Type", contentType),
            ("X-Amz-Target", "\(target).\(operation)"),
        ] + extraHeaders
        if let signer { headers += signer.sign(method: "POST", path: "/", headers: headers, body: payload, service: signingName) }
        var request = HTTPClientRequest(url: endpoint + "/")
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: payload))
        let retryUntil = ContinuousClock.now + Self.retryWindow
        var attempt = 0
        while true {
            attempt += 1
            let response: HTTPClientResponse
            do {
                response = try await client.execute(request, timeout: .seconds(30))
            } catch {
                // A connection closed before an answer (a load balancer whose controller just
                // died): again, within the window, as the AWS SDKs retry it. A refused one is an
                // address where nothing listens, said at once.
                if ContinuousClock.now < retryUntil, Self.closedBeforeAnswer(error) {
                    try await Task.sleep(for: Self.backoff(attempt))
                    continue
                }
                throw ValidationError(
                    "cannot reach the controller at \(endpoint): \(error); give its URL with --endpoint"
                )
            }
            let data = Data((try await response.body.collect(upTo: 64 * 1024 * 1024)).readableBytesView)
            // A 503 was not served (no controller leads for the moment, docs/high-availability.md):
            // the same signed request again, as the AWS SDKs retry it.
            if response.status == .serviceUnavailable, ContinuousClock.now < retryUntil {
                try await Task.sleep(for: Self.backoff(attempt))
                continue
            }
            return try Self.answer(operation, response.status, data)
        }
    }

    /// How long ``call(_:body:target:signingName:contentType:extraHeaders:)`` retries 503s and
    /// connections closed before an answer: longer than a leader's takeover.
    static let retryWindow = Duration.seconds(20)

    /// Whether `error` is a connection that closed (or was reset) before the answer came, rather
    /// than one that could not be made.
    static func closedBeforeAnswer(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError { return error == .remoteConnectionClosed }
        if let error = error as? ChannelError { return [.ioOnClosedChannel, .eof, .outputClosed].contains(error) }
        if let error = error as? IOError { return [ECONNRESET, EPIPE].contains(error.errnoCode) }
        return false
    }

    /// The pause before attempt `attempt + 1`: 250 ms, doubled each time, at most 2 s.
    static func backoff(_ attempt: Int) -> Duration {
        .milliseconds(min(250 << min(attempt - 1, 4), 2000))
    }

    /// The body of a 200 answer, or the controller's refusal as an error.
    private static func answer(_ operation: String, _ status: HTTPResponseStatus, _ data: Data) throws -> Data {
        guard status == .ok else {
            let answer = try? JSONDecoder().decode(ErrorAnswer.self, from: data)
            let type = answer?.type ?? "HTTP \(status.code)"
            let message = answer?.message ?? String(decoding: data, as: UTF8.self)
            throw ValidationError("\(operation) failed: \(type): \(message)")
        }
        return data
    }

    /// A call of `wharf exec`'s session stream (`/exec/v1/…`): JSON in and out, unsigned (the
    /// session's token, in the body, authorizes it).
    /// - Throws: `ValidationError` with the controller's message when it refuses.
    func execStream<Request: Encodable, Response: Decodable>(
        _ path: String,
        _ body: Request,
        as _: Response.Type = Response.self
    ) async throws -> Response {
        var request = HTTPClientRequest(url: endpoint + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try ECSJSON.encoder().encode(body)))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(60))
        } catch {
            throw ValidationError("cannot reach the controller at \(endpoint): \(error)")
        }
        let data = Data((try await response.body.collect(upTo: 16 * 1024 * 1024)).readableBytesView)
        guard response.status == .ok else {
            let message = (try? JSONDecoder().decode([String: String].self, from: data))?["message"]
            throw ValidationError("the session stream refused: \(message ?? "HTTP \(response.status.code)")")
        }
        return try ECSJSON.decoder().decode(Response.self, from: data)
    }

    /// An ECS operation: `request` encoded as ECS has it, the answer decoded as `Response`.
    /// - Throws: `ValidationError` when the call fails or the answer is not a `Response`.
    func ecs<Request: Encodable, Response: Decodable>(
        _ operation: String,
        _ request: Request,
        as _: Response.Type = Response.self
    ) async throws -> Response {
        // Wharf's utilization beside ECS's members in DescribeTasks, DescribeServices, DescribeContainerInstances.
        try await json(
            operation,
            request,
            target: "AmazonEC2ContainerServiceV20141113",
            signingName: "ecs",
            extraHeaders: [("X-Wharf-Include", "utilization")]
        )
    }

    /// A CloudWatch Logs operation: `request` encoded as CloudWatch Logs has it, the answer decoded
    /// as `Response`.
    /// - Throws: `ValidationError` when the call fails or the answer is not a `Response`.
    func logs<Request: Encodable, Response: Decodable>(
        _ operation: String,
        _ request: Request,
        as _: Response.Type = Response.self
    ) async throws -> Response {
        try await json(operation, request, target: "Logs_20140328", signingName: "logs")
    }

    /// An Application Auto Scaling operation (AWS JSON 1.1).
    func autoScaling<Request: Encodable, Response: Decodable>(
        _ operation: String,
        _ request: Request,
        as _: Response.Type = Response.self
    ) async throws -> Response {
        try await json(
            operation,
            request,
            target: ApplicationAutoScaling.targetPrefix.dropLast().description,
            signingName: ApplicationAutoScaling.signingName
        )
    }

    /// A CloudWatch operation (AWS JSON 1.0, as botocore speaks it).
    func cloudWatch<Request: Encodable, Response: Decodable>(
        _ operation: String,
        _ request: Request,
        as _: Response.Type = Response.self
    ) async throws -> Response {
        try await json(
            operation,
            request,
            target: CloudWatch.targetPrefix.dropLast().description,
            signingName: CloudWatch.signingName,
            contentType: CloudWatch.contentType
        )
    }

    private func json<Request: Encodable, Response: Decodable>(
        _ operation: String,
        _ request: Request,
        target: String,
        signingName: String,
        contentType: String = "application/x-amz-json-1.1",
        extraHeaders: [(name: String, value: String)] = []
    ) async throws -> Response {
        let payload = try ECSJSON.encoder().encode(request)
        let data = try await call(
            operation,
            body: payload,
            target: target,
            signingName: signingName,
            contentType: contentType,
            extraHeaders: extraHeaders
        )
        do {
            return try ECSJSON.decoder().decode(Response.self, from: data.isEmpty ? Data("{}".utf8) : data)
        } catch {
            throw ValidationError("\(operation): the controller's answer cannot be read: \(error)")
        }
    }
}

/// The body of an AWS JSON error answer, `{"__type": "ClusterNotFoundException", "message": "…"}`;
/// a member that is absent or not a string reads as nil.
private struct ErrorAnswer: Decodable {
    /// The error's type, `__type` on the wire.
    var type: String?
    /// What went wrong.
    var message: String?

    private enum Key: String, CodingKey {
        case type = "__type"
        case message
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        type = try? container.decodeIfPresent(String.self, forKey: .type)
        message = try? container.decodeIfPresent(String.self, forKey: .message)
    }
}

extension APISession {
    /// Runs `body` with a session, shutting it down afterwards whatever happens.
    static func with<T>(_ connection: ControllerConnection, _ body: (APISession) async throws -> T) async throws -> T {
        let session = try APISession(connection)
        do {
            let result = try await body(session)
            await session.shutdown()
            return result
        } catch {
            await session.shutdown()
            throw error
        }
    }
}
