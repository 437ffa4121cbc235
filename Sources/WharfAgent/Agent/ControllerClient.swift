import AsyncHTTPClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization
import NIOCore
import NIOHTTP1
import NIOSSL
import WharfModel
import WharfProtocol

/// How the agent talks to its controller. `HTTPControllerClient` speaks agent protocol v1 over
/// HTTP; tests can put a controller in process behind it.
public protocol ControllerClient: Sendable {
    func register(_ request: RegisterRequest) async throws(AgentProtocolError) -> RegisterResponse
    /// A sync; may be held by the controller up to its long poll. Cancelling it abandons it.
    func sync(_ request: SyncRequest) async throws(AgentProtocolError) -> SyncResponse
    /// Ships buffered container output.
    func deliverLogs(_ request: LogDeliveryRequest) async throws(AgentProtocolError) -> LogDeliveryResponse
    /// Waits for `wharf exec` sessions to start on this node (a long poll).
    func pollExec(_ request: ExecPollRequest) async throws(AgentProtocolError) -> ExecPollResponse
    /// Sends a session's output (and at the end its exit code).
    func sendExecOutput(_ request: ExecOutputRequest) async throws(AgentProtocolError) -> ExecOutputResponse
    /// Waits for a session's input (a long poll).
    func receiveExecInput(_ request: ExecInputRequest) async throws(AgentProtocolError) -> ExecInputResponse
}

extension ControllerClient {
    /// A client that runs no exec sessions (the fleet simulator's): the agent's poll ends at once.
    public func pollExec(_ request: ExecPollRequest) async throws(AgentProtocolError) -> ExecPollResponse {
        throw AgentProtocolError(.invalidRequest, "this controller client runs no exec sessions")
    }

    public func sendExecOutput(_ request: ExecOutputRequest) async throws(AgentProtocolError) -> ExecOutputResponse {
        throw AgentProtocolError(.invalidRequest, "this controller client runs no exec sessions")
    }

    public func receiveExecInput(_ request: ExecInputRequest) async throws(AgentProtocolError) -> ExecInputResponse {
        throw AgentProtocolError(.invalidRequest, "this controller client runs no exec sessions")
    }
}

/// Agent protocol v1 over HTTP with AsyncHTTPClient, to one controller or to the first of several
/// (comma-separated, sharing a PostgreSQL store) that answers as the leader: a request that cannot
/// reach its controller, or that a follower refuses (503), goes to the next at once, and the next
/// request starts from the one that answered.
public final class HTTPControllerClient: ControllerClient {
    private let client: HTTPClient
    private let ownsClient: Bool
    private let baseURLs: [String]
    private let current = Mutex(0)
    private let timeout: TimeAmount

    /// - Parameters:
    ///   - timeout: how long a request may take, longer than the controller's long poll.
    ///   - trustRoots: the CAs an https controller's certificate must chain to; nil for the
    ///     system's. The certificate and its host name are always verified.
    /// A client on an HTTP client of someone else's (the fleet simulator shares one among its
    /// nodes), which ``shutdown()`` leaves running.
    public init(baseURL: String, httpClient: HTTPClient, timeout: Duration = .seconds(60)) {
        self.baseURLs = Self.bases(baseURL)
        self.client = httpClient
        self.ownsClient = false
        self.timeout = .seconds(timeout.components.seconds)
    }

    public init(baseURL: String, timeout: Duration = .seconds(60), trustRoots: [NIOSSLCertificate]? = nil) {
        self.baseURLs = Self.bases(baseURL)
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let trustRoots { tls.trustRoots = .certificates(trustRoots) }
        // Closing a connection waits this long for the controller's close_notify (NIOSSL's default
        // is 5 s, which every stop of the agent waited out); nothing is left to read by then.
        tls.shutdownTimeout = .milliseconds(250)
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        // Report a refused connection or a certificate that does not verify at once, with its
        // cause; the agent retries with its own backoff.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.ownsClient = true
        self.timeout = .seconds(timeout.components.seconds)
    }

    public func shutdown() async {
        if ownsClient { try? await client.shutdown() }
    }

    public func register(_ request: RegisterRequest) async throws(AgentProtocolError) -> RegisterResponse {
        try await post(AgentProtocol.registerPath, request)
    }

    public func sync(_ request: SyncRequest) async throws(AgentProtocolError) -> SyncResponse {
        try await post(AgentProtocol.syncPath, request)
    }

    public func deliverLogs(_ request: LogDeliveryRequest) async throws(AgentProtocolError) -> LogDeliveryResponse {
        try await post(AgentProtocol.logsPath, request)
    }

    public func pollExec(_ request: ExecPollRequest) async throws(AgentProtocolError) -> ExecPollResponse {
        try await post(ExecProtocol.agentPollPath, request)
    }

    public func sendExecOutput(_ request: ExecOutputRequest) async throws(AgentProtocolError) -> ExecOutputResponse {
        try await post(ExecProtocol.agentOutputPath, request)
    }

    public func receiveExecInput(_ request: ExecInputRequest) async throws(AgentProtocolError) -> ExecInputResponse {
        try await post(ExecProtocol.agentInputPath, request)
    }

    static func bases(_ text: String) -> [String] {
        AgentConfiguration.controllerURLs(text).map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    }

    /// The controller requests go to first now.
    var baseURL: String { baseURLs[current.withLock { $0 }] }

    func post<In: Encodable, Out: Decodable>(_ path: String, _ body: In) async throws(AgentProtocolError) -> Out {
        let data: Data
        do {
            // A sync report writes itself (JSONWritable); NaN or an infinity, which it cannot
            // carry, goes to JSONEncoder, which refuses it.
            if let writable = body as? any JSONWritable, let json = writable.jsonData() {
                data = json
            } else {
                data = try ECSJSON.encoder().encode(body)
            }
        } catch {
            throw AgentProtocolError(.invalidRequest, "cannot encode the request to \(path): \(error)")
        }
        let first = current.withLock { $0 }
        var failure = AgentProtocolError(.serverError, "no controller")
        for step in 0..<baseURLs.count {
            let index = (first + step) % baseURLs.count
            do throws(Failure) {
                let answer: Out = try await post(path, data, to: baseURLs[index])
                if step > 0 { current.withLock { $0 = index } }
                return answer
            } catch {
                switch error {
                case .elsewhere(let error): failure = error
                case .final(let error): throw error
                }
            }
        }
        throw failure
    }

    /// How one controller failed a request: for good, or so that another controller may serve it.
    private enum Failure: Error {
        case final(AgentProtocolError)
        case elsewhere(AgentProtocolError)
    }

    private func post<Out: Decodable>(_ path: String, _ body: Data, to base: String) async throws(Failure) -> Out {
        do {
            var request = HTTPClientRequest(url: base + path)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await client.execute(request, timeout: timeout)
            let data = Data((try await response.body.collect(upTo: 16 * 1024 * 1024)).readableBytesView)
            guard response.status == .ok else {
                let error =
                    (try? ECSJSON.decoder().decode(AgentProtocolError.self, from: data))
                    ?? AgentProtocolError(.serverError, "the controller answered \(response.status.code) to \(path)")
                // A follower: the leader is another of the controllers.
                if response.status == .serviceUnavailable { throw Failure.elsewhere(error) }
                throw Failure.final(error)
            }
            do {
                return try Self.read(Out.self, from: data)
            } catch {
                throw Failure.final(AgentProtocolError(.serverError, "cannot read the controller's answer: \(error)"))
            }
        } catch let error as Failure {
            throw error
        } catch is CancellationError {
            throw .final(AgentProtocolError(.serverError, "cancelled"))
        } catch {
            throw .elsewhere(AgentProtocolError(.serverError, "cannot reach the controller at \(base): \(error)"))
        }
    }

    /// An answer, by its ``JSONReader`` when it has one (a sync answer), else by `JSONDecoder`.
    static func read<Out: Decodable>(_ type: Out.Type, from data: Data) throws -> Out {
        guard let readable = Out.self as? any JSONReadable.Type else {
            return try ECSJSON.decoder().decode(Out.self, from: data)
        }
        let value = try data.withUnsafeBytes { bytes in try readable.read(json: bytes) }
        guard let answer = value as? Out else { throw JSONReader.Failure("not a \(Out.self)") }
        return answer
    }
}
