import Foundation
import Testing

/// A busybox container definition.
func busybox(_ name: String, _ command: [String], memory: Int = 32, essential: Bool = true, extra: [String: Any] = [:]) -> [String: Any] {
    ["name": name, "image": DockerEngine.testImage, "memory": memory, "essential": essential, "command": command].merging(extra) { _, new in new }
}

/// Fetches `http://127.0.0.1:port/` and returns the HTTP status (0 when nothing answers).
func httpStatus(port: Int) async -> Int {
    await httpStatus(url: "http://127.0.0.1:\(port)/passwd")
}

/// Fetches `url` and returns the HTTP status (0 when nothing answers).
func httpStatus(url: String) async -> Int {
    let command = ["curl", "-s", "-o", "/dev/null", "-m", "5", "-w", "%{http_code}", url]
    guard let result = try? await DockerEngine.run(command) else { return 0 }
    return Int(result.trimmedStdout) ?? 0
}

/// `init` writes a flag into a shared volume and exits 0; `app` starts only after (SUCCESS) and
/// exits 9 when the flag is missing, so a wrong order shows as a stopped task.
func orderedDefinition(family: String) -> [String: Any] {
    let mounts: [[String: Any]] = [["sourceVolume": "shared", "containerPath": "/shared"]]
    let initContainer: [String: Any] = [
        "name": "init", "image": DockerEngine.testImage, "memory": 32, "essential": false, "mountPoints": mounts,
        "command": ["sh", "-c", "sleep 2; echo ready > /shared/flag"],
    ]
    let app: [String: Any] = [
        "name": "app", "image": DockerEngine.testImage, "memory": 32, "essential": true, "mountPoints": mounts, "stopTimeout": 1,
        "command": ["sh", "-c", "test -f /shared/flag || exit 9; exec sleep 1000"],
        "dependsOn": [["containerName": "init", "condition": "SUCCESS"]],
    ]
    return ["family": family, "volumes": [["name": "shared"]], "containerDefinitions": [initContainer, app]]
}

@Suite("Agents running tasks in the real Docker engine", .serialized)
struct AgentTests {
    @Test("aws ecs run-task: the task runs, its static and dynamic host ports answer, DescribeTasks shows the bindings")
    func runTaskWithPorts() async throws {
        try await withCluster { cluster in
            try await cluster.startAgent("node-1")
            let staticPort = Int.random(in: 20000...29999)
            _ = try await cluster.register(["family": "httpd-\(cluster.name)", "containerDefinitions": [
                busybox("httpd", ["httpd", "-f", "-p", "80", "-h", "/etc"], extra: ["portMappings": [
                    ["containerPort": 80, "hostPort": staticPort], ["containerPort": 80, "hostPort": 0],
                ]]),
            ]])
            let run = try await aws(["ecs", "run-task", "--cluster", cluster.name, "--task-definition", "httpd-\(cluster.name)"],
                                    endpoint: cluster.controller.endpoint)
            #expect(run.status == 0, "\(run.stderr)")
            let arn = try #require((run.json["tasks"] as? [[String: Any]])?.first?["taskArn"] as? String)
            let task = try await cluster.waitForTask(arn) { $0["lastStatus"] as? String == "RUNNING" }
            let bindings = firstContainer(task)["networkBindings"] as? [[String: Any]] ?? []
            let ports = bindings.compactMap { $0["hostPort"] as? Int }
            #expect(ports.contains(staticPort))
            let dynamic = try #require(ports.first { $0 != staticPort })
            #expect(dynamic > 0)
            #expect(await httpStatus(port: staticPort) == 200)
            #expect(await httpStatus(port: dynamic) == 200)
            let described = try await aws(["ecs", "describe-tasks", "--cluster", cluster.name, "--tasks", arn], endpoint: cluster.controller.endpoint)
            let viaCLI = firstContainer((described.json["tasks"] as? [[String: Any]])?.first ?? [:])["networkBindings"] as? [[String: Any]]
            #expect(viaCLI?.count == 2)
        }
    }

    @Test("a killed essential container stops the task and its siblings, with its exit code and EssentialContainerExited")
    func essentialExit() async throws {
        try await withCluster { cluster in
            try await cluster.startAgent("node-1")
            let definition = try await cluster.register(["family": "pair-\(cluster.name)", "containerDefinitions": [
                busybox("main", ["httpd", "-f", "-p", "80"]),
                busybox("side", ["sleep", "1000"], essential: false, extra: ["stopTimeout": 2]),
            ]])
            let arn = try await cluster.run(definition)
            let running = try await cluster.waitForTask(arn) { $0["lastStatus"] as? String == "RUNNING" }
            let main = try #require((running["containers"] as? [[String: Any]])?.first { $0["name"] as? String == "main" }?["runtimeId"] as? String)
            _ = try await DockerEngine.run(["docker", "kill", main])
            let stopped = try await cluster.waitForTask(arn) { $0["lastStatus"] as? String == "STOPPED" }
            #expect(stopped["stopCode"] as? String == "EssentialContainerExited")
            let containers = stopped["containers"] as? [[String: Any]] ?? []
            #expect(containers.first { $0["name"] as? String == "main" }?["exitCode"] as? Int == 137)
            #expect(containers.first { $0["name"] as? String == "side" }?["lastStatus"] as? String == "STOPPED")
        }
    }

    @Test("dependsOn: a container waits for another to complete successfully")
    func dependsOn() async throws {
        try await withCluster { cluster in
            try await cluster.startAgent("node-1")
            let definition = try await cluster.register(orderedDefinition(family: "ordered-\(cluster.name)"))
            let arn = try await cluster.run(definition)
            let running = try await cluster.waitForTask(arn) { task in
                (task["containers"] as? [[String: Any]])?.first { $0["name"] as? String == "app" }?["lastStatus"] as? String == "RUNNING"
            }
            let containers = running["containers"] as? [[String: Any]] ?? []
            #expect(containers.first { $0["name"] as? String == "init" }?["exitCode"] as? Int == 0)
            try await Task.sleep(for: .seconds(1))
            let later = try await cluster.waitForTask(arn) { _ in true }
            #expect(later["lastStatus"] as? String == "RUNNING", "app exited: it started before init had finished")
        }
    }

    @Test("StopTask: SIGTERM, then SIGKILL after stopTimeout; the task records the reason")
    func stopTask() async throws {
        try await withCluster { cluster in
            try await cluster.startAgent("node-1")
            let definition = try await cluster.register(["family": "stubborn-\(cluster.name)", "containerDefinitions": [
                busybox("stubborn", ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"], extra: ["stopTimeout": 2]),
            ]])
            let arn = try await cluster.run(definition)
            _ = try await cluster.waitForTask(arn) { $0["lastStatus"] as? String == "RUNNING" }
            let stop = try await cluster.client.call("StopTask", ["cluster": cluster.name, "task": arn, "reason": "maintenance"])
            #expect(stop.status == 200)
            let stopped = try await cluster.waitForTask(arn, timeout: .seconds(30)) { $0["lastStatus"] as? String == "STOPPED" }
            #expect(stopped["stopCode"] as? String == "UserInitiated")
            #expect(stopped["stoppedReason"] as? String == "maintenance")
            #expect(firstContainer(stopped)["exitCode"] as? Int == 137, "the container ignores SIGTERM, so SIGKILL must end it")
        }
    }

    @Test("images: a pull from the local registry runs; a missing image stops with CannotPullContainerError")
    func pulls() async throws {
        try await withCluster { cluster in
            let setup = DockerEngine.repositoryRoot.appendingPathComponent(".ci/setup.sh").path
            let registry = try await DockerEngine.run(["bash", setup, "ensure-registry"])
            #expect(registry.status == 0, "\(registry.stderr)")
            try await cluster.startAgent("node-1", arguments: ["--image-pull-behavior", "always"])
            let remote = "127.0.0.1:5000/wharf-test/busybox:latest"
            let good = try await cluster.register(["family": "pulled-\(cluster.name)", "containerDefinitions": [
                ["name": "app", "image": remote, "memory": 32, "command": ["sleep", "1000"], "stopTimeout": 1],
            ]])
            let running = try await cluster.run(good)
            _ = try await cluster.waitForTask(running) { $0["lastStatus"] as? String == "RUNNING" }
            let missing = try await cluster.register(["family": "missing-\(cluster.name)", "containerDefinitions": [
                ["name": "app", "image": "127.0.0.1:5000/wharf-test/does-not-exist:1", "memory": 32],
            ]])
            let failed = try await cluster.run(missing)
            let stopped = try await cluster.waitForTask(failed) { $0["lastStatus"] as? String == "STOPPED" }
            #expect(stopped["stopCode"] as? String == "TaskFailedToStart")
            #expect((firstContainer(stopped)["reason"] as? String)?.hasPrefix("CannotPullContainerError") == true)
            #expect((stopped["stoppedReason"] as? String)?.hasPrefix("CannotPullContainerError") == true)
        }
    }

    @Test(
        """
        a private registry: the agent with credentials in --engine-auth-file pulls and runs, so does one with the \
        task's repositoryCredentials secret in --secrets-file; one with neither is refused with \
        CannotPullContainerError, and pulls once the secret is in the controller's Secrets Manager
        """
    )
    func privateRegistry() async throws {
        try await withCluster { cluster in
            try await withPrivateRegistry(root: cluster.root) { address, authFile in
                let withAuth = try await cluster.startAgent("node-1", arguments: ["--image-pull-behavior", "always", "--engine-auth-file", authFile])
                let without = try await cluster.startAgent("node-2", arguments: ["--image-pull-behavior", "always"])
                let secretsFile = cluster.root + "/secrets.json"
                try #"{"registry": {"username": "wharf", "password": "wharf-test-password"}}"#.write(toFile: secretsFile, atomically: true, encoding: .utf8)
                let withSecret = try await cluster.startAgent("node-3", arguments: ["--image-pull-behavior", "always", "--secrets-file", secretsFile])
                let definition = try await cluster.register(["family": "private-\(cluster.name)", "containerDefinitions": [[
                    "name": "app", "image": "\(address)/wharf-test/busybox:private", "memory": 32, "command": ["sleep", "1000"], "stopTimeout": 1,
                    "repositoryCredentials": ["credentialsParameter": "arn:aws:secretsmanager:us-east-1:000000000000:secret:registry"],
                ]]])
                func start(on instance: String) async throws -> String {
                    let answer = try await cluster.client.call("StartTask", ["cluster": cluster.name, "taskDefinition": definition,
                                                                             "containerInstances": [instance]])
                    return try #require((answer.json["tasks"] as? [[String: Any]])?.first?["taskArn"] as? String, "\(answer.json)")
                }
                let pulled = try await start(on: withAuth)
                _ = try await cluster.waitForTask(pulled) { $0["lastStatus"] as? String == "RUNNING" }
                let bySecret = try await start(on: withSecret)
                _ = try await cluster.waitForTask(bySecret) { $0["lastStatus"] as? String == "RUNNING" }
                let refused = try await start(on: without)
                let stopped = try await cluster.waitForTask(refused) { $0["lastStatus"] as? String == "STOPPED" }
                let reason = firstContainer(stopped)["reason"] as? String ?? ""
                #expect(reason.hasPrefix("CannotPullContainerError"), "\(reason)")
                #expect(reason.contains("--engine-auth-file"), "the message says how to give the agent credentials: \(reason)")

                // The login kept as a secret of the controller's Secrets Manager: the agent without
                // any credentials of its own pulls with it.
                let created = try await aws(
                    ["secretsmanager", "create-secret", "--name", "registry-login",
                     "--secret-string", #"{"username": "wharf", "password": "wharf-test-password"}"#],
                    endpoint: cluster.controller.endpoint, caBundle: cluster.controller.caFile)
                let secretArn = try #require(created.json["ARN"] as? String, "\(created.stderr)")
                let container: [String: Any] = [
                    "name": "app", "image": "\(address)/wharf-test/busybox:private", "memory": 32,
                    "command": ["sleep", "1000"], "stopTimeout": 1,
                    "repositoryCredentials": ["credentialsParameter": secretArn],
                ]
                let managed = try await cluster.register(
                    ["family": "managed-\(cluster.name)", "containerDefinitions": [container]])
                let answer = try await cluster.client.call(
                    "StartTask",
                    ["cluster": cluster.name, "taskDefinition": managed, "containerInstances": [without]])
                let byManaged = try #require((answer.json["tasks"] as? [[String: Any]])?.first?["taskArn"] as? String)
                _ = try await cluster.waitForTask(byManaged) { $0["lastStatus"] as? String == "RUNNING" }
            }
        }
    }

    @Test("the introspection endpoint on loopback shows the agent's cluster, instance and tasks, as the ECS agent's does")
    func introspection() async throws {
        try await withCluster { cluster in
            let arn = try await cluster.startAgent("node-1")
            let base = try await cluster.introspectionURL("node-1")
            #expect(base.hasPrefix("http://127.0.0.1:"))
            let metadata = try await DockerEngine.run(["curl", "-sf", base + "/v1/metadata"])
            let meta = try #require(try JSONSerialization.jsonObject(with: Data(metadata.stdout.utf8)) as? [String: Any], "\(metadata.stderr)")
            #expect(meta["Cluster"] as? String == cluster.name)
            #expect(meta["ContainerInstanceArn"] as? String == arn)
            #expect((meta["Version"] as? String)?.hasPrefix("Wharf Agent v") == true)
            let definition = try await cluster.register(["family": "intro-\(cluster.name)", "containerDefinitions": [
                busybox("app", ["sleep", "1000"], extra: ["stopTimeout": 1]),
            ]])
            let task = try await cluster.run(definition)
            let running = try await cluster.waitForTask(task) { $0["lastStatus"] as? String == "RUNNING" }
            let listed = try await DockerEngine.run(["curl", "-sf", base + "/v1/tasks"])
            let tasks = (try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])?["Tasks"] as? [[String: Any]] ?? []
            let entry = try #require(tasks.first { $0["Arn"] as? String == task }, "\(listed.stdout)")
            #expect(entry["KnownStatus"] as? String == "RUNNING" && entry["DesiredStatus"] as? String == "RUNNING")
            #expect(entry["Family"] as? String == "intro-\(cluster.name)")
            #expect(((entry["Containers"] as? [[String: Any]])?.first?["DockerId"] as? String) == firstContainer(running)["runtimeId"] as? String)
            let missing = try await DockerEngine.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", base + "/v2/nothing"])
            #expect(missing.trimmedStdout == "404")
        }
    }

    @Test("kill -9 of the agent: it rejoins as the same instance, keeps its containers, and reports one killed meanwhile")
    func agentRestart() async throws {
        try await withCluster { cluster in
            let arn = try await cluster.startAgent("node-1")
            let definition = try await cluster.register(["family": "durable-\(cluster.name)", "containerDefinitions": [
                busybox("app", ["sleep", "1000"], extra: ["stopTimeout": 1]),
            ]])
            let keep = try await cluster.run(definition)
            let lose = try await cluster.run(definition)
            let kept = try await cluster.waitForTask(keep) { $0["lastStatus"] as? String == "RUNNING" }
            let lost = try await cluster.waitForTask(lose) { $0["lastStatus"] as? String == "RUNNING" }
            let keptID = try #require(firstContainer(kept)["runtimeId"] as? String)
            let startedBefore = try await DockerEngine.run(["docker", "inspect", "-f", "{{.State.StartedAt}}", keptID]).trimmedStdout
            try await cluster.killAgent("node-1")
            let lostID = try #require(firstContainer(lost)["runtimeId"] as? String)
            _ = try await DockerEngine.run(["docker", "kill", lostID])
            let again = try await cluster.startAgent("node-1")
            #expect(again == arn)
            let reported = try await cluster.waitForTask(lose) { $0["lastStatus"] as? String == "STOPPED" }
            #expect(firstContainer(reported)["exitCode"] as? Int == 137)
            let still = try await cluster.waitForTask(keep) { _ in true }
            #expect(still["lastStatus"] as? String == "RUNNING")
            #expect(firstContainer(still)["runtimeId"] as? String == firstContainer(kept)["runtimeId"] as? String)
            let containers = try await DockerEngine.run(["docker", "ps", "-aq", "--filter", "label=com.amazonaws.ecs.task-arn=\(keep)"])
            #expect(containers.trimmedStdout.split(separator: "\n").count == 1, "a second copy of the task was started")
            let startedAfter = try await DockerEngine.run(["docker", "inspect", "-f", "{{.State.StartedAt}}", keptID]).trimmedStdout
            #expect(!startedBefore.isEmpty && startedAfter == startedBefore, "the kept container was not restarted: \(startedBefore) → \(startedAfter)")
        }
    }

    @Test("two agents: tasks land on both, and what neither can fit is refused with ECS's reasons")
    func twoAgents() async throws {
        try await withCluster { cluster in
            let info = try await DockerEngine.run(["docker", "info", "--format", "{{.MemTotal}}"])
            let totalMiB = (Int(info.trimmedStdout) ?? 0) / 1_048_576
            let reserve = ["--reserved-memory", String(totalMiB - 100)]
            let first = try await cluster.startAgent("node-1", arguments: reserve)
            let second = try await cluster.startAgent("node-2", arguments: reserve)
            #expect(first != second)
            let definition = try await cluster.register(["family": "spread-\(cluster.name)", "containerDefinitions": [
                busybox("app", ["sleep", "1000"], memory: 64, extra: ["stopTimeout": 1]),
            ]])
            let response = try await cluster.client.call("RunTask", ["cluster": cluster.name, "taskDefinition": definition, "count": 3])
            let tasks = response.json["tasks"] as? [[String: Any]] ?? []
            #expect(Set(tasks.compactMap { $0["containerInstanceArn"] as? String }) == [first, second])
            let failures = response.json["failures"] as? [[String: Any]] ?? []
            #expect(failures.map { $0["reason"] as? String } == ["RESOURCE:MEMORY", "RESOURCE:MEMORY"])
            for task in tasks {
                _ = try await cluster.waitForTask(task["taskArn"] as? String ?? "") { $0["lastStatus"] as? String == "RUNNING" }
            }
        }
    }
}
