import Foundation
import Testing

@Suite("Joining nodes with activations, as ECS Anywhere does", .serialized)
struct ActivationTests {
    /// Starts an agent that should be refused, and returns its exit status and log once it exits.
    func refusedAgent(_ cluster: WharfCluster, _ node: String, id: String, code: String) async throws -> (status: Int32, log: String) {
        let agent = try ManagedProcess("wharf-agent", [
            "--controller", cluster.controller.endpoint, "--cluster", cluster.name, "--data-dir", "\(cluster.root)/\(node)",
            "--activation-id", id, "--activation-code", code,
            // Never the default port 51678: the install-script suite, running alongside, owns it.
            "--introspection-port", "off",
        ])
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(30))
        while agent.process.isRunning, clock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let log = agent.log
        let status = try await agent.stop(signal: SIGKILL)
        return (status, log)
    }

    @Test("aws ssm create-activation with a limit of 3: three agents join as EXTERNAL instances, the fourth and a wrong code are refused with exit 5")
    func limit() async throws {
        try await withCluster { cluster in
            let created = try await aws(["ssm", "create-activation", "--iam-role", "ecsAnywhereRole", "--registration-limit", "3",
                                         "--description", "e2e nodes"], endpoint: cluster.controller.endpoint)
            #expect(created.status == 0, "\(created.stderr)")
            let id = try #require(created.json["ActivationId"] as? String)
            let code = try #require(created.json["ActivationCode"] as? String)
            var arns: [String] = []
            for node in ["node-1", "node-2", "node-3"] {
                arns.append(try await cluster.startAgent(node, arguments: ["--activation-id", id, "--activation-code", code]))
            }
            #expect(Set(arns).count == 3)
            let fourth = try await refusedAgent(cluster, "node-4", id: id, code: code)
            #expect(fourth.status == 5, "a refused activation is terminal: \(fourth.log)")
            #expect(fourth.log.contains("registration limit of 3"), "\(fourth.log)")
            let wrong = try await refusedAgent(cluster, "node-5", id: id, code: "not-the-code-at-all-x")
            #expect(wrong.status == 5)
            #expect(wrong.log.contains("code does not match"), "\(wrong.log)")

            let described = try await aws(["ssm", "describe-activations", "--filters", "FilterKey=ActivationIds,FilterValues=\(id)"],
                                          endpoint: cluster.controller.endpoint)
            let activation = (described.json["ActivationList"] as? [[String: Any]])?.first ?? [:]
            #expect(activation["RegistrationsCount"] as? Int == 3 && activation["RegistrationLimit"] as? Int == 3, "\(described.json)")
            #expect(activation["ActivationCode"] == nil)

            // The activated instances carry ecs.capability.external and take EXTERNAL tasks.
            let instances = try await cluster.client.call("DescribeContainerInstances", ["cluster": cluster.name, "containerInstances": arns])
            let attributes = (instances.json["containerInstances"] as? [[String: Any]] ?? []).map { ($0["attributes"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String } }
            #expect(attributes.count == 3 && attributes.allSatisfy { $0.contains("ecs.capability.external") })
            let definition = try await cluster.register(["family": "ext-\(cluster.name)", "requiresCompatibilities": ["EXTERNAL"],
                                                         "containerDefinitions": [busybox("app", ["sleep", "1000"], extra: ["stopTimeout": 1])]])
            let task = try await cluster.run(definition, extra: ["launchType": "EXTERNAL"])
            let running = try await cluster.waitForTask(task) { $0["lastStatus"] as? String == "RUNNING" }
            #expect(running["launchType"] as? String == "EXTERNAL")

            let deleted = try await aws(["ssm", "delete-activation", "--activation-id", id], endpoint: cluster.controller.endpoint)
            #expect(deleted.status == 0, "\(deleted.stderr)")
            let again = try await aws(["ssm", "delete-activation", "--activation-id", id], endpoint: cluster.controller.endpoint)
            #expect(again.status != 0 && again.stderr.contains("InvalidActivation"), "\(again.stderr)")
        }
    }
}

@Suite("wharf activation: the CLI for activations", .serialized)
struct ActivationCLITests {
    @Test("wharf activation create, list (table and json) and delete against a real controller; errors say what went wrong")
    func cli() async throws {
        try await withDataDirectory { directory in
            try await withController(dataDirectory: directory) { controller in
                let wharf = ManagedProcess.built("wharf").path
                let created = try await DockerEngine.run(TestCredentials.signing([wharf, "activation", "create", "--endpoint", controller.endpoint,
                                                          "--registration-limit", "2", "--description", "lab"]))
                #expect(created.status == 0, "\(created.stderr)")
                let id = try #require(created.stdout.split(separator: "\n").first { $0.hasPrefix("ActivationId:") }?.split(separator: " ").last.map(String.init))
                #expect(created.stdout.contains("ActivationCode: "))
                #expect(created.stdout.contains("wharf-agent --controller \(controller.endpoint) --activation-id \(id) --activation-code "))
                let table = try await DockerEngine.run(TestCredentials.signing([wharf, "activation", "list", "--endpoint", controller.endpoint]))
                let row = try #require(table.stdout.split(separator: "\n").first { $0.hasPrefix(id) }, "\(table.stdout)\(table.stderr)")
                #expect(row.contains("0/2") && row.contains("lab") && row.contains(" no "), "\(row)")
                let json = try await DockerEngine.run(TestCredentials.signing([wharf, "activation", "list", "--endpoint", controller.endpoint, "--output", "json"]))
                let listed = (try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["ActivationList"] as? [[String: Any]]
                #expect(listed?.first?["ActivationId"] as? String == id && listed?.first?["ActivationCode"] == nil)
                let deleted = try await DockerEngine.run(TestCredentials.signing([wharf, "activation", "delete", id, "--endpoint", controller.endpoint]))
                #expect(deleted.status == 0 && deleted.stdout.contains("deleted activation \(id)"), "\(deleted.stderr)")
                let again = try await DockerEngine.run(TestCredentials.signing([wharf, "activation", "delete", id, "--endpoint", controller.endpoint]))
                #expect(again.status != 0 && again.stderr.contains("InvalidActivation"), "\(again.stderr)")
                let unreachable = try await DockerEngine.run(TestCredentials.signing([wharf, "activation", "list", "--endpoint", "http://127.0.0.1:1"]))
                #expect(unreachable.status != 0 && unreachable.stderr.contains("cannot reach the controller"), "\(unreachable.stderr)")
            }
        }
    }
}
