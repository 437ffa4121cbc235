import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import WharfModel
import WharfProtocol

/// The client side of `wharf exec` sessions: `POST /exec/v1/attach`, `input` and `output`, JSON in
/// and out, authorized by the session's token (ExecuteCommand, a signed call, handed it out).
/// Refusals are `{"message": …}` with 400, 403 or 404.
struct ExecEndpoint: Sendable {
    let sessions: ExecSessions
    let maxBodyBytes: Int

    /// The paths this endpoint answers.
    static let paths = [ExecProtocol.attachPath, ExecProtocol.clientInputPath, ExecProtocol.clientOutputPath]

    /// Answers a request to one of ``paths``.
    func answer(_ path: String, _ request: Request) async -> Response {
        do throws(ExecError) {
            switch path {
            case ExecProtocol.attachPath:
                let body: ExecAttachRequest = try await decode(request)
                try await sessions.attach(body)
                return AgentEndpoint.json(.ok, [String: String]())
            case ExecProtocol.clientInputPath:
                let body: ExecClientInputRequest = try await decode(request)
                return AgentEndpoint.json(.ok, ["received": try await sessions.clientInput(body)])
            default:
                let body: ExecClientOutputRequest = try await decode(request)
                return AgentEndpoint.json(.ok, try await sessions.clientOutput(body))
            }
        } catch {
            let status: HTTPResponse.Status =
                switch error.kind {
                case .notFound: .notFound
                case .forbidden: .forbidden
                case .invalid: .badRequest
                }
            return AgentEndpoint.json(status, ["message": error.message])
        }
    }

    private func decode<Body: Decodable>(_ request: Request) async throws(ExecError) -> Body {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBodyBytes)
        } catch {
            throw ExecError(.invalid, "the request body exceeds \(maxBodyBytes) bytes")
        }
        do {
            return try ECSJSON.decoder().decode(Body.self, from: Data(buffer.readableBytesView))
        } catch {
            throw ExecError(.invalid, "the request body is not a valid \(Body.self): \(error)")
        }
    }
}
