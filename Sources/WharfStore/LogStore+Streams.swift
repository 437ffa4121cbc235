/// Log groups and streams: creating, deleting, listing, retention settings.
extension LogStore {
    /// Creates a group. - Throws: `alreadyExists`.
    public func createGroup(_ name: String, now: Int) async throws(StoreError) {
        try await transaction("creating log group \(name)") { store in
            guard try await store.groupID(name) == nil else {
                throw StoreError(.alreadyExists, "The specified log group already exists: \(name)")
            }
            _ = try await store.connection.query("INSERT INTO log_groups (name, created) VALUES (?, ?)", [.text(name), .integer(now)])
        }
    }

    /// Deletes a group with its streams and events. - Throws: `notFound`.
    public func deleteGroup(_ name: String) async throws(StoreError) {
        try await transaction("deleting log group \(name)") { store in
            guard let id = try await store.groupID(name) else { throw Self.groupNotFound(name) }
            let bytes = try await store.connection.query("SELECT stored_bytes FROM log_groups WHERE id = ?", [.integer(id)]).first?.column("stored_bytes")?.integer ?? 0
            _ = try await store.connection.query("DELETE FROM log_events WHERE group_id = ?", [.integer(id)])
            _ = try await store.connection.query("DELETE FROM log_streams WHERE group_id = ?", [.integer(id)])
            _ = try await store.connection.query("DELETE FROM log_groups WHERE id = ?", [.integer(id)])
            store.storedBytes -= bytes
            store.forget(group: id)
        }
    }

    /// Sets or clears a group's retention, then enforces it. - Throws: `notFound`.
    public func setRetention(_ name: String, days: Int?, now: Int) async throws(StoreError) {
        try await transaction("setting the retention of log group \(name)") { store in
            guard let id = try await store.groupID(name) else { throw Self.groupNotFound(name) }
            _ = try await store.connection.query("UPDATE log_groups SET retention_days = ? WHERE id = ?", [days.map { .integer($0) } ?? .null, .integer(id)])
        }
        if days != nil { _ = try await enforceRetention(now: now) }
    }

    /// Every group, by name.
    public func groups() async throws(StoreError) -> [Group] {
        // Not between another call's BEGIN and COMMIT on the one connection.
        await acquire()
        defer { release() }
        do {
            return try await connection.query("SELECT name, created, retention_days, stored_bytes FROM log_groups ORDER BY name").map { row in
                Group(name: row.column("name")?.string ?? "", creationTime: row.column("created")?.integer ?? 0,
                      retentionInDays: row.column("retention_days")?.integer, storedBytes: row.column("stored_bytes")?.integer ?? 0)
            }
        } catch {
            throw StoreError(.read, "cannot read the log groups from \(path)", cause: error)
        }
    }

    /// One group, or nil.
    public func group(_ name: String) async throws(StoreError) -> Group? {
        try await groups().first { $0.name == name }
    }


    /// Creates a stream. - Throws: `notFound` for a missing group, `alreadyExists`.
    public func createStream(group: String, stream: String, now: Int) async throws(StoreError) {
        try await transaction("creating log stream \(stream)") { store in
            guard let groupID = try await store.groupID(group) else { throw Self.groupNotFound(group) }
            guard try await store.streamID(groupID, stream) == nil else {
                throw StoreError(.alreadyExists, "The specified log stream already exists: \(stream) in log group \(group)")
            }
            _ = try await store.connection.query("INSERT INTO log_streams (group_id, name, created) VALUES (?, ?, ?)",
                                                 [.integer(groupID), .text(stream), .integer(now)])
        }
    }

    /// Deletes a stream and its events. - Throws: `notFound`.
    public func deleteStream(group: String, stream: String) async throws(StoreError) {
        try await transaction("deleting log stream \(stream)") { store in
            guard let groupID = try await store.groupID(group) else { throw Self.groupNotFound(group) }
            guard let streamID = try await store.streamID(groupID, stream) else { throw Self.streamNotFound(group, stream) }
            let bytes = try await store.connection.query("SELECT stored_bytes FROM log_streams WHERE id = ?", [.integer(streamID)]).first?.column("stored_bytes")?.integer ?? 0
            _ = try await store.connection.query("DELETE FROM log_events WHERE stream_id = ?", [.integer(streamID)])
            _ = try await store.connection.query("DELETE FROM log_streams WHERE id = ?", [.integer(streamID)])
            _ = try await store.connection.query("UPDATE log_groups SET stored_bytes = stored_bytes - ? WHERE id = ?", [.integer(bytes), .integer(groupID)])
            store.storedBytes -= bytes
            store.forget(group: groupID, stream: stream)
        }
    }

    /// Every stream of a group, by name. - Throws: `notFound` for a missing group.
    public func streams(group: String) async throws(StoreError) -> [Stream] {
        // Not between another call's BEGIN and COMMIT on the one connection.
        await acquire()
        defer { release() }
        do {
            guard let groupID = try await groupID(group) else { throw Self.groupNotFound(group) }
            let rows = try await connection.query("""
                SELECT name, created, first_event, last_event, last_ingestion, stored_bytes, last_event_id
                FROM log_streams WHERE group_id = ? ORDER BY name
                """, [.integer(groupID)])
            return rows.map { row in
                Stream(name: row.column("name")?.string ?? "", creationTime: row.column("created")?.integer ?? 0,
                       firstEventTimestamp: row.column("first_event")?.integer, lastEventTimestamp: row.column("last_event")?.integer,
                       lastIngestionTime: row.column("last_ingestion")?.integer, storedBytes: row.column("stored_bytes")?.integer ?? 0,
                       lastEventID: row.column("last_event_id")?.integer ?? 0)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.read, "cannot read the log streams of \(group) from \(path)", cause: error)
        }
    }
}
