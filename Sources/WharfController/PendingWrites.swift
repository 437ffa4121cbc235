import Foundation
import WharfState

/// Which queue a write waits in.
enum WriteLane: Sendable {
    /// A request someone waits on: every batch takes all that wait.
    case request
    /// An agent's report or the controller's upkeep: a batch takes them up to its limits.
    case background
    /// A service scheduler round: a batch of its own, after the requests queued before it and at
    /// most one batch of background writes.
    case scheduler
}

/// The writes waiting for the next batch, in three lanes (``WriteLane``), and whether a batch is
/// being made. A batch takes every waiting request and background writes up to its limits, or a
/// scheduler round alone: a round's thousands of changes do not share a batch with a request,
/// whose caller would wait for their commit too.
struct PendingWrites: Sendable {
    var requests: [QueuedWrite] = []
    var background: [QueuedWrite] = []
    var scheduler: [QueuedWrite] = []
    /// How many batches were made while the first round waited.
    var roundPassedOver = 0
    var flushing = false
    /// How many writes were ever queued.
    var count = 0

    /// Queues `write`; true when no batch is being made, so the caller must start one.
    mutating func add(_ write: QueuedWrite, lane: WriteLane) -> Bool {
        count += 1
        switch lane {
        case .request: requests.append(write)
        case .background: background.append(write)
        case .scheduler: scheduler.append(write)
        }
        guard !flushing else { return false }
        flushing = true
        return true
    }

    /// The next batch: every request and up to `backgroundLimit` background writes; or a round
    /// alone, when no request waits and either no background write does or the round was passed
    /// over already, or whatever waits once the round was passed over twice (so a steady stream
    /// of requests cannot hold rounds back). Nil, and no batch being made, when none waits.
    /// - Parameter release: whether an empty queue ends the batches (a batch still being committed
    ///   keeps them going: its caller comes back once it is stored).
    mutating func next(
        backgroundLimit: Int,
        release: Bool = true
    ) -> (requests: [QueuedWrite], background: ArraySlice<QueuedWrite>)? {
        if !scheduler.isEmpty,
            roundPassedOver >= 2 || (requests.isEmpty && (roundPassedOver == 1 || background.isEmpty))
        {
            roundPassedOver = 0
            return ([scheduler.removeFirst()], [])
        }
        guard !requests.isEmpty || !background.isEmpty else {
            if release { flushing = false }
            return nil
        }
        if !scheduler.isEmpty { roundPassedOver += 1 }
        let taken = (requests, background.prefix(backgroundLimit))
        requests = []
        background.removeFirst(taken.1.count)
        return taken
    }

    /// Returns background writes a batch had no room for to the front of the queue.
    mutating func putBack(_ writes: ArraySlice<QueuedWrite>) {
        background.insert(contentsOf: writes, at: 0)
    }
}

/// A write waiting for its batch.
struct QueuedWrite: Sendable {
    let id = UUID()
    /// Computes the write's changes from the state, and how to answer once they are stored.
    let compute: @Sendable (ClusterState, Date) throws -> (changes: [StateChange], answer: @Sendable () -> Void)
    /// Answers with an error.
    let fail: @Sendable (any Error) -> Void
}
