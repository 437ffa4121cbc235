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
        var json: String

        func holds(_ definition: ECS.TaskDefinition) -> Bool {
            status == definition.status && deregisteredAt == definition.deregisteredAt && deleteRequestedAt == definition.deleteRequestedAt
        }
    }

    /// Past this many definitions the cache starts afresh.
    static let limit = 4096
    private let definitions = Mutex<[String: Entry]>([:])

    /// The JSON of the overrides almost every task has: none.
    private static let noOverrides = ECS.TaskOverride(containerOverrides: [])
    private static let noOverridesJSON = #"{"containerOverrides":[]}"#

    /// The answer's JSON, written by hand around the definitions' cached JSON: the same document
    /// a `JSONEncoder` makes of the ``SyncResponse``, up to the order of the keys.
    func encode(_ response: SyncResponse) throws -> Data {
        let encoder = ECSJSON.encoder()
        var out = JSONText()
        out.open()
        out.key("protocolVersion")
        out.integer(response.protocolVersion)
        out.key("desiredVersion")
        out.integer(response.desiredVersion)
        out.key("acknowledgedStopped")
        out.array(response.acknowledgedStopped) { out, arn in out.string(arn) }
        out.key("tasks")
        var failure: (any Error)?
        out.array(response.tasks) { out, task in
            out.open()
            out.key("taskArn")
            out.string(task.taskArn)
            out.key("desiredStatus")
            out.string(task.desiredStatus)
            if let overrides = task.overrides {
                out.key("overrides")
                if overrides == Self.noOverrides {
                    out.raw(Self.noOverridesJSON)
                } else {
                    do {
                        out.raw([UInt8](try encoder.encode(overrides)))
                    } catch {
                        failure = error
                        out.raw("null")
                    }
                }
            }
            out.key("clusterArn")
            out.string(task.clusterArn)
            out.optional("stoppedReason", task.stoppedReason)
            out.key("taskDefinition")
            do {
                out.raw(try definitionJSON(task.taskDefinition, encoder: encoder))
            } catch {
                failure = error
                out.raw("null")
            }
            out.close()
        }
        out.close()
        if let failure { throw failure }
        return Data(out.bytes)
    }

    private func definitionJSON(_ definition: ECS.TaskDefinition, encoder: JSONEncoder) throws -> String {
        guard let arn = definition.taskDefinitionArn else { return String(decoding: try encoder.encode(definition), as: UTF8.self) }
        if let entry = definitions.withLock({ $0[arn] }), entry.holds(definition) {
            return entry.json
        }
        let json = String(decoding: try encoder.encode(definition), as: UTF8.self)
        definitions.withLock { cache in
            if cache.count >= Self.limit { cache.removeAll(keepingCapacity: true) }
            cache[arn] = Entry(status: definition.status, deregisteredAt: definition.deregisteredAt,
                               deleteRequestedAt: definition.deleteRequestedAt, json: json)
        }
        return json
    }
}
