import Foundation
import Testing

@Suite("Container definition settings on a real agent and Docker engine", .serialized)
struct ContainerSettingsEndToEndTests {
    /// `docker inspect` of a container as JSON.
    static func inspect(_ id: String) async throws -> [String: Any] {
        let result = try await DockerEngine.run(["docker", "inspect", id])
        let parsed = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        return try #require(parsed?.first, "\(result.stderr)")
    }

    @Test(
        """
        linuxParameters, ulimits, dockerSecurityOptions, systemControls, pidMode and ipcMode task, \
        interactive, pseudoTerminal, disableNetworking, containerPortRange, readonlyRootFilesystem, DNS and \
        extraHosts reach the containers, as docker inspect and the processes themselves show
        """
    )
    func settingsReachDocker() async throws {
        try await withCluster { cluster in
            try await cluster.startAgent("node-1")
            let definition = try await cluster.register([
                "family": "settings-\(cluster.name)",
                "pidMode": "task",
                "ipcMode": "task",
                "containerDefinitions": [
                    busybox(
                        "app",
                        ["sleep", "1000"],
                        extra: [
                            "stopTimeout": 1,
                            "linuxParameters": [
                                "capabilities": ["add": ["NET_ADMIN"], "drop": ["MKNOD"]],
                                "devices": [
                                    [
                                        "hostPath": "/dev/null", "containerPath": "/dev/wharf-null",
                                        "permissions": ["read", "write"],
                                    ]
                                ],
                                "sharedMemorySize": 96,
                                "tmpfs": [["containerPath": "/scratch", "size": 16, "mountOptions": ["noexec"]]],
                                "maxSwap": 0,
                                "swappiness": 10,
                            ],
                            "ulimits": [["name": "nofile", "softLimit": 1024, "hardLimit": 2048]],
                            "dockerSecurityOptions": ["no-new-privileges"],
                            "systemControls": [["namespace": "net.core.somaxconn", "value": "511"]],
                            "interactive": true,
                            "pseudoTerminal": true,
                            "readonlyRootFilesystem": true,
                            "dnsServers": ["10.9.8.7"],
                            "dnsSearchDomains": ["wharf.test"],
                            "extraHosts": [["hostname": "db.wharf", "ipAddress": "10.1.2.3"]],
                            "portMappings": [["containerPortRange": "7000-7002"]],
                        ]
                    ),
                    busybox("side", ["sleep", "1000"], extra: ["stopTimeout": 1, "disableNetworking": true]),
                ],
            ])
            let task = try await cluster.run(definition)
            let running = try await cluster.waitForTask(task) { $0["lastStatus"] as? String == "RUNNING" }
            let containers = try #require(running["containers"] as? [[String: Any]])
            let app = try #require(containers.first { $0["name"] as? String == "app" })
            let side = try #require(containers.first { $0["name"] as? String == "side" })
            let appID = try #require(app["runtimeId"] as? String)
            let sideID = try #require(side["runtimeId"] as? String)

            let inspected = try await Self.inspect(appID)
            let host = try #require(inspected["HostConfig"] as? [String: Any])
            let config = try #require(inspected["Config"] as? [String: Any])
            #expect(host["CapAdd"] as? [String] == ["NET_ADMIN"])
            #expect(host["CapDrop"] as? [String] == ["MKNOD"])
            let devices = host["Devices"] as? [[String: Any]] ?? []
            #expect(devices.first?["PathInContainer"] as? String == "/dev/wharf-null")
            #expect(devices.first?["CgroupPermissions"] as? String == "rw")
            #expect(host["ShmSize"] as? Int == 96 << 20)
            #expect(host["Tmpfs"] as? [String: String] == ["/scratch": "size=16m,noexec"])
            #expect(host["MemorySwap"] as? Int == 32 << 20, "maxSwap 0: memory and swap together are the memory limit")
            #expect(host["MemorySwappiness"] as? Int == 10)
            let ulimits = host["Ulimits"] as? [[String: Any]] ?? []
            #expect(ulimits.first?["Name"] as? String == "nofile")
            #expect(ulimits.first?["Soft"] as? Int == 1024 && ulimits.first?["Hard"] as? Int == 2048, "\(ulimits)")
            #expect(host["SecurityOpt"] as? [String] == ["no-new-privileges"])
            #expect(host["Sysctls"] as? [String: String] == ["net.core.somaxconn": "511"])
            #expect(host["ReadonlyRootfs"] as? Bool == true)
            #expect(host["Dns"] as? [String] == ["10.9.8.7"])
            #expect(host["DnsSearch"] as? [String] == ["wharf.test"])
            #expect(host["ExtraHosts"] as? [String] == ["db.wharf:10.1.2.3"])
            #expect(host["IpcMode"] as? String == "shareable")
            #expect(config["Tty"] as? Bool == true)
            #expect(config["OpenStdin"] as? Bool == true)
            let ports = host["PortBindings"] as? [String: Any] ?? [:]
            #expect(Set(ports.keys) == ["7000/tcp", "7001/tcp", "7002/tcp"])
            let bindings = app["networkBindings"] as? [[String: Any]] ?? []
            #expect(Set(bindings.compactMap { $0["containerPort"] as? Int }) == [7000, 7001, 7002])
            #expect(bindings.allSatisfy { ($0["hostPort"] as? Int ?? 0) > 0 }, "\(bindings)")

            // What the processes see.
            let somaxconn = try await DockerEngine.run(["docker", "exec", appID, "cat", "/proc/sys/net/core/somaxconn"])
            #expect(somaxconn.trimmedStdout == "511")
            // The container's own process (PID 1 of the task's PID namespace), not one that exec adds.
            let limits = try await DockerEngine.run(["docker", "exec", appID, "cat", "/proc/1/limits"])
            let openFiles = limits.stdout.split(separator: "\n").first { $0.hasPrefix("Max open files") } ?? ""
            let softAndHard = openFiles.split(separator: " ").dropFirst(3).prefix(2).map(String.init)
            #expect(softAndHard == ["1024", "2048"], "\(limits.stdout)")
            let readOnly = try await DockerEngine.run(["docker", "exec", appID, "touch", "/etc/wharf"])
            #expect(readOnly.status != 0, "the root filesystem is read-only")
            let scratch = try await DockerEngine.run(["docker", "exec", appID, "touch", "/scratch/ok"])
            #expect(scratch.status == 0, "\(scratch.stderr)")
            let hosts = try await DockerEngine.run(["docker", "exec", appID, "cat", "/etc/hosts"])
            #expect(hosts.stdout.contains("10.1.2.3\tdb.wharf"), "\(hosts.stdout)")

            let sideInspected = try await Self.inspect(sideID)
            let sideHost = try #require(sideInspected["HostConfig"] as? [String: Any])
            let sideConfig = try #require(sideInspected["Config"] as? [String: Any])
            #expect(sideHost["PidMode"] as? String == "container:\(appID)")
            #expect(sideHost["IpcMode"] as? String == "container:\(appID)")
            #expect(sideConfig["NetworkDisabled"] as? Bool == true)
            // One PID namespace: the side container sees app's sleep.
            let processes = try await DockerEngine.run(["docker", "exec", sideID, "ps"])
            #expect(
                processes.stdout.split(separator: "\n").filter { $0.contains("sleep 1000") }.count == 2,
                "\(processes.stdout)"
            )
            let interfaces = try await DockerEngine.run(["docker", "exec", sideID, "ls", "/sys/class/net"])
            #expect(interfaces.trimmedStdout == "lo", "networking is off: only the loopback interface")
        }
    }

    @Test(
        """
        a container waiting on a dependency that never becomes healthy gives up after its startTimeout \
        and the task stops with TaskFailedToStart
        """
    )
    func startTimeout() async throws {
        try await withCluster { cluster in
            try await cluster.startAgent("node-1")
            let definition = try await cluster.register([
                "family": "timeout-\(cluster.name)",
                "containerDefinitions": [
                    busybox(
                        "db",
                        ["sleep", "1000"],
                        extra: [
                            "stopTimeout": 1,
                            "healthCheck": ["command": ["CMD-SHELL", "exit 1"], "interval": 5, "retries": 10],
                        ]
                    ),
                    busybox(
                        "app",
                        ["sleep", "1000"],
                        extra: ["startTimeout": 3, "dependsOn": [["containerName": "db", "condition": "HEALTHY"]]]
                    ),
                ],
            ])
            let task = try await cluster.run(definition)
            let stopped = try await cluster.waitForTask(task, timeout: .seconds(45)) {
                $0["lastStatus"] as? String == "STOPPED"
            }
            #expect(stopped["stopCode"] as? String == "TaskFailedToStart")
            #expect((stopped["stoppedReason"] as? String)?.contains("startTimeout of 3 seconds") == true, "\(stopped)")
        }
    }

    @Test(
        """
        restartPolicy: an essential container that exits with a code not ignored after running its \
        restartAttemptPeriod is started again, in the same container, and the task keeps running
        """
    )
    func restartPolicy() async throws {
        try await withCluster { cluster in
            try await cluster.startAgent("node-1")
            let definition = try await cluster.register([
                "family": "restart-\(cluster.name)",
                "containerDefinitions": [
                    busybox(
                        "app",
                        ["sh", "-c", "sleep 61; exit 3"],
                        extra: [
                            "stopTimeout": 1,
                            "restartPolicy": ["enabled": true, "ignoredExitCodes": [0], "restartAttemptPeriod": 60],
                        ]
                    )
                ],
            ])
            let task = try await cluster.run(definition)
            let running = try await cluster.waitForTask(task) { $0["lastStatus"] as? String == "RUNNING" }
            let id = try #require(firstContainer(running)["runtimeId"] as? String)
            let first = try #require((try await Self.inspect(id))["State"] as? [String: Any])["StartedAt"] as? String
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(90))
            var restartedAt: String?
            while clock.now < deadline {
                try await Task.sleep(for: .seconds(2))
                let state = try #require((try await Self.inspect(id))["State"] as? [String: Any])
                if state["Running"] as? Bool == true, let started = state["StartedAt"] as? String, started != first {
                    restartedAt = started
                    break
                }
            }
            #expect(restartedAt != nil, "the container was not started again within 90 s")
            let described = try await cluster.waitForTask(task) { $0["lastStatus"] as? String == "RUNNING" }
            #expect(described["desiredStatus"] as? String == "RUNNING")
            #expect(firstContainer(described)["runtimeId"] as? String == id, "the same container, started again")
            #expect(described["stopCode"] == nil)
        }
    }

    @Test(
        """
        GPUs: a node started with --gpus offers them; a task asking for one is placed there and not on a \
        node without, its container asks the engine for that GPU by ID through the nvidia driver, the task \
        shows the GPU, and a task asking for more than a node has fails placement with RESOURCE:GPU
        """
    )
    func gpus() async throws {
        try await withCluster { cluster in
            let plain = try await cluster.startAgent("node-plain", arguments: ["--gpus", "none"])
            let gpu = try await cluster.startAgent("node-gpu", arguments: ["--gpus", "GPU-wharf-0,GPU-wharf-1"])
            let instances = try await cluster.client.call(
                "DescribeContainerInstances",
                ["cluster": cluster.name, "containerInstances": [gpu]]
            )
            let registered =
                ((instances.json["containerInstances"] as? [[String: Any]])?.first?["registeredResources"]
                    as? [[String: Any]]) ?? []
            #expect(
                registered.first { $0["name"] as? String == "GPU" }?["stringSetValue"] as? [String]
                    == ["GPU-wharf-0", "GPU-wharf-1"]
            )
            let definition = try await cluster.register([
                "family": "gpu-\(cluster.name)",
                "containerDefinitions": [
                    busybox(
                        "cuda",
                        ["sleep", "1000"],
                        extra: ["resourceRequirements": [["type": "GPU", "value": "1"]]]
                    )
                ],
            ])
            let task = try await cluster.run(definition)
            // This machine has no NVIDIA driver: the engine refuses to start the container, and says so.
            let stopped = try await cluster.waitForTask(task) { $0["lastStatus"] as? String == "STOPPED" }
            #expect(stopped["containerInstanceArn"] as? String == gpu)
            #expect(stopped["containerInstanceArn"] as? String != plain)
            let container = firstContainer(stopped)
            #expect(container["gpuIds"] as? [String] == ["GPU-wharf-0"])
            #expect(
                (container["reason"] as? String)?.contains("could not select device driver") == true,
                "\(container)"
            )
            let id = try #require(container["runtimeId"] as? String)
            let host = try #require((try await Self.inspect(id))["HostConfig"] as? [String: Any])
            let requests = host["DeviceRequests"] as? [[String: Any]] ?? []
            #expect(requests.first?["DeviceIDs"] as? [String] == ["GPU-wharf-0"])
            #expect(requests.first?["Driver"] as? String == "nvidia")
            let environment = ((try await Self.inspect(id))["Config"] as? [String: Any])?["Env"] as? [String] ?? []
            #expect(environment.contains("NVIDIA_VISIBLE_DEVICES=GPU-wharf-0"))

            let big = try await cluster.register([
                "family": "gpu3-\(cluster.name)",
                "containerDefinitions": [
                    busybox(
                        "cuda",
                        ["sleep", "1000"],
                        extra: ["resourceRequirements": [["type": "GPU", "value": "3"]]]
                    )
                ],
            ])
            let refused = try await cluster.client.call("RunTask", ["cluster": cluster.name, "taskDefinition": big])
            let reasons = Set(
                ((refused.json["failures"] as? [[String: Any]]) ?? []).compactMap { $0["reason"] as? String }
            )
            #expect(reasons == ["RESOURCE:GPU"], "\(refused.json)")
        }
    }

    @Test(
        """
        dockerVolumeConfiguration: a shared volume that is missing fails the task unless autoprovision is true, \
        which creates it with its driver options and labels
        """
    )
    func sharedVolumes() async throws {
        let volume = "wharf-e2e-\(UUID().uuidString.prefix(8).lowercased())"
        // Shared volumes outlive the task and the cluster: removed here, whatever happens.
        var failure: (any Error)?
        do { try await sharedVolumes(volume) } catch { failure = error }
        _ = try? await DockerEngine.run(["docker", "volume", "rm", "-f", volume])
        if let failure { throw failure }
    }

    func sharedVolumes(_ volume: String) async throws {
        try await withCluster { cluster in
            try await cluster.startAgent("node-1")
            func definition(_ autoprovision: Bool) -> [String: Any] {
                [
                    "family": "shared-\(autoprovision)-\(cluster.name)",
                    "volumes": [
                        [
                            "name": volume,
                            "dockerVolumeConfiguration": [
                                "scope": "shared", "autoprovision": autoprovision, "driver": "local",
                                "labels": ["org.wharf.e2e": cluster.name],
                            ],
                        ]
                    ],
                    "containerDefinitions": [
                        busybox(
                            "app",
                            ["sleep", "1000"],
                            extra: [
                                "stopTimeout": 1, "mountPoints": [["sourceVolume": volume, "containerPath": "/data"]],
                            ]
                        )
                    ],
                ]
            }
            let missing = try await cluster.run(try await cluster.register(definition(false)))
            let failed = try await cluster.waitForTask(missing) { $0["lastStatus"] as? String == "STOPPED" }
            let reason = firstContainer(failed)["reason"] as? String ?? ""
            #expect(reason.hasPrefix("CannotCreateContainerError") && reason.contains("autoprovision"), "\(reason)")
            let absent = try await DockerEngine.run(["docker", "volume", "inspect", volume])
            #expect(absent.status != 0, "no volume was created")

            let provisioned = try await cluster.run(try await cluster.register(definition(true)))
            _ = try await cluster.waitForTask(provisioned) { $0["lastStatus"] as? String == "RUNNING" }
            let labels = try await DockerEngine.run(["docker", "volume", "inspect", "-f", "{{json .Labels}}", volume])
            #expect(labels.stdout.contains("\"org.wharf.e2e\":\"\(cluster.name)\""), "\(labels.stdout)\(labels.stderr)")
            _ = try await cluster.client.call("StopTask", ["cluster": cluster.name, "task": provisioned])
            _ = try await cluster.waitForTask(provisioned) { $0["lastStatus"] as? String == "STOPPED" }
        }
    }

    @Test(
        """
        task-level cpu and memory: the task's containers run in a cgroup of the task's own whose limits are \
        the task's size, and it is gone once the task's containers are removed
        """
    )
    func taskCgroup() async throws {
        try await withCluster { cluster in
            try await cluster.startAgent("node-1", arguments: ["--task-cleanup-wait", "1"])
            let definition = try await cluster.register([
                "family": "sized-\(cluster.name)", "cpu": "256", "memory": "96",
                "containerDefinitions": [
                    ["name": "app", "image": DockerEngine.testImage, "command": ["sleep", "1000"], "stopTimeout": 1],
                    ["name": "side", "image": DockerEngine.testImage, "command": ["sleep", "1000"], "stopTimeout": 1,
                     "essential": false],
                ],
            ])
            let task = try await cluster.run(definition)
            let running = try await cluster.waitForTask(task) { $0["lastStatus"] as? String == "RUNNING" }
            let taskID = String(task.split(separator: "/").last ?? "")
            let info = try await DockerEngine.run(
                ["docker", "info", "--format", "{{.CgroupDriver}} {{.CgroupVersion}}"])
            let containers = try #require(running["containers"] as? [[String: Any]])
            for container in containers {
                let id = try #require(container["runtimeId"] as? String)
                let host = try #require((try await Self.inspect(id))["HostConfig"] as? [String: Any])
                if info.trimmedStdout.hasPrefix("cgroupfs") {
                    #expect(host["CgroupParent"] as? String == "/wharf-tasks/\(taskID)")
                } else {
                    #expect(host["NanoCpus"] as? Int == 250_000_000, "systemd driver: each container is bounded")
                }
            }
            guard info.trimmedStdout.hasPrefix("cgroupfs") else { return }
            let v2 = info.trimmedStdout.hasSuffix(" 2")
            let memory = v2 ? "/sys/fs/cgroup/wharf-tasks/\(taskID)/memory.max"
                : "/sys/fs/cgroup/memory/wharf-tasks/\(taskID)/memory.limit_in_bytes"
            let cpu = v2 ? "/sys/fs/cgroup/wharf-tasks/\(taskID)/cpu.max"
                : "/sys/fs/cgroup/cpu/wharf-tasks/\(taskID)/cpu.cfs_quota_us"
            let limit = try String(contentsOfFile: memory, encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(limit == String(96 << 20))
            let quota = try String(contentsOfFile: cpu, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(quota == (v2 ? "25000 100000" : "25000"))
            // Inside: the whole task may use 96 MiB; a container's own view shows the task's limit.
            let appID = try #require(containers.first { $0["name"] as? String == "app" }?["runtimeId"] as? String)
            let seen = try await DockerEngine.run(["docker", "exec", appID, "cat", "/proc/self/cgroup"])
            #expect(seen.stdout.contains("/wharf-tasks/\(taskID)/"), "\(seen.stdout)")

            _ = try await cluster.client.call("StopTask", ["cluster": cluster.name, "task": task])
            _ = try await cluster.waitForTask(task) { $0["lastStatus"] as? String == "STOPPED" }
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(60))
            while FileManager.default.fileExists(atPath: memory), clock.now < deadline {
                try await Task.sleep(for: .milliseconds(500))
            }
            #expect(!FileManager.default.fileExists(atPath: memory), "the task's cgroup is removed with its containers")
        }
    }
}
