import Foundation
import Testing
import WharfModel
import WharfProtocol
import WharfState
@testable import WharfController

/// Services whose deployment controller is EXTERNAL, and their task sets, on a controller with
/// fake agents.
@Suite("Task sets: the EXTERNAL deployment controller")
struct TaskSetTests {
    /// A harness with two nodes and an `api` definition in revisions 1 and 2.
    func harness() async throws -> (Harness, [RegisterResponse]) {
        let harness = try await Harness()
        for command in [["sleep", "1"], ["sleep", "2"]] {
            _ = try await harness.controller.write { state, now in
                try state.registerTaskDefinition(
                    ECS.RegisterTaskDefinitionRequest(
                        family: "api",
                        containerDefinitions: [
                            ECS.ContainerDefinition(name: "app", image: "busybox", memory: 64, command: command)
                        ]
                    ),
                    now: now
                )
            }
        }
        let nodes = [try await harness.join("node-1"), try await harness.join("node-2")]
        return (harness, nodes)
    }

    /// Creates service `web` in `lab` with the EXTERNAL deployment controller.
    @discardableResult
    static func createExternal(_ harness: Harness, desired: Int) async throws -> ECS.Service? {
        try await harness.controller.write { state, now in
            try state.createService(
                ECS.CreateServiceRequest(
                    cluster: "lab",
                    serviceName: "web",
                    desiredCount: desired,
                    deploymentController: ECS.DeploymentController(type: "EXTERNAL")
                ),
                now: now,
                deploymentID: "unused"
            )
        }.service
    }

    /// The live tasks of each task set, by its ID.
    func live(_ harness: Harness) async -> [String: Int] {
        await harness.controller.read { state in
            var counts: [String: Int] = [:]
            for task in state.tasks.all where task.desiredStatus == .running {
                counts[task.startedBy ?? "", default: 0] += 1
            }
            return counts
        }
    }

    /// Reports what the nodes were asked, as agents would: wanted RUNNING as RUNNING, wanted
    /// STOPPED as STOPPED.
    func settle(_ harness: Harness, _ nodes: [RegisterResponse]) async throws {
        for node in nodes {
            let desired = try await harness.sync(node, version: 0)
            let reports = desired.tasks.map { task in
                TaskReport(
                    taskArn: task.taskArn,
                    lastStatus: task.desiredStatus,
                    containers: [
                        ContainerReport(
                            name: "app",
                            runtimeId: "c-\(task.taskArn.suffix(6))",
                            lastStatus: task.desiredStatus
                        )
                    ],
                    startedAt: 1_760_000_000
                )
            }
            _ = try await harness.sync(node, version: 0, reports: reports)
        }
    }

    func createTaskSet(
        _ harness: Harness,
        _ definition: String,
        scale: Double,
        id: String
    ) async throws -> ECS.TaskSet? {
        try await harness.controller.write { state, now in
            try state.createTaskSet(
                ECS.CreateTaskSetRequest(
                    service: "web",
                    cluster: "lab",
                    externalId: "deploy-\(id.suffix(1))",
                    taskDefinition: definition,
                    scale: ECS.Scale(value: scale, unit: "PERCENT")
                ),
                now: now,
                id: id
            )
        }.taskSet
    }

    func service(_ harness: Harness) async throws -> ECS.Service? {
        try await harness.controller.read { state in
            try state.describeServices(ECS.DescribeServicesRequest(cluster: "lab", services: ["web"]))
        }.services?.first
    }

    @Test(
        """
        an EXTERNAL service runs what its task sets ask: each at its scale of the desired count, the primary's \
        settings shown as the service's, a task set scaled to 0 and deleted drains and goes, and DeleteService stops \
        the rest
        """
    )
    func lifecycle() async throws {
        let (harness, nodes) = try await harness()
        let created = try await Self.createExternal(harness, desired: 4)
        #expect(created?.deploymentController?.type == "EXTERNAL")
        #expect(created?.taskSets == [] && created?.deployments == nil && created?.taskDefinition == nil)

        let blue = try #require(try await createTaskSet(harness, "api:1", scale: 100, id: "ecs-svc/1"))
        #expect(blue.status == "ACTIVE" && blue.computedDesiredCount == 4 && blue.externalId == "deploy-1")
        #expect(blue.taskSetArn == "arn:aws:ecs:us-east-1:000000000000:task-set/lab/web/ecs-svc/1")
        _ = try await harness.controller.scheduleServices()
        #expect(await live(harness) == ["ecs-svc/1": 4])
        try await settle(harness, nodes)

        // The green task set at half the desired count runs beside the blue one.
        _ = try await createTaskSet(harness, "api:2", scale: 50, id: "ecs-svc/2")
        _ = try await harness.controller.scheduleServices()
        #expect(await live(harness) == ["ecs-svc/1": 4, "ecs-svc/2": 2])
        let primary = try await harness.controller.write { state, now in
            try state.updateServicePrimaryTaskSet(
                ECS.UpdateServicePrimaryTaskSetRequest(cluster: "lab", service: "web", primaryTaskSet: "ecs-svc/2"),
                now: now
            )
        }.taskSet
        #expect(primary?.status == "PRIMARY")
        var shown = try await service(harness)
        #expect(shown?.taskDefinition == "arn:aws:ecs:us-east-1:000000000000:task-definition/api:2")
        #expect(shown?.taskSets?.map(\.status) == ["ACTIVE", "PRIMARY"])

        // Green to 100 %, blue to 0 %, then blue deleted.
        for (set, scale) in [("ecs-svc/2", 100.0), ("ecs-svc/1", 0.0)] {
            _ = try await harness.controller.write { state, now in
                try state.updateTaskSet(
                    ECS.UpdateTaskSetRequest(
                        cluster: "lab",
                        service: "web",
                        taskSet: set,
                        scale: ECS.Scale(value: scale, unit: "PERCENT")
                    ),
                    now: now
                )
            }
        }
        _ = try await harness.controller.scheduleServices()
        #expect(await live(harness) == ["ecs-svc/2": 4])
        try await settle(harness, nodes)
        let deleted = try await harness.controller.write { state, now in
            try state.deleteTaskSet(
                ECS.DeleteTaskSetRequest(cluster: "lab", service: "web", taskSet: blue.taskSetArn),
                now: now
            )
        }.taskSet
        #expect(deleted?.status == "DRAINING")
        _ = try await harness.controller.scheduleServices()
        shown = try await service(harness)
        #expect(shown?.taskSets?.map(\.id) == ["ecs-svc/2"], "the drained task set is gone")
        #expect(shown?.runningCount == 4)

        // Desired count follows into the task sets.
        _ = try await harness.controller.write { state, now in
            try state.updateService(
                ECS.UpdateServiceRequest(cluster: "lab", service: "web", desiredCount: 2),
                now: now,
                deploymentID: "unused"
            )
        }
        _ = try await harness.controller.scheduleServices()
        #expect(await live(harness) == ["ecs-svc/2": 2])

        _ = try await harness.controller.write { state, now in
            try state.deleteService(ECS.DeleteServiceRequest(cluster: "lab", service: "web", force: true), now: now)
        }
        _ = try await harness.controller.scheduleServices()
        #expect(await live(harness) == [:])
        try await settle(harness, nodes)
        _ = try await harness.controller.scheduleServices()
        #expect(try await service(harness)?.status == "INACTIVE")
    }

    @Test("two task sets placed in one round share the nodes' room: what the first takes, the second cannot")
    func sharedRoom() async throws {
        let harness = try await Harness()
        _ = try await harness.controller.write { state, now in
            try state.registerTaskDefinition(
                ECS.RegisterTaskDefinitionRequest(
                    family: "big",
                    containerDefinitions: [ECS.ContainerDefinition(name: "app", image: "busybox", memory: 1500)]
                ),
                now: now
            )
        }
        _ = try await harness.join("node-1", memory: 2048)
        try await Self.createExternal(harness, desired: 1)
        _ = try await createTaskSet(harness, "big", scale: 100, id: "ecs-svc/1")
        _ = try await createTaskSet(harness, "big", scale: 100, id: "ecs-svc/2")
        let round = try await harness.controller.scheduleServices()
        #expect(round.started == 1, "the node has room for one task of 1500 MiB, not two")
        #expect(await live(harness).values.reduce(0, +) == 1)
    }

    @Test("an EXTERNAL service and its task sets come back whole from the store's JSON")
    func stored() async throws {
        let (harness, _) = try await harness()
        try await Self.createExternal(harness, desired: 1)
        _ = try await createTaskSet(harness, "api:1", scale: 40, id: "ecs-svc/1")
        let record = try #require(await harness.controller.read { state in state.services.all.first })
        let decoded = try ECSJSON.decoder().decode(ServiceRecord.self, from: try ECSJSON.encoder().encode(record))
        #expect(decoded == record)
        #expect(decoded.isExternal && decoded.taskSets?.first?.scale == 40)
    }

    @Test("what an EXTERNAL service or a task set cannot take is refused with a message naming it")
    func refusals() async throws {
        let (harness, _) = try await harness()
        let withDefinition = await ecsRefusal {
            try await harness.controller.write { state, now in
                try state.createService(
                    ECS.CreateServiceRequest(
                        cluster: "lab",
                        serviceName: "web",
                        taskDefinition: "api",
                        desiredCount: 1,
                        deploymentController: ECS.DeploymentController(type: "EXTERNAL")
                    ),
                    now: now,
                    deploymentID: "unused"
                )
            }
        }
        #expect(withDefinition?.message.hasPrefix("taskDefinition is given to each task set") == true)
        let codeDeploy = await ecsRefusal {
            try await harness.controller.write { state, now in
                try state.createService(
                    ECS.CreateServiceRequest(
                        cluster: "lab",
                        serviceName: "web",
                        taskDefinition: "api",
                        desiredCount: 1,
                        deploymentController: ECS.DeploymentController(type: "CODE_DEPLOY")
                    ),
                    now: now,
                    deploymentID: "unused"
                )
            }
        }
        #expect(codeDeploy?.message.contains("deploymentController CODE_DEPLOY is not supported") == true)
        _ = try await harness.controller.write { state, now in
            try state.createService(
                ECS.CreateServiceRequest(
                    cluster: "lab",
                    serviceName: "rolling",
                    taskDefinition: "api",
                    desiredCount: 0
                ),
                now: now,
                deploymentID: "ecs-svc/9"
            )
        }
        let notExternal = await ecsRefusal {
            try await harness.controller.read { state in
                try state.describeTaskSets(ECS.DescribeTaskSetsRequest(cluster: "lab", service: "rolling"))
            }
        }
        #expect(
            notExternal?.message
                == "Amazon ECS only supports task set management on services configured to use external deployment "
                + "controllers."
        )
        try await Self.createExternal(harness, desired: 1)
        _ = try await createTaskSet(harness, "api:1", scale: 100, id: "ecs-svc/1")
        let missing = try await harness.controller.read { state in
            try state.describeTaskSets(
                ECS.DescribeTaskSetsRequest(cluster: "lab", service: "web", taskSets: ["ecs-svc/1", "ecs-svc/404"])
            )
        }
        #expect(missing.taskSets?.map(\.id) == ["ecs-svc/1"] && missing.failures?.map(\.reason) == ["MISSING"])
        let unknown = await ecsRefusal {
            try await harness.controller.write { state, now in
                try state.updateTaskSet(
                    ECS.UpdateTaskSetRequest(
                        cluster: "lab",
                        service: "web",
                        taskSet: "ecs-svc/404",
                        scale: ECS.Scale(value: 10, unit: "PERCENT")
                    ),
                    now: now
                )
            }
        }
        #expect(unknown?.code == .taskSetNotFound && unknown?.message == "The specified task set does not exist.")
        let scaled = await ecsRefusal {
            try await harness.controller.write { state, now in
                try state.deleteTaskSet(
                    ECS.DeleteTaskSetRequest(cluster: "lab", service: "web", taskSet: "ecs-svc/1"),
                    now: now
                )
            }
        }
        #expect(scaled?.message.hasPrefix("The task set cannot be deleted until it has been scaled down") == true)
        let newDefinition = await ecsRefusal {
            try await harness.controller.write { state, now in
                try state.updateService(
                    ECS.UpdateServiceRequest(cluster: "lab", service: "web", taskDefinition: "api:2"),
                    now: now,
                    deploymentID: "unused"
                )
            }
        }
        #expect(newDefinition?.message.hasPrefix("taskDefinition cannot be updated on a service whose") == true)
        let badScale = await ecsRefusal { try await createTaskSet(harness, "api:1", scale: 150, id: "ecs-svc/3") }
        #expect(badScale?.message == "scale.value must be 0 to 100, not 150.0")
    }
}
