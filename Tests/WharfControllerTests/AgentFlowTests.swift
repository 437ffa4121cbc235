import Foundation
import Logging
import Synchronization
import Testing
import WharfModel
import WharfProtocol
import WharfStore
import WharfState
@testable import WharfController

/// A wall clock a test moves by hand.
final class ManualClock: Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_760_000_000))
    func now() -> Date { current.withLock { $0 } }
    func advance(_ seconds: Double) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// A controller with a cluster and a task definition, and helpers to act as agents.
struct Harness {
    let controller: Controller
    let clock = ManualClock()

    init(longPoll: Duration = .seconds(30), openRegistration: Bool = true, store: InMemoryStore = InMemoryStore()) async throws {
        let clock = self.clock
        controller = try await Controller(store: store, context: AccountContext(), logger: Logger(label: "test"),
                                          settings: AgentTimings(longPoll: longPoll, disconnectAfter: .seconds(60)),
                                          openRegistration: openRegistration, placementSeed: 1, now: { clock.now() })
        _ = try await controller.write { state, _ in try state.createCluster(ECS.CreateClusterRequest(clusterName: "lab")) }
        _ = try await controller.write { state, now in
            try state.registerTaskDefinition(ECS.RegisterTaskDefinitionRequest(
                family: "web", containerDefinitions: [ECS.ContainerDefinition(
                    name: "httpd", image: "wharf-test/busybox:latest", memory: 512,
                    portMappings: [ECS.PortMapping(containerPort: 80, hostPort: 8080)])]), now: now)
        }
    }

    func join(_ hostname: String, memory: Int = 2048, identity: RegisterResponse? = nil,
              activation: (id: String, code: String)? = nil) async throws -> RegisterResponse {
        try await controller.register(RegisterRequest(
            cluster: "lab", containerInstanceArn: identity?.containerInstanceArn, credential: identity?.credential,
            activationId: activation?.id, activationCode: activation?.code, hostname: hostname,
            resources: NodeResources(cpu: 2048, memoryMiB: memory, reservedTCPPorts: [22], reservedUDPPorts: []),
            attributes: [ECS.Attribute(name: "ecs.os-type", value: "linux"), ECS.Attribute(name: "rack", value: hostname)],
            versionInfo: ECS.VersionInfo(agentVersion: "0.1.0", dockerVersion: "20.10.24")))
    }

    func sync(_ identity: RegisterResponse, version: Int, reports: [TaskReport] = []) async throws -> SyncResponse {
        try await controller.sync(SyncRequest(containerInstanceArn: identity.containerInstanceArn, credential: identity.credential,
                                              desiredVersion: version, tasks: reports))
    }

    func runTask(count: Int = 1) async throws -> ECS.RunTaskResponse {
        let seed = controller.nextSeed()
        return try await controller.write { state, now in
            try state.runTask(ECS.RunTaskRequest(cluster: "lab", count: count, taskDefinition: "web"), now: now, seed: seed)
        }
    }

    func describe(_ arn: String) async throws -> ECS.Task? {
        try await controller.read { state in try state.describeTasks(ECS.DescribeTasksRequest(cluster: "lab", tasks: [arn])) }.tasks?.first
    }

    func instance(_ arn: String) async throws -> ECS.ContainerInstance? {
        try await controller.read { state in
            try state.describeContainerInstances(ECS.DescribeContainerInstancesRequest(cluster: "lab", containerInstances: [arn]))
        }.containerInstances?.first
    }
}

@Suite("Agents: register, sync, tasks")
struct AgentFlowTests {
    @Test("registering keeps the identity on rejoin and refuses wrong credentials and versions")
    func register() async throws {
        let harness = try await Harness()
        let first = try await harness.join("node-1")
        #expect(first.containerInstanceArn.hasPrefix("arn:aws:ecs:us-east-1:000000000000:container-instance/lab/"))
        let again = try await harness.join("node-1", identity: first)
        #expect(again.containerInstanceArn == first.containerInstanceArn)
        #expect(again.credential == first.credential)
        var forged = first
        forged.credential = "nope"
        await #expect { _ = try await harness.join("node-1", identity: forged) } throws: { ($0 as? AgentProtocolError)?.code == .unauthorized }
        await #expect {
            _ = try await harness.controller.sync(SyncRequest(protocolVersion: 99, containerInstanceArn: first.containerInstanceArn,
                                                              credential: first.credential, desiredVersion: 0, tasks: []))
        } throws: { ($0 as? AgentProtocolError)?.code == .versionMismatch }
        let instance = try #require(try await harness.instance(first.containerInstanceArn))
        #expect(instance.agentConnected == true)
        #expect(instance.registeredResources?.first { $0.name == "MEMORY" }?.integerValue == 2048)
        #expect(instance.attributes?.contains(ECS.Attribute(name: "rack", value: "node-1")) == true)
        #expect(instance.versionInfo?.dockerVersion == "20.10.24")
    }

    @Test("one instance's credential cannot sync or rejoin as another instance")
    func credentialsAreOwnInstance() async throws {
        let harness = try await Harness()
        let first = try await harness.join("node-1")
        let second = try await harness.join("node-2")
        await #expect {
            _ = try await harness.controller.sync(SyncRequest(containerInstanceArn: second.containerInstanceArn, credential: first.credential,
                                                              desiredVersion: 0, tasks: []))
        } throws: { ($0 as? AgentProtocolError)?.code == .unauthorized }
        var impostor = second
        impostor.credential = first.credential
        await #expect { _ = try await harness.join("node-2", identity: impostor) } throws: { ($0 as? AgentProtocolError)?.code == .unauthorized }
        // Its own credential still works.
        _ = try await harness.sync(second, version: 0)
    }

    @Test("a task runs through its life: placed, synced, reported RUNNING, stopped, resources released")
    func lifecycle() async throws {
        let harness = try await Harness()
        let node = try await harness.join("node-1")
        let initial = try await harness.sync(node, version: 0)
        let placed = try await harness.runTask()
        let task = try #require(placed.tasks?.first)
        #expect(task.lastStatus == "PROVISIONING")
        #expect(task.containerInstanceArn == node.containerInstanceArn)
        let remaining = try await harness.instance(node.containerInstanceArn)?.remainingResources
        #expect(remaining?.first { $0.name == "MEMORY" }?.integerValue == 2048 - 512)
        #expect(remaining?.first { $0.name == "PORTS" }?.stringSetValue == ["22", "8080"])

        let desired = try await harness.sync(node, version: initial.desiredVersion)
        #expect(desired.desiredVersion > initial.desiredVersion)
        #expect(desired.tasks.map(\.taskArn) == [task.taskArn])
        #expect(desired.tasks.first?.taskDefinition.family == "web")

        let running = TaskReport(taskArn: task.taskArn ?? "", lastStatus: "RUNNING", containers: [
            ContainerReport(name: "httpd", runtimeId: "c0ffee", lastStatus: "RUNNING",
                            networkBindings: [ECS.NetworkBinding(bindIP: "0.0.0.0", containerPort: 80, hostPort: 8080, protocol: "tcp")]),
        ], startedAt: 1_760_000_010)
        let quiet = Task { try await harness.sync(node, version: desired.desiredVersion, reports: [running]) }
        let described = try #require(try await harness.describe(task.taskArn ?? ""))
        #expect(described.lastStatus == "RUNNING" || described.lastStatus == "PROVISIONING")

        _ = try await harness.controller.write { state, now in
            try state.stopTask(ECS.StopTaskRequest(cluster: "lab", task: task.taskArn, reason: "done"), now: now)
        }
        let stopping = try await quiet.value
        #expect(stopping.tasks.first?.desiredStatus == "STOPPED")
        let afterRun = try #require(try await harness.describe(task.taskArn ?? ""))
        #expect(afterRun.containers?.first?.networkBindings?.first?.hostPort == 8080)
        #expect(afterRun.containers?.first?.runtimeId == "c0ffee")
        #expect(afterRun.startedAt == Date(timeIntervalSince1970: 1_760_000_010))

        var stopped = running
        stopped.lastStatus = "STOPPED"
        stopped.containers[0].lastStatus = "STOPPED"
        stopped.containers[0].exitCode = 143
        let last = try await harness.sync(node, version: stopping.desiredVersion - 1, reports: [stopped])
        #expect(last.tasks.isEmpty)
        #expect(last.acknowledgedStopped == [task.taskArn])
        let final = try #require(try await harness.describe(task.taskArn ?? ""))
        #expect(final.lastStatus == "STOPPED")
        #expect(final.stopCode == "UserInitiated")
        #expect(final.stoppedReason == "done")
        #expect(final.containers?.first?.exitCode == 143)
        let released = try await harness.instance(node.containerInstanceArn)?.remainingResources
        #expect(released?.first { $0.name == "MEMORY" }?.integerValue == 2048)
    }

    @Test("a report older than the one recorded (a sync recorded out of order) does not put a task back")
    func staleReport() async throws {
        let harness = try await Harness()
        let node = try await harness.join("node-1")
        let initial = try await harness.sync(node, version: 0)
        let task = try #require(try await harness.runTask().tasks?.first?.taskArn)
        let desired = try await harness.sync(node, version: initial.desiredVersion)
        func report(_ status: String, container: String, startedAt: Double? = nil) -> TaskReport {
            TaskReport(
                taskArn: task,
                lastStatus: status,
                containers: [ContainerReport(name: "httpd", runtimeId: "c0ffee", lastStatus: container)],
                startedAt: startedAt
            )
        }
        let newer = report("RUNNING", container: "RUNNING", startedAt: 1_760_000_010)
        let older = report("PENDING", container: "PENDING")
        // Answered at once: the version given is older than the node's.
        _ = try await harness.sync(node, version: desired.desiredVersion - 1, reports: [newer])
        _ = try await harness.sync(node, version: desired.desiredVersion - 1, reports: [older])
        let described = try #require(try await harness.describe(task))
        #expect(described.lastStatus == "RUNNING")
        #expect(described.containers?.first?.lastStatus == "RUNNING")
        // A later step is taken as ever.
        _ = try await harness.sync(node, version: desired.desiredVersion - 1, reports: [report("STOPPED", container: "STOPPED")])
        #expect(try await harness.describe(task)?.lastStatus == "STOPPED")
    }

    @Test("deleting a revision that a task still runs keeps it DELETE_IN_PROGRESS, and the task in the node's desired state")
    func deleteInUse() async throws {
        let harness = try await Harness()
        let node = try await harness.join("node-1")
        _ = try #require(try await harness.runTask().tasks?.first)
        _ = try await harness.controller.write { state, now in
            try state.deregisterTaskDefinition(ECS.DeregisterTaskDefinitionRequest(taskDefinition: "web:1"), now: now)
        }
        let deleted = try await harness.controller.write { state, now in
            try state.deleteTaskDefinitions(ECS.DeleteTaskDefinitionsRequest(taskDefinitions: ["web:1"]), now: now)
        }
        #expect(deleted.taskDefinitions?.first?.status == "DELETE_IN_PROGRESS")
        let listed = try await harness.controller.read { state in
            try state.listTaskDefinitions(ECS.ListTaskDefinitionsRequest(status: "DELETE_IN_PROGRESS"))
        }
        #expect(listed.taskDefinitionArns?.count == 1)
        let desired = try await harness.sync(node, version: 0)
        #expect(desired.tasks.count == 1)
    }

    @Test("RunTask on a cluster without instances is refused; attributes on an unknown instance name TargetNotFoundException")
    func emptyCluster() async throws {
        let harness = try await Harness()
        await #expect { _ = try await harness.runTask() } throws: { ($0 as? ECSError)?.message.contains("No Container Instances") == true }
        await #expect {
            _ = try await harness.controller.write { state, _ in
                try state.putAttributes(ECS.PutAttributesRequest(cluster: "lab", attributes: [ECS.Attribute(name: "a", value: "b", targetId: "nope")]))
            }
        } throws: { ($0 as? ECSError)?.code == .targetNotFound }
    }

    @Test("DescribeClusters counts instances and tasks; DeleteCluster is refused while the cluster holds them")
    func clusterCounts() async throws {
        let harness = try await Harness()
        let node = try await harness.join("node-1")
        let placed = try #require(try await harness.runTask().tasks?.first)
        func cluster() async throws -> ECS.Cluster? {
            try await harness.controller.read { state in
                try state.describeClusters(ECS.DescribeClustersRequest(clusters: ["lab"], include: ["STATISTICS"]))
            }.clusters?.first
        }
        var described = try #require(try await cluster())
        #expect(described.registeredContainerInstancesCount == 1)
        #expect(described.pendingTasksCount == 1)
        #expect(described.runningTasksCount == 0)
        #expect(described.statistics?.first { $0.name == "pendingEC2TasksCount" }?.value == "1")

        let running = TaskReport(taskArn: placed.taskArn ?? "", lastStatus: "RUNNING",
                                 containers: [ContainerReport(name: "httpd", runtimeId: "c0ffee", lastStatus: "RUNNING")])
        _ = try await harness.sync(node, version: 0, reports: [running])  // answered at once: the placement raised the version
        described = try #require(try await cluster())
        #expect(described.runningTasksCount == 1)
        #expect(described.pendingTasksCount == 0)
        #expect(described.statistics?.first { $0.name == "runningEC2TasksCount" }?.value == "1")

        func delete() async throws {
            _ = try await harness.controller.write { state, _ in try state.deleteCluster(ECS.DeleteClusterRequest(cluster: "lab")) }
        }
        await #expect { try await delete() } throws: { ($0 as? ECSError)?.code == .clusterContainsContainerInstances }
        _ = try await harness.controller.write { state, now in
            try state.deregisterContainerInstance(ECS.DeregisterContainerInstanceRequest(
                cluster: "lab", containerInstance: node.containerInstanceArn, force: true), now: now)
        }
        #expect(try await cluster()?.registeredContainerInstancesCount == 0)
        try await delete()
        #expect(try await cluster()?.status == "INACTIVE")
    }

    @Test("a held sync is answered as soon as a task is placed on the node")
    func longPollWakes() async throws {
        let harness = try await Harness(longPoll: .seconds(120))
        let node = try await harness.join("node-1")
        let initial = try await harness.sync(node, version: 0)
        let held = Task { try await harness.sync(node, version: initial.desiredVersion) }
        try await Task.sleep(for: .milliseconds(100))
        let placed = try await harness.runTask()
        let answer = try await held.value
        #expect(answer.tasks.map(\.taskArn) == placed.tasks?.map(\.taskArn))
    }

    @Test("tasks go where they fit; what fits nowhere comes back with ECS's reasons")
    func twoNodes() async throws {
        let harness = try await Harness()
        let small = try await harness.join("small", memory: 600)
        let large = try await harness.join("large", memory: 4096)
        let result = try await harness.runTask(count: 3)
        #expect(result.tasks?.count == 2)
        #expect(Set(result.tasks?.compactMap(\.containerInstanceArn) ?? []) == [small.containerInstanceArn, large.containerInstanceArn])
        #expect(result.failures == [ECS.Failure(arn: large.containerInstanceArn, reason: "RESOURCE:PORTS"),
                                    ECS.Failure(arn: small.containerInstanceArn, reason: "RESOURCE:MEMORY")]
            .sorted { ($0.arn ?? "") < ($1.arn ?? "") })
    }

    @Test("an agent silent past the grace period is disconnected and gets no tasks")
    func liveness() async throws {
        let harness = try await Harness(longPoll: .milliseconds(50))
        let node = try await harness.join("node-1")
        harness.clock.advance(30)
        await harness.controller.sweepLiveness()
        #expect(try await harness.instance(node.containerInstanceArn)?.agentConnected == true)
        harness.clock.advance(31)
        await harness.controller.sweepLiveness()
        #expect(try await harness.instance(node.containerInstanceArn)?.agentConnected == false)
        let refused = try await harness.runTask()
        #expect(refused.tasks?.isEmpty == true)
        #expect(refused.failures?.first?.reason == "AGENT")
        _ = try await harness.sync(node, version: 99)
        #expect(try await harness.instance(node.containerInstanceArn)?.agentConnected == true)
    }

    @Test("an agent waiting for the answer to its sync is not taken for lost, however long the answer takes")
    func livenessWhileAnswering() async throws {
        let harness = try await Harness(longPoll: .seconds(600))
        let node = try await harness.join("node-1")
        // A sync whose answer is held (the long poll stands in for a controller slow to answer):
        // the agent already holds the node's current desired state.
        let current = try await harness.sync(node, version: 0).desiredVersion
        let held = Task { try await harness.sync(node, version: current) }
        try await Task.sleep(for: .milliseconds(100))
        harness.clock.advance(120)
        await harness.controller.sweepLiveness()
        #expect(try await harness.instance(node.containerInstanceArn)?.agentConnected == true)
        held.cancel()
        await harness.controller.releasePolls()
        _ = try? await held.value
        // Answered, and silent past the grace period: lost.
        harness.clock.advance(61)
        await harness.controller.sweepLiveness()
        #expect(try await harness.instance(node.containerInstanceArn)?.agentConnected == false)
    }

    @Test("deregistering needs force while tasks remain; the agent is then told it was deregistered")
    func deregister() async throws {
        let harness = try await Harness()
        let node = try await harness.join("node-1")
        let task = try #require(try await harness.runTask().tasks?.first)
        await #expect {
            _ = try await harness.controller.write { state, now in
                try state.deregisterContainerInstance(ECS.DeregisterContainerInstanceRequest(cluster: "lab", containerInstance: node.containerInstanceArn), now: now)
            }
        } throws: { ($0 as? ECSError)?.message.contains("force") == true }
        _ = try await harness.controller.write { state, now in
            try state.deregisterContainerInstance(ECS.DeregisterContainerInstanceRequest(cluster: "lab", containerInstance: node.containerInstanceArn, force: true), now: now)
        }
        #expect(try await harness.describe(task.taskArn ?? "")?.lastStatus == "STOPPED")
        await #expect { _ = try await harness.sync(node, version: 0) } throws: { ($0 as? AgentProtocolError)?.code == .deregistered }
        await #expect { _ = try await harness.join("node-1", identity: node) } throws: { ($0 as? AgentProtocolError)?.code == .deregistered }
    }

    @Test("attributes are put, listed, filtered on and deleted; DRAINING instances take no tasks")
    func attributesAndDraining() async throws {
        let harness = try await Harness()
        let node = try await harness.join("node-1")
        let id = String(node.containerInstanceArn.split(separator: "/").last ?? "")
        _ = try await harness.controller.write { state, _ in
            try state.putAttributes(ECS.PutAttributesRequest(cluster: "lab", attributes: [ECS.Attribute(name: "gpu", value: "none", targetId: id)]))
        }
        let listed = try await harness.controller.read { state in
            try state.listAttributes(ECS.ListAttributesRequest(cluster: "lab", targetType: "container-instance", attributeName: "gpu"))
        }
        #expect(listed.attributes == [ECS.Attribute(name: "gpu", value: "none", targetType: "container-instance", targetId: node.containerInstanceArn)])
        let filtered = try await harness.controller.read { state in
            try state.listContainerInstances(ECS.ListContainerInstancesRequest(cluster: "lab", filter: "attribute:gpu == none and attribute:ecs.os-type exists"))
        }
        #expect(filtered.containerInstanceArns == [node.containerInstanceArn])
        _ = try await harness.controller.write { state, _ in
            try state.deleteAttributes(ECS.DeleteAttributesRequest(cluster: "lab", attributes: [ECS.Attribute(name: "gpu", targetId: id)]))
        }
        let none = try await harness.controller.read { state in
            try state.listContainerInstances(ECS.ListContainerInstancesRequest(cluster: "lab", filter: "attribute:gpu exists"))
        }
        #expect(none.containerInstanceArns == [])
        _ = try await harness.controller.write { state, _ in
            try state.updateContainerInstancesState(ECS.UpdateContainerInstancesStateRequest(cluster: "lab", containerInstances: [id], status: "DRAINING"))
        }
        #expect(try await harness.runTask().failures?.first?.reason == "INACTIVE")
    }
}

@Suite("Registration is authenticated before it writes")
struct RegistrationAuthenticationTests {
    @Test("no activation, a forged activation or a forged credential is refused without a write in the queue")
    func refusedBeforeWriting() async throws {
        // No cluster `default` exists: a node registering for it would make it.
        let harness = try await Harness(openRegistration: false)
        let before = harness.controller.writesQueued
        let stranger = RegisterRequest(
            cluster: "default",
            hostname: "stranger",
            resources: NodeResources(cpu: 1024, memoryMiB: 1024, reservedTCPPorts: [], reservedUDPPorts: []),
            attributes: [],
            versionInfo: ECS.VersionInfo(agentVersion: "0.1.0")
        )
        await #expect(throws: AgentProtocolError.self) { try await harness.controller.register(stranger) }
        var forged = stranger
        forged.activationId = "3f6a0f4e-0000-4000-8000-000000000000"
        forged.activationCode = "guess"
        await #expect(throws: AgentProtocolError.self) { try await harness.controller.register(forged) }
        var impostor = stranger
        impostor.containerInstanceArn = "arn:aws:ecs:us-east-1:000000000000:container-instance/default/"
            + "0123456789abcdef0123456789abcdef"
        impostor.credential = "not-the-one"
        await #expect(throws: AgentProtocolError.self) { try await harness.controller.register(impostor) }
        #expect(harness.controller.writesQueued == before, "nothing reached the writer")
        let clusters = await harness.controller.read { state in state.clusters["default"]?.status }
        #expect(clusters != .active, "no default cluster came back")
    }
}

@Suite("Log delivery from an agent")
struct LogDeliveryBoundsTests {
    @Test("a firstSequence below 0 or leaving no room for its events is refused, not an overflow that kills")
    func sequenceBounds() async throws {
        let harness = try await Harness()
        let node = try await harness.join("node-1")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-logs-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let logs = try await LogStore.open(
            path: directory.appendingPathComponent("logs.db").path,
            maxStoredBytes: 1 << 20,
            logger: Logger(label: "test")
        )
        let endpoint = AgentEndpoint(
            controller: harness.controller,
            logs: logs,
            metrics: nil,
            maxBodyBytes: 1 << 20,
            logger: Logger(label: "test")
        )
        let stream = LogStreamEvents(
            logGroup: "g",
            logStream: "s",
            createGroup: true,
            events: [LogEventRecord(timestamp: 1, message: "m")]
        )
        for (first, streams) in [(Int.min, []), (Int.min, [stream]), (-1, [stream]), (Int.max, [stream])] {
            let request = LogDeliveryRequest(
                containerInstanceArn: node.containerInstanceArn,
                credential: node.credential,
                firstSequence: first,
                streams: streams
            )
            await #expect {
                _ = try await endpoint.deliver(request)
            } throws: { error in
                (error as? AgentProtocolError)?.code == .invalidRequest
                    && (error as? AgentProtocolError)?.message.contains("out of range") == true
            }
        }
        let fine = LogDeliveryRequest(
            containerInstanceArn: node.containerInstanceArn,
            credential: node.credential,
            firstSequence: 1,
            streams: [stream]
        )
        #expect(try await endpoint.deliver(fine).lastSequence == 1)
        await logs.close()
    }
}
