import Foundation
import Logging
import ServiceLifecycle
import WharfModel
import WharfStore

/// One region's share of the controller: its state and the three databases behind it
/// (`wharf.db`, `logs.db`, `metrics.db`, or their tables in the region's PostgreSQL schema), and
/// the loops that keep them. The controller's own region
/// lives in the data directory; every other region in `regions/<name>/` under it.
struct RegionBundle: Sendable {
    let region: String
    let configuration: ControllerConfiguration
    let controller: Controller
    let store: any ClusterStore
    let logs: LogStore
    let metricStore: MetricStore

    /// Where `region`'s databases live under the data directory of a controller whose own region is
    /// `home`.
    static func directory(of region: String, home: String, dataDirectory: String) -> String {
        guard region != home else { return dataDirectory }
        return ((dataDirectory as NSString).appendingPathComponent("regions") as NSString)
            .appendingPathComponent(region)
    }

    /// The configuration of `region`: the home one with that region in every ARN and its own directory.
    static func configuration(of region: String, home: ControllerConfiguration) -> ControllerConfiguration {
        var configuration = home
        configuration.context.region = region
        configuration.dataDirectory = directory(
            of: region,
            home: home.context.region,
            dataDirectory: home.dataDirectory
        )
        return configuration
    }

    /// Opens (creating when missing) the region's state store (`wharf.db` in
    /// `configuration.dataDirectory`, or its schema in PostgreSQL) and the log and metric databases
    /// (in the directory, or in that schema), and builds the state from them; closes what it opened when a later step
    /// fails. The store's writes are timed in `metrics`.
    static func open(
        _ configuration: ControllerConfiguration,
        metrics: ControllerMetrics,
        logger: Logger
    ) async throws -> RegionBundle {
        let directory = configuration.dataDirectory as NSString
        let opened: any ClusterStore =
            switch configuration.store {
            case .sqlite:
                try await SQLiteStore.open(path: directory.appendingPathComponent("wharf.db"), logger: logger)
            case .postgres(let location):
                try await PostgresStore.open(
                    location,
                    region: configuration.context.region,
                    fence: configuration.storeFence,
                    logger: logger
                )
            }
        let store = TimedStore(store: opened, metrics: metrics, kind: configuration.store.kind)
        let logs: LogStore
        do {
            switch configuration.store {
            case .sqlite:
                logs = try await LogStore.open(
                    path: directory.appendingPathComponent("logs.db"),
                    maxStoredBytes: configuration.logStorageBytes,
                    logger: logger
                )
            case .postgres(let location):
                logs = try await LogStore.open(
                    postgres: location,
                    region: configuration.context.region,
                    fence: configuration.storeFence,
                    maxStoredBytes: configuration.logStorageBytes,
                    logger: logger
                )
            }
        } catch {
            await store.close()
            throw error
        }
        let metricStore: MetricStore
        do {
            switch configuration.store {
            case .sqlite:
                metricStore = try await MetricStore.open(
                    path: directory.appendingPathComponent("metrics.db"),
                    logger: logger
                )
            case .postgres(let location):
                metricStore = try await MetricStore.open(
                    postgres: location,
                    region: configuration.context.region,
                    fence: configuration.storeFence,
                    logger: logger
                )
            }
        } catch {
            await logs.close()
            await store.close()
            throw error
        }
        do {
            let controller = try await Controller(
                store: store,
                context: configuration.context,
                logger: logger,
                settings: configuration.agentTimings,
                openRegistration: configuration.openRegistration,
                taskCIDR: configuration.taskCIDR
            )
            return RegionBundle(
                region: configuration.context.region,
                configuration: configuration,
                controller: controller,
                store: store,
                logs: logs,
                metricStore: metricStore
            )
        } catch {
            await metricStore.close()
            await logs.close()
            await store.close()
            throw error
        }
    }

    /// Closes the databases.
    func close() async {
        await metricStore.close()
        await logs.close()
        await store.close()
    }

    /// The store, which closes last, as the group stops services in reverse order.
    var storeService: any Service {
        StoreService(store: store, logs: logs, metricStore: metricStore, logger: Logger(label: "wharf.controller"))
    }

    /// The region's loops, in start order: metrics and alarms, log retention, agent liveness, the
    /// expiry of stopped tasks, and the service scheduler (which stops first).
    func loops(metrics: ControllerMetrics) -> [any Service] {
        [
            MonitoringService(
                controller: controller,
                store: metricStore,
                settings: configuration.monitoring,
                logger: Logger(label: "wharf.controller.metrics")
            ),
            LogRetentionService(
                store: logs,
                interval: configuration.logRetentionSweep,
                now: controller.now,
                logger: Logger(label: "wharf.controller.logs")
            ),
            AgentLivenessService(controller: controller, interval: configuration.agentTimings.sweepInterval),
            RetentionService(
                controller: controller,
                retention: configuration.taskRetention,
                logger: Logger(label: "wharf.controller.retention")
            ),
            ServiceSchedulerService(
                controller: controller,
                sweep: configuration.agentTimings.schedulerSweep,
                logger: Logger(label: "wharf.controller.scheduler"),
                metrics: metrics
            ),
        ]
    }
}
