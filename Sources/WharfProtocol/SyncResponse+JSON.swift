#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import WharfModel

/// Reading the controller's sync answer with ``JSONReader``: the same value `ECSJSON.decoder()`
/// makes of it, without `Codable`. Each answer lists every task of the node with its whole task
/// definition, and decoding them with `JSONDecoder` was a quarter of a simulated fleet's CPU
/// (docs/benchmarks.md). The members only some answers carry (a load balancer's plan, Cloud Map
/// names, a task's secrets) are decoded by `JSONDecoder` from their own bytes.
extension SyncResponse: JSONReadable {
    public init(reading reader: inout JSONReader) throws(JSONReader.Failure) {
        var protocolVersion: Int?
        var desiredVersion: Int?
        var tasks: [DesiredTask]?
        var acknowledgedStopped: [String]?
        var answer = SyncResponse(desiredVersion: 0, tasks: [], acknowledgedStopped: [])
        try reader.object { reader, key throws(JSONReader.Failure) in
            if key == "protocolVersion" {
                protocolVersion = try reader.integer()
            } else if key == "desiredVersion" {
                desiredVersion = try reader.integer()
            } else if key == "tasks" {
                tasks = try [DesiredTask](reading: &reader)
            } else if key == "acknowledgedStopped" {
                acknowledgedStopped = try [String](reading: &reader)
            } else if key == "taskRoutes" {
                answer.taskRoutes = try reader.optional(TaskRoutes.self)
            } else if key == "loadBalancerPlan" {
                answer.loadBalancerPlan = try reader.null() ? nil : reader.decoded(LoadBalancerPlan.self)
            } else if key == "discoveryNames" {
                answer.discoveryNames = try reader.null() ? nil : reader.decoded(DiscoveryNames.self)
            } else {
                try reader.skip()
            }
        }
        answer.protocolVersion = try JSONReader.required(protocolVersion, "protocolVersion")
        answer.desiredVersion = try JSONReader.required(desiredVersion, "desiredVersion")
        answer.tasks = try JSONReader.required(tasks, "tasks")
        answer.acknowledgedStopped = try JSONReader.required(acknowledgedStopped, "acknowledgedStopped")
        self = answer
    }
}

extension DesiredTask: JSONReadable {
    public init(reading reader: inout JSONReader) throws(JSONReader.Failure) {
        var taskArn: String?
        var desiredStatus: String?
        var taskDefinition: ECS.TaskDefinition?
        var clusterArn: String?
        var task = DesiredTask(
            taskArn: "",
            desiredStatus: "",
            taskDefinition: ECS.TaskDefinition(),
            overrides: nil,
            clusterArn: ""
        )
        try reader.object { reader, key throws(JSONReader.Failure) in
            if key == "taskArn" {
                taskArn = try reader.string()
            } else if key == "desiredStatus" {
                desiredStatus = try reader.string()
            } else if key == "taskDefinition" {
                taskDefinition = try ECS.TaskDefinition(reading: &reader)
            } else if key == "clusterArn" {
                clusterArn = try reader.string()
            } else if key == "overrides" {
                task.overrides = try reader.optional(ECS.TaskOverride.self)
            } else if key == "stoppedReason" {
                task.stoppedReason = try reader.optional(String.self)
            } else if key == "secrets" {
                task.secrets = try reader.null() ? nil : reader.decoded(TaskSecrets.self)
            } else if key == "network" {
                task.network = try reader.optional(TaskAddress.self)
            } else if key == "launchType" {
                task.launchType = try reader.optional(String.self)
            } else {
                try reader.skip()
            }
        }
        task.taskArn = try JSONReader.required(taskArn, "taskArn")
        task.desiredStatus = try JSONReader.required(desiredStatus, "desiredStatus")
        task.taskDefinition = try JSONReader.required(taskDefinition, "taskDefinition")
        task.clusterArn = try JSONReader.required(clusterArn, "clusterArn")
        self = task
    }
}

extension TaskAddress: JSONReadable {
    public init(reading reader: inout JSONReader) throws(JSONReader.Failure) {
        var address: String?
        var subnet: String?
        try reader.object { reader, key throws(JSONReader.Failure) in
            if key == "privateIPv4Address" {
                address = try reader.string()
            } else if key == "subnet" {
                subnet = try reader.string()
            } else {
                try reader.skip()
            }
        }
        self.init(
            privateIPv4Address: try JSONReader.required(address, "privateIPv4Address"),
            subnet: try JSONReader.required(subnet, "subnet")
        )
    }
}

extension TaskRoutes: JSONReadable {
    public init(reading reader: inout JSONReader) throws(JSONReader.Failure) {
        var version: String?
        var routes: [TaskRoute]?
        try reader.object { reader, key throws(JSONReader.Failure) in
            if key == "version" {
                version = try reader.string()
            } else if key == "routes" {
                routes = try [TaskRoute](reading: &reader)
            } else {
                try reader.skip()
            }
        }
        self.init(
            version: try JSONReader.required(version, "version"),
            routes: try JSONReader.required(routes, "routes")
        )
    }
}

extension TaskRoute: JSONReadable {
    public init(reading reader: inout JSONReader) throws(JSONReader.Failure) {
        var subnet: String?
        var via: String?
        try reader.object { reader, key throws(JSONReader.Failure) in
            if key == "subnet" {
                subnet = try reader.string()
            } else if key == "via" {
                via = try reader.string()
            } else {
                try reader.skip()
            }
        }
        self.init(subnet: try JSONReader.required(subnet, "subnet"), via: try JSONReader.required(via, "via"))
    }
}
