import AsyncHTTPClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import WharfModel

/// The HTTP side of ``DockerRuntime``: requests to one engine over its unix socket, in the API
/// version negotiated on first use, with every failure turned into a `RuntimeError`.
final class DockerClient: Sendable {
    /// A response whose body has been read.
    struct Response: Sendable {
        var status: HTTPResponseStatus
        var body: ByteBuffer

        /// The body decoded as `T`.
        func decode<T: Decodable>(_ type: T.Type, _ context: String) throws(RuntimeError) -> T {
            do {
                return try JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
            } catch {
                throw RuntimeError(.engine, "\(context): the Docker engine's answer does not parse (\(error))")
            }
        }

        /// The engine's error message (`{"message": "..."}`), or the body as text.
        var engineMessage: String {
            let data = Data(body.readableBytesView)
            if let error = try? JSONDecoder().decode(DockerAPI.ErrorMessage.self, from: data) { return error.message }
            let text = String(decoding: data, as: UTF8.self).trimmingWhitespace()
            return text.isEmpty ? "HTTP \(status.code) \(status.reasonPhrase)" : text
        }
    }

    /// The largest body read in one piece (inspect answers are a few KiB).
    static let maximumBodySize = 32 << 20
    /// How long an ordinary request may take.
    static let defaultTimeout = TimeAmount.seconds(60)

    let socketPath: String
    let http: HTTPClient
    private let ownsHTTPClient: Bool
    private let logger: Logger
    private let negotiated = Mutex<DockerAPIVersion?>(nil)
    private let shutDown = Mutex(false)

    /// A client for the engine on `socketPath`, on `httpClient` when given (which it then never
    /// shuts down), else on a client of its own.
    init(socketPath: String, httpClient: HTTPClient?, logger: Logger) {
        self.socketPath = socketPath
        self.logger = logger
        if let httpClient {
            self.http = httpClient
            self.ownsHTTPClient = false
        } else {
            var configuration = HTTPClient.Configuration()
            configuration.timeout = .init(connect: .seconds(5))
            // An engine that is down should fail the request now, not after retries until its deadline.
            configuration.connectionPool.retryConnectionEstablishment = false
            // Every event stream holds a connection of its own.
            configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 32
            configuration.httpVersion = .http1Only
            self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration, backgroundActivityLogger: logger)
            self.ownsHTTPClient = true
        }
    }

    /// Shuts the HTTP client down if this client created it; calls after the first do nothing.
    func shutdown() async {
        let first = shutDown.withLock { done in
            defer { done = true }
            return !done
        }
        guard ownsHTTPClient, first else { return }
        do {
            try await http.shutdown()
        } catch {
            logger.debug("HTTP client shutdown", metadata: ["error": "\(error)"])
        }
    }

    /// Sends a request and reads the whole answer.
    /// - Parameters:
    ///   - path: The path without the version prefix, such as `/containers/create`.
    ///   - versioned: False only for `/version` itself, which negotiation needs.
    ///   - context: What is being done, for error messages: `creating container "web"`.
    func request(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: Data? = nil,
        headers: HTTPHeaders = [:], timeout: TimeAmount = defaultTimeout, versioned: Bool = true, context: String
    ) async throws(RuntimeError) -> Response {
        let response = try await stream(
            method, path, query: query, body: body, headers: headers, timeout: timeout, versioned: versioned, context: context
        )
        do {
            return Response(status: response.status, body: try await response.body.collect(upTo: Self.maximumBodySize))
        } catch {
            throw transportError(error, context)
        }
    }

    /// Sends a request and returns as soon as the answer's head arrives, for streamed bodies.
    /// `timeout` bounds the wait for the head only; reading the body is bounded by cancellation.
    func stream(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: Data? = nil,
        headers: HTTPHeaders = [:], timeout: TimeAmount = defaultTimeout, versioned: Bool = true, context: String
    ) async throws(RuntimeError) -> HTTPClientResponse {
        let prefix = versioned ? "/v\(try await apiVersion())" : ""
        let queryString = query.isEmpty ? "" : "?" + query.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: prefix + path + queryString) else {
            throw RuntimeError(.invalid, "\(context): \"\(socketPath)\" and \"\(path)\" do not make a URL")
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        request.headers = headers
        // Go's HTTP server refuses an HTTP/1.1 request without Host, and a unix socket gives none.
        request.headers.replaceOrAdd(name: "Host", value: "docker")
        if let body {
            if !headers.contains(name: "Content-Type") {
                request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            }
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        logger.trace("docker request", metadata: ["docker.method": "\(method)", "docker.path": "\(prefix)\(path)"])
        do {
            return try await http.execute(request, timeout: timeout)
        } catch {
            throw transportError(error, context)
        }
    }

    /// The API version to speak, asked of the engine once.
    func apiVersion() async throws(RuntimeError) -> DockerAPIVersion {
        if let known = negotiated.withLock({ $0 }) { return known }
        let version = try await engineVersion()
        let chosen = try DockerAPIVersion.negotiate(engineMaximum: version.apiVersion, engineMinimum: version.minAPIVersion)
        negotiated.withLock { $0 = chosen }
        logger.debug("docker API version", metadata: ["docker.api_version": "\(chosen)", "docker.version": "\(version.version)"])
        return chosen
    }

    /// `GET /version`, unversioned as negotiation needs it.
    func engineVersion() async throws(RuntimeError) -> DockerAPI.Version {
        let context = "asking the Docker engine for its version"
        let response = try await request(.GET, "/version", versioned: false, context: context)
        guard response.status == .ok else { throw failure(response, context) }
        return try response.decode(DockerAPI.Version.self, context)
    }

    /// The error for an answer that is not a success, by status, with the engine's message.
    /// A start that fails on a taken host port is a 500 for the engine and a `conflict` here.
    func failure(_ response: Response, _ context: String) -> RuntimeError {
        let message = response.engineMessage
        let code: RuntimeError.Code = switch response.status {
        case .badRequest: .invalid
        case .notFound: .notFound
        case .conflict: .conflict
        default: message.contains("port is already allocated") || message.contains("address already in use") ? .conflict : .engine
        }
        return RuntimeError(code, "\(context): \(message)")
    }

    /// The error for a request that got no answer.
    func transportError(_ error: any Error, _ context: String) -> RuntimeError {
        if let error = error as? RuntimeError { return error }
        if error is CancellationError || (error as? HTTPClientError) == .cancelled {
            return RuntimeError(.cancelled, "\(context): cancelled")
        }
        if (error as? HTTPClientError) == .deadlineExceeded {
            return RuntimeError(.engine, "\(context): the Docker engine on \(socketPath) did not answer in time")
        }
        if (error as? HTTPClientError) == .alreadyShutdown {
            return RuntimeError(.unavailable, "\(context): the Docker runtime has been shut down")
        }
        if (error as? IOError)?.errnoCode == EACCES {
            return RuntimeError(
                .unavailable,
                "\(context): permission denied on \(socketPath); run the agent as root or as a member of the docker group (\(error))"
            )
        }
        return RuntimeError(
            .unavailable,
            "\(context): no Docker engine answers on \(socketPath); start dockerd (or `systemctl start docker`) (\(error))"
        )
    }

    /// Percent-encodes a query component or path segment: everything but RFC 3986's unreserved
    /// characters, so `+`, `&`, `=` and `/` in a value reach the engine as they are.
    static func escape(_ text: String, keeping extra: Set<UInt8> = []) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                bytes.append(byte)
            case _ where extra.contains(byte):
                bytes.append(byte)
            default:
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Percent-encodes an image reference or container name for a path: `/`, `:` and `@` stay.
    static func escapePath(_ text: String) -> String {
        escape(text, keeping: Set("/:@".utf8))
    }

    /// `value` as a JSON body.
    static func json(_ value: some Encodable) throws(RuntimeError) -> Data {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            return try encoder.encode(value)
        } catch {
            throw RuntimeError(.invalid, "could not encode a Docker request body: \(error)")
        }
    }
}
