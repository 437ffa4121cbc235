import Logging
import SQLiteNIO

/// The schema, as numbered migrations. `PRAGMA user_version` records how many have run; each
/// runs in its own transaction, so a crash mid-migration leaves the previous version intact.
enum Migrations {
    /// Migration N (1-based) brings the schema from version N-1 to N. Append; never edit.
    static let steps: [[String]] = [
        [
            "CREATE TABLE clusters (name TEXT PRIMARY KEY, body TEXT NOT NULL)",
            """
            CREATE TABLE task_definitions (arn TEXT PRIMARY KEY, family TEXT NOT NULL,
                revision INTEGER NOT NULL, body TEXT NOT NULL)
            """,
            "CREATE INDEX task_definitions_family ON task_definitions (family, revision)",
            "CREATE TABLE task_definition_families (family TEXT PRIMARY KEY, last_revision INTEGER NOT NULL)",
            """
            CREATE TABLE account_settings (principal TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
                PRIMARY KEY (principal, name))
            """,
        ],
        [
            "CREATE TABLE container_instances (arn TEXT PRIMARY KEY, cluster TEXT NOT NULL, body TEXT NOT NULL)",
            "CREATE TABLE tasks (arn TEXT PRIMARY KEY, cluster TEXT NOT NULL, body TEXT NOT NULL)",
            "CREATE INDEX tasks_cluster ON tasks (cluster)",
        ],
        [
            "CREATE TABLE services (arn TEXT PRIMARY KEY, cluster TEXT NOT NULL, body TEXT NOT NULL)",
        ],
        [
            "CREATE TABLE activations (id TEXT PRIMARY KEY, body TEXT NOT NULL)",
        ],
        [
            "CREATE TABLE access_keys (id TEXT PRIMARY KEY, body TEXT NOT NULL)",
        ],
    ]

    static func run(on connection: SQLiteConnection, logger: Logger) async throws {
        try await run(steps, on: connection, logger: logger)
    }

    /// Runs the `steps` a database has not had yet (its `PRAGMA user_version` counts those it has).
    static func run(_ steps: [[String]], on connection: SQLiteConnection, logger: Logger) async throws {
        let current = try await connection.query("PRAGMA user_version").first?.column("user_version")?.integer ?? 0
        guard current <= steps.count else {
            throw StoreError(.migrate, "the database has schema version \(current), newer than this Wharf understands (\(steps.count)); run a newer wharf-controller or restore a backup")
        }
        for version in (current + 1)..<(steps.count + 1) {
            _ = try await connection.query("BEGIN IMMEDIATE")
            do {
                for sql in steps[version - 1] {
                    _ = try await connection.query(sql)
                }
                _ = try await connection.query("PRAGMA user_version = \(version)")
                _ = try await connection.query("COMMIT")
            } catch {
                _ = try? await connection.query("ROLLBACK")
                throw error
            }
            logger.info("migrated the database schema", metadata: ["schema.version": "\(version)"])
        }
    }
}
