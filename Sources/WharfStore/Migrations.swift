import Logging
import SQLiteNIO

/// The schema, as numbered migrations. `PRAGMA user_version` records how many have run; each
/// runs in its own transaction, so a crash mid-migration leaves the previous version intact.
enum Migrations {
    /// One migration: SQL statements, or (when rows must be rewritten) code run on the connection
    /// inside the migration's transaction.
    enum Step: Sendable {
        case sql([String])
        case code(@Sendable (SQLiteConnection) async throws -> Void)
    }

    /// Migration N (1-based) brings the schema from version N-1 to N. Append; never edit.
    static let steps: [Step] = [
        .sql([
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
        ]),
        .sql([
            "CREATE TABLE container_instances (arn TEXT PRIMARY KEY, cluster TEXT NOT NULL, body TEXT NOT NULL)",
            "CREATE TABLE tasks (arn TEXT PRIMARY KEY, cluster TEXT NOT NULL, body TEXT NOT NULL)",
            "CREATE INDEX tasks_cluster ON tasks (cluster)",
        ]),
        .sql([
            "CREATE TABLE services (arn TEXT PRIMARY KEY, cluster TEXT NOT NULL, body TEXT NOT NULL)"
        ]),
        .sql([
            "CREATE TABLE activations (id TEXT PRIMARY KEY, body TEXT NOT NULL)"
        ]),
        .sql([
            "CREATE TABLE access_keys (id TEXT PRIMARY KEY, body TEXT NOT NULL)"
        ]),
        // Typed records (issue 13): rows keyed by ID, bodies the records' JSON; the desired-state
        // version leaves the instance rows; the controller's start number gets a row of its own.
        .code(TypedRecordsMigration.run),
        // Typed services (issue 13): ECS's `Service` shape leaves the service rows.
        .code(TypedServicesMigration.run),
        // Parameter Store (issue 14): one row per parameter, its versions in its body.
        .sql([
            "CREATE TABLE parameters (name TEXT PRIMARY KEY, body TEXT NOT NULL)"
        ]),
        // Secrets Manager (issue 14): one row per secret, its sealed versions in its body.
        .sql([
            "CREATE TABLE secrets (name TEXT PRIMARY KEY, body TEXT NOT NULL)"
        ]),
        // RunTask's client tokens (issue 14): what each did, kept 24 hours for retries.
        .sql([
            "CREATE TABLE run_task_tokens (key TEXT PRIMARY KEY, body TEXT NOT NULL)"
        ]),
        // Elastic Load Balancing (issue 16): a row per load balancer, target group (its targets in
        // its body), listener and listener rule, keyed by the ID that ends its ARN.
        .sql([
            "CREATE TABLE load_balancers (id TEXT PRIMARY KEY, body TEXT NOT NULL)",
            "CREATE TABLE target_groups (id TEXT PRIMARY KEY, body TEXT NOT NULL)",
            "CREATE TABLE listeners (id TEXT PRIMARY KEY, body TEXT NOT NULL)",
            "CREATE TABLE listener_rules (id TEXT PRIMARY KEY, body TEXT NOT NULL)",
        ]),
        // Cloud Map (issue 16): a row per namespace, per service (its instances in its body) and per
        // kept operation.
        .sql([
            "CREATE TABLE namespaces (id TEXT PRIMARY KEY, body TEXT NOT NULL)",
            "CREATE TABLE discovery_services (id TEXT PRIMARY KEY, body TEXT NOT NULL)",
            "CREATE TABLE cloud_map_operations (id TEXT PRIMARY KEY, body TEXT NOT NULL)",
        ]),
        // CloudWatch alarms (issue 17): a row per alarm, keyed by its name. Metric samples and
        // alarm history live in metrics.db.
        .sql([
            "CREATE TABLE alarms (name TEXT PRIMARY KEY, body TEXT NOT NULL)"
        ]),
        // Application Auto Scaling (issue 17): scalable targets keyed by `resourceId|dimension`,
        // policies and scheduled actions by ARN. Scaling activities live in metrics.db.
        .sql([
            "CREATE TABLE scalable_targets (key TEXT PRIMARY KEY, body TEXT NOT NULL)",
            "CREATE TABLE scaling_policies (arn TEXT PRIMARY KEY, body TEXT NOT NULL)",
            "CREATE TABLE scheduled_actions (arn TEXT PRIMARY KEY, body TEXT NOT NULL)",
        ]),
        // Capacity providers (issue 19), keyed by name.
        .sql([
            "CREATE TABLE capacity_providers (name TEXT PRIMARY KEY, body TEXT NOT NULL)"
        ]),
    ]

    static func run(on connection: SQLiteConnection, logger: Logger) async throws {
        try await run(steps, on: connection, logger: logger)
    }

    /// Runs the `steps` a database has not had yet (its `PRAGMA user_version` counts those it has).
    static func run(_ steps: [Step], on connection: SQLiteConnection, logger: Logger) async throws {
        let current = try await connection.query("PRAGMA user_version").first?.column("user_version")?.integer ?? 0
        guard current <= steps.count else {
            throw StoreError(
                .migrate,
                "the database has schema version \(current), newer than this Wharf understands (\(steps.count)); run "
                    + "a newer wharf-controller or restore a backup"
            )
        }
        for version in (current + 1)..<(steps.count + 1) {
            _ = try await connection.query("BEGIN IMMEDIATE")
            do {
                switch steps[version - 1] {
                case .sql(let statements):
                    for sql in statements {
                        _ = try await connection.query(sql)
                    }
                case .code(let body):
                    try await body(connection)
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

    /// Runs plain SQL steps (for tests of the runner).
    static func run(_ steps: [[String]], on connection: SQLiteConnection, logger: Logger) async throws {
        try await run(steps.map(Step.sql), on: connection, logger: logger)
    }
}
