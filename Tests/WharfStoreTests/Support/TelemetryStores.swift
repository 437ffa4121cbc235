import Logging
import WharfStore

/// The log and metric stores on each kind of database: a SQLite file of their own, or the
/// region's schema in PostgreSQL; both pass the same tests.
extension StoreKind {
    /// Runs `body` with a way to open (and reopen) one log store of this kind; removes it afterwards.
    func withLogStore<T>(
        maxStoredBytes: Int = 1 << 30,
        logger: Logger,
        _ body: (_ open: @Sendable () async throws -> LogStore) async throws -> T
    ) async throws -> T {
        switch self {
        case .sqlite:
            try await withTemporaryDirectory { directory in
                try await body {
                    try await LogStore.open(path: directory + "/logs.db", maxStoredBytes: maxStoredBytes, logger: logger)
                }
            }
        case .postgres:
            try await TestPostgres.withLocation { location in
                try await body {
                    try await LogStore.open(
                        postgres: location,
                        region: "us-east-1",
                        maxStoredBytes: maxStoredBytes,
                        logger: logger
                    )
                }
            }
        }
    }

    /// Runs `body` with a way to open (and reopen) one metric store of this kind; removes it afterwards.
    func withMetricStore<T>(
        logger: Logger,
        _ body: (_ open: @Sendable () async throws -> MetricStore) async throws -> T
    ) async throws -> T {
        switch self {
        case .sqlite:
            try await withTemporaryDirectory { directory in
                try await body { try await MetricStore.open(path: directory + "/metrics.db", logger: logger) }
            }
        case .postgres:
            try await TestPostgres.withLocation { location in
                try await body { try await MetricStore.open(postgres: location, region: "us-east-1", logger: logger) }
            }
        }
    }
}
