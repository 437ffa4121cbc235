import Foundation
import Logging
import Testing
import WharfModel
import WharfProtocol
import WharfState
import WharfStore
@testable import WharfController

@Suite("Stopped tasks and INACTIVE services expire")
struct RetentionTests {
    /// Registers `job`, a definition without host ports, so many of its tasks fit on one node.
    func registerJob(_ harness: Harness) async throws {
        _ = try await harness.controller.write { state, now in
            try state.registerTaskDefinition(
                ECS.RegisterTaskDefinitionRequest(
                    family: "job",
                    containerDefinitions: [ECS.ContainerDefinition(name: "httpd", image: "busybox", memory: 64)]
                ),
                now: now
            )
        }
    }

    /// Runs `count` tasks of `job` on the cluster; returns their ARNs.
    func run(_ harness: Harness, count: Int) async throws -> [String] {
        let seed = harness.controller.nextSeed()
        return try await harness.controller.write { state, now in
            try state.runTask(
                ECS.RunTaskRequest(cluster: "lab", count: count, taskDefinition: "job"),
                now: now,
                seed: seed
            )
        }.tasks?.compactMap(\.taskArn) ?? []
    }

    /// Runs `count` tasks on `node` and reports them STOPPED; returns their ARNs.
    func runAndStop(_ harness: Harness, _ node: RegisterResponse, count: Int) async throws -> [String] {
        let arns = try await run(harness, count: count)
        let reports = arns.map { arn in
            TaskReport(
                taskArn: arn,
                lastStatus: "STOPPED",
                containers: [ContainerReport(name: "httpd", runtimeId: "c", lastStatus: "STOPPED", exitCode: 0)],
                stopCode: "EssentialContainerExited",
                stoppedReason: "Essential container in task exited"
            )
        }
        _ = try await harness.sync(node, version: 0, reports: reports)
        return arns
    }

    @Test(
        """
        a STOPPED task is forgotten a retention after it stopped: gone from DescribeTasks, ListTasks, memory and \
        the store
        """
    )
    func tasksExpire() async throws {
        let store = InMemoryStore()
        let harness = try await Harness(store: store)
        let node = try await harness.join("node-1", memory: 8192)
        try await registerJob(harness)
        let early = try await runAndStop(harness, node, count: 2)
        harness.clock.advance(1800)
        let late = try await runAndStop(harness, node, count: 1)
        let running = try await run(harness, count: 1).first ?? ""
        #expect(try await store.load().tasks.count == 4)

        harness.clock.advance(1800 + 1)
        let expired = try await harness.controller.expire(retention: .seconds(3600))
        #expect(expired.tasks == 2)
        for arn in early { #expect(try await harness.describe(arn) == nil) }
        #expect(try await harness.describe(late[0])?.lastStatus == "STOPPED")
        #expect(try await harness.describe(running)?.lastStatus == "PROVISIONING")
        let stopped = try await harness.controller.read { state in
            try state.listTasks(ECS.ListTasksRequest(cluster: "lab", desiredStatus: "STOPPED"))
        }
        #expect(stopped.taskArns == late)
        #expect(try await store.load().tasks.count == 2)
        #expect(await harness.controller.read { $0.tasks.count } == 2)
        // A report of a forgotten task is acknowledged and changes nothing.
        let again = try await harness.sync(
            node,
            version: 0,
            reports: [TaskReport(taskArn: early[0], lastStatus: "STOPPED", containers: [])]
        )
        #expect(again.acknowledgedStopped == [early[0]])
        #expect(try await harness.describe(early[0]) == nil)
    }

    @Test(
        """
        an INACTIVE service is forgotten a retention after the scheduler made it so; a deleted revision goes \
        once its last task stopped
        """
    )
    func servicesAndRevisionsExpire() async throws {
        let harness = try await Harness()
        let node = try await harness.join("node-1", memory: 8192)
        _ = try await harness.controller.write { state, now in
            try state.createService(
                ECS.CreateServiceRequest(cluster: "lab", serviceName: "api", taskDefinition: "web", desiredCount: 0),
                now: now,
                deploymentID: "ecs-svc/1"
            )
        }
        _ = try await harness.controller.write { state, now in
            try state.deleteService(ECS.DeleteServiceRequest(cluster: "lab", service: "api"), now: now)
        }
        try await harness.controller.scheduleServices()
        let status = try await harness.controller.read { state in
            try state.describeServices(ECS.DescribeServicesRequest(cluster: "lab", services: ["api"]))
        }.services?.first?.status
        #expect(status == "INACTIVE")

        // web:1 is deregistered and deleted while a task of it runs: it waits in DELETE_IN_PROGRESS.
        let task = try #require(try await harness.runTask().tasks?.first?.taskArn)
        _ = try await harness.controller.write { state, now in
            try state.deregisterTaskDefinition(ECS.DeregisterTaskDefinitionRequest(taskDefinition: "web:1"), now: now)
        }
        _ = try await harness.controller.write { state, now in
            try state.deleteTaskDefinitions(ECS.DeleteTaskDefinitionsRequest(taskDefinitions: ["web:1"]), now: now)
        }
        #expect(
            try await harness.controller.expire(retention: .seconds(3600))
                == ExpiryCount(tasks: 0, services: 0, taskDefinitions: 0, secrets: 0)
        )
        _ = try await harness.sync(
            node,
            version: 0,
            reports: [TaskReport(taskArn: task, lastStatus: "STOPPED", containers: [])]
        )
        harness.clock.advance(3601)
        #expect(
            try await harness.controller.expire(retention: .seconds(3600))
                == ExpiryCount(tasks: 1, services: 1, taskDefinitions: 1, secrets: 0)
        )
        let missing = try await harness.controller.read { state in
            try state.describeServices(ECS.DescribeServicesRequest(cluster: "lab", services: ["api"]))
        }
        #expect(missing.failures?.first?.reason == "MISSING")
        await #expect(throws: ECSError.self) {
            _ = try await harness.controller.read { state in
                try state.describeTaskDefinition(ECS.DescribeTaskDefinitionRequest(taskDefinition: "web:1"))
            }
        }
    }
}
