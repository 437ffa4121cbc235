#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import WharfModel

/// Reading an agent's sync report with ``JSONReader``: the same value `ECSJSON.decoder()` makes of
/// it (unknown members skipped, `null` as absent), without `Codable`. Every agent sends one each
/// time its tasks change and at every heartbeat, with every task it knows, and decoding them with
/// `JSONDecoder` was the largest single cost of a controller under a fleet (docs/benchmarks.md).
extension SyncRequest: JSONReadable {
    /// Reads a report object.
    public init(reading reader: inout JSONReader) throws(JSONReader.Failure) {
        var protocolVersion: Int?
        var containerInstanceArn: String?
        var credential: String?
        var desiredVersion: Int?
        var tasks: [TaskReport]?
        var report = SyncRequest(containerInstanceArn: "", credential: "", desiredVersion: 0, tasks: [])
        try reader.object { reader, key throws(JSONReader.Failure) in
            if key == "protocolVersion" {
                protocolVersion = try reader.integer()
            } else if key == "containerInstanceArn" {
                containerInstanceArn = try reader.string()
            } else if key == "credential" {
                credential = try reader.string()
            } else if key == "desiredVersion" {
                desiredVersion = try reader.integer()
            } else if key == "tasks" {
                tasks = try reader.elements { reader throws(JSONReader.Failure) in try TaskReport(reading: &reader) }
            } else if key == "routesVersion" {
                report.routesVersion = try reader.null() ? nil : reader.string()
            } else if key == "loadBalancerVersion" {
                report.loadBalancerVersion = try reader.null() ? nil : reader.string()
            } else if key == "targetHealth" {
                report.targetHealth =
                    try reader.null()
                    ? nil
                    : reader.elements { reader throws(JSONReader.Failure) in try TargetHealthReport(reading: &reader) }
            } else if key == "targetTraffic" {
                report.targetTraffic =
                    try reader.null()
                    ? nil
                    : reader.elements { reader throws(JSONReader.Failure) in try TargetGroupTraffic(reading: &reader) }
            } else if key == "discoveryVersion" {
                report.discoveryVersion = try reader.null() ? nil : reader.string()
            } else if key == "servesNames" {
                report.servesNames = try reader.null() ? nil : reader.boolean()
            } else if key == "runtimeHealth" {
                report.runtimeHealth = try reader.null() ? nil : RuntimeHealth(reading: &reader)
            } else {
                try reader.skip()
            }
        }
        report.protocolVersion = try JSONReader.required(protocolVersion, "protocolVersion")
        report.containerInstanceArn = try JSONReader.required(containerInstanceArn, "containerInstanceArn")
        report.credential = try JSONReader.required(credential, "credential")
        report.desiredVersion = try JSONReader.required(desiredVersion, "desiredVersion")
        report.tasks = try JSONReader.required(tasks, "tasks")
        self = report
    }
}

extension TaskReport: JSONReadable {
    /// Reads a task's report object.
    public init(reading reader: inout JSONReader) throws(JSONReader.Failure) {
        var taskArn: String?
        var lastStatus: String?
        var containers: [ContainerReport]?
        var report = TaskReport(taskArn: "", lastStatus: "", containers: [])
        try reader.object { reader, key throws(JSONReader.Failure) in
            if key == "taskArn" {
                taskArn = try reader.string()
            } else if key == "lastStatus" {
                lastStatus = try reader.string()
            } else if key == "containers" {
                containers = try reader.elements { reader throws(JSONReader.Failure) in
                    try ContainerReport(reading: &reader)
                }
            } else if key == "pullStartedAt" {
                report.pullStartedAt = try reader.null() ? nil : reader.double()
            } else if key == "pullStoppedAt" {
                report.pullStoppedAt = try reader.null() ? nil : reader.double()
            } else if key == "startedAt" {
                report.startedAt = try reader.null() ? nil : reader.double()
            } else if key == "executionStoppedAt" {
                report.executionStoppedAt = try reader.null() ? nil : reader.double()
            } else if key == "stopCode" {
                report.stopCode = try reader.null() ? nil : reader.string()
            } else if key == "stoppedReason" {
                report.stoppedReason = try reader.null() ? nil : reader.string()
            } else if key == "healthStatus" {
                report.healthStatus = try reader.null() ? nil : reader.string()
            } else if key == "macAddress" {
                report.macAddress = try reader.null() ? nil : reader.string()
            } else {
                try reader.skip()
            }
        }
        report.taskArn = try JSONReader.required(taskArn, "taskArn")
        report.lastStatus = try JSONReader.required(lastStatus, "lastStatus")
        report.containers = try JSONReader.required(containers, "containers")
        self = report
    }
}

extension ContainerReport: JSONReadable {
    /// Reads a container's report object.
    public init(reading reader: inout JSONReader) throws(JSONReader.Failure) {
        var name: String?
        var lastStatus: String?
        var networkBindings: [ECS.NetworkBinding]?
        var report = ContainerReport(name: "", lastStatus: "")
        try reader.object { reader, key throws(JSONReader.Failure) in
            if key == "name" {
                name = try reader.string()
            } else if key == "lastStatus" {
                lastStatus = try reader.string()
            } else if key == "networkBindings" {
                networkBindings = try reader.elements { reader throws(JSONReader.Failure) in
                    try ECS.NetworkBinding(reading: &reader)
                }
            } else if key == "runtimeId" {
                report.runtimeId = try reader.null() ? nil : reader.string()
            } else if key == "exitCode" {
                report.exitCode = try reader.null() ? nil : reader.integer()
            } else if key == "reason" {
                report.reason = try reader.null() ? nil : reader.string()
            } else if key == "healthStatus" {
                report.healthStatus = try reader.null() ? nil : reader.string()
            } else if key == "usage" {
                report.usage = try reader.null() ? nil : ContainerUsage(reading: &reader)
            } else if key == "gpuIds" {
                report.gpuIds =
                    try reader.null()
                    ? nil : reader.elements { reader throws(JSONReader.Failure) in try reader.string() }
            } else {
                try reader.skip()
            }
        }
        report.name = try JSONReader.required(name, "name")
        report.lastStatus = try JSONReader.required(lastStatus, "lastStatus")
        report.networkBindings = try JSONReader.required(networkBindings, "networkBindings")
        self = report
    }
}

extension ContainerUsage: JSONReadable {
    /// Reads a usage sample object.
    public init(reading reader: inout JSONReader) throws(JSONReader.Failure) {
        var cpuUnits: Double?
        var memoryMiB: Double?
        var sampledAt: Double?
        try reader.object { reader, key throws(JSONReader.Failure) in
            if key == "cpuUnits" {
                cpuUnits = try reader.double()
            } else if key == "memoryMiB" {
                memoryMiB = try reader.double()
            } else if key == "sampledAt" {
                sampledAt = try reader.double()
            } else {
                try reader.skip()
            }
        }
        self.init(
            cpuUnits: try JSONReader.required(cpuUnits, "cpuUnits"),
            memoryMiB: try JSONReader.required(memoryMiB, "memoryMiB"),
            sampledAt: try JSONReader.required(sampledAt, "sampledAt")
        )
    }
}

extension ECS.NetworkBinding {
    /// Reads a network binding object.
    public init(reading reader: inout JSONReader) throws(JSONReader.Failure) {
        self.init()
        var binding = self
        try reader.object { reader, key throws(JSONReader.Failure) in
            if key == "bindIP" {
                binding.bindIP = try reader.null() ? nil : reader.string()
            } else if key == "containerPort" {
                binding.containerPort = try reader.null() ? nil : reader.integer()
            } else if key == "hostPort" {
                binding.hostPort = try reader.null() ? nil : reader.integer()
            } else if key == "protocol" {
                binding.protocol = try reader.null() ? nil : reader.string()
            } else if key == "containerPortRange" {
                binding.containerPortRange = try reader.null() ? nil : reader.string()
            } else if key == "hostPortRange" {
                binding.hostPortRange = try reader.null() ? nil : reader.string()
            } else {
                try reader.skip()
            }
        }
        self = binding
    }
}

extension TargetHealthReport: JSONReadable {
    /// Reads a target's health report object.
    public init(reading reader: inout JSONReader) throws(JSONReader.Failure) {
        var targetGroupId: String?
        var id: String?
        var port: Int?
        var state: String?
        var detail: String?
        try reader.object { reader, key throws(JSONReader.Failure) in
            if key == "targetGroupId" {
                targetGroupId = try reader.string()
            } else if key == "id" {
                id = try reader.string()
            } else if key == "port" {
                port = try reader.integer()
            } else if key == "state" {
                state = try reader.string()
            } else if key == "detail" {
                detail = try reader.null() ? nil : reader.string()
            } else {
                try reader.skip()
            }
        }
        self.init(
            targetGroupId: try JSONReader.required(targetGroupId, "targetGroupId"),
            id: try JSONReader.required(id, "id"),
            port: try JSONReader.required(port, "port"),
            state: try JSONReader.required(state, "state"),
            detail: detail
        )
    }
}

extension TargetGroupTraffic: JSONReadable {
    /// Reads a target group's traffic object.
    public init(reading reader: inout JSONReader) throws(JSONReader.Failure) {
        var targetGroupId: String?
        var requests: Int?
        var responseTimeMs: Double?
        try reader.object { reader, key throws(JSONReader.Failure) in
            if key == "targetGroupId" {
                targetGroupId = try reader.string()
            } else if key == "requests" {
                requests = try reader.integer()
            } else if key == "responseTimeMs" {
                responseTimeMs = try reader.null() ? nil : reader.double()
            } else {
                try reader.skip()
            }
        }
        self.init(
            targetGroupId: try JSONReader.required(targetGroupId, "targetGroupId"),
            requests: try JSONReader.required(requests, "requests"),
            responseTimeMs: responseTimeMs
        )
    }
}

extension RuntimeHealth: JSONReadable {
    /// Reads a runtime health object (`since` in seconds since 1970, as `ECSJSON` writes dates).
    public init(reading reader: inout JSONReader) throws(JSONReader.Failure) {
        var status: String?
        var since: Double?
        try reader.object { reader, key throws(JSONReader.Failure) in
            if key == "status" {
                status = try reader.string()
            } else if key == "since" {
                since = try reader.double()
            } else {
                try reader.skip()
            }
        }
        self.init(
            status: try JSONReader.required(status, "status"),
            since: Date(timeIntervalSince1970: try JSONReader.required(since, "since"))
        )
    }
}
