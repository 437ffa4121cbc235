import Logging
import ServiceLifecycle
import WharfStore

/// Keeps the lease while the controller leads, and hands it back when the controller stops.
struct LeadershipService: Service {
    let keeper: LeaseKeeper
    let lease: PostgresLease
    let metrics: ControllerMetrics
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        if await keeper.leads {
            await keeper.resign()
            metrics.leading(false)
            metrics.leadershipChange("resigned")
            logger.notice("handed the leadership lease back")
        }
        await lease.close()
    }
}

extension LeadershipService {
    /// Hands the lease back when the controller fails to start after taking it.
    func stop() async throws {
        await keeper.resign()
        metrics.leading(false)
        await lease.close()
    }
}
