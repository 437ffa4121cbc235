import Crypto
import Foundation
import Testing
import WharfModel
import WharfState
@testable import WharfController

/// RunTask's client token, as ECS's idempotency guide describes it.
@Suite("RunTask with a client token starts its tasks once")
struct RunTaskTokenTests {
    static func run(
        _ harness: Harness,
        token: String?,
        count: Int = 1,
        cluster: String = "lab"
    ) async throws -> Result<ECS.RunTaskResponse, ECSError> {
        let operations = ECSOperations(controller: harness.controller)
        let handler = try #require(operations.handlers["RunTask"])
        var body: [String: Any] = ["cluster": cluster, "taskDefinition": "web", "count": count]
        if let token { body["clientToken"] = token }
        do {
            let data = try await handler(try JSONSerialization.data(withJSONObject: body))
            return .success(try ECSJSON.decoder().decode(ECS.RunTaskResponse.self, from: data))
        } catch let error as ECSError {
            return .failure(error)
        }
    }

    static func arns(_ result: Result<ECS.RunTaskResponse, ECSError>) -> [String] {
        (try? result.get().tasks?.compactMap(\.taskArn)) ?? []
    }

    @Test("a request's fingerprint is the hex SHA-256 of its sorted JSON without the token, as stored tokens have it")
    func fingerprintUnchanged() throws {
        let request = ECS.RunTaskRequest(cluster: "lab", count: 2, taskDefinition: "web:1", clientToken: "t-1")
        var unsigned = request
        unsigned.clientToken = nil
        let encoder = ECSJSON.encoder()
        encoder.outputFormatting = [.sortedKeys]
        let expected = SHA256.hash(data: try encoder.encode(unsigned)).map { String(format: "%02x", $0) }.joined()
        #expect(try ClusterState.runTaskFingerprint(request) == expected)
        #expect(expected.count == 64)
    }

    @Test("a retry with the same token and parameters answers with the first call's tasks and starts none")
    func retried() async throws {
        let harness = try await Harness()
        // The harness's definition takes host port 8080: one task per node.
        for node in 1...4 { _ = try await harness.join("node-\(node)", memory: 4096) }
        let first = Self.arns(try await Self.run(harness, token: "retry-1"))
        #expect(first.count == 1)
        let second = Self.arns(try await Self.run(harness, token: "retry-1"))
        #expect(second == first)
        #expect(await harness.controller.inspect { $0.tasks.count } == 1, "the retry started nothing")
        let other = Self.arns(try await Self.run(harness, token: "retry-2"))
        #expect(other.count == 1 && other != first, "a new token is a new request")
        let untokened = Self.arns(try await Self.run(harness, token: nil))
        #expect(untokened.count == 1)
        #expect(await harness.controller.inspect { $0.tasks.count } == 3)
    }

    @Test("the same token with other parameters is a ConflictException; a bad token is refused")
    func conflict() async throws {
        let harness = try await Harness()
        // The harness's definition takes host port 8080: one task per node.
        for node in 1...4 { _ = try await harness.join("node-\(node)", memory: 4096) }
        _ = try await Self.run(harness, token: "t-1")
        if case .failure(let error) = try await Self.run(harness, token: "t-1", count: 2) {
            #expect(error.code == .conflict)
        } else {
            Issue.record("a changed count under the same token was accepted")
        }
        for bad in ["has space", String(repeating: "x", count: 65), ""] {
            if case .failure(let error) = try await Self.run(harness, token: bad) {
                #expect(error.code == .invalidParameter, "\(bad)")
            } else {
                Issue.record("token \(bad) was accepted")
            }
        }
        #expect(await harness.controller.inspect { $0.tasks.count } == 1)
    }

    @Test("a token is kept 24 hours, then the same token starts new tasks")
    func expiry() async throws {
        let harness = try await Harness()
        // The harness's definition takes host port 8080: one task per node.
        for node in 1...4 { _ = try await harness.join("node-\(node)", memory: 4096) }
        let first = Self.arns(try await Self.run(harness, token: "day"))
        harness.clock.advance(23 * 3600)
        _ = try await harness.controller.expire(retention: .seconds(366 * 86400))
        #expect(Self.arns(try await Self.run(harness, token: "day")) == first)
        harness.clock.advance(3600)
        _ = try await harness.controller.expire(retention: .seconds(366 * 86400))
        let later = Self.arns(try await Self.run(harness, token: "day"))
        #expect(later.count == 1 && later != first)
    }
}
