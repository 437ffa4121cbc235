import Foundation
import Synchronization
import WharfModel

/// Each task definition revision's JSON, encoded once and reused: sync answers carry a node's
/// task definitions in every answer, and DescribeTaskDefinition answers with one; encoding the
/// shape each time was the largest cost of both (docs/benchmarks.md).
final class TaskDefinitionJSON: Sendable {
    /// A definition's JSON, valid while its status and the times of its deregistration and
    /// deletion request are the same: nothing else of a revision changes under its ARN.
    private struct Entry {
        var status: String?
        var deregisteredAt: Date?
        var deleteRequestedAt: Date?
        var json: String

        func holds(_ definition: ECS.TaskDefinition) -> Bool {
            status == definition.status && deregisteredAt == definition.deregisteredAt
                && deleteRequestedAt == definition.deleteRequestedAt
        }
    }

    /// Past this many definitions the cache starts afresh.
    static let limit = 4096
    private let entries = Mutex<[String: Entry]>([:])

    /// Creates an empty cache.
    init() {}

    /// The definition's JSON, as `encoder` writes it.
    func json(_ definition: ECS.TaskDefinition, encoder: JSONEncoder) throws -> String {
        guard let arn = definition.taskDefinitionArn else {
            return String(decoding: try encoder.encode(definition), as: UTF8.self)
        }
        if let entry = entries.withLock({ $0[arn] }), entry.holds(definition) {
            return entry.json
        }
        let json = String(decoding: try encoder.encode(definition), as: UTF8.self)
        entries.withLock { cache in
            if cache.count >= Self.limit { cache.removeAll(keepingCapacity: true) }
            cache[arn] = Entry(status: definition.status, deregisteredAt: definition.deregisteredAt,
                               deleteRequestedAt: definition.deleteRequestedAt, json: json)
        }
        return json
    }
}
