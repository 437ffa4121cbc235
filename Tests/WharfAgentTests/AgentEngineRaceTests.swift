import Testing
import WharfModel
import WharfProtocol
@testable import WharfAgent
import WharfSim

/// What the engine says about one container, or did not yet say when it answered, must not end
/// another that runs.
extension AgentTests {
    @Test("word that another container with the task's labels is gone leaves the task's running container alone")
    func otherContainerGone() async throws {
        try await withAgentDirectory { directory in
            let (agent, _, id) = try await runningWeb(directory)
            // An earlier container of the same task and name, removed: the engine no longer knows it.
            await agent.handle(Self.died("0123456789ab", "destroy"))
            let report = try #require(await agent.reports().first)
            #expect(report.lastStatus == "RUNNING")
            #expect(report.containers.first?.runtimeId == id)
            #expect(report.containers.first?.lastStatus == "RUNNING")
        }
    }

    @Test("a container started while a re-adoption's listing was under way is not taken for one removed")
    func startedDuringListing() async throws {
        try await withAgentDirectory { directory in
            let (agent, runtime, _) = try await runningWeb(directory)
            var second = desiredWeb
            second.taskArn = "arn:aws:ecs:us-east-1:000000000000:task/lab/t2"
            let both = SyncResponse(desiredVersion: 3, tasks: [desiredWeb, second], acknowledgedStopped: [])
            runtime.afterNextListing {
                await agent.apply(both)
                try? await eventually(agent, "both RUNNING") { tasks in
                    tasks.count == 2 && tasks.allSatisfy { $0.lastStatus == "RUNNING" }
                }
            }
            // As after the event stream broke.
            await agent.adopt()
            let reports = await agent.reports()
            #expect(reports.map(\.lastStatus) == ["RUNNING", "RUNNING"], "\(reports)")
        }
    }
}
