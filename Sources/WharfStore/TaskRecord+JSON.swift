import Foundation
import WharfModel
import WharfState

extension TaskRecord {
    /// The record's JSON, written directly rather than through `JSONEncoder`: the same document
    /// its `Codable` conformance writes (the store reads it back with `JSONDecoder`), made several
    /// times faster. Tasks are by far the most written record (a fleet-wide start writes each one
    /// three or four times), and `JSONEncoder`'s generic machinery was a fifth of the
    /// controller's CPU under load (docs/benchmarks.md, scheduling throughput).
    /// - Parameter encoder: encodes the overrides, the one member kept in ECS's shape.
    func json(encoder: JSONEncoder) throws -> [UInt8] {
        var out = JSONText()
        out.open()
        out.key("id")
        out.plainString { id.write(into: &$0) }
        out.key("cluster")
        out.string(cluster)
        if let instance {
            out.key("instance")
            out.plainString { instance.write(into: &$0) }
        }
        out.key("taskDefinition")
        out.open()
        out.key("family")
        out.string(taskDefinition.family)
        out.key("revision")
        out.integer(taskDefinition.revision)
        out.close()
        out.key("group")
        out.string(group)
        out.member("startedBy", startedBy)
        out.key("launchType")
        out.string(launchType.rawValue)
        out.key("lastStatus")
        out.string(lastStatus.rawValue)
        out.key("desiredStatus")
        out.string(desiredStatus.rawValue)
        out.key("health")
        out.string(health.rawValue)
        out.member("stopCode", stopCode?.rawValue)
        out.member("stoppedReason", stoppedReason)
        out.member("cpu", cpu)
        out.member("memory", memory)
        out.key("createdAt")
        out.date(createdAt)
        out.member("pullStartedAt", pullStartedAt)
        out.member("pullStoppedAt", pullStoppedAt)
        out.member("startedAt", startedAt)
        out.member("stoppingAt", stoppingAt)
        out.member("deactivatingUntil", deactivatingUntil)
        out.member("stoppedAt", stoppedAt)
        out.member("executionStoppedAt", executionStoppedAt)
        out.key("version")
        out.integer(version)
        out.key("containers")
        out.array(containers) { out, container in container.write(into: &out) }
        if let overrides {
            out.key("overrides")
            out.raw([UInt8](try encoder.encode(overrides)))
        }
        out.key("tags")
        out.array(tags) { out, tag in
            out.open()
            out.key("key")
            out.string(tag.key)
            out.member("value", tag.value)
            out.close()
        }
        if let network {
            out.key("network")
            out.open()
            out.key("attachmentID")
            out.string(network.attachmentID)
            out.member("subnetID", network.subnetID)
            out.key("securityGroups")
            out.array(network.securityGroups) { out, group in out.string(group) }
            out.key("assignPublicIp")
            out.raw(network.assignPublicIp ? "true" : "false")
            out.key("privateIPv4Address")
            out.string(network.privateIPv4Address)
            out.key("subnetCIDR")
            out.string(network.subnetCIDR)
            out.member("macAddress", network.macAddress)
            out.close()
        }
        out.member("platformVersion", platformVersion)
        out.member("capacityProviderName", capacityProviderName)
        out.member("protectedUntil", protectedUntil)
        if enableExecuteCommand == true {
            out.key("enableExecuteCommand")
            out.raw("true")
        }
        out.close()
        return out.bytes
    }
}

extension ContainerRecord {
    fileprivate func write(into out: inout JSONText) {
        out.open()
        out.key("id")
        out.plainString { id.write(into: &$0) }
        out.key("name")
        out.string(name)
        out.member("image", image)
        out.key("cpu")
        out.integer(cpu)
        out.member("memory", memory)
        out.member("memoryReservation", memoryReservation)
        out.member("runtimeId", runtimeId)
        out.key("lastStatus")
        out.string(lastStatus.rawValue)
        out.member("exitCode", exitCode)
        out.member("reason", reason)
        out.key("networkBindings")
        out.array(networkBindings) { out, binding in
            out.open()
            out.member("bindIP", binding.bindIP)
            out.member("containerPort", binding.containerPort)
            out.member("hostPort", binding.hostPort)
            out.member("protocol", binding.protocol)
            out.member("containerPortRange", binding.containerPortRange)
            out.member("hostPortRange", binding.hostPortRange)
            out.close()
        }
        out.member("health", health?.rawValue)
        if let gpuIDs {
            out.key("gpuIDs")
            out.array(gpuIDs) { out, id in out.string(id) }
        }
        out.close()
    }
}
