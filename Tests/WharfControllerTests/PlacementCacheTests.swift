import Foundation
import Testing
import WharfModel
import WharfProtocol
import WharfScheduler
@testable import WharfController

@Suite("The placement view kept per instance")
struct PlacementCacheTests {
    /// Every cached candidate equals the one derived from scratch, and every instance has one.
    static func consistent(_ state: ClusterState) -> Bool {
        state.containerInstances.allSatisfy { arn, record in state.candidates[arn] == state.placementCandidate(record) }
            && Set(state.candidates.keys) == Set(state.containerInstances.keys)
    }

    @Test("joins, placements, reports, stops and a restart from the store keep each instance's cached view equal to one derived afresh")
    func consistency() async throws {
        let harness = try await Harness()
        let nodes = [try await harness.join("a"), try await harness.join("b", memory: 1024)]
        #expect(await harness.controller.read(Self.consistent))
        let run = try await harness.runTask(count: 2)
        #expect(run.tasks?.count == 2)
        #expect(await harness.controller.read(Self.consistent))
        let before = await harness.controller.read { state in nodes.map { state.candidates[$0.containerInstanceArn]?.remainingMemoryMiB } }
        #expect(before == [2048 - 512, 1024 - 512])

        // A report, then a stop and its STOPPED report: the memory comes back.
        for task in run.tasks ?? [] {
            let node = nodes.first { $0.containerInstanceArn == task.containerInstanceArn }!
            let report = TaskReport(taskArn: task.taskArn ?? "", lastStatus: "STOPPED", containers: [
                ContainerReport(name: "httpd", runtimeId: "c1", lastStatus: "STOPPED", exitCode: 0),
            ])
            _ = try await harness.controller.write { state, now in
                try state.stopTask(ECS.StopTaskRequest(cluster: "lab", task: task.taskArn, reason: "done"), now: now)
            }
            let request = SyncRequest(containerInstanceArn: node.containerInstanceArn, credential: node.credential, desiredVersion: 0, tasks: [report])
            _ = try await harness.controller.write { state, now in
                state.recordSync(request, record: try state.authenticate(request, credentialHash: Controller.hash), now: now)
            }
        }
        let after = await harness.controller.read { state in nodes.map { state.candidates[$0.containerInstanceArn]?.remainingMemoryMiB } }
        #expect(after == [2048, 1024])
        #expect(await harness.controller.read(Self.consistent))
        // A state built from what a store would load derives the same views.
        let reloaded = await harness.controller.read { state in
            var stored = StoredState()
            stored.clusters = Array(state.clusters.values)
            stored.taskDefinitions = Array(state.taskDefinitions.values)
            stored.containerInstances = Array(state.containerInstances.values)
            stored.tasks = Array(state.tasks.values)
            return ClusterState(context: AccountContext(), stored: stored)
        }
        #expect(Self.consistent(reloaded))
        #expect(await harness.controller.read { $0.candidates } == reloaded.candidates)
    }
}

@Suite("Task definitions by family")
struct FamilyLookupTests {
    @Test("a family names its newest ACTIVE revision, also after deregistering and deleting revisions and a reload")
    func newestActive() throws {
        var state = ClusterState(context: AccountContext())
        for command in ["sleep 1", "sleep 2", "sleep 3"] {
            _ = commit(&state, try state.registerTaskDefinition(ECS.RegisterTaskDefinitionRequest(
                family: "job", containerDefinitions: [ECS.ContainerDefinition(name: "app", image: "busybox", memory: 16, command: [command])]),
                now: Date(timeIntervalSince1970: 1_800_000_000)))
        }
        _ = commit(&state, try state.registerTaskDefinition(definitionRequest("other"), now: Date(timeIntervalSince1970: 1_800_000_000)))
        #expect(try state.taskDefinition("job").definition.revision == 3)
        _ = commit(&state, try state.deregisterTaskDefinition(ECS.DeregisterTaskDefinitionRequest(taskDefinition: "job:3"), now: Date()))
        #expect(try state.taskDefinition("job").definition.revision == 2)
        _ = commit(&state, try state.deregisterTaskDefinition(ECS.DeregisterTaskDefinitionRequest(taskDefinition: "job:2"), now: Date()))
        _ = commit(&state, try state.deleteTaskDefinitions(ECS.DeleteTaskDefinitionsRequest(taskDefinitions: ["job:2", "job:3"]), now: Date()))
        #expect(try state.taskDefinition("job").definition.revision == 1)
        var stored = StoredState()
        stored.taskDefinitions = Array(state.taskDefinitions.values)
        let reloaded = ClusterState(context: AccountContext(), stored: stored)
        #expect(try reloaded.taskDefinition("job").definition.revision == 1)
        #expect(try reloaded.taskDefinition("other").definition.family == "other")
        #expect(throws: ECSError.self) { try reloaded.taskDefinition("nope") }
    }
}
