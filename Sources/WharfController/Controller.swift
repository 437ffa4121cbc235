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
    private let now: @Sendable () -> Date
    private let logger: Logger
    private var writing = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Loads the state from `store`.
    /// - Parameters:
    ///   - now: the wall clock, injected so tests can fix it.
    public init(store: any ClusterStore, context: AccountContext, logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }) async throws(StoreError) {
        self.store = store
        self.state = ClusterState(context: context, stored: try await store.load())
        self.now = now
        self.logger = logger
    }

    /// Answers from the current state.
    public func read<T: Sendable>(_ body: (ClusterState) throws -> T) rethrows -> T {
        try body(state)
    }

    /// Computes a change from the current state, stores it durably, then applies it.
    /// - Throws: what `body` throws (an ``ECSError`` for a refused request), or `ServerException`
    ///   when the store fails (nothing is applied then, so memory and disk still agree).
    public func write<T: Sendable>(_ body: (ClusterState, Date) throws -> Outcome<T>) async throws -> T {
        // One write at a time, first come first served: a finishing write hands its turn
        // directly to the longest waiter, so no newcomer can overtake.
        if writing {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            writing = true
        }
        defer {
            if waiting.isEmpty { writing = false } else { waiting.removeFirst().resume() }
        }
        let outcome = try body(state, now())
        if !outcome.changes.isEmpty {
            do {
                try await store.apply(outcome.changes)
            } catch {
                logger.error("could not store a change; it was not applied", metadata: ["error": "\(error)"])
                throw ECSError(.server, "the controller could not store the change (\(error.message)); nothing was changed, retry later")
            }
            for change in outcome.changes { state.apply(change) }
        }
        return outcome.response
    }
}
