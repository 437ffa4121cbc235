import Foundation
import Testing

@Suite("awslogs events: multiline patterns, datetime formats and terminals, on the real Docker engine", .serialized)
struct AwslogsEventsTests {
    @Test(
        """
        awslogs-multiline-pattern joins a stack trace into one event; awslogs-datetime-format starts an event at \
        each timestamp; a container with a terminal (pseudoTerminal) is shipped line by line
        """
    )
    func joined() async throws {
        try await withCluster { cluster in
            try await cluster.startAgent("node-1")
            let group = "/ecs/\(cluster.name)"
            let trace =
                "echo 'ERROR boom'; echo '  at a()'; echo '  at b()'; echo 'INFO fine'; "
                + "echo 'ERROR again'; echo '  at c()'; sleep 1000"
            let dated =
                "echo '2026-12-05 10:00:00 first'; echo 'continued'; echo '2026-12-05 10:00:01 second'; sleep 1000"
            func logging(
                _ name: String,
                _ script: String,
                _ extra: [String: String],
                tty: Bool = false
            ) -> [String: Any] {
                var container = awslogs(busybox(name, ["sh", "-c", script], extra: ["stopTimeout": 1]), group: group)
                var configuration = container["logConfiguration"] as? [String: Any] ?? [:]
                configuration["options"] = (configuration["options"] as? [String: String] ?? [:]).merging(extra) {
                    _,
                    new in new
                }
                container["logConfiguration"] = configuration
                if tty { container["pseudoTerminal"] = true }
                return container
            }
            let definition = try await cluster.register([
                "family": "events-\(cluster.name)",
                "containerDefinitions": [
                    logging("trace", trace, ["awslogs-multiline-pattern": "^(ERROR|INFO)"]),
                    logging("dated", dated, ["awslogs-datetime-format": "%Y-%m-%d %H:%M:%S"]),
                    logging("terminal", "echo one; echo two; sleep 1000", [:], tty: true),
                ],
            ])
            let arn = try await cluster.run(definition)
            let taskID = String(arn.split(separator: "/").last ?? "")
            // The waits below time the logs, not the start (which a busy CI machine can make slow).
            _ = try await cluster.waitForTask(arn) { $0["lastStatus"] as? String == "RUNNING" }
            // The last event of each has no line after it: it goes out 5 s after its last line.
            let traced = try await cluster.waitForLogs(group: group, stream: "ecs/trace/\(taskID)", "three events") {
                $0.count >= 3
            }
            #expect(
                traced.compactMap { $0["message"] as? String }
                    == ["ERROR boom\n  at a()\n  at b()", "INFO fine", "ERROR again\n  at c()"]
            )
            let datedEvents = try await cluster.waitForLogs(group: group, stream: "ecs/dated/\(taskID)", "two events") {
                $0.count >= 2
            }
            #expect(
                datedEvents.compactMap { $0["message"] as? String }
                    == ["2026-12-05 10:00:00 first\ncontinued", "2026-12-05 10:00:01 second"]
            )
            let terminal = try await cluster.waitForLogs(group: group, stream: "ecs/terminal/\(taskID)", "two lines") {
                $0.count >= 2
            }
            #expect(terminal.compactMap { $0["message"] as? String } == ["one", "two"])
        }
    }
}
