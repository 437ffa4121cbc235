import Testing
import WharfModel
import WharfProtocol
@testable import WharfAgent
import WharfSim

/// Docker 20.10 may publish a container's `oom` after its `die`, and then never sets `OOMKilled`:
/// the agent still gives the container ECS's OutOfMemoryError reason.
extension AgentTests {
    static func died(_ id: String, _ action: String = "die") -> ContainerEvent {
        ContainerEvent(
            action: action,
            containerID: id,
            labels: [
                ContainerLabels.taskArn: desiredWeb.taskArn, ContainerLabels.containerName: "web",
            ]
        )
    }

    /// An agent running `desiredWeb`, whose container the OOM killer has just ended, the engine
    /// not saying so yet; with the engine and the container's ID.
    func killedByOOM(_ directory: String) async throws -> (Agent, FakeRuntime, String) {
        let (agent, runtime, id) = try await runningWeb(directory)
        try runtime.oomReportedLate(id: id)
        return (agent, runtime, id)
    }

    @Test(
        "an OOM kill the engine reports after the container's death: the task is reported STOPPED with OutOfMemoryError"
    )
    func lateOOMWithinTheWait() async throws {
        try await withAgentDirectory { directory in
            let (agent, runtime, id) = try await killedByOOM(directory)
            let handled = Task { await agent.handle(Self.died(id)) }
            try await Task.sleep(for: .milliseconds(200))
            #expect(await agent.reports().first?.lastStatus == "RUNNING", "a SIGKILL is not reported before the wait")
            try runtime.reportOOM(id: id)
            await agent.handle(Self.died(id, "oom"))
            await handled.value
            let stopped = try #require(await agent.reports().first)
            #expect(stopped.lastStatus == "STOPPED")
            #expect(stopped.containers.first?.exitCode == 137)
            #expect(stopped.containers.first?.reason == "OutOfMemoryError: Container killed due to memory usage")
        }
    }

    @Test("a SIGKILL with no word of OOM is reported after the wait; an oom event later still sets the reason")
    func lateOOMAfterTheWait() async throws {
        try await withAgentDirectory { directory in
            let (agent, runtime, id) = try await killedByOOM(directory)
            let started = ContinuousClock.now
            await agent.handle(Self.died(id))
            #expect(ContinuousClock.now - started >= Agent.lateOOMWait)
            let killed = try #require(await agent.reports().first)
            #expect(killed.lastStatus == "STOPPED" && killed.containers.first?.exitCode == 137)
            #expect(killed.containers.first?.reason == nil)
            try runtime.reportOOM(id: id)
            await agent.handle(Self.died(id, "oom"))
            let stopped = try #require(await agent.reports().first)
            #expect(stopped.lastStatus == "STOPPED")
            #expect(stopped.containers.first?.reason == "OutOfMemoryError: Container killed due to memory usage")
        }
    }
}
