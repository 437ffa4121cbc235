import Foundation
import Logging
import WharfModel
import WharfStore

/// The one owner of the cluster state. Reads see only changes the store has made durable; writes
/// run one at a time in arrival order, and each is committed to the store before it is applied in memory and
/// before its caller is answered, so an acknowledged change survives a crash at any instant.
public actor Controller {
    private var state: ClusterState
    private let store: any ClusterStore
    let now: @Sendable () -> Date
    let logger: Logger
    let settings: AgentTimings
    private var writing = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    /// When each agent last synced (memory only: after a restart every agent gets a full grace period).
    var lastSeen: [String: Date] = [:]
    /// How many syncs of each instance are being answered (recorded, or held in a long poll).
    var syncsInFlight: [String: Int] = [:]
    /// What each instance's tasks use, from its last sync (``recordUsage(_:)``).
    var usage: [String: [String: Utilization]] = [:]
    /// Syncs held open, by instance ARN, with the timers that end them.
    private var pollers: [String: [UUID: CheckedContinuation<Void, Never>]] = [:]
    private var pollTimers: [UUID: Task<Void, Never>] = [:]
    private var releasingPolls = false
    /// Seeds placement; fixed in tests for reproducible choices.
    private var placementSeed: UInt64
    /// Whether a node may join without an activation (`wharf dev`, `--open-registration`).
    let openRegistration: Bool
    /// Whether a change arrived that the service scheduler has not looked at yet.
    var schedulingPending = false
    /// The service scheduler waiting for work, and the timer that ends its wait.
    var schedulingWaiter: CheckedContinuation<Void, Never>?
    var schedulingTimer: Task<Void, Never>?
    /// What each service's plan read when the scheduler last made it.
    var lastEvaluated: [String: ServiceInputs] = [:]
    /// Sync reports waiting to be recorded in the next batch (``recordBatched(_:)``).
    var pendingSyncs: [PendingSync] = []

    /// Loads the state from `store`.
    /// - Parameters:
    ///   - now: the wall clock, injected so tests can fix it.
    ///   - openRegistration: whether new nodes may join without an activation.
    public init(store: any ClusterStore, context: AccountContext, logger: Logger, settings: AgentTimings = AgentTimings(),
                openRegistration: Bool = false, placementSeed: UInt64 = UInt64.random(in: 0...UInt64.max),
                now: @escaping @Sendable () -> Date = { Date() }) async throws(StoreError) {
        self.store = store
        let state = ClusterState(context: context, stored: try await store.load())
        self.state = state
        self.now = now
        self.logger = logger
        self.settings = settings
        self.placementSeed = placementSeed
        self.openRegistration = openRegistration
        let started = now()
        for arn in state.containerInstances.keys { lastSeen[arn] = started }
    }

    /// The current state (only durable changes).
    var stateSnapshot: ClusterState { state }

    /// A fresh seed for one placement decision.
    func nextPlacementSeed() -> UInt64 {
        placementSeed &+= 0x9E37_79B9_7F4A_7C15
        return placementSeed
    }

    /// Answers from the current state.
    public func read<T: Sendable>(_ body: (ClusterState) throws -> T) rethrows -> T {
        try body(state)
    }

    /// Computes a change from the current state, stores it durably, then applies it.
    /// - Throws: what `body` throws (an ``ECSError`` for a refused request), or `ServerException`
    ///   when the store fails (nothing is applied then, so memory and disk still agree).
    public func write<T: Sendable>(_ body: (ClusterState, Date) throws -> Outcome<T>) async throws -> T {
        await acquireWriter()
        defer { releaseWriter() }
        let outcome = try body(state, now())
        try await commit(outcome.changes)
        return outcome.response
    }

    /// Waits for the turn to write. One write at a time, first come first served: a finishing
    /// write hands its turn directly to the longest waiter, so no newcomer can overtake.
    func acquireWriter() async {
        if writing {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            writing = true
        }
    }

    /// Ends the turn ``acquireWriter()`` gave.
    func releaseWriter() {
        if waiting.isEmpty { writing = false } else { waiting.removeFirst().resume() }
    }

    /// Within a writer's turn: stores `changes` durably, then applies them and wakes whom they concern.
    func commit(_ changes: [StateChange]) async throws {
        guard !changes.isEmpty else { return }
        do {
            try await store.apply(changes)
        } catch {
            logger.error("could not store a change; it was not applied", metadata: ["error": "\(error)"])
            throw ECSError(.server, "the controller could not store the change (\(error.message)); nothing was changed, retry later")
        }
        for change in changes { state.apply(change) }
        for change in changes {
            if case .putContainerInstance(let record) = change { wakePollers(of: record.arn) }
        }
        wakeScheduler()
    }

    /// Holds a sync until the node's desired state passes `version`, the timeout ends, or the
    /// controller shuts down.
    func waitForChange(of arn: String, beyond version: Int, timeout: Duration) async {
        let id = UUID()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            if releasingPolls || (state.containerInstances[arn]?.desiredVersion ?? 0) > version {
                continuation.resume()
                return
            }
            pollers[arn, default: [:]][id] = continuation
            pollTimers[id] = Task { [weak self] in
                try? await Task.sleep(for: timeout)
                await self?.endPoll(of: arn, id: id)
            }
        }
    }

    private func endPoll(of arn: String, id: UUID) {
        pollTimers.removeValue(forKey: id)?.cancel()
        pollers[arn]?.removeValue(forKey: id)?.resume()
    }

    private func wakePollers(of arn: String) {
        for (id, continuation) in pollers.removeValue(forKey: arn) ?? [:] {
            pollTimers.removeValue(forKey: id)?.cancel()
            continuation.resume()
        }
    }

    /// Answers every held sync now and holds no more: for a graceful shutdown.
    public func releasePolls() {
        releasingPolls = true
        for arn in Array(pollers.keys) { wakePollers(of: arn) }
    }
}

/// How the controller paces agents.
public struct AgentTimings: Sendable {
    /// How long a sync with nothing new is held open.
    public var longPoll: Duration
    /// How long without a sync before an agent counts as disconnected.
    public var disconnectAfter: Duration
    /// How often liveness is checked.
    public var sweepInterval: Duration
    /// The longest the service scheduler waits between rounds when nothing changes.
    public var schedulerSweep: Duration

    /// The defaults: 20 s long polls, disconnected after 60 s (three missed polls), checked every
    /// 5 s; a scheduler round at least every 2 s.
    public init(longPoll: Duration = .seconds(20), disconnectAfter: Duration = .seconds(60), sweepInterval: Duration = .seconds(5),
                schedulerSweep: Duration = .seconds(2)) {
        self.longPoll = longPoll
        self.disconnectAfter = disconnectAfter
        self.sweepInterval = sweepInterval
        self.schedulerSweep = schedulerSweep
    }
}
