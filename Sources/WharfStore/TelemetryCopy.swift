/// How `wharf-controller migrate` moves a region's `logs.db` and `metrics.db` into the telemetry
/// tables of its PostgreSQL schema: every row with its ID (stream positions and paging tokens keep
/// meaning the same events), in one transaction, then each ID sequence moved past the copied IDs.
enum TelemetryCopy {
    /// A table as both databases have it.
    struct Table {
        var name: String
        var columns: [String]
        /// Whether its `id` column numbers new rows (an identity column in PostgreSQL).
        var numbered: Bool
    }

    /// The tables of `logs.db`.
    static let logTables = [
        Table(
            name: "log_groups",
            columns: ["id", "name", "created", "retention_days", "stored_bytes"],
            numbered: true
        ),
        Table(
            name: "log_streams",
            columns: [
                "id", "group_id", "name", "created", "first_event", "last_event", "last_ingestion", "stored_bytes",
                "last_event_id",
            ],
            numbered: true
        ),
        Table(
            name: "log_events",
            columns: ["id", "group_id", "stream_id", "ts", "ingested", "message"],
            numbered: true
        ),
        Table(name: "log_sources", columns: ["source", "last_sequence"], numbered: false),
    ]

    /// The tables of `metrics.db`.
    static let metricTables = [
        Table(name: "metrics", columns: ["id", "namespace", "name", "dimensions", "last_ts"], numbered: true),
        Table(
            name: "metric_samples",
            columns: ["metric_id", "ts", "unit", "sample_count", "sum", "minimum", "maximum"],
            numbered: false
        ),
        Table(
            name: "alarm_history",
            columns: ["id", "alarm_name", "alarm_type", "ts", "item_type", "summary", "data"],
            numbered: true
        ),
        Table(
            name: "scaling_activities",
            columns: [
                "id", "activity_id", "resource_id", "dimension", "ts", "end_ts", "description", "cause", "status_code",
                "status_message", "details", "not_scaled",
            ],
            numbered: true
        ),
    ]

    /// The first table of `tables` that holds a row in `target`, or nil when all are empty.
    static func firstFilled(_ tables: [Table], in target: any TelemetryConnection) async throws -> String? {
        for table in tables where !(try await target.query("SELECT 1 AS found FROM \(table.name) LIMIT 1")).isEmpty {
            return table.name
        }
        return nil
    }

    /// Copies every row of `tables` from the SQLite `source` into `target`, within the caller's
    /// transaction on `target`. Returns how many rows went.
    static func copy(
        _ tables: [Table],
        from source: any TelemetryConnection,
        to target: any TelemetryConnection
    )
        async throws -> Int
    {
        var copied = 0
        for table in tables {
            let columns = table.columns.joined(separator: ", ")
            let row = "(" + Array(repeating: "?", count: table.columns.count).joined(separator: ", ") + ")"
            var after = Int.min
            while true {
                let rows = try await source.query(
                    "SELECT rowid AS copy_position, \(columns) FROM \(table.name) WHERE rowid > ? "
                        + "ORDER BY rowid LIMIT 500",
                    [.integer(after)]
                )
                guard let last = rows.last?.column("copy_position")?.integer else { break }
                after = last
                let binds = rows.flatMap { row in table.columns.map { row.column($0) ?? .null } }
                let values = Array(repeating: row, count: rows.count).joined(separator: ", ")
                _ = try await target.query("INSERT INTO \(table.name) (\(columns)) VALUES \(values)", binds)
                copied += rows.count
            }
            if table.numbered {
                // Past every ID SQLite gave, the deleted newest ones too (AUTOINCREMENT's
                // `sqlite_sequence`): an ID is never given twice, as in SQLite.
                let given =
                    try await source.query("SELECT seq FROM sqlite_sequence WHERE name = ?", [.text(table.name)])
                    .first?.column("seq")?.integer ?? 0
                _ = try await target.query(
                    """
                    SELECT setval(pg_get_serial_sequence('\(table.name)', 'id'),
                        GREATEST(COALESCE((SELECT MAX(id) FROM \(table.name)), 0), ?) + 1, false) AS next
                    """,
                    [.integer(given)]
                )
            }
        }
        return copied
    }
}
