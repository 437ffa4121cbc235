import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL schemas, as numbered migrations, like ``Migrations`` for SQLite: the control
/// schema (`PREFIX`: the leadership lease and the list of regions) and one state schema per region
/// (`PREFIX_REGION`). `PREFIX.schema_versions` records how many steps each schema has had; each
/// step runs in one transaction under an advisory lock, so controllers starting together migrate
/// once and a crash mid-migration leaves the previous version intact.
enum PostgresMigrations {
    /// The control schema's steps. `{s}` stands for the schema's name. Append; never edit.
    static let control: [[String]] = [
        [
            """
            CREATE TABLE {s}.leadership (id integer PRIMARY KEY CHECK (id = 1), holder text NOT NULL,
                address text NOT NULL, token bigint NOT NULL, acquired_at timestamptz NOT NULL,
                expires_at timestamptz NOT NULL)
            """,
            "CREATE TABLE {s}.regions (name text COLLATE \"C\" PRIMARY KEY, schema_name text NOT NULL)",
        ]
    ]

    /// A region's state schema's steps: the tables of the SQLite schema's latest version.
    static let state: [[String]] = [
        [
            "CREATE TABLE {s}.clusters (name text COLLATE \"C\" PRIMARY KEY, body text NOT NULL)",
            """
            CREATE TABLE {s}.task_definitions (family text COLLATE "C" NOT NULL, revision bigint NOT NULL,
                body text NOT NULL, PRIMARY KEY (family, revision))
            """,
            """
            CREATE TABLE {s}.task_definition_families (family text COLLATE "C" PRIMARY KEY,
                last_revision bigint NOT NULL)
            """,
            """
            CREATE TABLE {s}.account_settings (principal text COLLATE "C" NOT NULL, name text COLLATE "C" NOT NULL,
                value text NOT NULL, PRIMARY KEY (principal, name))
            """,
            "CREATE TABLE {s}.instances (id text COLLATE \"C\" PRIMARY KEY, cluster text NOT NULL, body text NOT NULL)",
            "CREATE TABLE {s}.tasks (id text COLLATE \"C\" PRIMARY KEY, cluster text NOT NULL, body text NOT NULL)",
            "CREATE TABLE {s}.services (arn text COLLATE \"C\" PRIMARY KEY, cluster text NOT NULL, body text NOT NULL)",
            "CREATE TABLE {s}.controller_meta (name text PRIMARY KEY, value bigint NOT NULL)",
        ]
            + [
                "activations", "access_keys", "load_balancers", "target_groups", "listeners", "listener_rules",
                "namespaces", "discovery_services", "cloud_map_operations",
            ].map { "CREATE TABLE {s}.\($0) (id text COLLATE \"C\" PRIMARY KEY, body text NOT NULL)" }
            + ["parameters", "secrets", "alarms", "capacity_providers"].map {
                "CREATE TABLE {s}.\($0) (name text COLLATE \"C\" PRIMARY KEY, body text NOT NULL)"
            }
            + ["run_task_tokens", "scalable_targets"].map {
                "CREATE TABLE {s}.\($0) (key text COLLATE \"C\" PRIMARY KEY, body text NOT NULL)"
            }
            + ["scaling_policies", "scheduled_actions"].map {
                "CREATE TABLE {s}.\($0) (arn text COLLATE \"C\" PRIMARY KEY, body text NOT NULL)"
            }
    ]

    /// Brings the control schema `prefix` and then `schema` (with `steps`) up to date.
    static func run(
        prefix: String,
        schema: String,
        steps: [[String]],
        on client: PostgresClient,
        logger: Logger
    ) async throws {
        try await migrate(prefix, steps: control, prefix: prefix, on: client, logger: logger)
        if schema != prefix {
            try await migrate(schema, steps: steps, prefix: prefix, on: client, logger: logger)
        }
    }

    private static func migrate(
        _ schema: String,
        steps: [[String]],
        prefix: String,
        on client: PostgresClient,
        logger: Logger
    ) async throws {
        try await client.withTransaction(logger: logger) { connection in
            // One lock for every schema under the prefix: creating the version table races otherwise.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(prefix)))", logger: logger)
            try await connection.query(
                PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(prefix)"),
                logger: logger
            )
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        CREATE TABLE IF NOT EXISTS \(prefix).schema_versions (schema_name text PRIMARY KEY,
                            version integer NOT NULL)
                        """
                ),
                logger: logger
            )
            try await connection.query(
                PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"),
                logger: logger
            )
            var current = 0
            let rows = try await connection.query(
                PostgresQuery(
                    unsafeSQL: "SELECT version FROM \(prefix).schema_versions WHERE schema_name = $1",
                    binds: binds([.text(schema)])
                ),
                logger: logger
            )
            for try await version in rows.decode(Int.self) { current = version }
            guard current <= steps.count else {
                throw StoreError(
                    .migrate,
                    "the PostgreSQL schema \(schema) has version \(current), newer than this Wharf understands "
                        + "(\(steps.count)); run a newer wharf-controller"
                )
            }
            guard current < steps.count else { return }
            for version in (current + 1)...steps.count {
                for sql in steps[version - 1] {
                    try await connection.query(
                        PostgresQuery(unsafeSQL: sql.replacingOccurrences(of: "{s}", with: schema)),
                        logger: logger
                    )
                }
                logger.info(
                    "migrated a PostgreSQL schema",
                    metadata: ["schema": "\(schema)", "schema.version": "\(version)"]
                )
            }
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO \(prefix).schema_versions (schema_name, version) VALUES ($1, $2)
                        ON CONFLICT (schema_name) DO UPDATE SET version = EXCLUDED.version
                        """,
                    binds: binds([.text(schema), .integer(steps.count)])
                ),
                logger: logger
            )
        }
    }

    /// Bindings for `values`, in order ($1, $2, ...).
    static func binds(_ values: [StoreValue]) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .text(let text): bindings.append(text)
            case .integer(let integer): bindings.append(integer)
            }
        }
        return bindings
    }
}
