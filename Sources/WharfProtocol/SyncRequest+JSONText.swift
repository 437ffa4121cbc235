import WharfModel

/// Writing an agent's sync report with ``JSONText``: the JSON `ECSJSON.encoder()` makes of it (the
/// same members and values, absent ones left out), without `JSONEncoder`, which was an eighth of a
/// simulated fleet's CPU (docs/benchmarks.md). The controller reads it with `SyncRequest+JSON.swift`.
extension SyncRequest: JSONWritable {
    public func write(to json: inout JSONText) {
        json.open()
        json.member("protocolVersion", protocolVersion)
        json.member("containerInstanceArn", containerInstanceArn)
        json.member("credential", credential)
        json.member("desiredVersion", desiredVersion)
        json.member("tasks", tasks)
        json.member("routesVersion", routesVersion)
        json.member("loadBalancerVersion", loadBalancerVersion)
        json.member("targetHealth", targetHealth)
        json.member("targetTraffic", targetTraffic)
        json.member("discoveryVersion", discoveryVersion)
        json.member("servesNames", servesNames)
        json.member("runtimeHealth", runtimeHealth)
        json.close()
    }
}

extension TaskReport: JSONWritable {
    public func write(to json: inout JSONText) {
        json.open()
        json.member("taskArn", taskArn)
        json.member("lastStatus", lastStatus)
        json.member("containers", containers)
        json.member("pullStartedAt", pullStartedAt)
        json.member("pullStoppedAt", pullStoppedAt)
        json.member("startedAt", startedAt)
        json.member("executionStoppedAt", executionStoppedAt)
        json.member("stopCode", stopCode)
        json.member("stoppedReason", stoppedReason)
        json.member("healthStatus", healthStatus)
        json.member("macAddress", macAddress)
        json.close()
    }
}

extension ContainerReport: JSONWritable {
    public func write(to json: inout JSONText) {
        json.open()
        json.member("name", name)
        json.member("runtimeId", runtimeId)
        json.member("lastStatus", lastStatus)
        json.member("exitCode", exitCode)
        json.member("reason", reason)
        json.member("networkBindings", networkBindings)
        json.member("healthStatus", healthStatus)
        json.member("usage", usage)
        json.member("gpuIds", gpuIds)
        json.close()
    }
}

extension ContainerUsage: JSONWritable {
    public func write(to json: inout JSONText) {
        json.open()
        json.member("cpuUnits", cpuUnits)
        json.member("memoryMiB", memoryMiB)
        json.member("sampledAt", sampledAt)
        json.close()
    }
}

extension TargetHealthReport: JSONWritable {
    public func write(to json: inout JSONText) {
        json.open()
        json.member("targetGroupId", targetGroupId)
        json.member("id", id)
        json.member("port", port)
        json.member("state", state)
        json.member("detail", detail)
        json.close()
    }
}

extension TargetGroupTraffic: JSONWritable {
    public func write(to json: inout JSONText) {
        json.open()
        json.member("targetGroupId", targetGroupId)
        json.member("requests", requests)
        json.member("responseTimeMs", responseTimeMs)
        json.close()
    }
}

extension RuntimeHealth: JSONWritable {
    public func write(to json: inout JSONText) {
        json.open()
        json.member("status", status)
        json.member("since", since)
        json.close()
    }
}
