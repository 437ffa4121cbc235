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
            let after = try await cluster.waitForService("heal", "a replacement running") { service in
                service["runningCount"] as? Int == 1
            }
            let replacement = try #require(try await cluster.serviceTasks("heal").first)
            #expect(replacement["taskArn"] as? String != before["taskArn"] as? String)
            #expect(replacement["lastStatus"] as? String == "RUNNING")
            let events = (after["events"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
            #expect(events.contains { $0.hasPrefix("(service heal) has started 1 tasks:") && $0 != events.last })
        }
    }
}
