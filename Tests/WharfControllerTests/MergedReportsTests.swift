import Foundation
import Synchronization
import Testing
import WharfModel
import WharfProtocol
import WharfState
import WharfStore
@testable import WharfController

@Suite("Reports merged before")
struct MergedReportsTests {
    private static func report(_ arn: String, _ status: String, usage: Double = 0) -> TaskReport {
        TaskReport(taskArn: arn, lastStatus: status, containers: [
            ContainerReport(name: "httpd", runtimeId: "c0ffee", lastStatus: status,
                            usage: ContainerUsage(cpuUnits: usage, memoryMiB: 12, sampledAt: 1_760_000_000 + usage)),
        ], startedAt: status == "RUNNING" ? 1_760_000_010 : nil)
    }

    @Test("a digest covers what a merge reads, not the containers' usage samples")
    func digest() {
        let arn = "arn:aws:ecs:us-east-1:000000000000:task/lab/0123456789abcdef0123456789abcdef"
        #expect(Self.report(arn, "RUNNING", usage: 1).mergeDigest == Self.report(arn, "RUNNING", usage: 7).mergeDigest)
        #expect(Self.report(arn, "RUNNING").mergeDigest != Self.report(arn, "PENDING").mergeDigest)
        var exited = Self.report(arn, "RUNNING")
        exited.containers[0].exitCode = 0
        #expect(exited.mergeDigest != Self.report(arn, "RUNNING").mergeDigest)
    }

    @Test("a report merged into a task no write changed since is skipped; once the task changed, it is merged again")
    func skipped() async throws {
        let harness = try await Harness()
        let node = try await harness.join("node-1")
        let arn = try #require(try await harness.runTask().tasks?.first?.taskArn)
        let id = try #require(TaskID(arnSuffix: arn))
        var state = await harness.controller.read { $0 }
        let request = SyncRequest(containerInstanceArn: node.containerInstanceArn, credential: node.credential,
                                  desiredVersion: 0, tasks: [Self.report(arn, "RUNNING")])
        let instance = try state.authenticate(request, credentialHash: Controller.hash)
        var merged = MergedReports()
        func record(_ now: Date = Date(timeIntervalSince1970: 1_760_000_020)) -> [StateChange] {
            let digests = request.tasks.map(\.mergeDigest)
            let outcome = state.recordSync(request, record: instance, now: now, digests: digests, merged: &merged)
            for change in outcome.changes { state.apply(change) }
            return outcome.changes
        }
        #expect(record().count == 1)
        #expect(state.tasks[id]?.lastStatus == .running)
        #expect(merged.count == 1)
        #expect(record().isEmpty)
        // The record altered without a new version, as no write does: the report is not looked at
        // again, which shows it is skipped.
        var altered = try #require(state.tasks[id])
        altered.lastStatus = .pending
        state.apply(.putTask(altered))
        #expect(record().isEmpty)
        #expect(state.tasks[id]?.lastStatus == .pending)
        // A new version (a write changed the task): the same report is merged again.
        altered.version += 1
        state.apply(.putTask(altered))
        #expect(record().count == 1)
        #expect(state.tasks[id]?.lastStatus == .running)
        // A sync that no longer reports the task forgets it.
        let empty = SyncRequest(containerInstanceArn: node.containerInstanceArn, credential: node.credential,
                                desiredVersion: 0, tasks: [])
        _ = state.recordSync(empty, record: instance, now: Date(), digests: [], merged: &merged)
        #expect(merged.count == 0)
    }

    @Test("after a batch is undone, a report is merged again though its task's version was reached by another change")
    func forgottenWhenUndone() async throws {
        let store = InMemoryStore()
        let harness = try await Harness(longPoll: .milliseconds(20), store: store)
        let node = try await harness.join("node-1")
        let arn = try #require(try await harness.runTask().tasks?.first?.taskArn)
        store.setFailingWrites(true)
        await #expect(throws: AgentProtocolError.self) {
            _ = try await harness.sync(node, version: 0, reports: [Self.report(arn, "RUNNING")])
        }
        store.setFailingWrites(false)
        #expect(try await harness.describe(arn)?.lastStatus == "PROVISIONING")
        // Another change takes the task to the version the undone report had left it at.
        _ = try await harness.controller.write { state, _ in
            let id = try #require(TaskID(arnSuffix: arn))
            var task = try #require(state.tasks[id])
            task.version += 1
            return Outcome((), [.putTask(task)])
        }
        _ = try await harness.sync(node, version: 0, reports: [Self.report(arn, "RUNNING")])
        #expect(try await harness.describe(arn)?.lastStatus == "RUNNING")
    }
}
