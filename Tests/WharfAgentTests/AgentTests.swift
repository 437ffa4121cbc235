import Foundation
import Logging
import Synchronization
import Testing
import WharfModel
import WharfProtocol
@testable import WharfAgent
import WharfSim

/// A controller that answers registration and records syncs; tests hand the agent desired state
/// directly (``Agent/apply(_:)``), so no long poll is involved.
final class ScriptedController: ControllerClient {
    let registrations = Mutex<[RegisterRequest]>([])

    func register(_ request: RegisterRequest) async throws(AgentProtocolError) -> RegisterResponse {
        registrations.withLock { $0.append(request) }
        return RegisterResponse(containerInstanceArn: request.containerInstanceArn ?? "arn:aws:ecs:us-east-1:000000000000:container-instance/lab/n1",
                                credential: request.credential ?? "secret", clusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/lab",
                                longPollSeconds: 20)
    }

    func sync(_ request: SyncRequest) async throws(AgentProtocolError) -> SyncResponse {
        throw AgentProtocolError(.serverError, "not used in these tests")
    }

    func deliverLogs(_ request: LogDeliveryRequest) async throws(AgentProtocolError) -> LogDeliveryResponse {
        throw AgentProtocolError(.serverError, "not used in these tests")
    }
}

/// Polls until `condition` holds for the agent's tasks (launches run as separate work).
func eventually(_ agent: Agent, _ what: String, _ condition: ([ManagedTask]) -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: .seconds(30))
    while clock.now < deadline {
        if condition(await agent.taskSnapshot) { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("never happened: \(what); tasks: \(await agent.taskSnapshot)")
}

func withAgentDirectory(_ body: (String) async throws -> Void) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-agent-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try await body(directory)
}

let desiredWeb = DesiredTask(
    taskArn: "arn:aws:ecs:us-east-1:000000000000:task/lab/t1", desiredStatus: "RUNNING",
    taskDefinition: ECS.TaskDefinition(
        containerDefinitions: [ECS.ContainerDefinition(name: "web", image: "busybox", memory: 32,
                                                       portMappings: [ECS.PortMapping(containerPort: 80, protocol: "tcp")],
                                                       mountPoints: [ECS.MountPoint(sourceVolume: "scratch", containerPath: "/scratch")])],
        family: "web", revision: 1, volumes: [ECS.Volume(name: "scratch")]),
    overrides: nil, clusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/lab")

@Suite("Agent with a fake engine")
struct AgentTests {
    func makeAgent(_ directory: String, runtime: FakeRuntime, controller: ScriptedController = ScriptedController(),
                   cleanup: Duration = .seconds(0), registryAuth: RegistryAuth = RegistryAuth(),
                   pulls: AgentConfiguration.ImagePullBehavior = .default) -> Agent {
        Agent(configuration: AgentConfiguration(controllerURL: "http://unused", cluster: "lab", dataDirectory: directory,
                                                reservedMemoryMiB: 512, imagePullBehavior: pulls, registryAuth: registryAuth,
                                                taskCleanupWait: cleanup),
              runtime: runtime, client: controller, logger: Logger(label: "test"))
    }

    /// A started agent running `desiredWeb` on a fake engine, with the engine and the container's ID.
    func runningWeb(_ directory: String) async throws -> (Agent, FakeRuntime, String) {
        let runtime = FakeRuntime(images: ["busybox": .pullable])
        let agent = makeAgent(directory, runtime: runtime)
        try await agent.start()
        await agent.apply(SyncResponse(desiredVersion: 2, tasks: [desiredWeb], acknowledgedStopped: []))
        try await eventually(agent, "RUNNING") { $0.first?.lastStatus == "RUNNING" }
        let id = try #require(await agent.reports().first?.containers.first?.runtimeId)
        return (agent, runtime, id)
    }

    @Test("registration reports the node's resources and keeps the identity in a 0600 file for the next start")
    func registration() async throws {
        try await withAgentDirectory { directory in
            let controller = ScriptedController()
            let runtime = FakeRuntime()
            try await makeAgent(directory, runtime: runtime, controller: controller).start()
            try await makeAgent(directory, runtime: runtime, controller: controller).start()
            let requests = controller.registrations.withLock { $0 }
            #expect(requests.count == 2)
            #expect(requests[0].containerInstanceArn == nil)
            #expect(requests[1].containerInstanceArn == "arn:aws:ecs:us-east-1:000000000000:container-instance/lab/n1")
            #expect(requests[1].credential == "secret")
            #expect(requests[0].resources == NodeResources(cpu: 4096, memoryMiB: 8192 - 512, reservedTCPPorts: [22, 2375, 2376], reservedUDPPorts: []))
            #expect(requests[0].attributes.contains(ECS.Attribute(name: "ecs.os-type", value: "linux")))
            let mode = try FileManager.default.attributesOfItem(atPath: directory + "/identity.json")[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
    }

    @Test("a desired task is launched, reported RUNNING with its dynamic port, and reported STOPPED with the exit code")
    func lifecycle() async throws {
        try await withAgentDirectory { directory in
            let runtime = FakeRuntime(images: ["busybox": .pullable])
            let agent = makeAgent(directory, runtime: runtime)
            try await agent.start()
            await agent.apply(SyncResponse(desiredVersion: 2, tasks: [desiredWeb], acknowledgedStopped: []))
            try await eventually(agent, "RUNNING") { $0.first?.lastStatus == "RUNNING" }
            let report = try #require(await agent.reports().first)
            #expect(report.lastStatus == "RUNNING")
            #expect(report.containers.first?.networkBindings.first?.hostPort == 49153)
            let id = try #require(report.containers.first?.runtimeId)
            try runtime.exit(id: id, code: 3)
            await agent.handle(ContainerEvent(action: "die", containerID: id, labels: [
                ContainerLabels.taskArn: desiredWeb.taskArn, ContainerLabels.containerName: "web",
            ]))
            let stopped = try #require(await agent.reports().first)
            #expect(stopped.lastStatus == "STOPPED")
            #expect(stopped.containers.first?.exitCode == 3)
            #expect(stopped.stopCode == "EssentialContainerExited")

            await agent.apply(SyncResponse(desiredVersion: 2, tasks: [], acknowledgedStopped: [desiredWeb.taskArn]))
            #expect(await agent.reports().isEmpty, "an acknowledged STOPPED task is no longer reported")
            await agent.cleanUp()
            #expect(await agent.taskSnapshot.isEmpty)
            #expect(runtime.calls.contains(.removeContainer(id)))
            #expect(runtime.calls.contains(.removeVolume("ecs-t1-scratch")))
        }
    }

    @Test("a missing image fails the task with CannotPullContainerError")
    func missingImage() async throws {
        try await withAgentDirectory { directory in
            let runtime = FakeRuntime(images: ["busybox": .missing])
            let agent = makeAgent(directory, runtime: runtime)
            try await agent.start()
            await agent.apply(SyncResponse(desiredVersion: 2, tasks: [desiredWeb], acknowledgedStopped: []))
            try await eventually(agent, "STOPPED") { $0.first?.lastStatus == "STOPPED" }
            let report = try #require(await agent.reports().first)
            #expect(report.stopCode == "TaskFailedToStart")
            #expect(report.containers.first?.reason?.hasPrefix("CannotPullContainerError") == true)
        }
    }

    @Test("pulls from a private registry carry the agent's credentials for it; a failed pull of repositoryCredentials says where they come from")
    func privateRegistry() async throws {
        let credentials = RegistryCredentials(username: "wharf", password: "pw")
        func task(_ image: String, arn: String) -> DesiredTask {
            var task = desiredWeb
            task.taskArn = arn
            task.taskDefinition.containerDefinitions?[0].image = image
            task.taskDefinition.containerDefinitions?[0].repositoryCredentials = ECS.RepositoryCredentials(
                credentialsParameter: "arn:aws:secretsmanager:us-east-1:000000000000:secret:registry")
            return task
        }
        try await withAgentDirectory { directory in
            let runtime = FakeRuntime(images: ["127.0.0.1:5001/app:1": .pullable, "127.0.0.1:5002/app:1": .missing])
            let agent = makeAgent(directory, runtime: runtime, registryAuth: RegistryAuth(["127.0.0.1:5001": credentials]))
            try await agent.start()
            let first = task("127.0.0.1:5001/app:1", arn: "arn:aws:ecs:us-east-1:000000000000:task/lab/p1")
            let second = task("127.0.0.1:5002/app:1", arn: "arn:aws:ecs:us-east-1:000000000000:task/lab/p2")
            await agent.apply(SyncResponse(desiredVersion: 2, tasks: [first, second], acknowledgedStopped: []))
            try await eventually(agent, "one RUNNING, one STOPPED") { tasks in
                tasks.map(\.lastStatus).sorted() == ["RUNNING", "STOPPED"]
            }
            #expect(runtime.calls.contains(.pullImage("127.0.0.1:5001/app:1", credentials: credentials)))
            #expect(runtime.calls.contains(.pullImage("127.0.0.1:5002/app:1", credentials: nil)))
            let failed = try #require(await agent.reports().first { $0.taskArn == second.taskArn })
            let reason = try #require(failed.containers.first?.reason)
            #expect(reason.hasPrefix("CannotPullContainerError"))
            #expect(reason.contains("--engine-auth-file") && reason.contains("127.0.0.1:5002"))
            #expect(
                reason.contains(
                    "neither a secret of the controller's Secrets Manager nor in the agent's --secrets-file"),
                "\(reason)"
            )
        }
    }

    @Test("a container's repositoryCredentials secret, from --secrets-file, is what its pull carries")
    func repositoryCredentialsSecret() async throws {
        let registry = RegistryCredentials(username: "agent", password: "agent-pw")
        var auth = RegistryAuth(["127.0.0.1:5001": registry])
        try auth.addSecrets(parsing: Data(#"{"team/registry": {"username": "team", "password": "team-pw"}}"#.utf8), source: "secrets.json")
        var task = desiredWeb
        task.taskDefinition.containerDefinitions?[0].image = "127.0.0.1:5001/app:1"
        task.taskDefinition.containerDefinitions?[0].repositoryCredentials = ECS.RepositoryCredentials(
            credentialsParameter: "arn:aws:secretsmanager:us-east-1:000000000000:secret:team/registry-AbCdEf")
        try await withAgentDirectory { directory in
            let runtime = FakeRuntime(images: ["127.0.0.1:5001/app:1": .pullable])
            let agent = makeAgent(directory, runtime: runtime, registryAuth: auth)
            try await agent.start()
            await agent.apply(SyncResponse(desiredVersion: 2, tasks: [task], acknowledgedStopped: []))
            try await eventually(agent, "RUNNING") { $0.first?.lastStatus == "RUNNING" }
            #expect(runtime.calls.contains(.pullImage("127.0.0.1:5001/app:1", credentials: RegistryCredentials(username: "team", password: "team-pw"))))
            #expect(!runtime.calls.contains(.pullImage("127.0.0.1:5001/app:1", credentials: registry)))
        }
    }

    @Test("image pull behaviours: which launches pull", arguments: [
        (AgentConfiguration.ImagePullBehavior.default, FakeRuntime.Image.present, 2),
        (.always, .present, 2),
        (.preferCached, .present, 0),
        (.preferCached, .pullable, 1),
        (.once, .present, 1),
        (.once, .pullable, 1),
    ])
    func pullBehaviours(behaviour: AgentConfiguration.ImagePullBehavior, image: FakeRuntime.Image, pulls: Int) async throws {
        try await withAgentDirectory { directory in
            let runtime = FakeRuntime(images: ["busybox": image])
            let agent = makeAgent(directory, runtime: runtime, pulls: behaviour)
            try await agent.start()
            var second = desiredWeb
            second.taskArn = "arn:aws:ecs:us-east-1:000000000000:task/lab/t2"
            // One task, then a second of the same image once the first runs.
            await agent.apply(SyncResponse(desiredVersion: 2, tasks: [desiredWeb], acknowledgedStopped: []))
            try await eventually(agent, "first RUNNING") { $0.first?.lastStatus == "RUNNING" }
            await agent.apply(SyncResponse(desiredVersion: 3, tasks: [desiredWeb, second], acknowledgedStopped: []))
            try await eventually(agent, "both RUNNING") { $0.count == 2 && $0.allSatisfy { $0.lastStatus == "RUNNING" } }
            #expect(runtime.calls.filter { if case .pullImage = $0 { true } else { false } }.count == pulls)
        }
    }

    @Test("a stopped task's containers stay until the cleanup wait has passed")
    func cleanupWait() async throws {
        try await withAgentDirectory { directory in
            let runtime = FakeRuntime(images: ["busybox": .present])
            let agent = makeAgent(directory, runtime: runtime, cleanup: .seconds(3600))
            try await agent.start()
            await agent.apply(SyncResponse(desiredVersion: 2, tasks: [desiredWeb], acknowledgedStopped: []))
            try await eventually(agent, "RUNNING") { $0.first?.lastStatus == "RUNNING" }
            let id = try #require(await agent.reports().first?.containers.first?.runtimeId)
            try runtime.exit(id: id, code: 0)
            await agent.handle(ContainerEvent(action: "die", containerID: id, labels: [
                ContainerLabels.taskArn: desiredWeb.taskArn, ContainerLabels.containerName: "web",
            ]))
            await agent.apply(SyncResponse(desiredVersion: 3, tasks: [], acknowledgedStopped: [desiredWeb.taskArn]))
            await agent.cleanUp()
            #expect(await agent.taskSnapshot.count == 1, "kept for the wait, so docker logs still works")
            #expect(!runtime.calls.contains(.removeContainer(id)))
        }
    }

    @Test("after a restart the agent takes up a running container instead of starting a second, and removes strays")
    func readoption() async throws {
        try await withAgentDirectory { directory in
            let runtime = FakeRuntime(images: ["busybox": .present])
            let first = makeAgent(directory, runtime: runtime)
            try await first.start()
            await first.apply(SyncResponse(desiredVersion: 2, tasks: [desiredWeb], acknowledgedStopped: []))
            try await eventually(first, "RUNNING") { $0.first?.lastStatus == "RUNNING" }
            await first.tasksSaved()
            let stray = try await runtime.createContainer(ContainerSpec(name: "stray", image: "busybox", labels: [
                ContainerLabels.instanceArn: "arn:aws:ecs:us-east-1:000000000000:container-instance/lab/n1",
                ContainerLabels.taskArn: "arn:aws:ecs:us-east-1:000000000000:task/lab/unknown", ContainerLabels.containerName: "x",
            ]))
            let creates = runtime.calls.filter { if case .createContainer = $0 { true } else { false } }.count
            let starts = runtime.calls.filter { if case .startContainer = $0 { true } else { false } }.count

            let second = makeAgent(directory, runtime: runtime)
            try await second.start()
            await second.apply(SyncResponse(desiredVersion: 2, tasks: [desiredWeb], acknowledgedStopped: []))
            // A launch runs as work of its own; give a wrongly started one time to reach the engine.
            try await Task.sleep(for: .milliseconds(200))
            #expect(await second.taskSnapshot.first?.containers.first?.phase == .running)
            #expect(runtime.calls.filter { if case .createContainer = $0 { true } else { false } }.count == creates)
            #expect(runtime.calls.filter { if case .startContainer = $0 { true } else { false } }.count == starts)
            #expect(await second.reports().first?.lastStatus == "RUNNING")
            #expect(runtime.calls.contains(.removeContainer(stray)))
        }
    }
}

@Suite("Agent after a power cut: the containers' labels are the truth")
struct AgentPowerCutTests {
    func creates(_ runtime: FakeRuntime) -> Int {
        runtime.calls.filter { if case .createContainer = $0 { true } else { false } }.count
    }

    func stops(_ runtime: FakeRuntime) -> Int {
        runtime.calls.filter { call in
            switch call {
            case .stopContainer, .removeContainer: true
            default: false
            }
        }.count
    }

    @Test(
        """
        a task list lost, torn or from before the task started: the wanted task's running container is taken up, \
        never stopped or created again; one the controller does not want is removed after the first sync
        """,
        arguments: ["lost", "torn", "earlier"]
    )
    func tasksFileLost(_ damage: String) async throws {
        try await withAgentDirectory { directory in
            let runtime = FakeRuntime(images: ["busybox": .present])
            let first = AgentTests().makeAgent(directory, runtime: runtime)
            try await first.start()
            await first.tasksSaved()
            let path = directory + "/tasks.json"
            let earlier = try Data(contentsOf: URL(fileURLWithPath: path))
            await first.apply(SyncResponse(desiredVersion: 2, tasks: [desiredWeb], acknowledgedStopped: []))
            try await eventually(first, "RUNNING") { $0.first?.lastStatus == "RUNNING" }
            await first.tasksSaved()
            let stray = try await runtime.createContainer(
                ContainerSpec(
                    name: "stray",
                    image: "busybox",
                    labels: [
                        ContainerLabels.instanceArn: "arn:aws:ecs:us-east-1:000000000000:container-instance/lab/n1",
                        ContainerLabels.taskArn: "arn:aws:ecs:us-east-1:000000000000:task/lab/unknown",
                        ContainerLabels.containerName: "x",
                    ]
                )
            )
            let saved = try Data(contentsOf: URL(fileURLWithPath: path))
            switch damage {
            case "lost": try FileManager.default.removeItem(atPath: path)
            case "torn": try saved.prefix(saved.count / 2).write(to: URL(fileURLWithPath: path))
            default: try earlier.write(to: URL(fileURLWithPath: path))
            }
            let (createdBefore, stoppedBefore) = (creates(runtime), stops(runtime))

            let second = AgentTests().makeAgent(directory, runtime: runtime)
            try await second.start()
            #expect(await second.taskSnapshot.isEmpty, "nothing known before the controller says")
            #expect(stops(runtime) == stoppedBefore, "nothing removed before the first sync")
            await second.apply(SyncResponse(desiredVersion: 2, tasks: [desiredWeb], acknowledgedStopped: []))
            try await Task.sleep(for: .milliseconds(200))
            let task = try #require(await second.taskSnapshot.first)
            #expect(task.containers.first?.phase == .running)
            #expect(await second.reports().first?.lastStatus == "RUNNING")
            #expect(creates(runtime) == createdBefore, "no second container")
            #expect(runtime.calls.contains(.removeContainer(stray)), "the unwanted one removed")
            let wanted = try #require(task.containers.first?.runtimeId)
            #expect(!runtime.calls.contains(.stopContainer(wanted, timeoutSeconds: 10)))
            #expect(!runtime.calls.contains(.removeContainer(wanted)))
            if damage == "torn" {
                let files = try FileManager.default.contentsOfDirectory(atPath: directory)
                #expect(files.contains { $0.hasPrefix("tasks.json.damaged-") }, "kept aside for a look: \(files)")
            }
        }
    }
}
