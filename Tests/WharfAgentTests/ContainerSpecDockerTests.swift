import Foundation
import Testing
@testable import WharfAgent

@Suite("Container spec to Docker create request")
struct ContainerSpecDockerTests {
    static let spec = ContainerSpec(
        name: "web-1", image: "nginx:1.25", entryPoint: ["/docker-entrypoint.sh"], command: ["nginx", "-g", "daemon off;"],
        environment: ["B": "2", "A": "1"], workingDirectory: "/srv", user: "101", hostname: "web",
        labels: ["org.wharf.task": "t1"], ports: [
            .init(containerPort: 80, hostPort: 8080), .init(containerPort: 80, hostPort: nil),
            .init(containerPort: 53, hostPort: 0, transport: "udp"),
        ],
        cpuShares: 1, memoryMiB: 256, memoryReservationMiB: 128, ulimits: [.init(name: "nofile", soft: 1024, hard: 4096)],
        initProcess: true,
        mounts: [
            .init(source: .hostPath("/srv/data"), containerPath: "/data", readOnly: true),
            .init(source: .volume(name: "cache", driver: "local", driverOptions: ["type": "tmpfs"], labels: ["a": "b"]),
                  containerPath: "/cache", readOnly: false),
        ],
        volumesFrom: [.init(containerID: "abc", readOnly: true)], logDriver: "json-file", logOptions: ["max-size": "10m"],
        healthCheck: .init(test: ["CMD-SHELL", "curl -f localhost"], intervalSeconds: 30, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 0),
        stopTimeoutSeconds: 20, dnsServers: ["10.0.0.2"], extraHosts: ["db:10.0.0.3"]
    )

    @Test("every setting lands where the engine reads it")
    func mapsEverySetting() throws {
        let body = DockerAPI.ContainerCreate(Self.spec)
        let json = try #require(try JSONSerialization.jsonObject(with: DockerClient.json(body)) as? [String: Any])
        #expect(json["Image"] as? String == "nginx:1.25")
        #expect(json["Env"] as? [String] == ["A=1", "B=2"])
        #expect(json["StopTimeout"] as? Int == 20)
        #expect((json["ExposedPorts"] as? [String: Any]).map { Set($0.keys) } == ["80/tcp", "53/udp"])
        let health = try #require(json["Healthcheck"] as? [String: Any])
        #expect(health["Test"] as? [String] == ["CMD-SHELL", "curl -f localhost"])
        #expect(health["Interval"] as? Int == 30_000_000_000)
        #expect(health["Timeout"] as? Int == 5_000_000_000)
        #expect(health["StartPeriod"] == nil)
        #expect(health["Retries"] as? Int == 3)
        let host = try #require(json["HostConfig"] as? [String: Any])
        let bindings = try #require(host["PortBindings"] as? [String: [[String: String]]])
        #expect(bindings["80/tcp"] == [["HostIp": "", "HostPort": "8080"], ["HostIp": "", "HostPort": ""]])
        #expect(bindings["53/udp"] == [["HostIp": "", "HostPort": ""]])
        #expect(host["CpuShares"] as? Int == 2, "the engine's minimum")
        #expect(host["Memory"] as? Int == 256 << 20)
        #expect(host["MemoryReservation"] as? Int == 128 << 20)
        #expect(host["Init"] as? Bool == true)
        #expect(host["Binds"] as? [String] == ["/srv/data:/data:ro", "cache:/cache"])
        #expect(host["VolumesFrom"] as? [String] == ["abc:ro"])
        #expect((host["LogConfig"] as? [String: Any])?["Type"] as? String == "json-file")
        #expect(host["Dns"] as? [String] == ["10.0.0.2"])
        #expect(host["ExtraHosts"] as? [String] == ["db:10.0.0.3"])
        #expect(host["DnsSearch"] == nil)
        #expect(Self.spec.namedVolumes == [.init(name: "cache", driver: "local", driverOptions: ["type": "tmpfs"], labels: ["a": "b"])])
    }

    @Test("unset CPU, memory, ports and health check stay out of the request")
    func leavesDefaultsToTheEngine() throws {
        let body = DockerAPI.ContainerCreate(ContainerSpec(name: "plain", image: "busybox"))
        let json = try #require(try JSONSerialization.jsonObject(with: DockerClient.json(body)) as? [String: Any])
        let host = try #require(json["HostConfig"] as? [String: Any])
        #expect(json["Healthcheck"] == nil && json["ExposedPorts"] == nil && json["Cmd"] == nil)
        #expect(host["CpuShares"] == nil && host["Memory"] == nil && host["PortBindings"] == nil && host["LogConfig"] == nil)
        #expect(host["NetworkMode"] as? String == "bridge")
    }

    @Test("host networking publishes no ports")
    func hostNetworkPublishesNothing() {
        let spec = ContainerSpec(name: "h", image: "busybox", networkMode: "host", ports: [.init(containerPort: 80, hostPort: 80)])
        let body = DockerAPI.ContainerCreate(spec)
        #expect(body.exposedPorts == nil && body.hostConfig.portBindings == nil)
    }

    @Test("inspect gives real host ports once each (IPv4 first, even when IPv6 got another number), and exit details only after exit")
    func inspectMapping() throws {
        let json = #"""
        {"Id":"abc","Name":"/web-1","State":{"Status":"running","ExitCode":0,"OOMKilled":false,"Error":"",
         "StartedAt":"2026-11-22T04:07:20.470392199Z","FinishedAt":"0001-01-01T00:00:00Z","Health":{"Status":"starting"}},
         "Config":{"Labels":{"k":"v"}},
         "NetworkSettings":{"Ports":{"80/udp":[{"HostIp":"0.0.0.0","HostPort":"8081"},{"HostIp":"::","HostPort":"8081"}],
           "8080/tcp":[{"HostIp":"0.0.0.0","HostPort":"32769"},{"HostIp":"::","HostPort":"32769"}],
           "81/tcp":[{"HostIp":"127.0.0.1","HostPort":"32770"}], "82/tcp":[{"HostIp":"::","HostPort":"32771"}], "9/tcp":null,
           "8443/tcp":[{"HostIp":"0.0.0.0","HostPort":"32775"},{"HostIp":"::","HostPort":"32774"}]}}}
        """#
        let inspect = try JSONDecoder().decode(DockerAPI.ContainerInspect.self, from: Data(json.utf8))
        let state = ContainerState(inspect)
        #expect(state.name == "web-1")
        #expect(state.status == .running)
        #expect(state.exitCode == nil)
        #expect(state.health == "starting")
        #expect(state.labels == ["k": "v"])
        #expect(state.finishedAt == nil)
        #expect(state.startedAt != nil)
        #expect(state.error == nil)
        #expect(state.bindings == [
            .init(containerPort: 80, hostPort: 8081, hostIP: "0.0.0.0", transport: "udp"),
            .init(containerPort: 81, hostPort: 32770, hostIP: "127.0.0.1", transport: "tcp"),
            .init(containerPort: 82, hostPort: 32771, hostIP: "::", transport: "tcp"),
            .init(containerPort: 8080, hostPort: 32769, hostIP: "0.0.0.0", transport: "tcp"),
            .init(containerPort: 8443, hostPort: 32775, hostIP: "0.0.0.0", transport: "tcp"),
        ])
    }

    @Test("an exit stamped before the start (a process that ends within milliseconds) ends at the start")
    func finishNeverPrecedesStart() throws {
        let json = #"""
        {"Id":"abc","Name":"/quick","State":{"Status":"exited","ExitCode":3,"OOMKilled":false,
         "StartedAt":"2026-11-22T04:23:01.898788Z","FinishedAt":"2026-11-22T04:23:01.8975413Z"}}
        """#
        let state = ContainerState(try JSONDecoder().decode(DockerAPI.ContainerInspect.self, from: Data(json.utf8)))
        #expect(state.exitCode == 3)
        #expect(state.finishedAt == state.startedAt)
        #expect(state.labels.isEmpty && state.bindings.isEmpty)
    }

    @Test("an event's labels leave out the engine's own attributes")
    func eventMapping() throws {
        let json = #"""
        {"status":"die","id":"86ca","Type":"container","Action":"die","Actor":{"ID":"86ca",
         "Attributes":{"exitCode":"3","image":"busybox","name":"x","probe":"1"}},"time":1,"timeNano":1}
        """#
        let event = try #require(ContainerEvent(try JSONDecoder().decode(DockerAPI.Event.self, from: Data(json.utf8))))
        #expect(event == ContainerEvent(
            action: "die", containerID: "86ca", labels: ["probe": "1"], attributes: ["exitCode": "3", "image": "busybox", "name": "x"]
        ))
        #expect(event.exitCode == 3)
        let network = #"{"Type":"network","Action":"connect","Actor":{"ID":"n1","Attributes":{}}}"#
        #expect(ContainerEvent(try JSONDecoder().decode(DockerAPI.Event.self, from: Data(network.utf8))) == nil)
    }
}
