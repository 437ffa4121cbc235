import Foundation
import Logging
import Synchronization
import WharfModel
import WharfState
import WharfStore

/// A batch of writes computed and applied in memory, waiting for its commit.
struct PreparedBatch {
    /// The batch's writes, and those of them refused (with their errors).
    var writes: [QueuedWrite] = []
    var refusals: [(QueuedWrite, any Error)] = []
    /// What the batch changed, in order, and what undoes it.
    var changes: [StateChange] = []
    var applied: [Applied] = []
    /// The answers to send once it is stored.
    var answers: [@Sendable () -> Void] = []
    /// The state's revisions of routes, load balancer plans and names before and after the batch:
    /// what tells which held syncs its commit wakes.
    var before: (routes: Int, plans: Int, names: Int) = (0, 0, 0)
    var after: (routes: Int, plans: Int, names: Int) = (0, 0, 0)
    /// For the slow-batch log: its requests and background writes, and when it began and was applied.
    var requestCount = 0
    var backgroundCount = 0
    var started = ContinuousClock.now
    var computed = ContinuousClock.now
}

extension Controller {
    /// Computes, applies and commits batches until no write waits. The next batch is computed and
    /// applied while the one before it commits (on the store's own thread), and its commit begins
    /// once that one's has succeeded: the actor's computing and the store's writing overlap, where
    /// one waited for the other. A batch is answered only once stored; when a commit fails, that
    /// batch and the one computed on top of it are undone and fail (docs/architecture.md).
    func flush() async {
        var inFlight: (batch: PreparedBatch, commit: Task<StoreError?, Never>)?
        while true {
            // With a commit running, an empty queue does not end the batches: the commit's batch
            // still has to be answered.
            let release = inFlight == nil
            let taken = pending.withLock { $0.next(backgroundLimit: Self.backgroundPerBatch, release: release) }
            if taken == nil, release { return }
            var prepared = taken.map { prepare(requests: $0.requests, waiting: $0.background) }
            if let (batch, commit) = inFlight {
                inFlight = nil
                if let error = await commit.value {
                    // The batch computed on top of the refused one is undone first, then that one.
                    if let later = prepared {
                        undo(later, error: error, refusalsToo: true)
                        prepared = nil
                    }
                    undo(batch, error: error, refusalsToo: false)
                } else {
                    stored(batch)
                }
            }
            guard let batch = prepared else { continue }
            if batch.changes.isEmpty {
                for answer in batch.answers { answer() }
                for (write, error) in batch.refusals { write.fail(error) }
                continue
            }
            let store = self.store
            let changes = batch.changes
            inFlight = (
                batch,
                Task.detached { () -> StoreError? in
                    do throws(StoreError) {
                        try await store.apply(changes)
                        return nil
                    } catch {
                        return error
                    }
                }
            )
        }
    }

    /// Computes each write of a batch on the current state and applies its changes at once: every
    /// request, then background writes while the batch has room for their changes (those past its
    /// limit go back to the front of the queue).
    private func prepare(requests: [QueuedWrite], waiting: ArraySlice<QueuedWrite>) -> PreparedBatch {
        var batch = PreparedBatch()
        let time = now()
        batch.started = ContinuousClock.now
        batch.before = revisions()
        func compute(_ write: QueuedWrite) {
            batch.writes.append(write)
            do {
                let (writeChanges, answer) = try write.compute(state, time)
                for change in writeChanges { batch.applied.append(state.apply(change)) }
                batch.changes += writeChanges
                batch.answers.append(answer)
            } catch {
                batch.refusals.append((write, error))
            }
        }
        for write in requests { compute(write) }
        let limit = requests.isEmpty ? Self.changesPerBatch : Self.changesBesideRequests
        var taken = 0
        while taken < waiting.count, batch.changes.count < limit {
            compute(waiting[taken])
            taken += 1
        }
        if taken < waiting.count {
            pending.withLock { $0.putBack(waiting[taken...]) }
        }
        // Counted as soon as it is applied: a read that sees it waits for its commit.
        if !batch.changes.isEmpty { appliedBatches += 1 }
        batch.requestCount = requests.count
        batch.backgroundCount = taken
        batch.after = revisions()
        batch.computed = ContinuousClock.now
        return batch
    }

    private func revisions() -> (routes: Int, plans: Int, names: Int) {
        (
            state.instances.routeRevision, state.loadBalancing.revision,
            state.cloudMap.revision + state.loadBalancing.balancerRevision
        )
    }

    /// A batch is stored: its writes are answered, the reads that saw it go, and the held syncs
    /// of the nodes whose desired state it changed are woken.
    private func stored(_ batch: PreparedBatch) {
        let stored = ContinuousClock.now
        storedBatches += 1
        releaseReaders(stored: true)
        for answer in batch.answers { answer() }
        for (write, error) in batch.refusals { write.fail(error) }
        if stored - batch.started > Self.slowBatch {
            logger.debug(
                "a batch of writes took long",
                metadata: [
                    "writes.requests": "\(batch.requestCount)", "writes.background": "\(batch.backgroundCount)",
                    "changes": "\(batch.changes.count)", "compute": "\(batch.computed - batch.started)",
                    "commit": "\(stored - batch.computed)",
                ]
            )
        }
        // A route or a Cloud Map name that came, went or changed is news for every node.
        var woken =
            batch.after.routes != batch.before.routes || batch.after.names != batch.before.names
            ? Set(pollers.keys) : []
        // A changed load balancer plan is news for the load balancer nodes.
        if batch.after.plans != batch.before.plans {
            woken.formUnion(pollers.keys.filter { state.isLoadBalancerNode($0) })
        }
        wakePollers(of: woken.union(batch.applied.compactMap(\.woken)))
        wakeScheduler()
    }

    /// Undoes a batch the store refused, or one computed on top of it, and fails its writes (its
    /// refused writes with their own errors, unless `refusalsToo`: what refused them may have been
    /// undone).
    private func undo(_ batch: PreparedBatch, error: StoreError, refusalsToo: Bool) {
        for entry in batch.applied.reversed() { state.revert(entry) }
        // The undone tasks' versions will be reached again, by other changes.
        mergedReports.withLock { $0.forgetAll() }
        appliedBatches = storedBatches
        releaseReaders(stored: false)
        if !batch.changes.isEmpty {
            logger.error(
                "could not store a batch of changes; it was undone",
                metadata: [
                    "error": "\(error)", "writes": "\(batch.answers.count)", "changes": "\(batch.changes.count)",
                ]
            )
        }
        let failure = ECSError(
            .server,
            "the controller could not store the change (\(error.description)); nothing was changed, retry later"
        )
        let refused = Set(batch.refusals.map(\.0.id))
        for write in batch.writes where refusalsToo || !refused.contains(write.id) { write.fail(failure) }
        if !refusalsToo { for (write, error) in batch.refusals { write.fail(error) } }
    }
}
