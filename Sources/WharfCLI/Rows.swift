/// The table rows the listing commands share, from described ECS resources.
enum Rows {
    static func resource(_ item: [String: Any], _ name: String, _ key: String = "remainingResources") -> Int? {
        (item[key] as? [[String: Any]])?.first { $0["name"] as? String == name }?["integerValue"] as? Int
    }

    static func usage(_ item: [String: Any]) -> (cpu: String, memory: String) {
        guard let used = item["utilization"] as? [String: Any] else { return ("-", "-") }
        return (Terminal.number(used["cpuUnits"] as? Double), Terminal.number(used["memoryMiB"] as? Double))
    }

    static let instanceHeader = ["INSTANCE", "HOST", "STATUS", "AGENT", "TASKS", "CPU FREE", "MEMORY FREE (MiB)", "CPU USED", "MEMORY USED (MiB)"]

    static func instance(_ item: [String: Any]) -> [String] {
        let used = usage(item)
        let connected = item["agentConnected"] as? Bool == true
        let cpu = "\(resource(item, "CPU").map(String.init) ?? "-")/\(resource(item, "CPU", "registeredResources").map(String.init) ?? "-")"
        let memory = "\(resource(item, "MEMORY").map(String.init) ?? "-")/\(resource(item, "MEMORY", "registeredResources").map(String.init) ?? "-")"
        return [Terminal.short(item["containerInstanceArn"] as? String), item["ec2InstanceId"] as? String ?? "-",
                Terminal.status(item["status"] as? String ?? "-"), connected ? Terminal.paint("connected", .green) : Terminal.paint("disconnected", .red),
                String(item["runningTasksCount"] as? Int ?? 0), cpu, memory, used.cpu, used.memory]
    }

    static let serviceHeader = ["SERVICE", "STATUS", "RUNNING", "PENDING", "DEPLOYMENT", "TASK DEFINITION", "CPU USED", "MEMORY USED (MiB)"]

    static func service(_ item: [String: Any]) -> [String] {
        let used = usage(item)
        let deployments = item["deployments"] as? [[String: Any]] ?? []
        let rollout = deployments.first?["rolloutState"] as? String ?? "-"
        let state = deployments.count > 1 ? "\(rollout) (\(deployments.count) deployments)" : rollout
        return [item["serviceName"] as? String ?? "-", Terminal.status(item["status"] as? String ?? "-"),
                "\(item["runningCount"] as? Int ?? 0)/\(item["desiredCount"] as? Int ?? 0)", String(item["pendingCount"] as? Int ?? 0),
                Terminal.status(state), Terminal.short(item["taskDefinition"] as? String), used.cpu, used.memory]
    }

    static let taskHeader = ["TASK", "GROUP", "STATUS", "DESIRED", "HEALTH", "TASK DEFINITION", "INSTANCE", "STARTED", "CPU USED", "MEMORY USED (MiB)"]

    static func task(_ item: [String: Any]) -> [String] {
        let used = usage(item)
        return [Terminal.short(item["taskArn"] as? String), item["group"] as? String ?? "-", Terminal.status(item["lastStatus"] as? String ?? "-"),
                item["desiredStatus"] as? String ?? "-", Terminal.status(item["healthStatus"] as? String ?? "-"),
                Terminal.short(item["taskDefinitionArn"] as? String), Terminal.short(item["containerInstanceArn"] as? String),
                Terminal.ago(item["startedAt"] as? Double), used.cpu, used.memory]
    }
}
