import SQLiteNIO

/// A table of the store and how one batch of its rows is written: puts as multi-row
/// `INSERT OR REPLACE`, deletes as `DELETE ... IN (...)`, a few hundred rows a statement, so a
/// transaction of thousands of changes is a few dozen statements (each statement is a round trip
/// to SQLite's thread).
struct StoreTable: Hashable, Sendable {
    /// The table's name.
    var name: String
    /// Its columns, key columns first.
    var columns: [String]
    /// How many of `columns` form the primary key.
    var keyCount: Int

    static let clusters = StoreTable(name: "clusters", columns: ["name", "body"], keyCount: 1)
    static let taskDefinitions = StoreTable(
        name: "task_definitions",
        columns: ["family", "revision", "body"],
        keyCount: 2
    )
    static let families = StoreTable(
        name: "task_definition_families",
        columns: ["family", "last_revision"],
        keyCount: 1
    )
    static let accountSettings = StoreTable(
        name: "account_settings",
        columns: ["principal", "name", "value"],
        keyCount: 2
    )
    static let instances = StoreTable(name: "instances", columns: ["id", "cluster", "body"], keyCount: 1)
    static let tasks = StoreTable(name: "tasks", columns: ["id", "cluster", "body"], keyCount: 1)
    static let services = StoreTable(name: "services", columns: ["arn", "cluster", "body"], keyCount: 1)
    static let activations = StoreTable(name: "activations", columns: ["id", "body"], keyCount: 1)
    static let accessKeys = StoreTable(name: "access_keys", columns: ["id", "body"], keyCount: 1)
    static let parameters = StoreTable(name: "parameters", columns: ["name", "body"], keyCount: 1)
    static let secrets = StoreTable(name: "secrets", columns: ["name", "body"], keyCount: 1)
    static let runTaskTokens = StoreTable(name: "run_task_tokens", columns: ["key", "body"], keyCount: 1)
    static let loadBalancers = StoreTable(name: "load_balancers", columns: ["id", "body"], keyCount: 1)
    static let targetGroups = StoreTable(name: "target_groups", columns: ["id", "body"], keyCount: 1)
    static let listeners = StoreTable(name: "listeners", columns: ["id", "body"], keyCount: 1)
    static let listenerRules = StoreTable(name: "listener_rules", columns: ["id", "body"], keyCount: 1)
    static let namespaces = StoreTable(name: "namespaces", columns: ["id", "body"], keyCount: 1)
    static let discoveryServices = StoreTable(name: "discovery_services", columns: ["id", "body"], keyCount: 1)
    static let cloudMapOperations = StoreTable(name: "cloud_map_operations", columns: ["id", "body"], keyCount: 1)
    static let alarms = StoreTable(name: "alarms", columns: ["name", "body"], keyCount: 1)
    static let scalableTargets = StoreTable(name: "scalable_targets", columns: ["key", "body"], keyCount: 1)
    static let scalingPolicies = StoreTable(name: "scaling_policies", columns: ["arn", "body"], keyCount: 1)
    static let scheduledActions = StoreTable(name: "scheduled_actions", columns: ["arn", "body"], keyCount: 1)
    static let capacityProviders = StoreTable(name: "capacity_providers", columns: ["name", "body"], keyCount: 1)

    /// Rows a statement carries at most.
    static let rowsPerStatement = 400

    /// Writes `rows` (each a value per column) with as few statements as the row limit allows.
    func put(_ rows: [[SQLiteData]], on connection: SQLiteConnection) async throws {
        let placeholders = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        for start in stride(from: 0, to: rows.count, by: Self.rowsPerStatement) {
            let chunk = rows[start..<min(start + Self.rowsPerStatement, rows.count)]
            let sql =
                "INSERT OR REPLACE INTO \(name) (\(columns.joined(separator: ", "))) VALUES "
                + Array(repeating: placeholders, count: chunk.count).joined(separator: ", ")
            _ = try await connection.query(sql, chunk.flatMap { $0 })
        }
    }

    /// Deletes the rows with these keys (each a value per key column).
    func delete(_ keys: [[SQLiteData]], on connection: SQLiteConnection) async throws {
        let keyColumns = columns.prefix(keyCount)
        for start in stride(from: 0, to: keys.count, by: Self.rowsPerStatement) {
            let chunk = keys[start..<min(start + Self.rowsPerStatement, keys.count)]
            let sql: String
            if keyCount == 1 {
                sql =
                    "DELETE FROM \(name) WHERE \(keyColumns[0]) IN ("
                    + Array(repeating: "?", count: chunk.count).joined(separator: ", ") + ")"
            } else {
                let one = "(" + keyColumns.map { "\($0) = ?" }.joined(separator: " AND ") + ")"
                sql = "DELETE FROM \(name) WHERE " + Array(repeating: one, count: chunk.count).joined(separator: " OR ")
            }
            _ = try await connection.query(sql, chunk.flatMap { $0 })
        }
    }
}
