import Foundation
import Testing
import WharfModel
import WharfProtocol
import WharfState
@testable import WharfController

@Suite("A quiet service waits for a change, in rounds that pass time too")
struct QuietServiceTests {
    func names(_ arns: some Sequence<String>) -> [String] {
        arns.map { String($0.split(separator: "/").last ?? "") }.sorted()
    }

    /// Reports every task the node runs as RUNNING, or the one named `stopped` as exited.
    func report(_ harness: Harness, _ node: RegisterResponse, stopped: String? = nil) async throws {
        let desired = try await harness.sync(node, version: 0)
        let reports = desired.tasks.filter { $0.desiredStatus == "RUNNING" }.map { task in
            let status = task.taskArn == stopped ? "STOPPED" : "RUNNING"
            return TaskReport(
                taskArn: task.taskArn,
                lastStatus: status,
                containers: (task.taskDefinition.containerDefinitions ?? []).map {
                    ContainerReport(name: $0.name ?? "", runtimeId: "c-\(task.taskArn.suffix(6))", lastStatus: status,
                                    exitCode: status == "STOPPED" ? 0 : nil)
                })
        }
        _ = try await harness.sync(node, version: 0, reports: reports)
    }

    /// Rounds after changes until one plans nothing; whether that took at most 6.
    func settle(_ harness: Harness) async throws -> Bool {
        for _ in 1...6 where try await harness.controller.scheduleServices(onlyChanged: true).evaluated.isEmpty {
            return true
        }
        return false
    }

    @Test(
        "a settled service is left out of full rounds and of room freed; a moving one is not; a draining node brings both back"
    )
    func quiet() async throws {
        let harness = try await Harness()
        let node = try await harness.join("a", memory: 2048)
        _ = try await harness.controller.write { state, now in
            try state.registerTaskDefinition(ECS.RegisterTaskDefinitionRequest(
                family: "api",
                containerDefinitions: [ECS.ContainerDefinition(name: "app", image: "busybox", memory: 512)]),
                now: now)
        }
        // A RunTask task takes a quarter of the node; calm takes its one task, short two of the four it wants.
        let web = try #require(try await harness.runTask().tasks?.first?.taskArn)
        for (name, count) in [("calm", 1), ("short", 4)] {
            _ = try await harness.controller.write { state, now in
                try state.createService(
                    ECS.CreateServiceRequest(
                        cluster: "lab", serviceName: name, taskDefinition: "api", desiredCount: count),
                    now: now, deploymentID: "ecs-svc/\(name)")
            }
        }
        #expect(try await harness.controller.scheduleServices(onlyChanged: true).started == 3)
        try await report(harness, node)
        #expect(try await settle(harness))
        let services = try await harness.controller.read { state in
            let request = ECS.DescribeServicesRequest(cluster: "lab", services: ["calm", "short"])
            return try state.describeServices(request).services ?? []
        }
        #expect(services.map(\.runningCount) == [1, 2])
        #expect(services.first?.deployments?.first?.rolloutState == "COMPLETED")

        // Time passes: a full round plans short (its launches may find room, and its throttles
        // end), not calm.
        harness.clock.advance(60)
        var round = try await harness.controller.scheduleServices()
        #expect(names(round.evaluated.keys) == ["short"])
        #expect(names(round.leftOut) == ["calm"])
        #expect(try await settle(harness))

        // The RunTask task exits: its room goes to short, and calm is not planned for it.
        try await report(harness, node, stopped: web)
        round = try await harness.controller.scheduleServices(onlyChanged: true)
        #expect(names(round.evaluated.keys) == ["short"])
        #expect(round.started == 1)
        #expect(try await settle(harness))

        // The node drains: every service of the cluster plans again, calm included.
        let instance = node.containerInstanceArn
        _ = try await harness.controller.write { state, _ in
            try state.updateContainerInstancesState(ECS.UpdateContainerInstancesStateRequest(
                cluster: "lab", containerInstances: [instance], status: "DRAINING"))
        }
        round = try await harness.controller.scheduleServices(onlyChanged: true)
        #expect(names(round.evaluated.keys) == ["calm", "short"])
    }

    @Test(
        "an unhealthy task in its grace period keeps its service in full rounds, which replace it once the period ends"
    )
    func graceEnds() async throws {
        let harness = try await Harness()
        let node = try await harness.join("a")
        _ = try await harness.controller.write { state, now in
            try state.registerTaskDefinition(ECS.RegisterTaskDefinitionRequest(
                family: "checked", containerDefinitions: [ECS.ContainerDefinition(
                    name: "app", image: "busybox", memory: 256,
                    healthCheck: ECS.HealthCheck(command: ["CMD-SHELL", "true"]))]), now: now)
        }
        _ = try await harness.controller.write { state, now in
            try state.createService(
                ECS.CreateServiceRequest(cluster: "lab", serviceName: "checked", taskDefinition: "checked",
                                         desiredCount: 1, healthCheckGracePeriodSeconds: 60),
                now: now, deploymentID: "ecs-svc/checked")
        }
        #expect(try await harness.controller.scheduleServices(onlyChanged: true).started == 1)
        let task = try #require(try await harness.sync(node, version: 0).tasks.first)
        let started = harness.clock.now().timeIntervalSince1970
        _ = try await harness.sync(node, version: 0, reports: [TaskReport(
            taskArn: task.taskArn, lastStatus: "RUNNING",
            containers: [
                ContainerReport(name: "app", runtimeId: "c-1", lastStatus: "RUNNING", healthStatus: "UNHEALTHY"),
            ],
            startedAt: started, healthStatus: "UNHEALTHY")])
        #expect(try await settle(harness))
        // Within the grace period a full round plans it and leaves the task alone; past it, replaces it.
        harness.clock.advance(30)
        var round = try await harness.controller.scheduleServices()
        #expect(names(round.evaluated.keys) == ["checked"])
        #expect(round.stopped == 0)
        harness.clock.advance(31)
        round = try await harness.controller.scheduleServices()
        #expect(round.stopped == 1)
    }

    @Test("a full round forgets the services that are gone")
    func forgets() async throws {
        let harness = try await Harness()
        _ = try await harness.join("a")
        _ = try await harness.controller.write { state, now in
            try state.createService(ECS.CreateServiceRequest(cluster: "lab", serviceName: "gone", taskDefinition: "web",
                                                             desiredCount: 0),
                                    now: now, deploymentID: "ecs-svc/gone")
        }
        #expect(try await settle(harness))
        #expect(await harness.controller.lastEvaluated.count == 1)
        _ = try await harness.controller.write { state, now in
            try state.deleteService(ECS.DeleteServiceRequest(cluster: "lab", service: "gone", force: true), now: now)
        }
        #expect(try await settle(harness))
        _ = try await harness.controller.scheduleServices()
        #expect(await harness.controller.lastEvaluated.isEmpty)
    }
}
