/// Retention and the storage bound: which events go, and the totals kept in step.
extension LogStore {
    /// Deletes the events older than their group's retention. Returns how many went.
    @discardableResult
    public func enforceRetention(now: Int) async throws(StoreError) -> Int {
        try await transaction("enforcing log retention") { store in
            var deleted = 0
            for row in try await store.connection.query("SELECT id, retention_days FROM log_groups WHERE retention_days IS NOT NULL") {
                guard let groupID = row.column("id")?.integer, let days = row.column("retention_days")?.integer else { continue }
                deleted += try await store.deleteEvents(where: "group_id = ? AND ts < ?", [.integer(groupID), .integer(now - days * 86_400_000)])
            }
            return deleted
        }
    }

    /// Deletes the oldest events while more than `maxStoredBytes` are stored, down to 90 % of it.
    /// Returns how many went. Runs inside a transaction.
    @discardableResult
    func trimToBound() async throws -> Int {
        guard storedBytes > maxStoredBytes else { return 0 }
        let target = maxStoredBytes / 10 * 9
        var deleted = 0
        while storedBytes > target {
            // The ID below which enough bytes go, found in steps of at most 2,000 events.
            let rows = try await connection.query(
                "SELECT id, octet_length(message) + 26 AS size FROM log_events ORDER BY id LIMIT 2000"
            )
            guard !rows.isEmpty else { break }
            var freed = 0
            var through = 0
            for row in rows {
                through = row.column("id")?.integer ?? through
                freed += row.column("size")?.integer ?? 0
                if storedBytes - freed <= target { break }
            }
            deleted += try await deleteEvents(where: "id <= ?", [.integer(through)])
        }
        return deleted
    }

    /// Deletes matching events and takes their bytes off their streams' and groups' totals.
    func deleteEvents(where condition: String, _ binds: [SQLValue]) async throws -> Int {
        let sums = try await connection.query("""
            SELECT stream_id, group_id, COUNT(*) AS n, CAST(SUM(octet_length(message) + 26) AS BIGINT) AS bytes
            FROM log_events WHERE \(condition) GROUP BY stream_id, group_id
            """, binds)
        guard !sums.isEmpty else { return 0 }
        _ = try await connection.query("DELETE FROM log_events WHERE \(condition)", binds)
        var count = 0
        for row in sums {
            guard let streamID = row.column("stream_id")?.integer, let groupID = row.column("group_id")?.integer else { continue }
            let bytes = row.column("bytes")?.integer ?? 0
            count += row.column("n")?.integer ?? 0
            _ = try await connection.query("""
                UPDATE log_streams SET stored_bytes = stored_bytes - ?1,
                    first_event = (SELECT MIN(ts) FROM log_events WHERE stream_id = ?2) WHERE id = ?2
                """, [.integer(bytes), .integer(streamID)])
            _ = try await connection.query("UPDATE log_groups SET stored_bytes = stored_bytes - ? WHERE id = ?", [.integer(bytes), .integer(groupID)])
            storedBytes -= bytes
        }
        return count
    }
}
