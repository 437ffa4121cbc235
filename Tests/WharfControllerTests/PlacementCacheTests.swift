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
