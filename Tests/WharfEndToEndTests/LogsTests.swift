import Foundation
import Testing

/// A container definition that logs through awslogs to `group`, as ECS task definitions do.
func awslogs(_ container: [String: Any], group: String, createGroup: Bool = true, region: String = "us-east-1") -> [String: Any] {
    var options = ["awslogs-group": group, "awslogs-region": region, "awslogs-stream-prefix": "ecs"]
    if createGroup { options["awslogs-create-group"] = "true" }
    return container.merging(["logConfiguration": ["logDriver": "awslogs", "options": options]]) { _, new in new }
}

extension WharfCluster {
    /// `aws logs get-log-events` for the stream, from the head, every event.
    func logEvents(group: String, stream: String) async throws -> [[String: Any]] {
        let result = try await aws(["logs", "get-log-events", "--log-group-name", group, "--log-stream-name", stream, "--start-from-head"],
                                   endpoint: controller.endpoint, caBundle: controller.caFile)
        return result.json["events"] as? [[String: Any]] ?? []
    }

    /// Polls get-log-events until `done` holds for the events' messages.
    func waitForLogs(group: String, stream: String, timeout: Duration = .seconds(30), _ what: String,
                     until done: ([String]) -> Bool) async throws -> [[String: Any]] {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var last: [[String: Any]] = []
        while clock.now < deadline {
            last = try await logEvents(group: group, stream: stream)
            if done(last.compactMap { $0["message"] as? String }) { return last }
            try await Task.sleep(for: .milliseconds(300))
        }
        throw ManagedProcess.Failure("\(what) never showed in \(group)/\(stream); last: \(last.suffix(5))\nagents:\n\(agents.values.map(\.log).joined(separator: "\n---\n"))")
    }
}

/// The numbers N of the messages "PREFIX N", in order.
func counters(_ messages: [String], prefix: String) -> [Int] {
    messages.compactMap { $0.hasPrefix(prefix + " ") ? Int($0.dropFirst(prefix.count + 1)) : nil }
}

@Suite("Container logs through the CloudWatch Logs API, on the real Docker engine", .serialized)
struct LogsTests {
    @Test("a task's output reaches aws logs get-log-events in order within 2 s, filter-log-events finds a term, retention removes old events")
    func awslogsToGetLogEvents() async throws {
        try await withCluster { cluster in
            try await cluster.startAgent("node-1")
            let group = "/ecs/\(cluster.name)"
            let script = "i=0; while true; do echo \"line $i\"; if [ $((i % 5)) -eq 0 ]; then echo \"ERROR number $i\" >&2; fi; i=$((i+1)); sleep 0.1; done"
            let definition = try await cluster.register(["family": "printer-\(cluster.name)", "containerDefinitions": [
                awslogs(busybox("app", ["sh", "-c", script], extra: ["stopTimeout": 1]), group: group),
            ]])
            let arn = try await cluster.run(definition)
            _ = try await cluster.waitForTask(arn) { $0["lastStatus"] as? String == "RUNNING" }
            let taskID = String(arn.split(separator: "/").last ?? "")
            let stream = "ecs/app/\(taskID)"
            let events = try await cluster.waitForLogs(group: group, stream: stream, "20 lines") { counters($0, prefix: "line").count >= 20 }
            let messages = events.compactMap { $0["message"] as? String }
            let lines = counters(messages, prefix: "line")
            #expect(lines == Array(0..<lines.count), "every line once, in order: \(lines)")
            #expect(messages.contains("ERROR number 5"), "stderr is shipped too")
            let timestamps = events.compactMap { $0["timestamp"] as? Int }
            #expect(timestamps == timestamps.sorted())
            // Printed (the engine's timestamp) to stored (the controller's ingestion time).
            let delays = events.compactMap { event -> Int? in
                guard let printed = event["timestamp"] as? Int, let ingested = event["ingestionTime"] as? Int else { return nil }
                return ingested - printed
            }
            #expect(delays.count == events.count)
            #expect((delays.max() ?? Int.max) < 2_000, "delays from printing to storing (ms): \(delays)")

            let endpoint = cluster.controller.endpoint
            let filtered = try await aws(["logs", "filter-log-events", "--log-group-name", group, "--filter-pattern", "ERROR"], endpoint: endpoint)
            #expect(filtered.status == 0, "\(filtered.stderr)")
            let found = (filtered.json["events"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
            #expect(found.count >= 2)
            #expect(found.allSatisfy { $0.hasPrefix("ERROR number ") }, "\(found)")
            #expect((filtered.json["events"] as? [[String: Any]])?.first?["logStreamName"] as? String == stream)

            let streams = try await aws(["logs", "describe-log-streams", "--log-group-name", group, "--order-by", "LastEventTime", "--descending"], endpoint: endpoint)
            #expect((streams.json["logStreams"] as? [[String: Any]])?.compactMap { $0["logStreamName"] as? String } == [stream])

            // Retention, with the AWS CLI: an event three days old goes once the group keeps one day.
            let old = "old-\(cluster.name)"
            #expect(try await aws(["logs", "create-log-group", "--log-group-name", old], endpoint: endpoint).status == 0)
            #expect(try await aws(["logs", "create-log-stream", "--log-group-name", old, "--log-stream-name", "s"], endpoint: endpoint).status == 0)
            let threeDaysAgo = Int(Date().timeIntervalSince1970 * 1000) - 3 * 86_400_000
            let put = try await aws(["logs", "put-log-events", "--log-group-name", old, "--log-stream-name", "s", "--log-events",
                                     "timestamp=\(threeDaysAgo),message=from three days ago"], endpoint: endpoint)
            #expect(put.status == 0, "\(put.stderr)")
            #expect(try await cluster.logEvents(group: old, stream: "s").count == 1)
            #expect(try await aws(["logs", "put-retention-policy", "--log-group-name", old, "--retention-in-days", "1"], endpoint: endpoint).status == 0)
            #expect(try await cluster.logEvents(group: old, stream: "s").isEmpty)
        }
    }

    @Test("lines printed while the controller is down wait in the agent's buffer and arrive after it restarts, none lost or repeated")
    func bufferSurvivesControllerRestart() async throws {
        try await withCluster { cluster in
            try await cluster.startAgent("node-1")
            let group = "/ecs/\(cluster.name)"
            let definition = try await cluster.register(["family": "ticker-\(cluster.name)", "containerDefinitions": [
                awslogs(busybox("app", ["sh", "-c", "i=0; while true; do echo \"tick $i\"; i=$((i+1)); sleep 0.1; done"], extra: ["stopTimeout": 1]), group: group),
            ]])
            let arn = try await cluster.run(definition)
            _ = try await cluster.waitForTask(arn) { $0["lastStatus"] as? String == "RUNNING" }
            let stream = "ecs/app/\(arn.split(separator: "/").last ?? "")"
            let before = try await cluster.waitForLogs(group: group, stream: stream, "10 ticks") { counters($0, prefix: "tick").count >= 10 }
            let shippedBefore = counters(before.compactMap { $0["message"] as? String }, prefix: "tick").max() ?? 0
            // About 30 lines are printed while nobody can take them.
            try await cluster.restartController(downtime: .seconds(3))
            let after = try await cluster.waitForLogs(group: group, stream: stream, "ticks from after the restart") {
                (counters($0, prefix: "tick").max() ?? 0) > shippedBefore + 50
            }
            let ticks = counters(after.compactMap { $0["message"] as? String }, prefix: "tick")
            #expect(ticks == Array(0..<ticks.count), "no tick lost or repeated across the restart")
        }
    }
}
