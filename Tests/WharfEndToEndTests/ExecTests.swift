import Foundation
import Testing

/// `wharf exec` on a real agent and Docker engine: ECS's ExecuteCommand opens the session, the
/// controller relays it, the agent runs the command with `docker exec`.
@Suite("wharf exec: commands in a task's container through the controller and the agent", .serialized)
struct ExecTests {
    @Test(
        """
        a task run with enableExecuteCommand: output and errors come back apart, standard input reaches the \
        command, its exit code is wharf's; ExecuteCommand answers ECS's shape; a task without it is refused with \
        ECS's message
        """
    )
    func exec() async throws {
        try await withCluster { cluster in
            try await cluster.startAgent("node-1")
            let definition = try await cluster.register([
                "family": "exec-\(cluster.name)",
                "containerDefinitions": [
                    busybox("shell", ["sleep", "600"], extra: ["stopTimeout": 1]),
                    busybox("side", ["sleep", "600"], extra: ["stopTimeout": 1]),
                ],
            ])
            let enabled = try await cluster.run(definition, extra: ["enableExecuteCommand": true])
            let plain = try await cluster.run(definition)
            for task in [enabled, plain] {
                _ = try await cluster.waitForTask(task) { ($0["lastStatus"] as? String) == "RUNNING" }
            }
            let described = try await cluster.client.call(
                "DescribeTasks",
                ["cluster": cluster.name, "tasks": [enabled]]
            )
            let task = (described.json["tasks"] as? [[String: Any]])?.first ?? [:]
            #expect(task["enableExecuteCommand"] as? Bool == true, "\(task)")
            let agents = (firstContainer(task)["managedAgents"] as? [[String: Any]]) ?? []
            #expect(agents.first?["name"] as? String == "ExecuteCommandAgent", "\(agents)")
            #expect(agents.first?["lastStatus"] as? String == "RUNNING", "\(agents)")

            let wharf = ManagedProcess.built("wharf").path
            let endpoint = cluster.controller.endpoint
            func exec(
                _ task: String,
                _ arguments: [String],
                input: String? = nil
            ) async throws -> DockerEngine.CommandResult {
                let command =
                    [wharf, "exec", "--endpoint", endpoint, "--cluster", cluster.name]
                    + arguments
                    .map { $0 == "TASK" ? task : $0 }
                guard let input else { return try await DockerEngine.run(TestCredentials.signing(command)) }
                let quoted = TestCredentials.signing(command).map { "'" + $0 + "'" }.joined(separator: " ")
                return try await DockerEngine.run(["sh", "-c", "printf '\(input)' | \(quoted)"])
            }
            let echoed = try await exec(enabled, ["--container", "shell", "TASK", "--", "echo", "hello from", "exec"])
            #expect(echoed.status == 0, "\(echoed.stderr)")
            #expect(echoed.stdout == "hello from exec\n", "\(echoed.stdout)")
            let split = try await exec(
                enabled,
                ["--container", "shell", "TASK", "--", "sh", "-c", "echo out; echo err >&2; exit 7"]
            )
            #expect(split.status == 7, "the command's exit code: \(split.stderr)")
            #expect(split.stdout == "out\n")
            #expect(split.stderr == "err\n")
            let piped = try await exec(enabled, ["--container", "side", "TASK", "--", "cat"], input: "one\\ntwo\\n")
            #expect(piped.status == 0, "\(piped.stderr)")
            #expect(piped.stdout == "one\ntwo\n", "standard input reaches the command: \(piped.stdout)")
            let inside = try await exec(enabled, ["--container", "side", "TASK", "--", "cat", "/proc/1/cmdline"])
            #expect(inside.stdout.hasPrefix("sleep"), "it runs in the task's container: \(inside.stdout)")

            let unnamed = try await exec(enabled, ["TASK", "--", "true"])
            #expect(unnamed.status != 0)
            #expect(unnamed.stderr.contains("more than one container"), "\(unnamed.stderr)")
            let refused = try await exec(plain, ["--container", "shell", "TASK", "--", "true"])
            #expect(refused.status != 0)
            #expect(
                refused.stderr.contains(
                    "InvalidParameterException: The execute command failed because execute command was not enabled"
                ),
                "\(refused.stderr)"
            )

            // The AWS CLI's execute-command gets ECS's answer (its session is for wharf exec, not Session Manager).
            let opened = try await cluster.client.call(
                "ExecuteCommand",
                [
                    "cluster": cluster.name, "task": enabled, "container": "shell", "command": "/bin/sh",
                    "interactive": true,
                ]
            )
            let session = opened.json["session"] as? [String: Any] ?? [:]
            #expect((session["sessionId"] as? String)?.hasPrefix("ecs-execute-command-") == true, "\(opened.json)")
            #expect((session["tokenValue"] as? String)?.count == 64, "\(opened.json)")
            #expect(opened.json["containerName"] as? String == "shell")
            #expect(opened.json["interactive"] as? Bool == true)
        }
    }
}
