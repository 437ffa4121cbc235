import Foundation
import WharfModel
import WharfProtocol

extension ECSOperations {
    /// ExecuteCommand's handler for a controller reached at `endpoint`: the task's container is
    /// checked (ECS's rules), and a session is opened in `sessions` for `wharf exec` to attach to
    /// with the token. Its stream is Wharf's (`/exec/v1`), not Systems Manager's, so the AWS CLI's
    /// session manager plugin cannot use it.
    func executeCommand(_ endpoint: String, sessions: ExecSessions) -> Handler {
        let controller = self.controller
        return { (data: Data) async throws -> Data in
            let request: ECS.ExecuteCommandRequest = try ECSWire.decode(data)
            // The refusal comes out as a value: a typed throw inside this closure crashes Swift 6.3.1.
            let found:
                (target: (start: ExecStart, instanceArn: String, response: ECS.ExecuteCommandResponse)?, ECSError?) =
                    await controller.read { state in
                        do throws(ECSError) {
                            return (try state.execTarget(request), nil)
                        } catch {
                            return (nil, error)
                        }
                    }
            if let refusal = found.1 { throw refusal }
            guard let target = found.target else { throw ECSError(.server, "the task could not be read") }
            let session = await sessions.create(target.start, instanceArn: target.instanceArn)
            var response = target.response
            response.session = ECS.Session(
                sessionId: session.id,
                streamUrl: "\(endpoint)\(ExecProtocol.attachPath)?sessionId=\(session.id)",
                tokenValue: session.token
            )
            return try ECSWire.encode(response)
        }
    }
}
