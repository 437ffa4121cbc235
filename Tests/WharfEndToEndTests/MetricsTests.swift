import Foundation
import Testing

/// The value of the sample `series` (name and labels exactly as exposed) in a Prometheus text
/// exposition, or nil when it is not there.
func sample(_ exposition: String, _ series: String) -> Double? {
    for line in exposition.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.dropFirst(series.count + 1).split(separator: " ").first ?? "")
    }
    return nil
}

/// Fetches `url` with curl and checks it with `promtool check metrics`; returns the text.
func scrape(_ url: String, caFile: String? = nil) async throws -> String {
    let ca = caFile.map { ["--cacert", $0] } ?? []
    let fetched = try await DockerEngine.run(["curl", "-sS", "-f", "-m", "10"] + ca + [url])
    #expect(fetched.status == 0, "GET \(url): \(fetched.stderr)")
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-metrics-\(UUID().uuidString).txt")
    try Data(fetched.stdout.utf8).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    let checked = try await DockerEngine.run(["sh", "-c", "promtool check metrics < '\(file.path)'"])
    #expect(checked.status == 0, "promtool check metrics on \(url):\n\(checked.stdout)\(checked.stderr)")
    return fetched.stdout
}

@Suite("Metrics: Prometheus /metrics of both daemons and the containers' use, on the real Docker engine", .serialized)
struct MetricsTests {
    static let include = [("X-Wharf-Include", "utilization")]

    @Test("both /metrics pass promtool check metrics and their counters move with work; DescribeTasks, DescribeServices and DescribeContainerInstances show CPU and memory when asked (X-Wharf-Include)")
    func prometheusAndUtilization() async throws {
        try await withCluster { cluster in
            let arn = try await cluster.startAgent("node-1", arguments: ["--stats-interval", "1"])
            let agentURL = try await cluster.introspectionURL("node-1") + "/metrics"
            let controllerURL = cluster.controller.endpoint + "/metrics"
            let controllerBefore = try await scrape(controllerURL, caFile: cluster.controller.caFile)
            let agentBefore = try await scrape(agentURL)

            let burn = "while true; do i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done; echo \"round\"; sleep 0.2; done"
            let definition = try await cluster.register(["family": "burn-\(cluster.name)", "containerDefinitions": [
                awslogs(busybox("app", ["sh", "-c", burn], extra: ["stopTimeout": 1]), group: "/ecs/\(cluster.name)"),
            ]])
            let created = try await cluster.client.call("CreateService", ["cluster": cluster.name, "serviceName": "burn", "taskDefinition": definition, "desiredCount": 1])
            #expect(created.status == 200, "\(created.json)")
            _ = try await cluster.waitForService("burn", "1 running") { settled($0, count: 1) }
            let tasks = try await cluster.serviceTasks("burn")
            let task = try #require(tasks.first)
            let taskArn = try #require(task["taskArn"] as? String)

            // The agent samples every second and reports with its next sync.
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(60))
            var used: [String: Any] = [:]
            while clock.now < deadline {
                let described = try await cluster.client.call("DescribeTasks", ["cluster": cluster.name, "tasks": [taskArn]], extraHeaders: Self.include)
                used = (described.json["tasks"] as? [[String: Any]])?.first?["utilization"] as? [String: Any] ?? [:]
                if (used["cpuUnits"] as? Double ?? 0) > 0, (used["memoryMiB"] as? Double ?? 0) > 0 { break }
                // A sync carries the latest sample; a scale call makes one happen sooner.
                try await Task.sleep(for: .milliseconds(500))
            }
            #expect((used["cpuUnits"] as? Double ?? 0) > 0, "task utilization: \(used)")
            #expect((used["memoryMiB"] as? Double ?? 0) > 0, "task utilization: \(used)")
            #expect(used["containers"] as? Int == 1)
            let service = try await cluster.client.call("DescribeServices", ["cluster": cluster.name, "services": ["burn"]], extraHeaders: Self.include)
            let serviceUse = (service.json["services"] as? [[String: Any]])?.first?["utilization"] as? [String: Any] ?? [:]
            #expect((serviceUse["memoryMiB"] as? Double ?? 0) > 0, "service utilization: \(serviceUse)")
            let instance = try await cluster.client.call("DescribeContainerInstances", ["cluster": cluster.name, "containerInstances": [arn]],
                                                        extraHeaders: Self.include)
            #expect((try await cluster.client.call("DescribeContainerInstances", ["cluster": cluster.name, "containerInstances": [arn]])
                .json["containerInstances"] as? [[String: Any]])?.first?["utilization"] == nil, "only when asked for: ECS's shapes stay ECS's")
            let instanceUse = (instance.json["containerInstances"] as? [[String: Any]])?.first?["utilization"] as? [String: Any] ?? [:]
            #expect((instanceUse["memoryMiB"] as? Double ?? 0) > 0, "instance utilization: \(instanceUse)")

            // Let a few log lines ship, then scrape again.
            _ = try await cluster.waitForLogs(group: "/ecs/\(cluster.name)", stream: "ecs/app/\(taskArn.split(separator: "/").last ?? "")", "3 rounds") {
                $0.filter { $0 == "round" }.count >= 3
            }
            let controllerAfter = try await scrape(controllerURL, caFile: cluster.controller.caFile)
            let agentAfter = try await scrape(agentURL)

            let createService = #"wharf_api_requests_total{operation="ecs:CreateService",outcome="ok"}"#
            #expect(sample(controllerBefore, createService) == nil)
            #expect(sample(controllerAfter, createService) == 1)
            #expect((sample(controllerAfter, #"wharf_api_request_duration_seconds_count{operation="ecs:DescribeTasks"}"#) ?? 0) >= 1)
            let syncs = #"wharf_agent_syncs_total{outcome="ok"}"#
            #expect((sample(controllerAfter, syncs) ?? 0) > (sample(controllerBefore, syncs) ?? 0))
            #expect(sample(controllerAfter, "wharf_agents_connected") == 1)
            #expect(sample(controllerAfter, #"wharf_tasks{last_status="RUNNING"}"#) == 1)
            #expect((sample(controllerAfter, #"wharf_scheduler_decisions_total{action="start"}"#) ?? 0) >= 1)
            #expect((sample(controllerAfter, "wharf_log_events_ingested_total") ?? 0) >= 3)
            #expect((sample(controllerAfter, "wharf_log_stored_bytes") ?? 0) > 0)

            #expect(sample(agentBefore, "wharf_agent_container_starts_total") == nil)
            #expect(sample(agentAfter, "wharf_agent_container_starts_total") == 1)
            #expect((sample(agentAfter, #"wharf_agent_syncs_total{outcome="ok"}"#) ?? 0) > (sample(agentBefore, #"wharf_agent_syncs_total{outcome="ok"}"#) ?? 0))
            #expect((sample(agentAfter, "wharf_agent_log_events_shipped_total") ?? 0) >= 3)
            #expect((sample(agentAfter, "wharf_agent_log_bytes_shipped_total") ?? 0) > 0)
            #expect(sample(agentAfter, "wharf_agent_log_events_dropped_total") == 0)
            #expect(sample(agentAfter, #"wharf_agent_tasks{last_status="RUNNING"}"#) == 1)
            _ = try await cluster.client.call("DeleteService", ["cluster": cluster.name, "service": "burn", "force": true])
        }
    }
}
