import Foundation
import Testing
@testable import WharfAgent
import WharfModel

@Suite("Container settings: from the definition to the engine, restarts, start timeouts, shared namespaces")
struct ContainerSettingsTests {
    static func body(_ spec: ContainerSpec) throws -> [String: Any] {
        let json = try JSONSerialization.jsonObject(with: DockerClient.json(DockerAPI.ContainerCreate(spec)))
        return try #require(json as? [String: Any])
    }

    @Test("linuxParameters, security options, sysctls, terminal and networking settings reach the create request")
    func mapsSettings() throws {
        var definition = ECS.ContainerDefinition(name: "app", image: "busybox", memory: 64)
        definition.linuxParameters = ECS.LinuxParameters(
            capabilities: ECS.KernelCapabilities(add: ["SYS_PTRACE"], drop: ["NET_RAW"]),
            devices: [
                ECS.Device(hostPath: "/dev/fuse"),
                ECS.Device(hostPath: "/dev/null", containerPath: "/dev/n", permissions: ["read"]),
            ],
            sharedMemorySize: 128,
            tmpfs: [ECS.Tmpfs(containerPath: "/run", size: 8, mountOptions: ["noexec", "nosuid"])],
            maxSwap: 32,
            swappiness: 5
        )
        definition.dockerSecurityOptions = ["no-new-privileges"]
        definition.systemControls = [ECS.SystemControl(namespace: "net.ipv4.tcp_keepalive_time", value: "60")]
        definition.interactive = true
        definition.pseudoTerminal = true
        definition.disableNetworking = true
        definition.portMappings = [ECS.PortMapping(protocol: "udp", containerPortRange: "7000-7001")]
        let spec = ContainerSpec(
            container: "app",
            of: managedTask([definition]),
            instanceArn: "i",
            runtimeID: { _ in nil }
        )
        #expect(
            spec.ports == [
                .init(containerPort: 7000, hostPort: nil, transport: "udp"),
                .init(containerPort: 7001, hostPort: nil, transport: "udp"),
            ]
        )
        let json = try Self.body(spec)
        #expect(json["Tty"] as? Bool == true)
        #expect(json["OpenStdin"] as? Bool == true)
        #expect(json["NetworkDisabled"] as? Bool == true)
        let host = try #require(json["HostConfig"] as? [String: Any])
        #expect(host["CapAdd"] as? [String] == ["SYS_PTRACE"])
        #expect(host["CapDrop"] as? [String] == ["NET_RAW"])
        let devices = try #require(host["Devices"] as? [[String: String]])
        #expect(
            devices == [
                ["PathOnHost": "/dev/fuse", "PathInContainer": "/dev/fuse", "CgroupPermissions": "rwm"],
                ["PathOnHost": "/dev/null", "PathInContainer": "/dev/n", "CgroupPermissions": "r"],
            ]
        )
        #expect(host["ShmSize"] as? Int == 128 << 20)
        #expect(host["Tmpfs"] as? [String: String] == ["/run": "size=8m,noexec,nosuid"])
        #expect(host["MemorySwap"] as? Int == 96 << 20, "memory and swap together")
        #expect(host["MemorySwappiness"] as? Int == 5)
        #expect(host["SecurityOpt"] as? [String] == ["no-new-privileges"])
        #expect(host["Sysctls"] as? [String: String] == ["net.ipv4.tcp_keepalive_time": "60"])
        #expect((host["PortBindings"] as? [String: Any]).map { Set($0.keys) } == ["7000/udp", "7001/udp"])
    }

    @Test("none of the new settings is sent when the definition does not ask for it")
    func absentSettings() throws {
        let spec = ContainerSpec(container: "app", of: managedTask([app]), instanceArn: "i", runtimeID: { _ in nil })
        let json = try Self.body(spec)
        let host = try #require(json["HostConfig"] as? [String: Any])
        for key in ["Tty", "OpenStdin", "NetworkDisabled"] { #expect(json[key] == nil, "\(key)") }
        for key in [
            "CapAdd", "CapDrop", "Devices", "ShmSize", "Tmpfs", "MemorySwap", "MemorySwappiness", "SecurityOpt",
            "Sysctls", "PidMode", "IpcMode",
        ] {
            #expect(host[key] == nil, "\(key)")
        }
    }

    @Test("pidMode and ipcMode task: the first container without dependencies holds the namespaces, the others join it")
    func sharedNamespaces() throws {
        var side = ECS.ContainerDefinition(name: "side", image: "busybox", essential: false)
        side.dependsOn = [ECS.ContainerDependency(containerName: "app", condition: "START")]
        var task = managedTask([side, app])
        task.definition.pidMode = "task"
        task.definition.ipcMode = "task"
        #expect(task.namespaceOwner == "app")
        let ids = ["app": "abc123"]
        let owner = ContainerSpec(container: "app", of: task, instanceArn: "i", runtimeID: { ids[$0] })
        let joiner = ContainerSpec(container: "side", of: task, instanceArn: "i", runtimeID: { ids[$0] })
        #expect(owner.pidNamespace == nil && owner.ipcNamespace == .shareable)
        #expect(joiner.pidNamespace == .container("abc123") && joiner.ipcNamespace == .container("abc123"))
        let host = try #require(try Self.body(joiner)["HostConfig"] as? [String: Any])
        #expect(host["PidMode"] as? String == "container:abc123")
        #expect(host["IpcMode"] as? String == "container:abc123")

        var hostModes = managedTask([app])
        hostModes.definition.pidMode = "host"
        hostModes.definition.ipcMode = "none"
        let alone = ContainerSpec(container: "app", of: hostModes, instanceArn: "i", runtimeID: { _ in nil })
        #expect(alone.pidNamespace == .host && alone.ipcNamespace == .disabled)
        #expect(hostModes.namespaceOwner == nil)
    }

    @Test("the containers that join the task's namespaces wait for its holder, and fail when it stopped")
    func namespaceOrder() {
        let other = ECS.ContainerDefinition(name: "other", image: "busybox", essential: false)
        var task = managedTask([app, other])
        task.definition.pidMode = "task"
        #expect(TaskEngine.step(&task) == [.launch(container: "app")])
        #expect(TaskEngine.step(&task) == [])
        task.set("app", .running)
        #expect(TaskEngine.step(&task) == [.launch(container: "other")])

        var failed = managedTask([app, other])
        failed.definition.ipcMode = "task"
        _ = TaskEngine.step(&failed)
        failed.set("app", .stopped, exit: 1)
        _ = TaskEngine.step(&failed)
        #expect(failed.stopCode == "EssentialContainerExited")
        #expect(failed.containers.first { $0.name == "other" }?.phase == .stopped)
    }

    @Test("restartPolicy: restarted after its period, not before, not for an ignored code, not when the task stops")
    func restarts() {
        var definition = app
        definition.restartPolicy = ECS.ContainerRestartPolicy(
            enabled: true,
            ignoredExitCodes: [0],
            restartAttemptPeriod: 60
        )
        var task = managedTask([definition])
        _ = TaskEngine.step(&task, now: 1_000)
        task.set("app", .running)
        task.containers[0].startedAt = 1_000
        task.set("app", .stopped, exit: 2)
        #expect(TaskEngine.step(&task, now: 1_070) == [.restart(container: "app")])
        #expect(task.containers[0].phase == .running && task.containers[0].exitCode == nil)
        #expect(task.containers[0].restartCount == 1)
        #expect(task.stopCode == nil && task.lastStatus == "RUNNING")

        // Exits again 30 s after the restart: too early, so the essential container ends the task.
        task.set("app", .stopped, exit: 2)
        #expect(TaskEngine.step(&task, now: 1_100) == [])
        #expect(task.stopCode == "EssentialContainerExited")

        var ignored = managedTask([definition])
        _ = TaskEngine.step(&ignored, now: 0)
        ignored.set("app", .running)
        ignored.containers[0].startedAt = 0
        ignored.set("app", .stopped, exit: 0)
        #expect(TaskEngine.step(&ignored, now: 500) == [])
        #expect(ignored.stopCode == "EssentialContainerExited")

        var stopping = managedTask([definition], desired: "STOPPED")
        stopping.set("app", .stopped, exit: 143)
        stopping.containers[0].startedAt = 0
        #expect(TaskEngine.step(&stopping, now: 500) == [])

        var disabled = definition
        disabled.restartPolicy?.enabled = false
        var off = managedTask([disabled])
        off.set("app", .stopped, exit: 2)
        off.containers[0].startedAt = 0
        #expect(TaskEngine.step(&off, now: 500) == [])
        #expect(off.stopCode == "EssentialContainerExited")
    }

    @Test("an exit read before a restart does not end the run the restart began")
    func staleExitAfterRestart() {
        var container = ManagedContainer(name: "app", runtimeId: "c1", phase: .running)
        container.restartCount = 1
        container.startedAt = 2_000
        let stale = ContainerState(id: "c1", name: "app", labels: [:], status: .exited, exitCode: 2, startedAt: 1_000)
        Agent.record(stale, into: &container)
        #expect(container.phase == .running)
        let fresh = ContainerState(id: "c1", name: "app", labels: [:], status: .exited, exitCode: 3, startedAt: 2_000.2)
        Agent.record(fresh, into: &container)
        #expect(container.phase == .stopped && container.exitCode == 3)
    }

    @Test("startTimeout: a container whose dependencies do not hold in time fails the task; the deadline is reported")
    func startTimeout() {
        var database = ECS.ContainerDefinition(name: "db", image: "postgres", essential: false)
        database.healthCheck = ECS.HealthCheck(command: ["CMD", "false"])
        var web = app
        web.dependsOn = [ECS.ContainerDependency(containerName: "db", condition: "HEALTHY")]
        web.startTimeout = 10
        var task = managedTask([database, web])
        #expect(TaskEngine.step(&task, now: 100) == [.launch(container: "db")])
        task.set("db", .running, health: "starting")
        #expect(TaskEngine.step(&task, now: 101) == [])
        #expect(TaskEngine.nextDeadline(task) == 110, "counted from the first step that found it waiting")
        #expect(TaskEngine.step(&task, now: 105) == [])
        #expect(task.stopCode == nil)
        #expect(TaskEngine.step(&task, now: 110) == [.stop(container: "db", timeoutSeconds: 30)])
        #expect(task.stopCode == "TaskFailedToStart")
        #expect(task.stoppedReason?.contains("startTimeout of 10 seconds") == true)
        #expect(TaskEngine.nextDeadline(task) == nil)
    }

    @Test("a terminal's log stream, which has no frames, becomes lines on stdout")
    func terminalLogs() {
        var demuxer = DockerLogDemuxer()
        let first = demuxer.append(Array("2026-12-01T10:00:00.000000001Z hello\r\n2026-12-01T10:00:01Z par".utf8))
        let rest = demuxer.append(Array("tial\r\n".utf8))
        #expect(first.map(\.message) == ["hello"])
        #expect(rest.map(\.message) == ["partial"])
        #expect((first + rest).allSatisfy { $0.stream == "stdout" })
        #expect(rest.first?.timestampNanos == 1_796_119_201_000_000_000)
    }

    @Test("a create warning that the engine dropped swap settings the container asks for fails it; others do not")
    func discardedSettings() {
        var spec = ContainerSpec(name: "c", image: "busybox", memoryMiB: 64)
        let swap = """
            Your kernel does not support swap limit capabilities or the cgroup is not mounted. \
            Memory limited without swap.
            """
        let swappiness = """
            Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. \
            Memory swappiness discarded.
            """
        #expect(!DockerRuntime.discards(swap, of: spec))
        #expect(!DockerRuntime.discards(swappiness, of: spec))
        spec.maxSwapMiB = 0
        spec.swappiness = 10
        #expect(DockerRuntime.discards(swap, of: spec))
        #expect(DockerRuntime.discards(swappiness, of: spec))
    }
}
