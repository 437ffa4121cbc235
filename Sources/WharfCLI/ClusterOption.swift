import ArgumentParser
import Foundation

/// `--cluster`, as the AWS CLI's `--cluster`: a name or ARN.
struct ClusterOption: ParsableArguments {
    @Option(help: "The cluster, by name or ARN (env WHARF_CLUSTER). Default: default.")
    var cluster: String?

    var name: String { cluster ?? ProcessInfo.processInfo.environment["WHARF_CLUSTER"] ?? "default" }
}

extension APISession {
    /// Every page of a List operation: the `key` items of each answer.
    func listAll(_ operation: String, _ body: [String: Any], key: String) async throws -> [String] {
        var items: [String] = []
        var token: String?
        repeat {
            var request = body
            if let token { request["nextToken"] = token }
            let page = try await ecs(operation, request)
            items += page[key] as? [String] ?? []
            token = page["nextToken"] as? String
        } while token != nil
        return items
    }

    /// Describes `arns` in chunks of `chunk`.
    func describeAll(_ operation: String, _ body: [String: Any], arnsKey: String, arns: [String], resultKey: String,
                     chunk: Int) async throws -> [[String: Any]] {
        var described: [[String: Any]] = []
        for start in stride(from: 0, to: arns.count, by: chunk) {
            var request = body
            request[arnsKey] = Array(arns[start..<min(start + chunk, arns.count)])
            described += try await ecs(operation, request)[resultKey] as? [[String: Any]] ?? []
        }
        return described
    }

    /// The cluster's services, described, by name.
    func services(cluster: String) async throws -> [[String: Any]] {
        let arns = try await listAll("ListServices", ["cluster": cluster], key: "serviceArns")
        return try await describeAll("DescribeServices", ["cluster": cluster], arnsKey: "services", arns: arns, resultKey: "services", chunk: 10)
            .sorted { ($0["serviceName"] as? String ?? "") < ($1["serviceName"] as? String ?? "") }
    }

    /// The cluster's tasks (of one service, when given), described; running ones unless `stopped`.
    func tasks(cluster: String, service: String? = nil, stopped: Bool = false) async throws -> [[String: Any]] {
        var body: [String: Any] = ["cluster": cluster, "desiredStatus": stopped ? "STOPPED" : "RUNNING"]
        if let service { body["serviceName"] = service }
        let arns = try await listAll("ListTasks", body, key: "taskArns")
        return try await describeAll("DescribeTasks", ["cluster": cluster], arnsKey: "tasks", arns: arns, resultKey: "tasks", chunk: 100)
            .sorted { ($0["taskArn"] as? String ?? "") < ($1["taskArn"] as? String ?? "") }
    }

    /// The cluster's container instances, described.
    func instances(cluster: String) async throws -> [[String: Any]] {
        let arns = try await listAll("ListContainerInstances", ["cluster": cluster], key: "containerInstanceArns")
        return try await describeAll("DescribeContainerInstances", ["cluster": cluster], arnsKey: "containerInstances", arns: arns,
                                     resultKey: "containerInstances", chunk: 100)
            .sorted { ($0["ec2InstanceId"] as? String ?? "") < ($1["ec2InstanceId"] as? String ?? "") }
    }
}
