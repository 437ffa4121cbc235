import PostgresNIO

/// Reads rows for ``StoredStateLoader`` from one region's schema.
struct PostgresRowReader: StoreRowReader {
    let client: PostgresClient
    let schema: String

    func rows(of table: StoreTable, after: String?, limit: Int?) async throws -> [[StoreValue]] {
        var sql = "SELECT \(table.columns.joined(separator: ", ")) FROM \(schema).\(table.name)"
        var values: [StoreValue] = []
        if let after, let key = table.keyColumns.first {
            sql += " WHERE \(key) > $1"
            values.append(.text(after))
        }
        sql += " ORDER BY \(table.keyColumns.joined(separator: ", "))"
        if let limit { sql += " LIMIT \(limit)" }
        var result: [[StoreValue]] = []
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: PostgresMigrations.binds(values)))
        for try await row in rows {
            var values: [StoreValue] = []
            values.reserveCapacity(table.columns.count)
            for cell in row {
                switch cell.dataType {
                case .int8, .int4, .int2: values.append(.integer(try cell.decode(Int.self)))
                default: values.append(.text(try cell.decode(String.self)))
                }
            }
            result.append(values)
        }
        return result
    }
}
