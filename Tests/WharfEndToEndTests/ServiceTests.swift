import Foundation
import Testing

extension WharfCluster {
    /// Polls DescribeServices until `done` holds for the service, or fails after `timeout`.
    func waitForService(_ name: String, timeout: Duration = .seconds(60), _ what: String,
                        until done: ([String: Any]) -> Bool) async throws -> [String: Any] {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var last: [String: Any] = [:]
        while clock.now < deadline {
            let described = try await client.call("DescribeServices", ["cluster": self.name, "services": [name]])
            last = (described.json["services"] as? [[String: Any]])?.first ?? [:]
            if done(last) { return last }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw ManagedProcess.Failure("service \(name) did not reach \(what) within \(timeout); last seen: \(last)")
    }

    /// The service's tasks that are wanted RUNNING, described.
    func serviceTasks(_ service: String) async throws -> [[String: Any]] {
        let listed = try await client.call("ListTasks", ["cluster": name, "serviceName": service])
        let arns = listed.json["taskArns"] as? [String] ?? []
        guard !arns.isEmpty else { return [] }
        return try await client.call("DescribeTasks", ["cluster": name, "tasks": arns]).json["tasks"] as? [[String: Any]] ?? []
    }

    /// The IDs of the running containers of this cluster, from the engine itself.
    func runningContainers() async throws -> [String] {
        try await DockerEngine.run(["docker", "ps", "-q", "--filter", "label=com.amazonaws.ecs.cluster=\(clusterArn)"])
            .trimmedStdout.split(separator: "\n").map(String.init)
    }
}

/// Whether a described service runs `count` tasks in one COMPLETED deployment.
func settled(_ service: [String: Any], count: Int) -> Bool {
    let deployments = service["deployments"] as? [[String: Any]] ?? []
    return service["runningCount"] as? Int == count && service["pendingCount"] as? Int == 0 && deployments.count == 1
        && deployments.first?["rolloutState"] as? String == "COMPLETED"
}

@Suite("Services on real agents and the real Docker engine", .serialized)
struct ServiceTests {
    @Test("the ECS getting-started flow with the AWS CLI: create-service 2, update to 4, a new revision rolls out, update to 0, delete-service, delete-cluster")
    func gettingStarted() async throws {
        try await withCluster { cluster in
            try await cluster.startAgent("node-1")
            try await cluster.startAgent("node-2")
            let endpoint = cluster.controller.endpoint
            func definition(_ revision: Int) -> [String: Any] {
                ["family": "sleep-\(cluster.name)", "containerDefinitions": [
                    busybox("sleep", ["sleep", "100\(revision)"], extra: ["stopTimeout": 1]),
                ]]
            }
            _ = try await cluster.register(definition(1))
            let created = try await aws(["ecs", "create-service", "--cluster", cluster.name, "--service-name", "sleep",
                                         "--task-definition", "sleep-\(cluster.name)", "--desired-count", "2"], endpoint: endpoint)
            #expect(created.status == 0, "\(created.stderr)")
            #expect((created.json["service"] as? [String: Any])?["status"] as? String == "ACTIVE")
            var service = try await cluster.waitForService("sleep", "2 running") { settled($0, count: 2) }
            #expect(try await cluster.runningContainers().count == 2)
            let events = (service["events"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
            #expect(events.first == "(service sleep) has reached a steady state.")
            #expect(events.contains { $0.hasPrefix("(service sleep) has started 2 tasks:") })

            let scaled = try await aws(["ecs", "update-service", "--cluster", cluster.name, "--service", "sleep", "--desired-count", "4"], endpoint: endpoint)
            #expect(scaled.status == 0, "\(scaled.stderr)")
            _ = try await cluster.waitForService("sleep", "4 running") { settled($0, count: 4) }
            let instances = Set(try await cluster.serviceTasks("sleep").compactMap { $0["containerInstanceArn"] as? String })
            #expect(instances.count == 2, "the tasks are on both agents")

            let revision2 = try await cluster.register(definition(2))
            let updated = try await aws(["ecs", "update-service", "--cluster", cluster.name, "--service", "sleep",
                                         "--task-definition", revision2], endpoint: endpoint)
            #expect(updated.status == 0, "\(updated.stderr)")
            service = try await cluster.waitForService("sleep", "revision 2 rolled out") { service in
                settled(service, count: 4) && (service["deployments"] as? [[String: Any]])?.first?["taskDefinition"] as? String == revision2
            }
            let tasks = try await cluster.serviceTasks("sleep")
            #expect(tasks.count == 4)
            #expect(tasks.allSatisfy { $0["taskDefinitionArn"] as? String == revision2 }, "the old tasks are drained")
            let stillRunning = try await cluster.runningContainers()
            #expect(stillRunning.count <= 4, "no more than the desired count keeps running: \(stillRunning)")

            let zero = try await aws(["ecs", "update-service", "--cluster", cluster.name, "--service", "sleep", "--desired-count", "0"], endpoint: endpoint)
            #expect(zero.status == 0, "\(zero.stderr)")
            _ = try await cluster.waitForService("sleep", "0 running") { $0["runningCount"] as? Int == 0 && $0["pendingCount"] as? Int == 0 }
            let deleted = try await aws(["ecs", "delete-service", "--cluster", cluster.name, "--service", "sleep"], endpoint: endpoint)
            #expect(deleted.status == 0, "\(deleted.stderr)")
            _ = try await cluster.waitForService("sleep", "INACTIVE") { $0["status"] as? String == "INACTIVE" }
            let listed = try await aws(["ecs", "list-services", "--cluster", cluster.name], endpoint: endpoint)
            #expect((listed.json["serviceArns"] as? [String]) == [])

            // The cluster still has its two instances: deregister them, then delete it.
            let refused = try await aws(["ecs", "delete-cluster", "--cluster", cluster.name], endpoint: endpoint)
            #expect(refused.status != 0 && refused.stderr.contains("ClusterContainsContainerInstancesException"), "\(refused.stderr)")
            let arns = try await cluster.client.call("ListContainerInstances", ["cluster": cluster.name]).json["containerInstanceArns"] as? [String] ?? []
            for arn in arns {
                let out = try await aws(["ecs", "deregister-container-instance", "--cluster", cluster.name, "--container-instance", arn], endpoint: endpoint)
                #expect(out.status == 0, "\(out.stderr)")
            }
            let gone = try await aws(["ecs", "delete-cluster", "--cluster", cluster.name], endpoint: endpoint)
            #expect(gone.status == 0, "\(gone.stderr)")
            #expect((gone.json["cluster"] as? [String: Any])?["status"] as? String == "INACTIVE")
        }
    }

    @Test("a service task whose container is killed is replaced")
    func replacement() async throws {
        try await withCluster { cluster in
            try await cluster.startAgent("node-1")
            let definition = try await cluster.register(["family": "heal-\(cluster.name)", "containerDefinitions": [
                busybox("sleep", ["sleep", "1000"], extra: ["stopTimeout": 1]),
            ]])
            _ = try await cluster.client.call("CreateService", ["cluster": cluster.name, "serviceName": "heal", "taskDefinition": definition, "desiredCount": 1])
            _ = try await cluster.waitForService("heal", "1 running") { settled($0, count: 1) }
            let before = try #require(try await cluster.serviceTasks("heal").first)
            let container = try #require(firstContainer(before)["runtimeId"] as? String)
            _ = try await DockerEngine.run(["docker", "kill", container])
            let stopped = try await cluster.waitForTask(before["taskArn"] as? String ?? "") { $0["lastStatus"] as? String == "STOPPED" }
            #expect(stopped["stopCode"] as? String == "EssentialContainerExited")
            var replacement: [String: Any] = [:]
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(30))
            while clock.now < deadline {
                replacement = try await cluster.serviceTasks("heal").first ?? [:]
                if replacement["lastStatus"] as? String == "RUNNING" { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let after = try await cluster.waitForService("heal", "a replacement running") { $0["runningCount"] as? Int == 1 }
            #expect(replacement["taskArn"] as? String != before["taskArn"] as? String)
            #expect(replacement["lastStatus"] as? String == "RUNNING")
            let events = (after["events"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
            #expect(events.filter { $0.hasPrefix("(service heal) has started 1 tasks:") }.count == 2, "the first task and its replacement: \(events)")
        }
    }

    @Test("an agent killed: after the grace period its service task runs on the other agent; when it returns, the duplicate is stopped")
    func lostNode() async throws {
        try await withCluster(controllerArguments: ["--agent-disconnect-after", "6", "--agent-long-poll", "2"]) { cluster in
            let first = try await cluster.startAgent("node-1")
            let second = try await cluster.startAgent("node-2")
            let definition = try await cluster.register(["family": "lost-\(cluster.name)", "containerDefinitions": [
                busybox("sleep", ["sleep", "1000"], extra: ["stopTimeout": 1]),
            ]])
            _ = try await cluster.client.call("CreateService", ["cluster": cluster.name, "serviceName": "lost", "taskDefinition": definition, "desiredCount": 2])
            _ = try await cluster.waitForService("lost", "2 running") { settled($0, count: 2) }
            let before = try await cluster.serviceTasks("lost")
            let stranded = try #require(before.first { $0["containerInstanceArn"] as? String == second })
            try await cluster.killAgent("node-2")
            // Its container keeps running without the agent; the service moves on without it.
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(60))
            var moved: [[String: Any]] = []
            while clock.now < deadline {
                moved = try await cluster.serviceTasks("lost")
                if moved.count == 2, moved.allSatisfy({ $0["containerInstanceArn"] as? String == first && $0["lastStatus"] as? String == "RUNNING" }) { break }
                try await Task.sleep(for: .milliseconds(250))
            }
            #expect(moved.count == 2)
            #expect(moved.allSatisfy { $0["containerInstanceArn"] as? String == first }, "\(moved.map { $0["containerInstanceArn"] ?? "" })")
            #expect(try await cluster.runningContainers().count == 3, "the lost node's container still runs while its agent is down")

            try await cluster.startAgent("node-2")
            let old = try await cluster.waitForTask(stranded["taskArn"] as? String ?? "") { $0["lastStatus"] as? String == "STOPPED" }
            #expect((old["stoppedReason"] as? String)?.contains("disconnected") == true, "\(old["stoppedReason"] ?? "")")
            let service = try await cluster.waitForService("lost", "settled at 2") { settled($0, count: 2) }
            #expect(service["runningCount"] as? Int == 2)
            #expect(try await cluster.runningContainers().count == 2, "never more than the desired count once settled")
        }
    }

    @Test("a revision whose container exits at once trips the circuit breaker; with rollback the service returns to the previous revision and says why")
    func circuitBreaker() async throws {
        try await withCluster { cluster in
            try await cluster.startAgent("node-1")
            let good = try await cluster.register(["family": "breaker-\(cluster.name)", "containerDefinitions": [
                busybox("app", ["sleep", "1000"], extra: ["stopTimeout": 1]),
            ]])
            _ = try await cluster.client.call("CreateService", [
                "cluster": cluster.name, "serviceName": "breaker", "taskDefinition": good, "desiredCount": 2,
                "deploymentConfiguration": ["deploymentCircuitBreaker": ["enable": true, "rollback": true]],
            ])
            _ = try await cluster.waitForService("breaker", "2 running") { settled($0, count: 2) }
            let bad = try await cluster.register(["family": "breaker-\(cluster.name)", "containerDefinitions": [
                busybox("app", ["sh", "-c", "exit 3"]),
            ]])
            let updated = try await aws(["ecs", "update-service", "--cluster", cluster.name, "--service", "breaker", "--task-definition", bad],
                                        endpoint: cluster.controller.endpoint)
            #expect(updated.status == 0, "\(updated.stderr)")
            let service = try await cluster.waitForService("breaker", timeout: .seconds(90), "rolled back to the good revision") { service in
                settled(service, count: 2) && (service["deployments"] as? [[String: Any]])?.first?["taskDefinition"] as? String == good
            }
            #expect(service["taskDefinition"] as? String == good)
            let primary = try #require((service["deployments"] as? [[String: Any]])?.first)
            #expect((primary["rolloutStateReason"] as? String)?.contains("completed") == true)
            let events = (service["events"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
            #expect(events.contains { $0.hasSuffix("deployment failed: tasks failed to start.") }, "\(events)")
            #expect(events.contains { $0.contains("rolling back to deployment") }, "\(events)")
            let tasks = try await cluster.serviceTasks("breaker")
            #expect(tasks.count == 2 && tasks.allSatisfy { $0["taskDefinitionArn"] as? String == good })
            let history = try await aws(["ecs", "list-service-deployments", "--cluster", cluster.name, "--service", "breaker"],
                                        endpoint: cluster.controller.endpoint)
            let statuses = (history.json["serviceDeployments"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String }
            #expect(statuses == ["ROLLBACK_SUCCESSFUL", "SUCCESSFUL"], "\(history.json) \(history.stderr)")
        }
    }

    @Test("three agents: spread is even, memberOf selects instances, DAEMON puts one task on each, DRAINING empties an instance within minimumHealthyPercent")
    func placement() async throws {
        try await withCluster { cluster in
            var instances: [String: String] = [:]
            for rack in ["a", "b", "c"] {
                instances[rack] = try await cluster.startAgent("node-\(rack)", arguments: ["--attributes", "rack=\(rack)"])
            }
            let definition = try await cluster.register(["family": "place-\(cluster.name)", "containerDefinitions": [
                busybox("app", ["sleep", "1000"], memory: 16, extra: ["stopTimeout": 1]),
            ]])
            func counts(_ service: String) async throws -> [String: Int] {
                Dictionary(grouping: try await cluster.serviceTasks(service).compactMap { $0["containerInstanceArn"] as? String }) { $0 }.mapValues(\.count)
            }
            _ = try await cluster.client.call("CreateService", [
                "cluster": cluster.name, "serviceName": "spread", "taskDefinition": definition, "desiredCount": 7,
                "placementStrategy": [["type": "spread", "field": "instanceId"]],
            ])
            _ = try await cluster.waitForService("spread", "7 running") { settled($0, count: 7) }
            let spread = try await counts("spread")
            #expect(spread.count == 3 && (spread.values.max() ?? 0) - (spread.values.min() ?? 0) <= 1, "\(spread)")

            _ = try await cluster.client.call("CreateService", [
                "cluster": cluster.name, "serviceName": "member", "taskDefinition": definition, "desiredCount": 4,
                "placementConstraints": [["type": "memberOf", "expression": "attribute:rack in [a, b]"]],
            ])
            _ = try await cluster.waitForService("member", "4 running") { settled($0, count: 4) }
            #expect(Set(try await counts("member").keys) == [instances["a"] ?? "", instances["b"] ?? ""])

            _ = try await cluster.client.call("CreateService", [
                "cluster": cluster.name, "serviceName": "daemon", "taskDefinition": definition, "schedulingStrategy": "DAEMON",
            ])
            _ = try await cluster.waitForService("daemon", "one per instance") { settled($0, count: 3) }
            #expect(try await counts("daemon").values.sorted() == [1, 1, 1])

            // Drain rack a: its tasks move, and the spread service never has fewer than 7 healthy.
            _ = try await cluster.client.call("UpdateContainerInstancesState", [
                "cluster": cluster.name, "containerInstances": [instances["a"] ?? ""], "status": "DRAINING",
            ])
            var lowest = 7
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(60))
            while clock.now < deadline {
                let spreadTasks = try await cluster.serviceTasks("spread")
                lowest = min(lowest, spreadTasks.filter { $0["lastStatus"] as? String == "RUNNING" && $0["desiredStatus"] as? String == "RUNNING" }.count)
                let all = try await counts("spread").merging(try await counts("member")) { $0 + $1 }.merging(try await counts("daemon")) { $0 + $1 }
                if all[instances["a"] ?? ""] == nil, spreadTasks.count == 7 { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(lowest >= 7, "minimumHealthyPercent 100: never fewer than 7 running during the drain (lowest seen \(lowest))")
            _ = try await cluster.waitForService("spread", "7 running off rack a") { settled($0, count: 7) }
            _ = try await cluster.waitForService("member", "4 running on rack b") { settled($0, count: 4) }
            _ = try await cluster.waitForService("daemon", "two daemons") { settled($0, count: 2) }
            #expect(try await counts("spread")[instances["a"] ?? ""] == nil)
            #expect(try await counts("member").keys.sorted() == [instances["b"] ?? ""])
            #expect(try await counts("daemon").keys.sorted() == [instances["b"] ?? "", instances["c"] ?? ""].sorted())
        }
    }
}
