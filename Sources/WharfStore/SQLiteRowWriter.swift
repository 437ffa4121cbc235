import SQLiteNIO

/// Writes ``RowChange`` batches to SQLite: puts as multi-row `INSERT OR REPLACE`, deletes as
/// `DELETE ... IN (...)` (each statement is a round trip to SQLite's thread).
enum SQLiteRowWriter {
    /// Writes `changes` (inside the caller's transaction).
    static func write(_ changes: [RowChange], on connection: SQLiteConnection) async throws {
        let (deletes, puts) = RowChange.batches(changes)
        for batch in deletes {
            try await delete(batch.rows, from: batch.table, on: connection)
        }
        for batch in puts {
            try await put(batch.rows, into: batch.table, on: connection)
        }
    }

    private static func put(_ rows: [[StoreValue]], into table: StoreTable, on connection: SQLiteConnection)
        async throws
    {
        let placeholders = "(" + Array(repeating: "?", count: table.columns.count).joined(separator: ", ") + ")"
        for start in stride(from: 0, to: rows.count, by: StoreTable.rowsPerStatement) {
            let chunk = rows[start..<min(start + StoreTable.rowsPerStatement, rows.count)]
            let sql =
                "INSERT OR REPLACE INTO \(table.name) (\(table.columns.joined(separator: ", "))) VALUES "
                + Array(repeating: placeholders, count: chunk.count).joined(separator: ", ")
            _ = try await connection.query(sql, chunk.flatMap { $0.map(data) })
        }
    }

    private static func delete(_ keys: [[StoreValue]], from table: StoreTable, on connection: SQLiteConnection)
        async throws
    {
        let keyColumns = table.keyColumns
        for start in stride(from: 0, to: keys.count, by: StoreTable.rowsPerStatement) {
            let chunk = keys[start..<min(start + StoreTable.rowsPerStatement, keys.count)]
            let sql: String
            if table.keyCount == 1 {
                sql =
                    "DELETE FROM \(table.name) WHERE \(table.columns[0]) IN ("
                    + Array(repeating: "?", count: chunk.count).joined(separator: ", ") + ")"
            } else {
                let one = "(" + keyColumns.map { "\($0) = ?" }.joined(separator: " AND ") + ")"
                sql =
                    "DELETE FROM \(table.name) WHERE "
                    + Array(repeating: one, count: chunk.count).joined(separator: " OR ")
            }
            _ = try await connection.query(sql, chunk.flatMap { $0.map(data) })
        }
    }

    private static func data(_ value: StoreValue) -> SQLiteData {
        switch value {
        case .text(let text): .text(text)
        case .integer(let integer): .integer(integer)
        }
    }
}
