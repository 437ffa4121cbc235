/// Group commit for the writes that carry log lines (PutLogEvents and agents' deliveries): those
/// that arrive while a transaction is in flight wait together and then go in one, so a burst costs
/// one commit (one flush on SQLite; on PostgreSQL one fencing check and one `COMMIT`, each a round
/// trip) rather than one per write.
extension LogStore {
    /// A write waiting for its batch.
    struct PendingWrite: Sendable {
        /// What it does, for messages.
        let what: String
        /// Runs the write inside the batch's transaction.
        let attempt: @Sendable (isolated LogStore) async -> Attempt
        /// Tells its caller it failed.
        let fail: @Sendable (StoreError) -> Void
    }

    /// How one write of a batch went.
    enum Attempt: Sendable {
        /// Done, or refused before it wrote anything (a missing group or stream): `reply` tells the
        /// caller once the batch has committed.
        case finished(reply: @Sendable () -> Void)
        /// Failed at the database, which may have lost the batch's transaction with it.
        case failed(any Error)
    }

    /// Runs `work` in the next batch's transaction and returns its result once that has committed.
    /// A write that fails at the database fails the batch's transaction; then each of its writes
    /// runs again alone, so the others do not fail with it.
    func batched<T: Sendable>(
        _ what: String,
        _ work: @escaping @Sendable (isolated LogStore) async throws -> T
    ) async throws(StoreError) -> T {
        let result: Result<T, StoreError> = await withCheckedContinuation { continuation in
            pendingWrites.append(
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
            if !writingBatches {
                writingBatches = true
                Task { await self.writeBatches() }
            }
        }
        return try result.get()
    }

    /// Writes the waiting writes in batches until none waits; a batch is every write that waits
    /// when its turn comes.
    private func writeBatches() async {
        while true {
            await acquire()
            let batch = pendingWrites
            pendingWrites = []
            guard !batch.isEmpty else {
                release()
                break
            }
            await write(batch)
            release()
        }
        writingBatches = false
    }

    /// Writes `batch` in one transaction; then, when the events take more than the bound, trims
    /// them in a transaction of its own, whose failure is not the writers' (they are stored).
    private func write(_ batch: [PendingWrite]) async {
        let saved = storedBytes
        var replies: [@Sendable () -> Void] = []
        do {
            try await connection.begin()
            for write in batch {
                switch await write.attempt(self) {
                case .finished(let reply): replies.append(reply)
                case .failed(let error): throw error
                }
            }
            try await connection.commit()
            batchesCommitted += 1
        } catch {
            await connection.rollback()
            storedBytes = saved
            // What the transaction made is gone with it.
            groupIDs = [:]
            streamIDs = [:]
            guard batch.count > 1 else {
                let write = batch[0]
                write.fail(
                    error as? StoreError ?? StoreError(.write, "\(write.what) in \(path) failed", cause: error)
                )
                return
            }
            writesRetriedAlone += batch.count
            for write in batch { await self.write([write]) }
            return
        }
        // Trimmed before the writers hear back, so that a write returns with the store in its bound.
        if storedBytes > maxStoredBytes {
            let before = storedBytes
            do {
                try await connection.begin()
                try await trimToBound()
                try await connection.commit()
            } catch {
                await connection.rollback()
                storedBytes = before
            }
        }
        for reply in replies { reply() }
    }
}
