import Foundation
import Logging
import ServiceLifecycle
import WharfStore

/// Publishes `AWS/ECS`'s metrics into the metric store as ECS does: a sample three times a period
/// (every 20 s of a one-minute period, between 1 and 20 s) from what the agents last reported,
/// which the period's statistics then sum up. Also deletes samples and alarm history past the
/// retention, once a minute. Stops on graceful shutdown.
struct ECSMetricsPublisher: Service {
    let controller: Controller
    let store: SQLiteMetricStore
    let settings: MonitoringSettings
    let logger: Logger

    /// How often a sample is taken.
    var interval: Duration {
        min(max(settings.period / 3, .seconds(1)), .seconds(20))
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastPruned = Date.distantPast
            while !Task.isCancelled {
                await publishOnce()
                let now = controller.now()
                if now.timeIntervalSince(lastPruned) >= 60 {
                    lastPruned = now
                    let cutoff = CloudWatchOperations.millis(now) - Int(settings.retention.components.seconds) * 1000
                    do {
                        try await store.deleteOlder(than: cutoff)
                    } catch {
                        logger.error("could not delete expired metric samples", metadata: ["error": "\(error)"])
                    }
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Takes and stores one sample of every cluster's and service's metrics.
    func publishOnce() async {
        let usage = await controller.taskUtilization()
        let timestamp = CloudWatchOperations.millis(controller.now())
        let points = await controller.read { state in state.ecsMetricPoints(usage: usage, timestamp: timestamp) }
        do {
            try await store.put(points)
        } catch {
            logger.error("could not store the ECS metrics", metadata: ["error": "\(error)"])
        }
    }
}
