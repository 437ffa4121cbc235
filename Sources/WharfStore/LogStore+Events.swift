/// Writing events (PutLogEvents, agents' deliveries) and reading them (GetLogEvents, FilterLogEvents).
extension LogStore {
    /// Appends events to an existing stream (PutLogEvents). Returns the stream's last event ID.
    /// - Throws: `notFound` for a missing group or stream.
    @discardableResult
    public func put(group: String, stream: String, events: [NewEvent], now: Int) async throws(StoreError) -> Int {
        try await batched("storing \(events.count) log events in \(group)/\(stream)") { store in
            guard let groupID = try await store.groupID(group) else { throw Self.groupNotFound(group) }
            guard let streamID = try await store.streamID(groupID, stream) else { throw Self.streamNotFound(group, stream) }
            return try await store.insert(events, groupID: groupID, streamID: streamID, now: now)
        }
    }

    /// Stores what a sender delivers, creating streams (and groups that ask for it) as the awslogs
    /// driver does. Sequence numbers make redelivery harmless: events numbered at or below what
    /// `source` delivered before are skipped.
    /// - Parameters:
    ///   - source: who sends (a container instance ARN).
    ///   - firstSequence: the number of the first event; the rest follow in order across deliveries.
    /// - Returns: the highest sequence number now stored, the groups refused for not existing, and
    ///   how many events (and message bytes) were stored.
    public func deliver(source: String, firstSequence: Int, _ deliveries: [Delivery], now: Int) async throws(StoreError)
        -> (lastSequence: Int, missingGroups: [String], storedEvents: Int, storedBytes: Int)
    {
        try await batched("storing log events from \(source)") { store in
            let last = try await store.connection.query("SELECT last_sequence FROM log_sources WHERE source = ?", [.text(source)])
                .first?.column("last_sequence")?.integer ?? 0
            var sequence = firstSequence
            var missing: [String] = []
            var stored = (events: 0, bytes: 0)
            for delivery in deliveries {
                let fresh = Array(delivery.events.dropFirst(max(0, min(delivery.events.count, last - sequence + 1))))
                sequence += delivery.events.count
                guard !fresh.isEmpty, !delivery.refused else { continue }
                var groupID = try await store.groupID(delivery.group)
                if groupID == nil, delivery.createGroup {
                    _ = try await store.connection.query("INSERT INTO log_groups (name, created) VALUES (?, ?)", [.text(delivery.group), .integer(now)])
                    groupID = try await store.groupID(delivery.group)
                }
                guard let groupID else {
                    if !missing.contains(delivery.group) { missing.append(delivery.group) }
                    continue
                }
                var streamID = try await store.streamID(groupID, delivery.stream)
                if streamID == nil {
                    _ = try await store.connection.query("INSERT INTO log_streams (group_id, name, created) VALUES (?, ?, ?)",
                                                         [.integer(groupID), .text(delivery.stream), .integer(now)])
                    streamID = try await store.streamID(groupID, delivery.stream)
                }
                guard let streamID else { continue }
                try await store.insert(fresh, groupID: groupID, streamID: streamID, now: now)
                stored.events += fresh.count
                stored.bytes += fresh.reduce(0) { $0 + $1.message.utf8.count }
            }
            let highest = max(last, sequence - 1)
            _ = try await store.connection.query("""
                INSERT INTO log_sources (source, last_sequence) VALUES (?, ?)
                ON CONFLICT (source) DO UPDATE SET last_sequence = excluded.last_sequence
                """, [.text(source), .integer(highest)])
            return (highest, missing, stored.events, stored.bytes)
        }
    }

    /// Inserts events in chunks of multi-row INSERTs; what they add to their stream's and group's
    /// totals is kept until ``writeTotals()``, before the commit, once per stream however many
    /// writes of a batch went to it.
    @discardableResult
    func insert(_ events: [NewEvent], groupID: Int, streamID: Int, now: Int) async throws -> Int {
        guard !events.isEmpty else { return 0 }
        var lastID = 0
        var bytes = 0
        for start in stride(from: 0, to: events.count, by: 100) {
            let chunk = events[start..<min(start + 100, events.count)]
            var binds: [SQLValue] = []
            binds.reserveCapacity(chunk.count * 5)
            for event in chunk {
                let message = SQLValue.storable(event.message)
                binds += [
                    .integer(groupID), .integer(streamID), .integer(event.timestamp), .integer(now), .text(message),
                ]
                bytes += Self.size(message)
            }
            let values = Array(repeating: "(?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
            let ids = try await connection.query(
                "INSERT INTO log_events (group_id, stream_id, ts, ingested, message) VALUES \(values) RETURNING id",
                binds
            )
            lastID = ids.compactMap { $0.column("id")?.integer }.max() ?? lastID
        }
        let added = StreamTotals(
            group: groupID,
            first: events.map(\.timestamp).min() ?? 0,
            last: events.map(\.timestamp).max() ?? 0,
            ingestion: now,
            bytes: bytes,
            lastEventID: lastID
        )
        pendingTotals[streamID] = pendingTotals[streamID].map { $0.adding(added) } ?? added
        storedBytes += bytes
        return lastID
    }

    /// Writes what the inserts since the last call added to their streams' and groups' totals.
    func writeTotals() async throws {
        guard !pendingTotals.isEmpty else { return }
        var groups: [Int: Int] = [:]
        for (streamID, totals) in pendingTotals.sorted(by: { $0.key < $1.key }) {
            _ = try await connection.query("""
                UPDATE log_streams
                    SET first_event = CASE WHEN first_event IS NULL OR first_event > ?1 THEN ?1 ELSE first_event END,
                    last_event = CASE WHEN last_event IS NULL OR last_event < ?2 THEN ?2 ELSE last_event END,
                    last_ingestion = ?3, stored_bytes = stored_bytes + ?4, last_event_id = ?5 WHERE id = ?6
                """, [.integer(totals.first), .integer(totals.last), .integer(totals.ingestion), .integer(totals.bytes),
                      .integer(totals.lastEventID), .integer(streamID)])
            groups[totals.group, default: 0] += totals.bytes
        }
        for (groupID, bytes) in groups.sorted(by: { $0.key < $1.key }) {
            _ = try await connection.query(
                "UPDATE log_groups SET stored_bytes = stored_bytes + ? WHERE id = ?",
                [.integer(bytes), .integer(groupID)]
            )
        }
        pendingTotals = [:]
    }


    /// Events of one stream within `[start, end)` (milliseconds), from `position`, oldest first.
    /// - Throws: `notFound` for a missing group or stream.
    public func events(group: String, stream: String, start: Int?, end: Int?, from position: Position, limit: Int) async throws(StoreError) -> [Event] {
        // Not between another call's BEGIN and COMMIT on the one connection.
        await acquire()
        defer { release() }
        do {
            guard let groupID = try await groupID(group) else { throw Self.groupNotFound(group) }
            guard let streamID = try await streamID(groupID, stream) else { throw Self.streamNotFound(group, stream) }
            var conditions = "stream_id = ?1 AND ts >= ?2 AND ts < ?3"
            var binds: [SQLValue] = [
                .integer(streamID), .integer(start ?? Int.min), .integer(end ?? Int.max), .integer(limit),
            ]
            var descending = false
            switch position {
            case .head: break
            case .tail: descending = true
            case .after(let timestamp, let id):
                conditions += " AND (ts, id) > (?5, ?6)"
                binds += [.integer(timestamp), .integer(id)]
            case .before(let timestamp, let id):
                conditions += " AND (ts, id) < (?5, ?6)"
                binds += [.integer(timestamp), .integer(id)]
                descending = true
            }
            let order = descending ? "ts DESC, id DESC" : "ts, id"
            let rows = try await connection.query("SELECT id, ts, ingested, message FROM log_events WHERE \(conditions) ORDER BY \(order) LIMIT ?4", binds)
            let events = rows.map { row in
                Event(id: row.column("id")?.integer ?? 0, timestamp: row.column("ts")?.integer ?? 0, ingestionTime: row.column("ingested")?.integer ?? 0,
                      message: row.column("message")?.string ?? "", streamName: stream)
            }
            return descending ? events.reversed() : events
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.read, "cannot read log events of \(group)/\(stream) from \(path)", cause: error)
        }
    }

    /// Events of a group within `[start, end]` that contain every `required` text, at least one of
    /// `anyOf` (when given) and none of `excluded`, after `(timestamp, id)`, in time order across
    /// streams, at most `limit`.
    /// - Parameters:
    ///   - streams: only these streams, when given.
    ///   - streamPrefix: only streams whose names start so, when given.
    /// - Throws: `notFound` for a missing group.
    public func filter(group: String, streams: [String]?, streamPrefix: String?, start: Int?, end: Int?, required: [String], anyOf: [String],
                       excluded: [String], after: (timestamp: Int, id: Int)?, limit: Int) async throws(StoreError) -> [Event] {
        // Not between another call's BEGIN and COMMIT on the one connection.
        await acquire()
        defer { release() }
        do {
            guard let groupID = try await groupID(group) else { throw Self.groupNotFound(group) }
            // FilterLogEvents' endTime is inclusive (GetLogEvents' is not), as in CloudWatch Logs.
            var conditions = ["e.group_id = ?", "e.ts >= ?", "e.ts <= ?"]
            var binds: [SQLValue] = [.integer(groupID), .integer(start ?? Int.min), .integer(end ?? Int.max)]
            if let after {
                conditions.append("(e.ts, e.id) > (?, ?)")
                binds += [.integer(after.timestamp), .integer(after.id)]
            }
            if let streams {
                conditions.append("s.name IN (\(Array(repeating: "?", count: streams.count).joined(separator: ", ")))")
                binds += streams.map { .text($0) }
            }
            if let streamPrefix {
                conditions.append("substr(s.name, 1, length(?)) = ?")
                binds += [.text(streamPrefix), .text(streamPrefix)]
            }
            for term in required {
                conditions.append(connection.dialect.contains("e.message"))
                binds.append(.text(term))
            }
            if !anyOf.isEmpty {
                let any = anyOf.map { _ in connection.dialect.contains("e.message") }
                conditions.append("(" + any.joined(separator: " OR ") + ")")
                binds += anyOf.map { .text($0) }
            }
            for term in excluded {
                conditions.append(connection.dialect.lacks("e.message"))
                binds.append(.text(term))
            }
            binds.append(.integer(limit))
            let rows = try await connection.query("""
                SELECT e.id, e.ts, e.ingested, e.message, s.name FROM log_events e JOIN log_streams s ON s.id = e.stream_id
                WHERE \(conditions.joined(separator: " AND ")) ORDER BY e.ts, e.id LIMIT ?
                """, binds)
            return rows.map { row in
                Event(id: row.column("id")?.integer ?? 0, timestamp: row.column("ts")?.integer ?? 0, ingestionTime: row.column("ingested")?.integer ?? 0,
                      message: row.column("message")?.string ?? "", streamName: row.column("name")?.string ?? "")
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.read, "cannot filter the log events of \(group) in \(path)", cause: error)
        }
    }
}
