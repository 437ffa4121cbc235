import Foundation
import Testing
import WharfModel
import WharfProtocol
import WharfState
@testable import WharfController

@Suite("Task scale-in protection: UpdateTaskProtection and GetTaskProtection")
struct TaskProtectionTests {
    let flow = ServiceFlowTests()

    func protect(_ harness: Harness, _ tasks: [String], enabled: Bool = true, minutes: Int? = nil) async throws
        -> ECS.UpdateTaskProtectionResponse
    {
        try await harness.controller.write { state, now in
            try state.updateTaskProtection(
                ECS.UpdateTaskProtectionRequest(
                    cluster: "lab",
                    tasks: tasks,
                    protectionEnabled: enabled,
                    expiresInMinutes: minutes
                ),
                now: now
            )
        }
    }

    /// A harness whose service `api` runs `count` tasks on one node, reported RUNNING.
    func service(count: Int) async throws -> (Harness, RegisterResponse) {
        let harness = try await flow.harness()
        let node = try await harness.join("node-1", memory: 4096)
        _ = try await flow.create(
            harness,
            ECS.CreateServiceRequest(cluster: "lab", serviceName: "api", taskDefinition: "api:1", desiredCount: count)
        )
        _ = try await harness.controller.scheduleServices()
        try await flow.report(harness, node)
        _ = try await harness.controller.scheduleServices()
        return (harness, node)
    }

    func running(_ harness: Harness) async throws -> [String] {
        try await harness.controller.read { state in
            try state.listTasks(ECS.ListTasksRequest(cluster: "lab", serviceName: "api", desiredStatus: "RUNNING"))
        }.taskArns ?? []
    }

    @Test(
        """
        a protected task is not scaled in nor replaced by a deployment until its protection ends or is \
        turned off; a standalone task fails with TASK_NOT_VALID, an unknown one with MISSING
        """
    )
    func protection() async throws {
        let (harness, _) = try await service(count: 2)
        let both = try await running(harness)
        #expect(both.count == 2)

        let answer = try await protect(harness, both, minutes: 10)
        #expect(answer.protectedTasks?.count == 2 && answer.failures?.isEmpty == true)
        #expect(answer.protectedTasks?.allSatisfy { $0.protectionEnabled == true && $0.expirationDate != nil } == true)

        // Scale in to 0: both protected, so both stay.
        _ = try await flow.update(harness, ECS.UpdateServiceRequest(cluster: "lab", service: "api", desiredCount: 0))
        #expect(try await harness.controller.scheduleServices().stopped == 0)
        #expect(try await running(harness).count == 2)

        // One's protection turned off: it goes at once, the other stays.
        _ = try await protect(harness, [both[0]], enabled: false)
        #expect(try await harness.controller.scheduleServices().stopped == 1)
        #expect(try await running(harness) == [both[1]])

        // The other's lapses after its ten minutes, and the scheduler plans the service again then.
        harness.clock.advance(9 * 60)
        #expect(try await harness.controller.scheduleServices().stopped == 0)
        harness.clock.advance(2 * 60)
        #expect(try await harness.controller.scheduleServices().stopped == 1)
        #expect(try await running(harness).isEmpty)

        let got = try await harness.controller.read { state in
            try state.getTaskProtection(ECS.GetTaskProtectionRequest(cluster: "lab", tasks: [both[1]]), now: Date())
        }
        #expect(got.protectedTasks?.first?.protectionEnabled == false)

        let standalone = try #require(try await harness.runTask().tasks?.first?.taskArn)
        let refused = try await protect(harness, [standalone, "0123456789abcdef0123456789abcdef"])
        #expect(refused.failures?.map(\.reason) == ["TASK_NOT_VALID", "MISSING"])
        await #expect {
            _ = try await protect(harness, [standalone], minutes: 2_881)
        } throws: { ($0 as? ECSError)?.code == .invalidParameter }
    }

    @Test("a deployment leaves a healthy protected task of the old revision running until its protection ends")
    func deployment() async throws {
        let (harness, node) = try await service(count: 1)
        let old = try await running(harness)
        _ = try await protect(harness, old, minutes: 5)
        _ = try await flow.update(
            harness,
            ECS.UpdateServiceRequest(cluster: "lab", service: "api", taskDefinition: "api:2")
        )
        #expect(try await harness.controller.scheduleServices().started == 1)
        try await flow.report(harness, node)
        #expect(try await harness.controller.scheduleServices().stopped == 0, "the old one is protected")
        harness.clock.advance(6 * 60)
        #expect(try await harness.controller.scheduleServices().stopped == 1, "and goes once its protection ends")
    }
}
