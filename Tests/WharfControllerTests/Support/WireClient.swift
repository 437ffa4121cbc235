import Foundation
import Testing
import WharfModel
@testable import WharfController

/// Calls the wire handlers of one AWS service (SSM, Secrets Manager) with JSON bodies, as an SDK
/// would, against a fresh harness controller.
struct WireClient {
    let harness: Harness
    let operations: ECSOperations
    let handlers: KeyPath<ECSOperations, [String: ECSOperations.Handler]>

    init(_ handlers: KeyPath<ECSOperations, [String: ECSOperations.Handler]>) async throws {
        self.init(harness: try await Harness(), sealer: SecretSealer(), handlers: handlers)
    }

    /// A client of `harness`'s controller, sealing with `sealer`.
    init(harness: Harness, sealer: SecretSealer, handlers: KeyPath<ECSOperations, [String: ECSOperations.Handler]>) {
        self.harness = harness
        operations = ECSOperations(controller: harness.controller, sealer: sealer)
        self.handlers = handlers
    }

    /// Calls an operation; returns the answer, or the error.
    func call(_ operation: String, _ body: [String: Any]) async throws -> Result<[String: Any], ECSError> {
        let handler = try #require(operations[keyPath: handlers][operation], "\(operation) is served")
        do {
            let data = try await handler(try JSONSerialization.data(withJSONObject: body))
            return .success(try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:])
        } catch let error as ECSError {
            return .failure(error)
        }
    }

    /// The answer of a call that must succeed (an issue is recorded otherwise).
    func ok(_ operation: String, _ body: [String: Any]) async throws -> [String: Any] {
        switch try await call(operation, body) {
        case .success(let answer): return answer
        case .failure(let error):
            Issue.record("\(operation) failed: \(error)")
            return [:]
        }
    }

    /// The error of a call that must fail; nil when it succeeded.
    func refusal(_ operation: String, _ body: [String: Any]) async throws -> ECSError? {
        if case .failure(let error) = try await call(operation, body) { return error }
        return nil
    }
}
