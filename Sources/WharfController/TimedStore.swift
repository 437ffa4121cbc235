import WharfState
import WharfStore

/// A store whose reads and writes are timed in the controller's metrics
/// (`wharf_store_operation_duration_seconds`, by store and operation).
struct TimedStore: ClusterStore {
    let store: any ClusterStore
    let metrics: ControllerMetrics
    /// `sqlite` or `postgres`.
    let kind: String

    func load() async throws(StoreError) -> StoredState {
        let started = ContinuousClock.now
        defer { metrics.storeOperation(kind, "load", duration: .now - started) }
        return try await store.load()
    }

    func apply(_ changes: [StateChange]) async throws(StoreError) {
        let started = ContinuousClock.now
        defer { metrics.storeOperation(kind, "write", duration: .now - started) }
        try await store.apply(changes)
    }

    func close() async {
        await store.close()
    }
}
