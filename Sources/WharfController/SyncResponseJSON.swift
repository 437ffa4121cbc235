import Foundation
import Synchronization
import WharfModel
import WharfProtocol

/// Encodes sync answers with each task definition's JSON made once and reused.
///
/// A sync answer lists every task of the node with its whole task definition, and the same
/// definitions go out again in every answer: encoding them was the largest single cost of a
/// controller under thousands of agents (docs/benchmarks.md, scheduling throughput). The JSON is
/// the same a `JSONEncoder` makes of the ``SyncResponse``, up to the order of the keys.
final class SyncResponseJSON: Sendable {
    /// A definition's JSON, valid while its status and the times of its deregistration and
    /// deletion request are the same: nothing else of a revision changes under its ARN.
    private struct Entry {
        var status: String?
        var deregisteredAt: Date?
        var deleteRequestedAt: Date?
        var json: Data

        func holds(_ definition: ECS.TaskDefinition) -> Bool {
            status == definition.status && deregisteredAt == definition.deregisteredAt && deleteRequestedAt == definition.deleteRequestedAt
        }
    }

    /// Past this many definitions the cache starts afresh.
    static let limit = 4096
    private let definitions = Mutex<[String: Entry]>([:])

    /// What a sync answer holds besides its tasks.
    private struct Head: Encodable {
        var protocolVersion: Int
        var desiredVersion: Int
        var acknowledgedStopped: [String]
    }

    /// What a desired task holds besides its definition.
    private struct TaskHead: Encodable {
        var taskArn: String
        var desiredStatus: String
        var overrides: ECS.TaskOverride?
        var clusterArn: String
        var stoppedReason: String?
    }

    /// The answer's JSON.
    func encode(_ response: SyncResponse) throws -> Data {
        let encoder = ECSJSON.encoder()
        var data = try encoder.encode(Head(protocolVersion: response.protocolVersion, desiredVersion: response.desiredVersion,
                                           acknowledgedStopped: response.acknowledgedStopped))
        data.removeLast()  // the closing brace: the tasks follow
        data.append(contentsOf: Array(#","tasks":["#.utf8))
        for (index, task) in response.tasks.enumerated() {
            if index > 0 { data.append(UInt8(ascii: ",")) }
            var head = try encoder.encode(TaskHead(taskArn: task.taskArn, desiredStatus: task.desiredStatus, overrides: task.overrides,
                                                   clusterArn: task.clusterArn, stoppedReason: task.stoppedReason))
            head.removeLast()
            data.append(head)
            data.append(contentsOf: Array(#","taskDefinition":"#.utf8))
            data.append(try definitionJSON(task.taskDefinition, encoder: encoder))
            data.append(UInt8(ascii: "}"))
        }
        data.append(contentsOf: Array("]}".utf8))
        return data
    }

    private func definitionJSON(_ definition: ECS.TaskDefinition, encoder: JSONEncoder) throws -> Data {
        guard let arn = definition.taskDefinitionArn else { return try encoder.encode(definition) }
        if let entry = definitions.withLock({ $0[arn] }), entry.holds(definition) {
            return entry.json
        }
        let json = try encoder.encode(definition)
        definitions.withLock { cache in
            if cache.count >= Self.limit { cache.removeAll(keepingCapacity: true) }
            cache[arn] = Entry(status: definition.status, deregisteredAt: definition.deregisteredAt,
                               deleteRequestedAt: definition.deleteRequestedAt, json: json)
        }
        return json
    }
}
