import Foundation
import Testing

extension WharfCluster {
    /// Runs `wharf ARGUMENTS` against this cluster's controller, signed with the tests' key.
    func wharf(_ arguments: [String]) async throws -> DockerEngine.CommandResult {
        try await DockerEngine.run(TestCredentials.signing([ManagedProcess.built("wharf").path] + arguments
            + ["--endpoint", controller.endpoint, "--cluster", name] + (controller.caFile.map { ["--ca-bundle", $0] } ?? [])))
    }
}

@Suite("The wharf CLI against a real cluster on the real Docker engine", .serialized)
struct CLITests {
    @Test("status, services, tasks, instances and events show the cluster as tables and as JSON")
    func listings() async throws {
        try await withCluster { cluster in
            try await cluster.startAgent("node-1")
            let definition = try await cluster.register(["family": "web-\(cluster.name)", "containerDefinitions": [
                busybox("app", ["sleep", "1000"], extra: ["stopTimeout": 1]),
            ]])
            _ = try await cluster.client.call("CreateService", ["cluster": cluster.name, "serviceName": "web", "taskDefinition": definition, "desiredCount": 2])
            _ = try await cluster.waitForService("web", "2 running") { settled($0, count: 2) }

            let status = try await cluster.wharf(["status"])
            #expect(status.status == 0, "\(status.stderr)")
            #expect(status.stdout.contains(cluster.name))
            #expect(status.stdout.contains("(1 of 1 connected)"), "\(status.stdout)")
            let serviceLine = status.stdout.split(separator: "\n").first { $0.hasPrefix("web ") }.map(String.init) ?? ""
            #expect(serviceLine.contains("2/2") && serviceLine.contains("COMPLETED"), "\(status.stdout)")
            #expect(!status.stdout.contains("\u{1B}["), "no colours when not on a terminal")

            let instances = try await cluster.wharf(["instances"])
            #expect(instances.stdout.split(separator: "\n").count == 2 && instances.stdout.contains(" connected"), "\(instances.stdout)")
            let tasks = try await cluster.wharf(["tasks", "--service", "web"])
            let rows = tasks.stdout.split(separator: "\n").dropFirst()
            #expect(rows.count == 2 && rows.allSatisfy { $0.contains("service:web") && $0.contains("RUNNING") }, "\(tasks.stdout)")

            let json = try await cluster.wharf(["services", "--output", "json"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            let services = object["services"] as? [[String: Any]] ?? []
            #expect(services.compactMap { $0["serviceName"] as? String } == ["web"])
            #expect(services.first?["runningCount"] as? Int == 2)

            let events = try await cluster.wharf(["events", "web"])
            #expect(events.stdout.split(separator: "\n").last?.hasSuffix("(service web) has reached a steady state.") == true, "\(events.stdout)")
            let missing = try await cluster.wharf(["events", "nope"])
            #expect(missing.status != 0 && missing.stderr.contains("service nope not found"), "\(missing.stderr)")
        }
    }

    @Test("deploy --wait exits 0 when the rollout completes and 1 when the circuit breaker rolls it back, showing progress")
    func deployWait() async throws {
        try await withCluster { cluster in
            try await cluster.startAgent("node-1")
            let family = "deploy-\(cluster.name)"
            let first = try await cluster.register(["family": family, "containerDefinitions": [busybox("app", ["sleep", "1000"], extra: ["stopTimeout": 1])]])
            _ = try await cluster.client.call("CreateService", [
                "cluster": cluster.name, "serviceName": "api", "taskDefinition": first, "desiredCount": 2,
                "deploymentConfiguration": ["deploymentCircuitBreaker": ["enable": true, "rollback": true]],
            ])
            _ = try await cluster.waitForService("api", "2 running") { settled($0, count: 2) }
            _ = try await cluster.register(["family": family, "containerDefinitions": [busybox("app", ["sleep", "1001"], extra: ["stopTimeout": 1])]])
            let good = try await cluster.wharf(["deploy", "api", "--task-definition", "\(family):2", "--desired", "3", "--wait"])
            #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
            #expect(good.stdout.contains("\(family):2"), "\(good.stdout)")
            #expect(good.stdout.contains("3/3 running"), "\(good.stdout)")
            #expect(good.stdout.contains("completed"), "\(good.stdout)")
            let settledService = try await cluster.waitForService("api", "3 running revision 2") { settled($0, count: 3) }
            #expect((settledService["taskDefinition"] as? String)?.hasSuffix(":2") == true)

            _ = try await cluster.register(["family": family, "containerDefinitions": [busybox("app", ["sh", "-c", "exit 3"])]])
            let bad = try await cluster.wharf(["deploy", "api", "--task-definition", "\(family):3", "--wait", "--timeout", "120"])
            #expect(bad.status == 1, "\(bad.stdout)\(bad.stderr)")
            #expect(bad.stderr.contains("deployment failed") && bad.stderr.contains("circuit breaker"), "\(bad.stderr)")
            #expect(bad.stdout.contains("\(family):3"), "\(bad.stdout)")
            let unknown = try await cluster.wharf(["deploy", "api", "--task-definition", "\(family):9", "--wait"])
            #expect(unknown.status != 0 && unknown.stderr.contains("UpdateService failed"), "\(unknown.stderr)")
        }
    }

    @Test("wharf logs prints a task's lines; logs -f on a service shows a new line within 1 s")
    func logsFollow() async throws {
        try await withCluster { cluster in
            try await cluster.startAgent("node-1")
            let group = "/ecs/\(cluster.name)"
            let definition = try await cluster.register(["family": "talk-\(cluster.name)", "containerDefinitions": [
                awslogs(busybox("app", ["sh", "-c", "echo hello from the task; exec sleep 1000"], extra: ["stopTimeout": 1]), group: group),
            ]])
            _ = try await cluster.client.call("CreateService", ["cluster": cluster.name, "serviceName": "talk", "taskDefinition": definition, "desiredCount": 1])
            _ = try await cluster.waitForService("talk", "1 running") { settled($0, count: 1) }
            let task = try #require(try await cluster.serviceTasks("talk").first)
            let taskID = String((task["taskArn"] as? String ?? "").split(separator: "/").last ?? "")
            _ = try await cluster.waitForLogs(group: group, stream: "ecs/app/\(taskID)", "the first line") { $0.contains("hello from the task") }

            let printed = try await cluster.wharf(["logs", taskID])
            #expect(printed.status == 0, "\(printed.stderr)")
            #expect(printed.stdout == "hello from the task\n", "\(printed.stdout)")

            let follower = try ManagedProcess("wharf", ["logs", "-f", "service", "talk", "--endpoint", cluster.controller.endpoint, "--cluster", cluster.name],
                                              environment: TestCredentials.clientEnvironment)
            do {
                _ = try await follower.waitFor("the line printed before") { $0.contains("hello from the task") ? true : nil }
                let container = try #require(try await cluster.runningContainers().first)
                for marker in ["marker-1", "marker-2"] {
                    let written = try await DockerEngine.run(["docker", "exec", container, "sh", "-c", "echo \(marker) > /proc/1/fd/1"])
                    #expect(written.status == 0, "\(written.stderr)")
                    let clock = ContinuousClock()
                    let start = clock.now
                    _ = try await follower.waitFor(marker, timeout: .seconds(10)) { $0.contains(marker) ? true : nil }
                    let elapsed = clock.now - start
                    #expect(elapsed < .seconds(1), "\(marker) took \(elapsed) to show in wharf logs -f")
                }
                #expect(follower.log.contains("[app \(taskID.prefix(8))] marker-2") == false, "one task: lines are not labelled")
                try await follower.stop()
            } catch {
                _ = try? await follower.stop()
                throw error
            }
        }
    }
}
