import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import WharfModel
import WharfProtocol

/// The agent protocol's HTTP side: `POST /agent/v1/register` and `POST /agent/v1/sync`, JSON in and
/// out, errors as ``AgentProtocolError`` JSON with 400 (bad request or version), 401, 404, 410 or 500.
struct AgentEndpoint: Sendable {
    let controller: Controller
    let maxBodyBytes: Int
    let logger: Logger

    func register(on router: Router<BasicRequestContext>) {
        router.post(RouterPath(AgentProtocol.registerPath)) { request, _ in
            await handle(request) { (body: RegisterRequest) async throws(AgentProtocolError) in try await controller.register(body) }
        }
        router.post(RouterPath(AgentProtocol.syncPath)) { request, _ in
            await handle(request) { (body: SyncRequest) async throws(AgentProtocolError) in try await controller.sync(body) }
        }
    }

    func handle<In: Decodable, Out: Encodable>(
        _ request: Request, _ body: (In) async throws(AgentProtocolError) -> Out
    ) async -> Response {
        do throws(AgentProtocolError) {
            let buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: maxBodyBytes)
            } catch {
                throw AgentProtocolError(.invalidRequest, "the request body exceeds \(maxBodyBytes) bytes")
            }
            let input: In
            do {
                input = try ECSJSON.decoder().decode(In.self, from: Data(buffer.readableBytesView))
            } catch {
                throw AgentProtocolError(.invalidRequest, "the request body is not a valid \(In.self): \(error)")
            }
            let output = try await body(input)
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
        let data = (try? ECSJSON.encoder().encode(value)) ?? Data("{}".utf8)
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
