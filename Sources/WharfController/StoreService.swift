import Logging
import ServiceLifecycle
import WharfStore

/// Keeps the store open while the daemon runs and closes it after the HTTP server has stopped
/// (the group stops services in reverse order, so this one goes last).
struct StoreService: Service {
    let store: any ClusterStore
    let logs: LogStore?
    var metricStore: MetricStore? = nil
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        await metricStore?.close()
        await logs?.close()
        await store.close()
        logger.info("store closed")
    }
}
