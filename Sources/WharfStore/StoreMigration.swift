import Foundation
import Logging
import PostgresNIO
import WharfState

/// `wharf-controller migrate`: copies a data directory's SQLite state (`wharf.db`, and
/// `regions/NAME/wharf.db` for every other region) into a PostgreSQL store, each region into its own
/// empty schema: first its logs and metrics (`logs.db`, `metrics.db`) in one transaction, then its
/// state in another. The controller must be stopped (the data directory's lock is taken). A
/// migration that fails midway leaves schemas that a second one refuses: drop them (or choose
/// another prefix) and migrate again; the data directory is never changed.
public enum StoreMigration {
    /// What was copied for one region.
    public struct Copied: Sendable, Equatable {
        public var region: String
        /// The state's records.
        public var records: Int
        /// The rows of its logs and metrics (log groups, streams and events; metrics, samples,
        /// alarm history and scaling activities).
        public var telemetryRows: Int
    }

    /// Copies every region of `dataDirectory` (whose own region is `home`) into `location`.
    /// - Throws: ``StoreError`` when a target schema already holds state, or a store fails.
    public static func migrate(
        dataDirectory: String,
        home: String,
        to location: PostgresLocation,
        logger: Logger
    ) async throws(StoreError) -> [Copied] {
        guard FileManager.default.fileExists(atPath: dataDirectory + "/wharf.db") else {
            throw StoreError(.open, "\(dataDirectory) holds no wharf.db to migrate")
        }
        let lock = try DataDirectoryLock.acquire(dataDirectory)
        defer { lock.release() }
        var sources = [(home, dataDirectory + "/wharf.db")]
        let regions = dataDirectory + "/regions"
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: regions)) ?? []).sorted()
        where FileManager.default.fileExists(atPath: "\(regions)/\(name)/wharf.db") && name != home {
            sources.append((name, "\(regions)/\(name)/wharf.db"))
        }
        var copied: [Copied] = []
        for (region, path) in sources {
            let source = try await SQLiteStore.open(path: path, logger: logger)
            let state: StoredState
            do {
                state = try await source.load()
            } catch {
                await source.close()
                throw error
            }
            await source.close()
            let target = try await PostgresStore.open(location, region: region, logger: logger)
            do throws(StoreError) {
                let existing = try await target.load()
                var empty = StoredState()
                empty.generation = existing.generation
                guard existing == empty else {
                    throw StoreError(
                        .alreadyExists,
                        "the schema \(target.schema) of \(location) already holds a cluster state (region \(region)); "
                            + "migrate into an empty database, or choose another prefix with ?schema="
                    )
                }
                let telemetryRows = try await copyTelemetry(
                    from: (path as NSString).deletingLastPathComponent,
                    region: region,
                    to: location,
                    logger: logger
                )
                let changes = state.changes
                try await target.apply(changes)
                try await target.raiseGeneration(to: state.generation)
                copied.append(Copied(region: region, records: changes.count, telemetryRows: telemetryRows))
                logger.info(
                    "migrated a region",
                    metadata: [
                        "region": "\(region)", "records": "\(changes.count)", "telemetry.rows": "\(telemetryRows)",
                    ]
                )
            } catch {
                await target.close()
                throw error
            }
            await target.close()
        }
        return copied
    }
}

extension StoreMigration {
    /// Copies the `logs.db` and `metrics.db` in `directory` (those that exist) into `region`'s
    /// schema, in one transaction; refuses a schema whose telemetry tables hold rows already.
    static func copyTelemetry(
        from directory: String,
        region: String,
        to location: PostgresLocation,
        logger: Logger
    ) async throws(StoreError) -> Int {
        let sources = [
            ("logs.db", LogStore.steps, TelemetryCopy.logTables),
            ("metrics.db", MetricStore.steps, TelemetryCopy.metricTables),
        ].filter { FileManager.default.fileExists(atPath: directory + "/" + $0.0) }
        let target = try await PostgresTelemetryConnection.open(location, region: region, fence: nil, logger: logger)
        do {
            if let filled = try await TelemetryCopy.firstFilled(
                TelemetryCopy.logTables + TelemetryCopy.metricTables,
                in: target
            ) {
                throw StoreError(
                    .alreadyExists,
                    "the schema of region \(region) in \(location) already holds logs or metrics (\(filled)); "
                        + "migrate into an empty database, or choose another prefix with ?schema="
                )
            }
            try await target.begin()
            var copied = 0
            for (file, steps, tables) in sources {
                let source = try await SQLiteTelemetryConnection.open(
                    path: directory + "/" + file,
                    what: file,
                    steps: steps,
                    logger: logger
                )
                do {
                    copied += try await TelemetryCopy.copy(tables, from: source, to: target)
                } catch {
                    await source.close()
                    throw error
                }
                await source.close()
            }
            try await target.commit()
            await target.close()
            return copied
        } catch {
            await target.rollback()
            await target.close()
            if let error = error as? StoreError { throw error }
            throw StoreError(
                .write,
                "cannot copy the logs and metrics of region \(region) into \(location)",
                cause: error
            )
        }
    }
}

extension PostgresStore {
    /// Makes the next load's generation follow `generation` (a migrated state's starts go on counting).
    func raiseGeneration(to generation: Int) async throws(StoreError) {
        let (client, schema) = (client, schema)
        do {
            try await client.query(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO \(schema).controller_meta (name, value) VALUES ('generation', $1)
                        ON CONFLICT (name) DO UPDATE
                        SET value = GREATEST(\(schema).controller_meta.value, EXCLUDED.value)
                        """,
                    binds: PostgresMigrations.binds([.integer(generation)])
                )
            )
        } catch {
            throw StoreError(.write, "cannot record the generation in \(schema)", cause: Self.reason(error))
        }
    }
}
