import Foundation
import Testing

@Suite("Secrets in containers on a real agent and Docker engine", .serialized)
struct SecretInjectionEndToEndTests {
    @Test(
        """
        a task whose containers name a SecureString parameter and a JSON key of a secret gets both as \
        environment variables, and a log option from a parameter; the plaintext is in no file of the \
        controller's or the agent's data directory and no log; a secret that is not there stops the task with ResourceInitializationError
        """
    )
    func injected() async throws {
        let password = "pw-\(UUID().uuidString.prefix(8))"
        let token = "tk-\(UUID().uuidString.prefix(8))"
        try await withCluster { cluster in
            try await cluster.startAgent("node-1")
            let endpoint = cluster.controller.endpoint
            let caBundle = cluster.controller.caFile
            let put = try await aws(
                ["ssm", "put-parameter", "--name", "/e2e/db/password", "--type", "SecureString", "--value", password],
                endpoint: endpoint,
                caBundle: caBundle
            )
            #expect(put.status == 0, "\(put.stderr)")
            let size = try await aws(
                ["ssm", "put-parameter", "--name", "/e2e/log/size", "--type", "String", "--value", "11m"],
                endpoint: endpoint, caBundle: caBundle
            )
            #expect(size.status == 0, "\(size.stderr)")
            let created = try await aws(
                [
                    "secretsmanager", "create-secret", "--name", "e2e/api", "--secret-string",
                    "{\"token\":\"\(token)\"}",
                ],
                endpoint: endpoint,
                caBundle: caBundle
            )
            let arn = try #require(created.json["ARN"] as? String, "\(created.stderr)")
            let definition = try await cluster.register([
                "family": "secrets-\(cluster.name)",
                "containerDefinitions": [
                    busybox(
                        "app",
                        ["sleep", "1000"],
                        extra: [
                            "stopTimeout": 1,
                            "logConfiguration": [
                                "logDriver": "json-file", "options": ["max-file": "2"],
                                "secretOptions": [["name": "max-size", "valueFrom": "/e2e/log/size"]],
                            ],
                            "secrets": [
                                ["name": "DB_PASSWORD", "valueFrom": "/e2e/db/password"],
                                ["name": "API_TOKEN", "valueFrom": "\(arn):token::"],
                            ],
                        ]
                    )
                ],
            ])
            let task = try await cluster.run(definition)
            let running = try await cluster.waitForTask(task) { $0["lastStatus"] as? String == "RUNNING" }
            let runtimeId = try #require(firstContainer(running)["runtimeId"] as? String)
            let environment = try await DockerEngine.run(
                ["docker", "inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", runtimeId])
            #expect(environment.stdout.contains("DB_PASSWORD=\(password)"), "\(environment.stdout)")
            #expect(environment.stdout.contains("API_TOKEN=\(token)"), "\(environment.stdout)")
            let logConfig = try await DockerEngine.run(
                ["docker", "inspect", "-f", "{{json .HostConfig.LogConfig.Config}}", runtimeId])
            #expect(logConfig.stdout.contains(#""max-size":"11m""#), "\(logConfig.stdout)")
            #expect(logConfig.stdout.contains(#""max-file":"2""#), "\(logConfig.stdout)")
            let described = try await cluster.client.call("DescribeTasks", ["cluster": cluster.name, "tasks": [task]])
            let text = String(decoding: try JSONSerialization.data(withJSONObject: described.json), as: UTF8.self)
            #expect(!text.contains(password) && !text.contains(token))

            let broken = try await cluster.register([
                "family": "missing-\(cluster.name)",
                "containerDefinitions": [
                    busybox("app", ["sleep", "1000"], extra: ["secrets": [["name": "X", "valueFrom": "/e2e/none"]]])
                ],
            ])
            let failed = try await cluster.waitForTask(try await cluster.run(broken)) {
                $0["lastStatus"] as? String == "STOPPED"
            }
            #expect(failed["stopCode"] as? String == "TaskFailedToStart")
            #expect(
                (failed["stoppedReason"] as? String)?.hasPrefix("ResourceInitializationError: unable to pull secrets")
                    == true,
                "\(failed)"
            )

            _ = try await cluster.client.call("StopTask", ["cluster": cluster.name, "task": task])
            _ = try await cluster.waitForTask(task) { $0["lastStatus"] as? String == "STOPPED" }
            for secret in [password, token] {
                #expect(!cluster.controller.log.contains(secret))
                #expect(!(cluster.agents["node-1"]?.log.contains(secret) ?? true))
                expectNoFile(in: "\(cluster.root)/controller", contains: secret)
                expectNoFile(in: "\(cluster.root)/node-1", contains: secret, expected: "tasks.json")
            }
        }
    }
}
