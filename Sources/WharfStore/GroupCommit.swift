/// Group commit for a telemetry store's writes that come in bursts (PutLogEvents and agents'
/// deliveries, PutMetricData): those that arrive while the connection is busy wait together, and
/// when their turn comes they go in one transaction, so a burst costs one commit (one flush on
/// SQLite; on PostgreSQL one fencing check and one `COMMIT`, each a round trip) rather than one
/// per write. A write that fails at the database fails its batch's transaction; then each write of
/// the batch goes again alone, so the others do not fail with it.
protocol GroupCommitting: Actor {
    /// The in-memory state a rolled-back batch puts back.
    associatedtype Saved: Sendable

    var connection: any TelemetryConnection { get }
    /// Where the data lives, for messages.
    var path: String { get }
    var groupCommit: GroupCommitQueue<Self> { get set }
    /// Waits for the connection's turn (``TransactionTurns``).
    func acquire() async
    /// Ends the turn.
    func release()
    /// The in-memory state as it is before a batch.
    func saveState() -> Saved
    /// Puts back what a batch that rolled back changed in memory.
    func restoreState(_ saved: Saved)
    /// Runs when a batch's writes are done, just before its commit, in its transaction.
    func beforeCommit() async throws
    /// Runs after a batch has committed, before its writers hear back.
    func afterBatch() async
}

/// The writes waiting for the next batch, and what happened to earlier ones (for tests).
struct GroupCommitQueue<Store: GroupCommitting>: Sendable {
    /// The most writes one transaction takes, so that a backlog makes several.
    static var maximumBatch: Int { 1_000 }

    var pending: [PendingWrite<Store>] = []
    /// Whether a task is writing batches.
    var writing = false
    var batchesCommitted = 0
    /// Writes that went again alone after their batch failed.
    var writesRetriedAlone = 0
}

/// A write waiting for its batch.
struct PendingWrite<Store: GroupCommitting>: Sendable {
    /// What it does, for messages.
    let what: String
    /// Runs the write inside the batch's transaction.
    let attempt: @Sendable (isolated Store) async -> WriteAttempt
    /// Tells its caller it failed.
    let fail: @Sendable (StoreError) -> Void
}

/// How one write of a batch went.
enum WriteAttempt: Sendable {
    /// Done, or refused before it wrote anything (a missing log group or stream): `reply` tells
    /// the caller once the batch has committed.
    case finished(reply: @Sendable () -> Void)
    /// Failed at the database, which may have lost the batch's transaction with it.
    case failed(any Error)
}

extension GroupCommitting {
    /// Runs `work` in the next batch's transaction and returns its result once that has committed.
    /// `work` may throw `notFound` before it writes anything: that refuses it alone.
    func batched<T: Sendable>(
        _ what: String,
        _ work: @escaping @Sendable (isolated Self) async throws -> T
    ) async throws(StoreError) -> T {
        let result: Result<T, StoreError> = await withCheckedContinuation { continuation in
            groupCommit.pending.append(
                PendingWrite(
                    what: what,
                    attempt: { store in
                        do {
                            let value = try await work(store)
                            return .finished { continuation.resume(returning: .success(value)) }
                        } catch let error as StoreError where error.code == .notFound {
                            return .finished { continuation.resume(returning: .failure(error)) }
                        } catch {
                            return .failed(error)
                        }
                    },
                    fail: { continuation.resume(returning: .failure($0)) }
                )
            )
            if !groupCommit.writing {
                groupCommit.writing = true
                Task { await self.writeBatches() }
            }
        }
        return try result.get()
    }

    /// Writes the waiting writes in batches until none waits; a batch is the writes waiting when
    /// its turn comes, at most ``GroupCommitQueue/maximumBatch``.
    private func writeBatches() async {
        while true {
            await acquire()
            let batch = Array(groupCommit.pending.prefix(GroupCommitQueue<Self>.maximumBatch))
            groupCommit.pending.removeFirst(batch.count)
            guard !batch.isEmpty else {
                release()
                break
            }
            await write(batch)
            release()
        }
        groupCommit.writing = false
    }

    /// Writes `batch` in one transaction. When the database refused a statement of one of its
    /// writes, each write goes again alone, so only that one fails; any other failure (at `BEGIN`
    /// or `COMMIT`, the fence, a lost or silent connection) is every write's, since running them
    /// again would wait as long again, or store twice what a `COMMIT` without an answer stored.
    private func write(_ batch: [PendingWrite<Self>]) async {
        let saved = saveState()
        var replies: [@Sendable () -> Void] = []
        var writing = false
        do {
            try await connection.begin()
            writing = true
            for write in batch {
                switch await write.attempt(self) {
                case .finished(let reply): replies.append(reply)
                case .failed(let error): throw error
                }
            }
            try await beforeCommit()
            writing = false
            try await connection.commit()
            groupCommit.batchesCommitted += 1
        } catch {
            let refused = writing ? await connection.lastFailureWasRefusal : false
            await connection.rollback()
            restoreState(saved)
            guard batch.count > 1, refused else {
                for write in batch {
                    write.fail(
                        error as? StoreError ?? StoreError(.write, "\(write.what) in \(path) failed", cause: error)
                    )
                }
                return
            }
            groupCommit.writesRetriedAlone += batch.count
            for write in batch { await self.write([write]) }
            return
        }
        await afterBatch()
        for reply in replies { reply() }
    }
}
