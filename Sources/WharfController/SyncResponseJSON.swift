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
    /// Each definition's JSON, made once.
    let definitions: TaskDefinitionJSON

    /// An encoder sharing `definitions` (the ECS API's DescribeTaskDefinition uses them too).
    init(definitions: TaskDefinitionJSON = TaskDefinitionJSON()) {
        self.definitions = definitions
    }

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
            out.member("stoppedReason", task.stoppedReason)
            if let secrets = task.secrets {
                out.key("secrets")
                do {
                    out.raw([UInt8](try encoder.encode(secrets)))
                } catch {
                    failure = error
                    out.raw("null")
                }
            }
            out.member("launchType", task.launchType)
            if let network = task.network {
                out.key("network")
                out.open()
                out.key("privateIPv4Address")
                out.string(network.privateIPv4Address)
                out.key("subnet")
                out.string(network.subnet)
                out.close()
            }
            out.key("taskDefinition")
            do {
                out.raw(try definitions.json(task.taskDefinition, encoder: encoder))
            } catch {
                failure = error
                out.raw("null")
            }
            out.close()
        }
        if let routes = response.taskRoutes {
            out.key("taskRoutes")
            out.open()
            out.key("version")
            out.string(routes.version)
            out.key("routes")
            out.array(routes.routes) { out, route in
                out.open()
                out.key("subnet")
                out.string(route.subnet)
                out.key("via")
                out.string(route.via)
                out.close()
            }
            out.close()
        }
        // What changes rarely and only some nodes get, through JSONEncoder.
        func encoded(_ key: StaticString, _ value: some Encodable) {
            out.key(key)
            do {
                out.raw([UInt8](try encoder.encode(value)))
            } catch {
                failure = error
                out.raw("null")
            }
        }
        if let names = response.discoveryNames { encoded("discoveryNames", names) }
        if let plan = response.loadBalancerPlan { encoded("loadBalancerPlan", plan) }
        out.close()
        if let failure { throw failure }
        return Data(out.bytes)
    }
}
