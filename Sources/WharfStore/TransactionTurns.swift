/// One transaction at a time on an actor's one SQLite connection. An actor's method suspends at
/// every query, so without turns a second caller's `BEGIN` would land inside the first one's
/// transaction and fail. A caller that finds the connection taken waits its turn, in arrival
/// order; the actor that owns the connection keeps this beside it.
struct TransactionTurns {
    private var taken = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Takes the connection when it is free; false when the caller must queue (``queue(_:)``).
    mutating func take() -> Bool {
        guard !taken else { return false }
        taken = true
        return true
    }

    /// Queues a caller that found the connection taken; ``release()`` hands it over.
    mutating func queue(_ caller: CheckedContinuation<Void, Never>) {
        waiting.append(caller)
    }

    /// Hands the connection to the caller waiting longest, or frees it.
    mutating func release() {
        if waiting.isEmpty {
            taken = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
