import Foundation
import Testing

@Suite("Nodes on their own network join over HTTPS with activations", .serialized)
struct NetworkJoinTests {
    /// Runs an agent in `namespace` that should be refused; returns its exit status and log once it exits.
    func refusedAgent(_ cluster: WharfCluster, _ namespace: String, node: String, url: String, arguments: [String]) async throws -> (status: Int32, log: String) {
        let agent = try ManagedProcess("ip", ["ip", "netns", "exec", namespace, ManagedProcess.built("wharf-agent").path,
                                              "--controller", url, "--cluster", cluster.name, "--data-dir", "\(cluster.root)/\(node)",
                                              "--introspection-port", "off"] + arguments, path: "/usr/bin/env")
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(30))
        while agent.process.isRunning, clock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let log = agent.log
        return (try await agent.stop(signal: SIGKILL), log)
    }

    @Test("three agents in network namespaces join over HTTPS with codes from aws ssm create-activation and pin the CA; the fourth, an expired code, a wrong code and a wrong CA are refused; one without the CA cannot connect")
    func threeNodes() async throws {
        let network = try await NodeNetwork.create(count: 4)
        do {
            try await withCluster(controllerArguments: ["--tls-ip", network.hostAddress], listen: "0.0.0.0:0") { cluster in
                let controller = cluster.controller
                #expect(controller.endpoint.hasPrefix("https://"), "listening beyond loopback serves HTTPS")
                let fingerprint = try #require(controller.caFingerprint, "\(controller.log)")
                let url = "https://\(network.hostAddress):\(controller.port)"
                // The namespaces are separate machines: this machine's loopback is not theirs.
                let isolated = try await DockerEngine.run(["ip", "netns", "exec", network.namespaces[0], "curl", "-sS", "-m", "3",
                                                           "--cacert", controller.caFile ?? "", controller.endpoint + "/healthz"])
                #expect(isolated.status != 0, "127.0.0.1 inside the namespace is not the controller")
                let reachable = try await DockerEngine.run(["ip", "netns", "exec", network.namespaces[0], "curl", "-sS", "-m", "3",
                                                            "--cacert", controller.caFile ?? "", url + "/healthz"])
                #expect(reachable.trimmedStdout.contains("\"role\":\"leader\""), "the controller's certificate names \(network.hostAddress): \(reachable.stderr)")
                let created = try await aws(["ssm", "create-activation", "--iam-role", "ecsAnywhereRole", "--registration-limit", "3"],
                                            endpoint: controller.endpoint, caBundle: controller.caFile)
                #expect(created.status == 0, "\(created.stderr)")
                let id = try #require(created.json["ActivationId"] as? String)
                let code = try #require(created.json["ActivationCode"] as? String)
                cluster.activationArguments = ["--activation-id", id, "--activation-code", code]

                var arns: [String] = []
                for (index, namespace) in network.namespaces.prefix(3).enumerated() {
                    arns.append(try await cluster.startAgent("node-\(index + 1)", namespace: namespace, controllerURL: url,
                                                             trust: ["--ca-fingerprint", fingerprint]))
                }
                #expect(Set(arns).count == 3)
                for index in 0..<3 {
                    #expect(FileManager.default.fileExists(atPath: "\(cluster.root)/node-\(index + 1)/controller-ca.pem"), "node-\(index + 1) pinned the CA")
                }
                let described = try await aws(["ecs", "describe-container-instances", "--cluster", cluster.name, "--container-instances"] + arns,
                                              endpoint: controller.endpoint, caBundle: controller.caFile)
                let instances = described.json["containerInstances"] as? [[String: Any]] ?? []
                #expect(instances.count == 3 && instances.allSatisfy { $0["agentConnected"] as? Bool == true && $0["status"] as? String == "ACTIVE" },
                        "\(described.json)")
                // Each node's own engine answers its agent: ECS's CONTAINER_RUNTIME check is OK, once each has synced.
                var health: [String] = []
                for _ in 0..<20 {
                    let arguments = ["ecs", "describe-container-instances", "--cluster", cluster.name,
                                     "--include", "CONTAINER_INSTANCE_HEALTH", "--container-instances"] + arns
                    let checked = try await aws(arguments, endpoint: controller.endpoint, caBundle: controller.caFile)
                    health = (checked.json["containerInstances"] as? [[String: Any]] ?? []).map { instance in
                        let status = instance["healthStatus"] as? [String: Any]
                        let check = (status?["details"] as? [[String: Any]])?.first
                        return [status?["overallStatus"], check?["type"], check?["status"]]
                            .map { "\($0 ?? "none")" }.joined(separator: "/")
                    }
                    if health.count == 3, health.allSatisfy({ $0 != "INITIALIZING/none/none" }) { break }
                    try await Task.sleep(for: .milliseconds(500))
                }
                #expect(health == Array(repeating: "OK/CONTAINER_RUNTIME/OK", count: 3), "\(health)")

                // A task runs on the namespaced nodes like on any other.
                let definition = try await cluster.register(["family": "netns-\(cluster.name)", "requiresCompatibilities": ["EXTERNAL"],
                                                             "containerDefinitions": [busybox("app", ["sleep", "1000"], extra: ["stopTimeout": 1])]])
                let task = try await cluster.run(definition, extra: ["launchType": "EXTERNAL"])
                let running = try await cluster.waitForTask(task) { $0["lastStatus"] as? String == "RUNNING" }
                #expect(arns.contains(running["containerInstanceArn"] as? String ?? ""))

                let pinned = ["--ca-fingerprint", fingerprint]
                let fourth = try await refusedAgent(cluster, network.namespaces[3], node: "node-4", url: url,
                                                    arguments: pinned + ["--activation-id", id, "--activation-code", code])
                #expect(fourth.status == 5 && fourth.log.contains("registration limit of 3"), "\(fourth.log)")
                let wrong = try await refusedAgent(cluster, network.namespaces[3], node: "node-5", url: url,
                                                   arguments: pinned + ["--activation-id", id, "--activation-code", "not-the-code-at-all-x"])
                #expect(wrong.status == 5 && wrong.log.contains("code does not match"), "\(wrong.log)")

                // Twenty seconds ahead: the AWS CLI takes seconds to start on a loaded machine (over
                // ten once, with the whole suite running).
                let expiry = Date().addingTimeInterval(20)
                let soon = ISO8601DateFormatter().string(from: expiry)
                let expiring = try await aws(["ssm", "create-activation", "--iam-role", "ecsAnywhereRole", "--expiration-date", soon],
                                             endpoint: controller.endpoint, caBundle: controller.caFile)
                let expiringID = try #require(expiring.json["ActivationId"] as? String, "\(expiring.stderr)")
                let expiringCode = try #require(expiring.json["ActivationCode"] as? String)
                while Date() < expiry.addingTimeInterval(1) { try await Task.sleep(for: .milliseconds(200)) }
                let expired = try await refusedAgent(cluster, network.namespaces[3], node: "node-6", url: url,
                                                     arguments: pinned + ["--activation-id", expiringID, "--activation-code", expiringCode])
                #expect(expired.status == 5 && expired.log.contains("expired"), "\(expired.log)")

                let otherCA = String(repeating: "ab", count: 32)
                let impostor = try await refusedAgent(cluster, network.namespaces[3], node: "node-7", url: url,
                                                      arguments: ["--ca-fingerprint", otherCA, "--activation-id", id, "--activation-code", code])
                #expect(impostor.status == 5 && impostor.log.contains("not the pinned \(otherCA)"), "\(impostor.log)")

                // Without the CA the certificate does not verify: the agent keeps trying and never registers.
                let untrusting = try ManagedProcess("ip", ["ip", "netns", "exec", network.namespaces[3], ManagedProcess.built("wharf-agent").path,
                                                           "--controller", url, "--cluster", cluster.name, "--data-dir", "\(cluster.root)/node-8",
                                                           "--introspection-port", "off", "--activation-id", id, "--activation-code", code],
                                                    path: "/usr/bin/env")
                let refusal = try await untrusting.waitFor("a certificate error", timeout: .seconds(30)) { text in
                    text.contains("cannot register yet") ? text : nil
                }
                #expect(!refusal.contains("registered as a new container instance"))
                #expect(refusal.lowercased().contains("certificate") || refusal.contains("handshake"), "\(refusal)")
                _ = try await untrusting.stop(signal: SIGKILL)
                let listed = try await aws(["ecs", "list-container-instances", "--cluster", cluster.name], endpoint: controller.endpoint, caBundle: controller.caFile)
                #expect((listed.json["containerInstanceArns"] as? [String])?.count == 3)
                // Neither side logs the activation code or the instances' credentials.
                let credentials = (0..<3).compactMap { index in
                    (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(cluster.root)/node-\(index + 1)/identity.json")))) as? [String: Any]
                }.compactMap { $0["credential"] as? String }
                #expect(credentials.count == 3, "identity.json holds each node's credential")
                let logs = [controller.log] + cluster.agents.values.map(\.log)
                for secret in [code] + credentials {
                    #expect(!logs.contains { $0.contains(secret) }, "a secret is in a log")
                }
            }
        } catch {
            await network.tearDown()
            throw error
        }
        await network.tearDown()
    }

    @Test("wharf-controller init creates a CA and a certificate openssl verifies, with the fingerprint openssl computes; the controller serves it")
    func initCommand() async throws {
        try await withDataDirectory { directory in
            let created = try await DockerEngine.run([ControllerProcess.executable.path, "init", "--data-dir", directory,
                                                      "--tls-name", "controller.lan", "--tls-ip", "192.0.2.7"])
            #expect(created.status == 0, "\(created.stderr)")
            let line = try #require(created.stdout.split(separator: "\n").first { $0.hasPrefix("CA fingerprint:") }, "\(created.stdout)")
            let fingerprint = String(line.split(separator: " ").last ?? "")
            let openssl = try await DockerEngine.run(["openssl", "x509", "-in", directory + "/tls/ca.pem", "-noout", "-fingerprint", "-sha256"])
            #expect(openssl.trimmedStdout.lowercased().replacingOccurrences(of: ":", with: "") == "sha256 fingerprint=\(fingerprint)")
            let verified = try await DockerEngine.run(["openssl", "verify", "-CAfile", directory + "/tls/ca.pem", directory + "/tls/server.pem"])
            #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
            let text = try await DockerEngine.run(["openssl", "x509", "-in", directory + "/tls/server.pem", "-noout", "-ext", "subjectAltName"])
            #expect(text.stdout.contains("DNS:controller.lan") && text.stdout.contains("IP Address:192.0.2.7") && text.stdout.contains("IP Address:127.0.0.1"),
                    "\(text.stdout)")
            let key = try FileManager.default.attributesOfItem(atPath: directory + "/tls/server.key")[.posixPermissions] as? Int
            #expect(key == 0o600)

            // Run again: the CA stays, the certificate is issued anew.
            let again = try await DockerEngine.run([ControllerProcess.executable.path, "init", "--data-dir", directory])
            #expect(again.stdout.contains("CA fingerprint:     \(fingerprint)"), "\(again.stdout)")

            try await withController(dataDirectory: directory) { controller in
                #expect(controller.endpoint.hasPrefix("https://"), "a data directory with a certificate serves HTTPS")
                #expect(controller.caFingerprint == fingerprint)
                let health = try await DockerEngine.run(["curl", "-sS", "--cacert", directory + "/tls/ca.pem", controller.endpoint + "/healthz"])
                #expect(health.trimmedStdout.contains("\"role\":\"leader\""), "\(health.stderr)")
                let unverified = try await DockerEngine.run(["curl", "-sS", controller.endpoint + "/healthz"])
                #expect(unverified.status != 0, "the system trust store does not know the controller's CA")
                let ca = try await DockerEngine.run(["curl", "-sS", "--cacert", directory + "/tls/ca.pem", controller.endpoint + "/v1/ca"])
                #expect(ca.stdout == (try? String(contentsOfFile: directory + "/tls/ca.pem", encoding: .utf8)))
                let listed = try await aws(["ecs", "list-clusters"], endpoint: controller.endpoint, caBundle: directory + "/tls/ca.pem")
                #expect(listed.status == 0, "\(listed.stderr)")
            }
        }
    }
}
