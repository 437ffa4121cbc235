import Foundation
import Testing
import WharfProtocol
import WharfSim

@testable import WharfAgent

/// What the agent reports of its container engine: ECS's CONTAINER_RUNTIME health check.
extension AgentTests {
    @Test("the engine is OK once it answered a listing, IMPAIRED when it did not, and OK again when it answers")
    func runtimeHealth() async throws {
        try await withAgentDirectory { directory in
            let (agent, runtime, _) = try await runningWeb(directory)
            let first = try #require(await agent.runtimeHealth)
            #expect(first.status == "OK")

            // As after the event stream broke with the engine down.
            runtime.failNext(.listContainers, with: RuntimeError(.unavailable, "engine down"))
            await agent.adopt()
            let impaired = try #require(await agent.runtimeHealth)
            #expect(impaired.status == "IMPAIRED")
            #expect(impaired.since >= first.since)

            // Unchanged while it stays so: the time of the change is kept.
            runtime.failNext(.listContainers, with: RuntimeError(.unavailable, "engine down"))
            await agent.adopt()
            #expect(await agent.runtimeHealth == impaired)

            await agent.adopt()
            #expect(await agent.runtimeHealth?.status == "OK")
            // The running task was left alone throughout.
            #expect(await agent.reports().first?.lastStatus == "RUNNING")
        }
    }
}
