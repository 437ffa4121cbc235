import Foundation
import Logging
import PostgresNIO
import WharfState

/// `wharf-controller migrate`: copies a data directory's SQLite state (`wharf.db`, and
/// `regions/NAME/wharf.db` for every other region) into a PostgreSQL store, each region into its own
/// empty schema, in one transaction per region. The controller must be stopped (the data
/// directory's lock is taken); its logs and metrics stay in the directory, which the controller
/// keeps using.
public enum StoreMigration {
    /// What was copied for one region.
    public struct Copied: Sendable, Equatable {
        public var region: String
        public var records: Int
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
                let changes = state.changes
                try await target.apply(changes)
                try await target.raiseGeneration(to: state.generation)
                copied.append(Copied(region: region, records: changes.count))
                logger.info("migrated a region", metadata: ["region": "\(region)", "records": "\(changes.count)"])
            } catch {
                await target.close()
                throw error
            }
            await target.close()
        }
        return copied
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
