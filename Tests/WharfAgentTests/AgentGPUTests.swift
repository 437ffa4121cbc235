import Foundation
import Logging
import Synchronization
import Testing
import WharfModel
import WharfProtocol
@testable import WharfAgent
import WharfSim

@Suite("GPUs on the node: found, offered, given to containers")
struct AgentGPUTests {
    static func gpuTask(_ id: String, gpus: Int) -> DesiredTask {
        var task = desiredWeb
        task.taskArn = "arn:aws:ecs:us-east-1:000000000000:task/lab/\(id)"
        task.taskDefinition.containerDefinitions?[0].portMappings = []
        task.taskDefinition.containerDefinitions?[0].resourceRequirements = [
            ECS.ResourceRequirement(value: String(gpus), type: "GPU")
        ]
        return task
    }

    @Test("the agent registers its GPUs, gives each container its own, and fails one when none is free")
    func assigned() async throws {
        try await withAgentDirectory { directory in
            var configuration = AgentConfiguration(
                controllerURL: "http://unused",
                cluster: "lab",
                dataDirectory: directory,
                taskCleanupWait: .seconds(0)
            )
            configuration.gpus = ["GPU-a", "GPU-b"]
            let controller = ScriptedController()
            let runtime = FakeRuntime(images: ["busybox": .pullable])
            let agent = Agent(
                configuration: configuration,
                runtime: runtime,
                client: controller,
                logger: Logger(label: "test")
            )
            try await agent.start()
            #expect(controller.registrations.withLock { $0.first?.resources.gpus } == ["GPU-a", "GPU-b"])
            let first = Self.gpuTask("g1", gpus: 1)
            let second = Self.gpuTask("g2", gpus: 1)
            await agent.apply(SyncResponse(desiredVersion: 1, tasks: [first, second], acknowledgedStopped: []))
            try await eventually(agent, "both RUNNING") {
                $0.count == 2 && $0.allSatisfy { $0.lastStatus == "RUNNING" }
            }
            let given = await agent.reports().compactMap { $0.containers.first?.gpuIds }
            #expect(Set(given.flatMap { $0 }) == ["GPU-a", "GPU-b"], "one each: \(given)")
            let third = Self.gpuTask("g3", gpus: 1)
            await agent.apply(SyncResponse(desiredVersion: 2, tasks: [first, second, third], acknowledgedStopped: []))
            try await eventually(agent, "the third STOPPED") { tasks in
                tasks.first { $0.arn == third.taskArn }?.lastStatus == "STOPPED"
            }
            let failed = try #require(await agent.reports().first { $0.taskArn == third.taskArn })
            #expect(failed.containers.first?.reason?.contains("needs 1 GPUs and the node has 0 free of 2") == true)
            #expect(failed.stopCode == "TaskFailedToStart")
        }
    }

    @Test("the NVIDIA driver's information files give the GPUs' UUIDs")
    func discovery() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("gpus-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (bus, uuid) in [("0000:01:00.0", "GPU-6a8f0c1e"), ("0000:02:00.0", "GPU-11aa22bb")] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(bus)", withIntermediateDirectories: true)
            let text =
                "Model: \t\t NVIDIA A10G\nIRQ:   \t\t 45\nGPU UUID: \t GPU-\(uuid.dropFirst(4))\nVideo BIOS: \t ??\n"
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(root)/\(bus)/information"))
        }
        #expect(GPUDiscovery.nvidiaGPUs(root: root) == ["GPU-11aa22bb", "GPU-6a8f0c1e"])
        #expect(GPUDiscovery.nvidiaGPUs(root: "\(root)/none").isEmpty)
        #expect(GPUDiscovery.uuid(in: "Model: x\n") == nil)
    }

    @Test("a container's GPUs go to the engine by ID through the nvidia driver, and into NVIDIA_VISIBLE_DEVICES")
    func deviceRequests() throws {
        var task = managedTask([ECS.ContainerDefinition(name: "app", image: "cuda", memory: 64)])
        task.containers[0].gpuIDs = ["GPU-a", "GPU-b"]
        let spec = ContainerSpec(container: "app", of: task, instanceArn: "i", runtimeID: { _ in nil })
        #expect(spec.environment["NVIDIA_VISIBLE_DEVICES"] == "GPU-a,GPU-b")
        let json =
            try JSONSerialization.jsonObject(with: DockerClient.json(DockerAPI.ContainerCreate(spec))) as? [String: Any]
        let host = json?["HostConfig"] as? [String: Any]
        let requests = host?["DeviceRequests"] as? [[String: Any]]
        #expect(requests?.first?["Driver"] as? String == "nvidia")
        #expect(requests?.first?["DeviceIDs"] as? [String] == ["GPU-a", "GPU-b"])
        #expect(requests?.first?["Capabilities"] as? [[String]] == [["gpu"]])
    }
}
