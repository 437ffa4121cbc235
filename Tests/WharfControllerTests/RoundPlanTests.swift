import Foundation
import Testing
import WharfModel
import WharfScheduler
import WharfState
@testable import WharfController

/// A round is decided on a copy of the state and carried out later, against the state as the
/// writes in between left it.
@Suite("Scheduler rounds decided away from the writer")
struct RoundPlanTests {
    func createService(_ harness: Harness, count: Int) async throws {
        _ = try await harness.controller.write { state, now in
            try state.createService(
                ECS.CreateServiceRequest(cluster: "lab", serviceName: "svc", taskDefinition: "web", desiredCount: count),
                now: now,
                deploymentID: "ecs-svc/1"
            )
        }
    }

    func plan(_ harness: Harness) async -> ServiceRoundPlan {
        let now = harness.clock.now()
        return await harness.controller.read { $0.planRound(now: now, seed: 5) }
    }

    func serviceTasks(_ harness: Harness) async -> [TaskRecord] {
        await harness.controller.read { state in state.tasks.all.filter { $0.group == "service:svc" } }
    }

    @Test("a plan for a service updated meanwhile is not carried out, and the next round plans it again")
    func serviceChanged() async throws {
        let harness = try await Harness()
        _ = try await harness.join("a")
        _ = try await harness.join("b")
        try await createService(harness, count: 1)
        let decided = await plan(harness)
        #expect(decided.services.map(\.plan.launches.count) == [1])

        _ = try await harness.controller.write { state, now in
            try state.updateService(
                ECS.UpdateServiceRequest(cluster: "lab", service: "svc", desiredCount: 2),
                now: now,
                deploymentID: "ecs-svc/2"
            )
        }
        let round = try await harness.controller.write { state, now in state.applyRound(decided, now: now) }
        #expect(round.started == 0)
        #expect(round.evaluated.isEmpty)
        #expect(round.replan.count == 1)
        #expect(await serviceTasks(harness).isEmpty)

        let next = try await harness.controller.scheduleServices(onlyChanged: true)
        #expect(next.started == 2)
        #expect(await serviceTasks(harness).count == 2)
    }

    @Test("a launch onto an instance whose room a RunTask took meanwhile is dropped, and the service planned again")
    func roomTaken() async throws {
        let harness = try await Harness()
        _ = try await harness.join("a", memory: 512)
        try await createService(harness, count: 1)
        let decided = await plan(harness)
        #expect(decided.services.map(\.plan.launches.count) == [1])

        let run = try await harness.runTask()
        #expect(run.tasks?.count == 1)
        let round = try await harness.controller.write { state, now in state.applyRound(decided, now: now) }
        #expect(round.started == 0)
        #expect(round.replan.count == 1)
        #expect(await serviceTasks(harness).isEmpty)
        // The node holds the RunTask's task alone: 512 MiB of its 512.
        let holding = await harness.controller.read { state in state.tasks.all.filter { $0.desiredStatus == .running } }
        #expect(holding.count == 1)
        #expect(holding.first?.group != "service:svc")
    }

    @Test("decided and carried out on an unchanged state, a round is what one write would have done")
    func unchangedState() async throws {
        let harness = try await Harness()
        _ = try await harness.join("a")
        _ = try await harness.join("b")
        try await createService(harness, count: 2)
        let now = harness.clock.now()
        let whole = await harness.controller.read { $0.scheduleServices(now: now, seed: 9) }
        let split = await harness.controller.read { state in state.applyRound(state.planRound(now: now, seed: 9), now: now) }
        #expect(whole.response == split.response)
        #expect(whole.response.started == 2)
        #expect(whole.changes == split.changes)
    }
}
