import Foundation
import Testing

@Suite("The rest of the container definition on a real agent and Docker engine", .serialized)
struct ContainerSurfaceEndToEndTests {
    @Test(
        """
        entryPoint, command, environment, user, workingDirectory, hostname, privileged, dockerLabels, \
        initProcessEnabled, healthCheck, cpu, memoryReservation, links, volumesFrom, mountPoints, dependsOn and \
        log drivers the engine runs (gelf, fluentd) reach Docker as ECS sets them
        """
    )
    func bridgeTask() async throws {
        try await withCluster { cluster in
            try await cluster.startAgent("node-1")
            let definition = try await cluster.register([
                "family": "surface-\(cluster.name)",
                "volumes": [["name": "data"]],
                "containerDefinitions": [
                    busybox(
                        "side",
                        ["sleep", "1000"],
                        essential: false,
                        extra: [
                            "stopTimeout": 1,
                            "mountPoints": [["sourceVolume": "data", "containerPath": "/data"]],
                            "logConfiguration": [
                                "logDriver": "fluentd",
                                "options": ["fluentd-address": "127.0.0.1:24224", "fluentd-async": "true"],
                            ],
                        ]
                    ),
                    busybox(
                        "main",
                        ["echo \"$GREETING\" > /tmp/out; sleep 1000"],
                        extra: [
                            "stopTimeout": 1,
                            "entryPoint": ["sh", "-c"],
                            "environment": [["name": "GREETING", "value": "hello wharf"]],
                            "user": "nobody",
                            "workingDirectory": "/tmp",
                            "hostname": "web-1",
                            "privileged": true,
                            "dockerLabels": ["team": "core"],
                            "linuxParameters": ["initProcessEnabled": true],
                            "healthCheck": [
                                "command": ["CMD-SHELL", "test -f /tmp/out"], "interval": 5, "retries": 3,
                            ],
                            "cpu": 128,
                            "memoryReservation": 16,
                            "links": ["side:db"],
                            "volumesFrom": [["sourceContainer": "side", "readOnly": true]],
                            "dependsOn": [["containerName": "side", "condition": "START"]],
                            "logConfiguration": [
                                "logDriver": "gelf", "options": ["gelf-address": "udp://127.0.0.1:12201"],
                            ],
                        ]
                    ),
                ],
            ])
            let task = try await cluster.run(definition)
            // Under CI's load (every suite at once on two cores) the pull alone has taken 28 s and the start 43 s;
            // the first health check runs 5 s after the start. Two minutes leaves room for both.
            let healthy = try await cluster.waitForTask(task, timeout: .seconds(120)) {
                $0["healthStatus"] as? String == "HEALTHY"
            }
            let containers = try #require(healthy["containers"] as? [[String: Any]])
            let main = try #require(containers.first { $0["name"] as? String == "main" }?["runtimeId"] as? String)
            let side = try #require(containers.first { $0["name"] as? String == "side" }?["runtimeId"] as? String)
            let inspected = try await ContainerSettingsEndToEndTests.inspect(main)
            let config = try #require(inspected["Config"] as? [String: Any])
            let host = try #require(inspected["HostConfig"] as? [String: Any])
            #expect(config["Entrypoint"] as? [String] == ["sh", "-c"])
            #expect(config["Cmd"] as? [String] == ["echo \"$GREETING\" > /tmp/out; sleep 1000"])
            #expect((config["Env"] as? [String] ?? []).contains("GREETING=hello wharf"))
            #expect(config["User"] as? String == "nobody")
            #expect(config["WorkingDir"] as? String == "/tmp")
            #expect(config["Hostname"] as? String == "web-1")
            #expect((config["Labels"] as? [String: String])?["team"] == "core")
            #expect(
                ((config["Healthcheck"] as? [String: Any])?["Test"] as? [String]) == ["CMD-SHELL", "test -f /tmp/out"]
            )
            #expect(host["Privileged"] as? Bool == true)
            #expect(host["Init"] as? Bool == true)
            #expect(host["CpuShares"] as? Int == 128)
            #expect(host["MemoryReservation"] as? Int == 16 << 20)
            #expect(
                (host["Links"] as? [String])?.first?.hasSuffix(":\(inspected["Name"] as? String ?? "")/db") == true,
                "\(String(describing: host["Links"]))"
            )
            #expect(host["VolumesFrom"] as? [String] == ["\(side):ro"])
            let log = host["LogConfig"] as? [String: Any]
            #expect(log?["Type"] as? String == "gelf")
            #expect((log?["Config"] as? [String: String])?["gelf-address"] == "udp://127.0.0.1:12201")
            let sideLog = (try await ContainerSettingsEndToEndTests.inspect(side))["HostConfig"] as? [String: Any]
            #expect((sideLog?["LogConfig"] as? [String: Any])?["Type"] as? String == "fluentd")
            let written = try await DockerEngine.run(["docker", "exec", main, "cat", "/tmp/out"])
            #expect(written.trimmedStdout == "hello wharf")
            let identity = try await DockerEngine.run(["docker", "exec", main, "id", "-un"])
            #expect(identity.trimmedStdout == "nobody")
            let shared = try await DockerEngine.run(["docker", "exec", main, "ls", "-d", "/data"])
            #expect(shared.status == 0, "side's volume is mounted through volumesFrom")
            let pid1 = try await DockerEngine.run(["docker", "exec", main, "cat", "/proc/1/comm"])
            #expect(pid1.trimmedStdout != "sh", "an init process is PID 1: \(pid1.trimmedStdout)")
        }
    }

    @Test("networkMode host and none, pidMode host and ipcMode host and none reach Docker")
    func hostModes() async throws {
        try await withCluster { cluster in
            try await cluster.startAgent("node-1")
            let hosted = try await cluster.register([
                "family": "hosted-\(cluster.name)", "networkMode": "host", "pidMode": "host", "ipcMode": "host",
                "containerDefinitions": [busybox("app", ["sleep", "1000"], extra: ["stopTimeout": 1])],
            ])
            let isolated = try await cluster.register([
                "family": "isolated-\(cluster.name)", "networkMode": "none", "ipcMode": "none",
                "containerDefinitions": [busybox("app", ["sleep", "1000"], extra: ["stopTimeout": 1])],
            ])
            for (definition, network, pid, ipc) in [(hosted, "host", "host", "host"), (isolated, "none", "", "none")] {
                let task = try await cluster.run(definition)
                let running = try await cluster.waitForTask(task) { $0["lastStatus"] as? String == "RUNNING" }
                let id = try #require(firstContainer(running)["runtimeId"] as? String)
                let host = try #require(
                    (try await ContainerSettingsEndToEndTests.inspect(id))["HostConfig"] as? [String: Any]
                )
                #expect(host["NetworkMode"] as? String == network)
                #expect(host["PidMode"] as? String == pid)
                #expect(host["IpcMode"] as? String == ipc)
            }
        }
    }
}
