import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import WharfModel
import WharfProtocol
import WharfStore

/// The agent protocol's HTTP side: `POST /agent/v1/register`, `sync` and `logs`, JSON in and
/// out, errors as ``AgentProtocolError`` JSON with 400 (bad request or version), 401, 404, 410 or 500.
struct AgentEndpoint: Sendable {
    let controller: Controller
    /// Where shipped container output goes; nil refuses it.
    let logs: LogStore?
    let metrics: ControllerMetrics?
    let maxBodyBytes: Int
    let logger: Logger
    var syncJSON = SyncResponseJSON()
    /// The `wharf exec` sessions the node's agent runs commands for; nil refuses them.
    var exec: ExecSessions? = nil

    /// The paths this endpoint answers.
    static let paths = [
        AgentProtocol.registerPath, AgentProtocol.syncPath, AgentProtocol.logsPath, ExecProtocol.agentPollPath,
        ExecProtocol.agentOutputPath, ExecProtocol.agentInputPath,
    ]

    /// Answers a request to one of ``paths``.
    func answer(_ path: String, _ request: Request) async -> Response {
        switch path {
        case AgentProtocol.registerPath:
            await handle(request) { (body: consuming RegisterRequest) async throws(AgentProtocolError) in
                try await controller.register(body)
            }
        case AgentProtocol.syncPath:
            await handle(request, read: SyncRequest.read(json:), encode: syncJSON.encode) {
                (body: consuming SyncRequest) async throws(AgentProtocolError) in
                try await controller.sync(consume body) { outcome, duration in
                    metrics?.sync(outcome: outcome, duration: duration)
                }
            }
        case ExecProtocol.agentPollPath:
            await handle(request) { (body: consuming ExecPollRequest) async throws(AgentProtocolError) in
                let sessions = try await execSessions(body.protocolVersion, body.containerInstanceArn, body.credential)
                return ExecPollResponse(sessions: await sessions.poll(instanceArn: body.containerInstanceArn))
            }
        case ExecProtocol.agentOutputPath:
            await handle(request) { (body: consuming ExecOutputRequest) async throws(AgentProtocolError) in
                let sessions = try await execSessions(body.protocolVersion, body.containerInstanceArn, body.credential)
                do throws(ExecError) { return try await sessions.agentOutput(body) } catch { throw Self.refusal(error) }
            }
        case ExecProtocol.agentInputPath:
            await handle(request) { (body: consuming ExecInputRequest) async throws(AgentProtocolError) in
                let sessions = try await execSessions(body.protocolVersion, body.containerInstanceArn, body.credential)
                do throws(ExecError) { return try await sessions.agentInput(body) } catch { throw Self.refusal(error) }
            }
        default:
            await handle(request) { (body: consuming LogDeliveryRequest) async throws(AgentProtocolError) in
                try await deliver(body)
            }
        }
    }

    /// The exec sessions, once the agent's credential checks out.
    func execSessions(_ version: Int, _ arn: String, _ credential: String) async throws(AgentProtocolError)
        -> ExecSessions
    {
        try Controller.checkVersion(version)
        _ = try await controller.authenticateAgent(arn: arn, credential: credential)
        guard let exec else { throw AgentProtocolError(.invalidRequest, "this controller runs no exec sessions") }
        return exec
    }

    /// An exec session's refusal in the agent protocol's terms.
    static func refusal(_ error: ExecError) -> AgentProtocolError {
        switch error.kind {
        case .notFound: AgentProtocolError(.clusterNotFound, error.message)
        case .forbidden: AgentProtocolError(.unauthorized, error.message)
        case .invalid: AgentProtocolError(.invalidRequest, error.message)
        }
    }

    /// Stores shipped container output once the agent's credential checks out.
    func deliver(_ request: LogDeliveryRequest) async throws(AgentProtocolError) -> LogDeliveryResponse {
        try Controller.checkVersion(request.protocolVersion)
        _ = try await controller.authenticateAgent(arn: request.containerInstanceArn, credential: request.credential)
        guard let logs else { throw AgentProtocolError(.invalidRequest, "this controller keeps no logs") }
        let count = request.streams.reduce(0) { $0 + $1.events.count }
        guard request.firstSequence >= 0, request.firstSequence <= Int.max - count else {
            throw AgentProtocolError(
                .invalidRequest,
                "firstSequence \(request.firstSequence) is out of range: it counts from 0 and must leave room for the "
                    + "\(count) events delivered"
            )
        }
        // Names CloudWatch Logs would refuse are dropped (and reported), or they could never be
        // read or deleted through the API. Their events still count toward the sequence.
        var refused: [String] = []
        let deliveries = request.streams.map { stream in
            let accepted = CloudWatchLogs.acceptsNames(group: stream.logGroup, stream: stream.logStream)
            if !accepted, !refused.contains(stream.logGroup) { refused.append(stream.logGroup) }
            return LogStore.Delivery(
                group: stream.logGroup,
                stream: stream.logStream,
                createGroup: stream.createGroup,
                events: stream.events.map { LogStore.NewEvent(timestamp: max(0, $0.timestamp), message: $0.message) },
                refused: !accepted
            )
        }
        do {
            let now = Int((controller.now().timeIntervalSince1970 * 1000).rounded(.down))
            let result = try await logs.deliver(source: request.containerInstanceArn, firstSequence: request.firstSequence, deliveries, now: now)
            metrics?.logsIngested(events: result.storedEvents, bytes: result.storedBytes)
            return LogDeliveryResponse(lastSequence: result.lastSequence, missingGroups: result.missingGroups + refused.filter { !result.missingGroups.contains($0) })
        } catch {
            throw AgentProtocolError(.serverError, "cannot store the log events: \(error)")
        }
    }

    /// The request's body, decoded as `In` (by `read` when given, else by `JSONDecoder`).
    func decode<In: Decodable>(
        _ request: Request,
        read: ((UnsafeRawBufferPointer) throws(JSONReader.Failure) -> In)? = nil
    ) async throws(AgentProtocolError) -> In {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBodyBytes)
        } catch {
            throw AgentProtocolError(.invalidRequest, "the request body exceeds \(maxBodyBytes) bytes")
        }
        if let read {
            do throws(JSONReader.Failure) {
                return try buffer.withUnsafeReadableBytes { bytes throws(JSONReader.Failure) in try read(bytes) }
            } catch {
                throw AgentProtocolError(.invalidRequest, "the request body is not a valid \(In.self): \(error)")
            }
        }
        do {
            return try ECSJSON.decoder().decode(In.self, from: Data(buffer.readableBytesView))
        } catch {
            throw AgentProtocolError(.invalidRequest, "the request body is not a valid \(In.self): \(error)")
        }
    }

    /// Decodes the request (by `read` when given), runs `body`, and answers with its JSON (made by
    /// `encode` when given).
    func handle<In: Decodable, Out: Encodable>(
        _ request: Request,
        read: ((UnsafeRawBufferPointer) throws(JSONReader.Failure) -> In)? = nil,
        encode: ((Out) throws -> Data)? = nil,
        _ body: (consuming In) async throws(AgentProtocolError) -> Out
    ) async -> Response {
        do throws(AgentProtocolError) {
            // Decoded apart, so that the body's bytes are gone before `body` runs (a held sync's
            // long poll), and the decoded request is the body's to keep or drop.
            let input: In = try await decode(request, read: read)
            let output = try await body(consume input)
            if let encode, let data = try? encode(output) { return Self.json(.ok, data: data) }
            return Self.json(.ok, output)
        } catch {
            if error.code == .serverError {
                logger.error("agent request failed", metadata: ["error": "\(error.message)"])
            }
            return Self.json(Self.status(error.code), error)
        }
    }

    static func status(_ code: AgentProtocolError.Code) -> HTTPResponse.Status {
        switch code {
        case .versionMismatch, .invalidRequest: .badRequest
        case .unauthorized: .unauthorized
        case .activationRefused: .forbidden
        case .clusterNotFound: .notFound
        case .deregistered: .gone
        case .serverError: .internalServerError
        }
    }

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        json(status, data: (try? ECSJSON.encoder().encode(value)) ?? Data("{}".utf8))
    }

    static func json(_ status: HTTPResponse.Status, data: Data) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Checks agent liveness every `sweepInterval` until shutdown; on shutdown, answers held syncs so
/// the HTTP server can finish its in-flight requests at once.
struct AgentLivenessService: Service {
    let controller: Controller
    let interval: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { break }
                await controller.sweepLiveness()
            }
        }
        await controller.releasePolls()
    }
}

/// Enforces the log groups' retention every `interval` until shutdown.
struct LogRetentionService: Service {
    let store: LogStore
    let interval: Duration
    let now: @Sendable () -> Date
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let deleted = try await store.enforceRetention(now: Int(now().timeIntervalSince1970 * 1000))
                    if deleted > 0 { logger.debug("deleted log events past their retention", metadata: ["events": "\(deleted)"]) }
                } catch {
                    logger.warning("cannot enforce log retention", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
