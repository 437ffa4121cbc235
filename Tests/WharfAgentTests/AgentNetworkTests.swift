import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import NIOHTTP1
import Synchronization
import Testing
import WharfModel
import WharfProtocol
@testable import WharfAgent
import WharfSim

/// A controller that leases the node a block of task addresses.
final class LeasingController: ControllerClient {
    let registrations = Mutex<[RegisterRequest]>([])

    func register(_ request: RegisterRequest) async throws(AgentProtocolError) -> RegisterResponse {
        registrations.withLock { $0.append(request) }
        return RegisterResponse(
            containerInstanceArn: "arn:aws:ecs:us-east-1:000000000000:container-instance/lab/n1",
            credential: "secret",
            clusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/lab",
            longPollSeconds: 20,
            taskSubnet: "10.64.3.0/24",
            taskCIDR: "10.64.0.0/10"
        )
    }

    func sync(_ request: SyncRequest) async throws(AgentProtocolError) -> SyncResponse {
        throw AgentProtocolError(.serverError, "not used in these tests")
    }

    func deliverLogs(_ request: LogDeliveryRequest) async throws(AgentProtocolError) -> LogDeliveryResponse {
        throw AgentProtocolError(.serverError, "not used in these tests")
    }
}

@Suite("awsvpc tasks on the agent: a pause container per task, routes to the other nodes")
struct AgentNetworkTests {
    static func awsvpcTask(_ id: String, address: String) -> DesiredTask {
        DesiredTask(
            taskArn: "arn:aws:ecs:us-east-1:000000000000:task/lab/\(id)",
            desiredStatus: "RUNNING",
            taskDefinition: ECS.TaskDefinition(
                containerDefinitions: [
                    ECS.ContainerDefinition(
                        name: "web",
                        image: "busybox",
                        portMappings: [ECS.PortMapping(containerPort: 80, hostPort: 80, protocol: "tcp")],
                        dnsServers: ["10.0.0.2"]
                    ),
                    ECS.ContainerDefinition(name: "side", image: "busybox"),
                ],
                family: "web",
                networkMode: "awsvpc",
                revision: 1,
                cpu: "256",
                memory: "512"
            ),
            overrides: nil,
            clusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/lab",
            network: TaskAddress(privateIPv4Address: address, subnet: "10.64.3.0/24"),
            launchType: "FARGATE"
        )
    }

    static func makeAgent(
        _ directory: String,
        runtime: FakeRuntime,
        host: FakeHostNetwork,
        controller: LeasingController = LeasingController()
    ) -> Agent {
        var configuration = AgentConfiguration(
            controllerURL: "http://127.0.0.1:9",
            cluster: "lab",
            dataDirectory: directory,
            taskCleanupWait: .seconds(0)
        )
        configuration.taskNetworking = true
        configuration.nodeAddress = "192.168.1.20"
        return Agent(
            configuration: configuration,
            runtime: runtime,
            client: controller,
            logger: Logger(label: "test"),
            hostNetwork: host
        )
    }

    @Test(
        """
        the node offers task-eni and its address, makes the task network over its block and loads the pause image; \
        an awsvpc task's containers join its pause container, which has the task's address and DNS
        """
    )
    func attach() async throws {
        try await withAgentDirectory { directory in
            let runtime = FakeRuntime(images: ["busybox": .pullable])
            let host = FakeHostNetwork()
            let controller = LeasingController()
            let agent = Self.makeAgent(directory, runtime: runtime, host: host, controller: controller)
            try await agent.start()
            let registration = try #require(controller.registrations.withLock { $0.first })
            #expect(registration.nodeAddress == "192.168.1.20")
            let names = registration.attributes.map(\.name)
            #expect(names.contains("ecs.capability.task-eni") && names.contains("ecs.capability.fargate"))
            #expect(
                runtime.networks["wharf-awsvpc"]
                    == TaskNetworkSpec(name: "wharf-awsvpc", subnet: "10.64.3.0/24", gateway: "10.64.3.1")
            )
            #expect(host.allowed == ["wharf-awsvpc 10.64.3.0/24 10.64.0.0/10"])
            #expect(runtime.calls.contains(.importImage(PauseImage.reference, command: ["/pause"])))

            let first = Self.awsvpcTask("a1", address: "10.64.3.2")
            let second = Self.awsvpcTask("a2", address: "10.64.3.3")
            await agent.apply(SyncResponse(desiredVersion: 1, tasks: [first, second], acknowledgedStopped: []))
            try await eventually(agent, "both RUNNING") {
                $0.count == 2 && $0.allSatisfy { $0.lastStatus == "RUNNING" }
            }
            let specs = runtime.calls.compactMap { call -> ContainerSpec? in
                if case .createContainer(let spec) = call { return spec }
                return nil
            }
            let pauses = specs.filter { $0.image == PauseImage.reference }
            #expect(pauses.map(\.ipv4Address) == ["10.64.3.2", "10.64.3.3"] || pauses.map(\.ipv4Address) == ["10.64.3.3", "10.64.3.2"])
            #expect(pauses.allSatisfy { $0.networkMode == "wharf-awsvpc" && $0.dnsServers == ["10.0.0.2"] })
            #expect(Set(pauses.compactMap(\.hostname)) == ["ip-10-64-3-2", "ip-10-64-3-3"])
            let tasks = await agent.taskSnapshot
            for task in tasks {
                let pause = try #require(task.network?.pauseID)
                let mine = specs.filter { $0.labels[ContainerLabels.taskArn] == task.arn && $0.image == "busybox" }
                #expect(mine.count == 2)
                for spec in mine {
                    #expect(spec.networkMode == "container:\(pause)")
                    #expect(spec.ports.isEmpty && spec.hostname == nil && spec.dnsServers.isEmpty)
                }
            }
            let reports = await agent.reports()
            #expect(Set(reports.compactMap(\.macAddress)) == ["02:42:0a:40:03:02", "02:42:0a:40:03:03"])
            #expect(reports.allSatisfy { $0.containers.allSatisfy { $0.networkBindings.isEmpty } })
        }
    }

    @Test("a stopped awsvpc task is DEPROVISIONING until its pause container is gone, then STOPPED")
    func release() async throws {
        try await withAgentDirectory { directory in
            let runtime = FakeRuntime(images: ["busybox": .pullable])
            let agent = Self.makeAgent(directory, runtime: runtime, host: FakeHostNetwork())
            try await agent.start()
            var task = Self.awsvpcTask("a1", address: "10.64.3.2")
            await agent.apply(SyncResponse(desiredVersion: 1, tasks: [task], acknowledgedStopped: []))
            try await eventually(agent, "RUNNING") { $0.first?.lastStatus == "RUNNING" }
            let pause = try #require(await agent.taskSnapshot.first?.network?.pauseID)
            task.desiredStatus = "STOPPED"
            await agent.apply(SyncResponse(desiredVersion: 2, tasks: [task], acknowledgedStopped: []))
            try await eventually(agent, "STOPPED") { $0.first?.lastStatus == "STOPPED" }
            #expect(runtime.calls.contains(.removeContainer(pause)))
            #expect(await agent.taskSnapshot.first?.network?.phase == .released)
            // The next task may take the same address: the engine has no container holding it.
            let next = Self.awsvpcTask("a2", address: "10.64.3.2")
            await agent.apply(SyncResponse(desiredVersion: 3, tasks: [task, next], acknowledgedStopped: []))
            try await eventually(agent, "the next RUNNING") { tasks in
                tasks.first { $0.arn == next.taskArn }?.lastStatus == "RUNNING"
            }
        }
    }

    @Test("a node that cannot run awsvpc tasks says why, offers no task-eni, and fails such a task with the reason")
    func unavailable() async throws {
        try await withAgentDirectory { directory in
            let runtime = FakeRuntime(images: ["busybox": .pullable])
            let host = FakeHostNetwork(problem: "IP forwarding is off")
            let controller = LeasingController()
            let agent = Self.makeAgent(directory, runtime: runtime, host: host, controller: controller)
            try await agent.start()
            let names = controller.registrations.withLock { $0.first?.attributes.map(\.name) ?? [] }
            #expect(!names.contains("ecs.capability.task-eni"))
            #expect(runtime.networks.isEmpty)
            let task = Self.awsvpcTask("a1", address: "10.64.3.2")
            await agent.apply(SyncResponse(desiredVersion: 1, tasks: [task], acknowledgedStopped: []))
            try await eventually(agent, "STOPPED") { $0.first?.lastStatus == "STOPPED" }
            let report = try #require(await agent.reports().first)
            #expect(report.stopCode == "TaskFailedToStart")
            #expect(report.stoppedReason?.contains("IP forwarding is off") == true)
            #expect(!runtime.calls.contains { if case .createContainer = $0 { true } else { false } })
        }
    }

    @Test(
        """
        routes from the controller are installed once per version, without the node's own block, and the version \
        goes back in each sync
        """
    )
    func routes() async throws {
        try await withAgentDirectory { directory in
            let host = FakeHostNetwork()
            let agent = Self.makeAgent(directory, runtime: FakeRuntime(), host: host)
            try await agent.start()
            let routes = TaskRoutes(
                version: "v1",
                routes: [
                    TaskRoute(subnet: "10.64.3.0/24", via: "192.168.1.20"),
                    TaskRoute(subnet: "10.64.4.0/24", via: "192.168.1.21"),
                    // Another agent on this machine: its address is this node's.
                    TaskRoute(subnet: "10.64.5.0/24", via: "192.168.1.20"),
                ])
            await agent.apply(SyncResponse(desiredVersion: 1, tasks: [], acknowledgedStopped: [], taskRoutes: routes))
            var installed = false
            for _ in 0..<300 where !installed {
                installed = await agent.routesVersion == "v1"
                if !installed { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(installed)
            #expect(host.routes == [TaskRoute(subnet: "10.64.4.0/24", via: "192.168.1.21")], "not its own block")
            await agent.apply(SyncResponse(desiredVersion: 2, tasks: [], acknowledgedStopped: [], taskRoutes: routes))
            try await Task.sleep(for: .milliseconds(50))
            #expect(host.routeCalls == 1, "the same version is not installed again")
        }
    }

    @Test("after a restart the agent takes up a task's pause container by its labels and starts no second one")
    func adoption() async throws {
        try await withAgentDirectory { directory in
            let runtime = FakeRuntime(images: ["busybox": .pullable])
            let first = Self.makeAgent(directory, runtime: runtime, host: FakeHostNetwork())
            try await first.start()
            let task = Self.awsvpcTask("a1", address: "10.64.3.2")
            await first.apply(SyncResponse(desiredVersion: 1, tasks: [task], acknowledgedStopped: []))
            try await eventually(first, "RUNNING") { $0.first?.lastStatus == "RUNNING" }
            let pause = await first.taskSnapshot.first?.network?.pauseID
            await first.tasksSaved()
            let second = Self.makeAgent(directory, runtime: runtime, host: FakeHostNetwork())
            try await second.start()
            let adopted = await second.taskSnapshot.first
            #expect(adopted?.network?.pauseID == pause && adopted?.network?.phase == .attached)
            #expect(adopted?.lastStatus == "RUNNING")
            let pauses = runtime.calls.filter { call in
                if case .createContainer(let spec) = call { return spec.image == PauseImage.reference }
                return false
            }
            #expect(pauses.count == 1)
        }
    }
}

@Suite("The task metadata endpoint v4")
struct TaskMetadataTests {
    @Test(
        """
        each container is told its endpoint at its task's gateway; the endpoint answers the container, the task \
        (ARN, family, revision, limits, the task's address) and stats, and nothing for an unknown token
        """
    )
    func answers() async throws {
        try await withAgentDirectory { directory in
            let runtime = FakeRuntime(images: ["busybox": .pullable])
            var configuration = AgentConfiguration(
                controllerURL: "http://127.0.0.1:9", cluster: "lab", dataDirectory: directory,
                taskCleanupWait: .seconds(0))
            configuration.taskNetworking = true
            configuration.nodeAddress = "192.168.1.20"
            configuration.metadataPort = 51679
            let agent = Agent(
                configuration: configuration, runtime: runtime, client: LeasingController(),
                logger: Logger(label: "test"), hostNetwork: FakeHostNetwork())
            try await agent.start()
            let task = AgentNetworkTests.awsvpcTask("m1", address: "10.64.3.2")
            await agent.apply(SyncResponse(desiredVersion: 1, tasks: [task], acknowledgedStopped: []))
            try await eventually(agent, "RUNNING") { $0.first?.lastStatus == "RUNNING" }
            let specs = runtime.calls.compactMap { call -> ContainerSpec? in
                if case .createContainer(let spec) = call, spec.image == "busybox" { return spec }
                return nil
            }
            let uris = specs.compactMap { $0.environment[Agent.metadataVariable] }
            #expect(uris.count == 2 && Set(uris).count == 2, "one address per container: \(uris)")
            let uri = try #require(uris.first)
            #expect(uri.hasPrefix("http://10.64.3.1:51679/v4/"), "\(uri)")
            let v3 = specs.compactMap { $0.environment[Agent.metadataVariableV3] }
            #expect(v3.count == 2 && v3.allSatisfy { $0.hasPrefix("http://10.64.3.1:51679/v3/") }, "\(v3)")
            let path = String(uri.dropFirst("http://10.64.3.1:51679".count))

            let (status, body) = await agent.metadataAnswer(path: path + "/task")
            #expect(status == .ok)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
            #expect(document["TaskARN"] as? String == task.taskArn)
            #expect(document["Family"] as? String == "web" && document["Revision"] as? String == "1")
            #expect(document["LaunchType"] as? String == "FARGATE")
            #expect((document["Limits"] as? [String: Any])?["CPU"] as? Double == 0.25)
            #expect((document["Limits"] as? [String: Any])?["Memory"] as? Int == 512)
            let containers = document["Containers"] as? [[String: Any]] ?? []
            #expect(containers.count == 2)
            let network = (containers.first?["Networks"] as? [[String: Any]])?.first
            #expect(network?["NetworkMode"] as? String == "awsvpc")
            #expect(network?["IPv4Addresses"] as? [String] == ["10.64.3.2"])
            #expect(network?["IPv4SubnetCIDRBlock"] as? String == "10.64.3.0/24")

            let (_, own) = await agent.metadataAnswer(path: path)
            let container = try #require(try JSONSerialization.jsonObject(with: Data(own)) as? [String: Any])
            #expect(container["KnownStatus"] as? String == "RUNNING" && container["DockerId"] != nil)
            let (statsStatus, stats) = await agent.metadataAnswer(path: path + "/stats")
            #expect(statsStatus == .ok && String(decoding: stats, as: UTF8.self).contains("memory_stats"))
            let (unknown, _) = await agent.metadataAnswer(path: "/v4/not-a-token/task")
            #expect(unknown == .notFound)
            let (v3Status, v3Body) = await agent.metadataAnswer(path: path.replacing("/v4/", with: "/v3/") + "/task")
            #expect(v3Status == .ok && v3Body == body, "version 3 answers the same document")
        }
    }

    @Test("the endpoint serves over HTTP on the port it is given")
    func http() async throws {
        try await withAgentDirectory { directory in
            var configuration = AgentConfiguration(controllerURL: "http://127.0.0.1:9", dataDirectory: directory)
            configuration.metadataPort = 0
            let agent = Agent(
                configuration: configuration, runtime: FakeRuntime(), client: LeasingController(),
                logger: Logger(label: "test"))
            let server = Task { await TaskMetadataServer(agent: agent, port: 0, logger: Logger(label: "test")).run() }
            defer { server.cancel() }
            var port: Int?
            for _ in 0..<200 where port == nil {
                port = await agent.metadataPort
                if port == nil { try await Task.sleep(for: .milliseconds(10)) }
            }
            let bound = try #require(port)
            let url = try #require(URL(string: "http://127.0.0.1:\(bound)/v4/unknown"))
            let (data, response) = try await URLSession.shared.data(from: url)
            #expect((response as? HTTPURLResponse)?.statusCode == 404)
            #expect(String(decoding: data, as: UTF8.self).contains("no container has this metadata address"))
        }
    }
}
