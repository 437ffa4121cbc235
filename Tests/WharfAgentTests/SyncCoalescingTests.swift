import Foundation
import Logging
import Synchronization
import Testing
import WharfProtocol
import WharfSim
@testable import WharfAgent

/// A controller that holds every sync as a long poll does, until the agent cuts it short; the
/// test answers the first one when it chooses.
final class HoldingController: ControllerClient {
    private let arrivals = Mutex<[ContinuousClock.Instant]>([])
    private let first = AsyncStream<Void>.makeStream()

    /// How many syncs arrived.
    var syncCount: Int { arrivals.withLock { $0.count } }

    /// Answers the first sync.
    func answerFirst() { first.continuation.yield() }

    func register(_ request: RegisterRequest) async throws(AgentProtocolError) -> RegisterResponse {
        RegisterResponse(
            containerInstanceArn: "arn:aws:ecs:us-east-1:000000000000:container-instance/lab/n1",
            credential: "secret",
            clusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/lab",
            longPollSeconds: 60
        )
    }

    func sync(_ request: SyncRequest) async throws(AgentProtocolError) -> SyncResponse {
        let number = arrivals.withLock { arrivals in
            arrivals.append(.now)
            return arrivals.count
        }
        if number == 1 {
            for await _ in first.stream { break }
            return SyncResponse(desiredVersion: 1, tasks: [], acknowledgedStopped: [])
        }
        do {
            try await Task.sleep(for: .seconds(60))
        } catch {
            throw AgentProtocolError(.serverError, "cut short")
        }
        return SyncResponse(desiredVersion: request.desiredVersion, tasks: [], acknowledgedStopped: [])
    }

    func deliverLogs(_ request: LogDeliveryRequest) async throws(AgentProtocolError) -> LogDeliveryResponse {
        throw AgentProtocolError(.serverError, "not used in these tests")
    }
}

@Suite("Agent sync coalescing")
struct SyncCoalescingTests {
    /// Polls until `condition` holds, for at most `seconds`.
    func waitFor(_ what: String, seconds: Int = 10, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
        while ContinuousClock.now < deadline {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("never happened within \(seconds) s: \(what)")
    }

    @Test(
        """
        news that comes while a sync is young waits for it; news that comes just after the next sync \
        went out, while the first one's wait was still scheduled, still cuts the held sync short
        """
    )
    func newsAfterTheNextSyncWentOut() async throws {
        try await withAgentDirectory { directory in
            var configuration = AgentConfiguration(
                controllerURL: "http://unused",
                cluster: "lab",
                dataDirectory: directory
            )
            // Long enough that every step below happens inside one wait, however slow the machine.
            configuration.syncCoalescing = .seconds(1)
            configuration.shipsLogs = false
            configuration.samplesUsage = false
            let controller = HoldingController()
            let agent = Agent(
                configuration: configuration,
                runtime: FakeRuntime(),
                client: controller,
                logger: Logger(label: "test")
            )
            try await agent.start()
            let loop = Task { try await agent.syncLoop() }
            defer { loop.cancel() }
            try await waitFor("the first sync") { controller.syncCount == 1 }
            // News while the first sync is young: a cut is scheduled for a second from its start.
            await agent.syncSoon()
            controller.answerFirst()
            try await waitFor("the second sync, carrying that news") { controller.syncCount == 2 }
            // More news while the second sync is young, with the first one's wait still pending.
            await agent.syncSoon()
            try await waitFor("a third sync, carrying the later news", seconds: 10) { controller.syncCount == 3 }
            #expect(controller.syncCount == 3, "each piece of news was sent once")
        }
    }
}
