import Foundation
import Logging
import Synchronization
import WharfModel
import WharfProtocol
import WharfState
import WharfStore

/// The one owner of the cluster state. Writes are computed one at a time in arrival order and
/// applied to the state at once; all the writes that arrive while the store commits one batch
/// form the next batch, stored in one transaction (group commit), and computed while the batch
/// before it commits (``flush()``, in Controller+Writer.swift). Nothing is acknowledged before
/// its batch is stored, and no answer leaves before what it read is stored: a read that saw a
/// batch not yet committed waits for that commit. A batch the store refuses is undone in memory,
/// its writes fail, and the reads that saw it run again. So an acknowledged change survives a
/// crash at any instant, and nobody ever sees a change that a crash could take back.
///
/// A write joins the queue, and draws its seed, without entering the actor: under a fleet's
/// reports the actor's queue is long, and a RunTask that entered it for its seed and again to be
/// queued waited behind that queue twice (see docs/architecture.md).
public actor Controller {
    var state: ClusterState
    let store: any ClusterStore
    let now: @Sendable () -> Date
    let logger: Logger
    let settings: AgentTimings
    /// Writes waiting for the next batch, and whether a batch is being committed.
    let pending = Mutex(PendingWrites())
    /// The most background writes one batch takes, and the changes past which it takes no more:
    /// the rest wait for the next batch. A fleet's reports arrive in bursts of thousands; a batch
    /// of all of them held every request behind its commit.
    static let backgroundPerBatch = 256
    static let changesPerBatch = 1000
    /// The changes past which a batch that holds requests takes no more background writes: its
    /// requests' callers wait for its commit.
    static let changesBesideRequests = 250
    /// A batch that takes longer than this from its first computation to its commit is logged (debug).
    static let slowBatch = Duration.milliseconds(50)
    /// How many writes were ever queued (requests, reports, upkeep): what tests count to show that
    /// a refused caller never reached the writer.
    nonisolated var writesQueued: Int { pending.withLock { $0.count } }
    /// Batches applied in memory so far, and how many of them the store has committed.
    var appliedBatches = 0
    var storedBatches = 0
    /// Reads waiting for the batch they saw to be committed (true) or undone (false).
    private var readers: [(batch: Int, continuation: CheckedContinuation<Bool, Never>)] = []
    /// When each agent last synced (memory only: after a restart every agent gets a full grace period).
    var lastSeen: [InstanceID: Date] = [:]
    /// How many syncs of each instance are being answered (recorded, or held in a long poll).
    var syncsInFlight: [InstanceID: Int] = [:]
    /// What was last merged of each task's reports: written by the batches' writes, and by the
    /// liveness sweep for the nodes it finds lost.
    nonisolated let mergedReports = Mutex(MergedReports())
    /// What each instance's tasks use, by task ARN, from its last sync (``recordUsage(_:)``).
    var usage: [InstanceID: [String: Utilization]] = [:]
    /// What each node's agent last reported of its container engine (``recordRuntimeHealth(_:instance:)``).
    var runtimeHealth: [InstanceID: HeardRuntimeHealth] = [:]
    /// What each load balancer node's health checks see of its targets, from its last sync.
    var targetHealth: [InstanceID: [TargetHealthReport]] = [:]
    /// What each load balancer node's HAProxy served of each target group, from its last sync.
    var targetTraffic: [InstanceID: [TargetGroupTraffic]] = [:]
    /// Syncs held open, by instance, with the timers that end them.
    var pollers: [InstanceID: [UUID: CheckedContinuation<Void, Never>]] = [:]
    private var pollTimers: [UUID: Task<Void, Never>] = [:]
    private var releasingPolls = false
    /// The source of every seed: placements, IDs. Fixed in tests for reproducible runs. Drawn from
    /// without entering the actor.
    private let random: Mutex<SeededRandom>
    /// Whether a node may join without an activation (`wharf dev`, `--open-registration`).
    let openRegistration: Bool
    /// The task address range nodes lease their blocks from.
    let taskCIDR: IPv4Network
    /// Whether a change arrived that the service scheduler has not looked at yet.
    var schedulingPending = false
    /// The service scheduler waiting for work, and the timer that ends its wait.
    var schedulingWaiter: CheckedContinuation<Void, Never>?
    var schedulingTimer: Task<Void, Never>?
    /// What each service's plan read when the scheduler last made it.
    var lastEvaluated: [String: ServiceInputs] = [:]
    /// When the state was loaded (the expiry of records older than this release's bookkeeping).
    let loadedAt: Date

    /// Loads the state from `store`.
    /// - Parameters:
    ///   - placementSeed: seeds every placement and every ID the controller makes.
    ///   - now: the wall clock, injected so tests can fix it.
    ///   - openRegistration: whether new nodes may join without an activation.
    /// Opens the values of tasks' `secrets` for the nodes that start them; nil until
    /// ``useSecrets(_:)`` (then no secret is sent).
    private(set) var secretSeal: ValueSeal?

    /// Lets syncs carry the values of the `secrets` of the tasks a node is to start, opened with
    /// `sealer` (the data directory's, which sealed them).
    public func useSecrets(_ sealer: SecretSealer) {
        secretSeal = ValueSeal(sealer)
    }

    public init(
        store: any ClusterStore,
        context: AccountContext,
        logger: Logger,
        settings: AgentTimings = AgentTimings(),
        openRegistration: Bool = false,
        taskCIDR: IPv4Network = TaskSubnets.defaultCIDR,
        placementSeed: UInt64 = UInt64.random(in: 0...UInt64.max),
        now: @escaping @Sendable () -> Date = { Date() }
    ) async throws(StoreError) {
        self.store = store
        let state = ClusterState(context: context, stored: try await store.load())
        self.state = state
        self.now = now
        self.logger = logger
        self.settings = settings
        self.random = Mutex(SeededRandom(seed: placementSeed))
        self.openRegistration = openRegistration
        self.taskCIDR = taskCIDR
        let started = now()
        loadedAt = started
        for record in state.instances.all { lastSeen[record.id] = started }
    }

    /// A fresh seed for one decision (a placement, the IDs of a write).
    nonisolated func nextSeed() -> UInt64 {
        random.withLock { $0.next() }
    }

    /// Answers from the current state. When the state holds a batch not yet committed, the
    /// answer waits for the commit (and is computed again if the batch is undone).
    public func read<T: Sendable>(_ body: (ClusterState) throws -> T) async rethrows -> T {
        while true {
            let result = try body(state)
            if appliedBatches == storedBatches { return result }
            let batch = appliedBatches
            let stored = await withCheckedContinuation { readers.append((batch, $0)) }
            if stored { return result }
        }
    }

    /// Looks at the current state for the controller's own bookkeeping (authentication, versions),
    /// not for an answer: it may hold a batch not yet committed.
    func inspect<T: Sendable>(_ body: (ClusterState) throws -> T) rethrows -> T {
        try body(state)
    }

    /// Computes a change from the current state, applies it, stores it durably with the other
    /// writes of its batch, then answers.
    /// - Throws: what `body` throws (an ``ECSError`` for a refused request), or `ServerException`
    ///   when the store fails (the batch is undone then, so memory and disk still agree).
    /// - Parameter background: an agent's report or the controller's upkeep rather than a request
    ///   someone waits on: every batch takes all waiting requests, and background writes only up
    ///   to ``backgroundPerBatch``.
    public nonisolated func write<T: Sendable>(
        background: Bool = false,
        _ body: @escaping @Sendable (ClusterState, Date) throws -> Outcome<T>
    ) async throws -> T {
        try await write(lane: background ? .background : .request, body)
    }

    /// ``write(background:_:)`` in the given lane (``WriteLane``).
    nonisolated func write<T: Sendable>(
        lane: WriteLane,
        _ body: @escaping @Sendable (ClusterState, Date) throws -> Outcome<T>
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let write = QueuedWrite(
                compute: { state, now in
                    let outcome = try body(state, now)
                    return (outcome.changes, { continuation.resume(returning: outcome.response) })
                },
                fail: { continuation.resume(throwing: $0) }
            )
            let starts = pending.withLock { pending in pending.add(write, lane: lane) }
            if starts { Task { await self.flush() } }
        }
    }

    /// Answers the reads waiting for a commit: those that saw only stored batches (`stored`), or
    /// every one, to compute again, after an undone batch.
    func releaseReaders(stored: Bool) {
        let waiting = readers
        readers = []
        for reader in waiting {
            if stored, reader.batch > storedBatches {
                readers.append(reader)
            } else {
                reader.continuation.resume(returning: stored)
            }
        }
    }

    /// Holds a sync until the node's desired state passes `version`, the timeout ends, or the
    /// controller shuts down.
    func waitForChange(of id: InstanceID, beyond version: Int, timeout: Duration) async {
        let key = UUID()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            if releasingPolls || state.desiredVersion(of: id) > version {
                continuation.resume()
                return
            }
            pollers[id, default: [:]][key] = continuation
            pollTimers[key] = Task { [weak self] in
                try? await Task.sleep(for: timeout)
                await self?.endPoll(of: id, key: key)
            }
        }
    }

    private func endPoll(of id: InstanceID, key: UUID) {
        pollTimers.removeValue(forKey: key)?.cancel()
        pollers[id]?.removeValue(forKey: key)?.resume()
    }

    func wakePollers(of ids: Set<InstanceID>) {
        for id in ids {
            for (key, continuation) in pollers.removeValue(forKey: id) ?? [:] {
                pollTimers.removeValue(forKey: key)?.cancel()
                continuation.resume()
            }
        }
    }

    /// Answers every held sync now and holds no more: for a graceful shutdown.
    public func releasePolls() {
        releasingPolls = true
        wakePollers(of: Set(pollers.keys))
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
    public init(
        longPoll: Duration = .seconds(20),
        disconnectAfter: Duration = .seconds(60),
        sweepInterval: Duration = .seconds(5),
        schedulerSweep: Duration = .seconds(2)
    ) {
        self.longPoll = longPoll
        self.disconnectAfter = disconnectAfter
        self.sweepInterval = sweepInterval
        self.schedulerSweep = schedulerSweep
    }
}

/// The result of a write: the response to send once `changes` are durable.
public struct Outcome<Response: Sendable>: Sendable {
    /// What the caller receives.
    public var response: Response
    /// What must be stored first.
    public var changes: [StateChange]

    /// Creates an outcome.
    public init(_ response: Response, _ changes: [StateChange] = []) {
        self.response = response
        self.changes = changes
    }
}
