import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// How many writes were acknowledged, across writers.
final class Counter: Sendable {
    let value = Mutex(0)
}

/// What one writer got acknowledged before the controller died.
struct Acknowledged: Sendable {
    var family: String
    var revisions: [Int] = []
    var clusters: [String] = []
}

func definition(_ family: String) -> [String: Any] {
    ["family": family, "containerDefinitions": [["name": "app", "image": "wharf-test/busybox:latest", "memory": 16, "command": ["sleep", "1"]]]]
}

@Suite("Durability and the daemon's life cycle", .serialized)
struct DurabilityTests {
    /// Writers register revisions and create clusters as fast as they can until the controller dies.
    func write(_ client: ECSClient, family: String, count: Counter) async -> Acknowledged {
        var acknowledged = Acknowledged(family: family)
        for round in 0..<10_000 {
            guard let registered = try? await client.call("RegisterTaskDefinition", definition(family)), registered.status == 200,
                  let revision = (registered.json["taskDefinition"] as? [String: Any])?["revision"] as? Int else { break }
            acknowledged.revisions.append(revision)
            count.value.withLock { $0 += 1 }
            let name = "\(family)-c\(round)"
            guard let created = try? await client.call("CreateCluster", ["clusterName": name]), created.status == 200 else { break }
            acknowledged.clusters.append(name)
            count.value.withLock { $0 += 1 }
        }
        return acknowledged
    }

    @Test("SIGKILL in the middle of concurrent writes loses nothing that was acknowledged")
    func killDuringWrites() async throws {
        try await withDataDirectory { directory in
            let first = try await ControllerProcess(dataDirectory: directory)
            let client = ECSClient(endpoint: first.endpoint)
            let acknowledgedSoFar = Counter()
            let results = await withTaskGroup(of: Acknowledged.self) { group in
                for writer in 0..<6 {
                    group.addTask { await write(client, family: "w\(writer)", count: acknowledgedSoFar) }
                }
                group.addTask {
                    // Killed in the middle of the writes: once 40 were acknowledged (however
                    // busy the machine), at least half a second in, at most 20 s.
                    let started = ContinuousClock.now
                    while ContinuousClock.now - started < .seconds(20),
                          acknowledgedSoFar.value.withLock({ $0 }) < 40 || ContinuousClock.now - started < .milliseconds(500) {
                        try? await Task.sleep(for: .milliseconds(20))
                    }
                    _ = try? await first.stop(signal: SIGKILL)
                    return Acknowledged(family: "")
                }
                return await group.reduce(into: []) { $0.append($1) }
            }.filter { !$0.family.isEmpty }
            let total = results.reduce(0) { $0 + $1.revisions.count + $1.clusters.count }
            #expect(total > 20, "too few writes were acknowledged before the kill to prove anything: \(total)")

            let second = try await ControllerProcess(dataDirectory: directory)
            let after = ECSClient(endpoint: second.endpoint)
            for writer in results {
                for revision in writer.revisions {
                    let described = try await after.call("DescribeTaskDefinition", ["taskDefinition": "\(writer.family):\(revision)"])
                    #expect(described.status == 200, "\(writer.family):\(revision) was acknowledged but is gone")
                }
                let clusters = try await after.call("DescribeClusters", ["clusters": writer.clusters])
                #expect((clusters.json["failures"] as? [Any])?.isEmpty ?? true, "acknowledged clusters are missing: \(clusters.json)")
                let next = try await after.call("RegisterTaskDefinition", definition(writer.family))
                let revision = (next.json["taskDefinition"] as? [String: Any])?["revision"] as? Int ?? 0
                #expect(revision > (writer.revisions.max() ?? 0), "revision numbers were reused")
            }
            try await second.stop()
        }
    }

    @Test("SIGKILL right after acknowledged writes: all of them are there after restart")
    func killAfterWrites() async throws {
        try await withDataDirectory { directory in
            let first = try await ControllerProcess(dataDirectory: directory)
            let client = ECSClient(endpoint: first.endpoint)
            #expect(try await client.call("CreateCluster", ["clusterName": "kept", "tags": [["key": "k", "value": "v"]]]).status == 200)
            #expect(try await client.call("RegisterTaskDefinition", definition("kept")).status == 200)
            #expect(try await client.call("DeregisterTaskDefinition", ["taskDefinition": "kept:1"]).status == 200)
            #expect(try await client.call("PutAccountSettingDefault", ["name": "awsvpcTrunking", "value": "enabled"]).status == 200)
            #expect(try await first.stop(signal: SIGKILL) == 128 + SIGKILL)

            let second = try await ControllerProcess(dataDirectory: directory)
            let after = ECSClient(endpoint: second.endpoint)
            let clusters = try await after.call("DescribeClusters", ["clusters": ["kept"], "include": ["TAGS"]])
            let cluster = (clusters.json["clusters"] as? [[String: Any]])?.first
            #expect(cluster?["status"] as? String == "ACTIVE")
            #expect((cluster?["tags"] as? [[String: String]]) == [["key": "k", "value": "v"]])
            let described = try await after.call("DescribeTaskDefinition", ["taskDefinition": "kept:1"])
            #expect((described.json["taskDefinition"] as? [String: Any])?["status"] as? String == "INACTIVE")
            let settings = try await after.call("ListAccountSettings", ["name": "awsvpcTrunking", "effectiveSettings": true])
            #expect((settings.json["settings"] as? [[String: Any]])?.first?["value"] as? String == "enabled")
            try await second.stop()
        }
    }

    @Test("SIGTERM shuts down gracefully: exit 0, store closed")
    func gracefulShutdown() async throws {
        try await withDataDirectory { directory in
            let controller = try await ControllerProcess(dataDirectory: directory)
            #expect(try await ECSClient(endpoint: controller.endpoint).call("ListClusters", [:]).status == 200)
            #expect(try await controller.stop(signal: SIGTERM) == 0)
            #expect(controller.log.contains("store closed"))
        }
    }

    @Test("a second controller on the same data directory or port is refused, and bad flags say what is wrong")
    func refusals() async throws {
        try await withController { controller in
            await #expect {
                _ = try await ControllerProcess(dataDirectory: controller.dataDirectory)
            } throws: { error in
                "\(error)".contains("another wharf-controller is using the data directory")
            }
        }
        try await withController { controller in
            try await withDataDirectory { other in
                await #expect {
                    _ = try await ControllerProcess(dataDirectory: other, extraArguments: ["--listen", "127.0.0.1:\(controller.port)"])
                } throws: { error in
                    "\(error)".contains("exited with status 1 before serving") && "\(error)".contains("in use")
                }
            }
        }
        let bad = try await DockerEngine.run([ControllerProcess.executable.path, "--account-id", "123", "--data-dir", "/tmp/unused"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("must be exactly 12 digits"))
    }
}

@Suite("wharf dev")
struct DevCommandTests {
    @Test("wharf dev serves the ECS API and tells the user how to reach it")
    func dev() async throws {
        try await withDataDirectory { directory in
            let dev = try await ControllerProcess(dataDirectory: directory, command: ["wharf", "dev"])
            // Without the bootstrap pair it checks no signatures, and says so.
            let created = try await ECSClient(endpoint: dev.endpoint, signer: nil).call("CreateCluster", ["clusterName": "demo"])
            #expect(created.status == 200)
            let banner = try await dev.banner()
            #expect(banner.contains("Authentication is OFF (loopback only)"))
            // A request addressed to another name (a DNS rebinding page in a browser) is refused.
            let rebound = try await DockerEngine.run(["curl", "-s", "-H", "Host: rebind.example:8080", "-H", "X-Amz-Target: AmazonEC2ContainerServiceV20141113.ListClusters",
                                                      "-H", "Content-Type: application/x-amz-json-1.1", "-d", "{}", dev.endpoint + "/"])
            #expect(rebound.stdout.contains("MissingAuthenticationTokenException") && rebound.stdout.contains("rebind.example"), "\(rebound.stdout)")
            #expect(banner.contains("aws ecs create-cluster --cluster-name demo --endpoint-url \(dev.endpoint)"))
            _ = try await DockerEngine.ensureAvailable()
            _ = try await dev.daemon.waitFor("the local agent's registration") { text in text.contains("registered as a new container instance") ? true : nil }
            let listed = try await ECSClient(endpoint: dev.endpoint).call("ListContainerInstances", ["cluster": "default"])
            let instances = listed.json["containerInstanceArns"] as? [String] ?? []
            #expect(instances.count == 1)
            let described = try await ECSClient(endpoint: dev.endpoint).call("DescribeContainerInstances", ["cluster": "default", "containerInstances": instances])
            #expect((described.json["containerInstances"] as? [[String: Any]])?.first?["agentConnected"] as? Bool == true)
            #expect(FileManager.default.fileExists(atPath: directory + "/wharf.db"))
            #expect(try await dev.stop() == 0)
        }
    }

    @Test("wharf dev --tls on serves HTTPS with its own CA, and its local agent joins over it")
    func devOverTLS() async throws {
        _ = try await DockerEngine.ensureAvailable()
        try await withDataDirectory { directory in
            let dev = try await ControllerProcess(dataDirectory: directory, command: ["wharf", "dev"], extraArguments: ["--tls", "on"])
            let banner = try await dev.banner()
            #expect(dev.endpoint.hasPrefix("https://") && banner.contains("--endpoint-url https://"), "\(banner)")
            _ = try await dev.daemon.waitFor("the local agent's registration") { text in text.contains("registered as a new container instance") ? true : nil }
            let listed = try await ECSClient(endpoint: dev.endpoint, signer: nil, caFile: dev.caFile).call("ListContainerInstances", ["cluster": "default"])
            #expect((listed.json["containerInstanceArns"] as? [String])?.count == 1, "\(listed.json)")
            #expect(try await dev.stop() == 0)
        }
    }

    @Test("without a Docker engine wharf dev says so and how to start one, and still serves the API")
    func devWithoutDocker() async throws {
        try await withDataDirectory { directory in
            let dev = try await ControllerProcess(dataDirectory: directory, command: ["wharf", "dev"],
                                                  extraArguments: ["--docker-socket", directory + "/no-docker.sock"])
            #expect(dev.log.contains("No Docker engine answers on \(directory)/no-docker.sock"))
            #expect(dev.log.contains("sudo systemctl start docker"))
            #expect(try await ECSClient(endpoint: dev.endpoint).call("ListClusters", [:]).status == 200)
            #expect(try await dev.stop() == 0)
        }
    }
}
