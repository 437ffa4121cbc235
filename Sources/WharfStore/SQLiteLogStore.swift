import Foundation
import Logging
import NIOCore
import SQLiteNIO

/// Container logs as CloudWatch Logs keeps them: log groups holding log streams holding events,
/// in a SQLite database of their own (`logs.db`, WAL mode), so log traffic never waits on the
/// cluster state's writes. Events are indexed by stream and time and by group and time, so the tail
/// of a large stream and a group's time range are index seeks. Storage is bounded: past
/// `maxStoredBytes` the oldest events go first, and each group's retention is enforced.
public actor SQLiteLogStore {
    /// A log group's row.
    public struct Group: Equatable, Sendable {
        public var name: String
        public var creationTime: Int
        public var retentionInDays: Int?
        public var storedBytes: Int
    }

    /// A log stream's row.
    public struct Stream: Equatable, Sendable {
        public var name: String
        public var creationTime: Int
        public var firstEventTimestamp: Int?
        public var lastEventTimestamp: Int?
        public var lastIngestionTime: Int?
        public var storedBytes: Int
        public var lastEventID: Int
    }

    /// One stored event; `(timestamp, id)` orders a stream.
    public struct Event: Equatable, Sendable {
        public var id: Int
        public var timestamp: Int
        public var ingestionTime: Int
        public var message: String
        public var streamName: String
    }

    /// An event to store.
    public struct NewEvent: Equatable, Sendable {
        public var timestamp: Int
        public var message: String
        public init(timestamp: Int, message: String) {
            self.timestamp = timestamp
            self.message = message
        }
    }

    /// Events for one stream from one sender, as an agent ships them.
    public struct Delivery: Sendable {
        public var group: String
        public var stream: String
        /// Create the group when it does not exist (`awslogs-create-group`).
        public var createGroup: Bool
        public var events: [NewEvent]
        /// Skipped (its names are not allowed), but its events still take up their numbers.
        public var refused: Bool
        public init(group: String, stream: String, createGroup: Bool, events: [NewEvent], refused: Bool = false) {
            self.group = group
            self.stream = stream
            self.createGroup = createGroup
            self.events = events
            self.refused = refused
        }
    }

    /// Where a read of one stream starts.
    public enum Position: Equatable, Sendable {
        /// The oldest events in the time range.
        case head
        /// The newest events in the time range.
        case tail
        /// The events after this `(timestamp, id)`, oldest first.
        case after(timestamp: Int, id: Int)
        /// The events before this `(timestamp, id)`, the newest of them.
        case before(timestamp: Int, id: Int)
    }

    /// What an event costs in storage, as CloudWatch Logs counts it: its UTF-8 bytes plus 26.
    public static func size(_ message: String) -> Int { message.utf8.count + 26 }

    private let connection: SQLiteConnection
    private let path: String
    /// The most that events may take; past it the oldest are deleted.
    public let maxStoredBytes: Int
    private(set) var storedBytes = 0
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    static let steps: [[String]] = [
        [
            """
            CREATE TABLE log_groups (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created INTEGER NOT NULL,
                retention_days INTEGER, stored_bytes INTEGER NOT NULL DEFAULT 0)
            """,
            """
            CREATE TABLE log_streams (id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL, name TEXT NOT NULL,
                created INTEGER NOT NULL, first_event INTEGER, last_event INTEGER, last_ingestion INTEGER,
                stored_bytes INTEGER NOT NULL DEFAULT 0, last_event_id INTEGER NOT NULL DEFAULT 0, UNIQUE (group_id, name))
            """,
            """
            CREATE TABLE log_events (id INTEGER PRIMARY KEY AUTOINCREMENT, group_id INTEGER NOT NULL,
                stream_id INTEGER NOT NULL, ts INTEGER NOT NULL, ingested INTEGER NOT NULL, message TEXT NOT NULL)
            """,
            "CREATE INDEX log_events_stream ON log_events (stream_id, ts, id)",
            "CREATE INDEX log_events_group ON log_events (group_id, ts, id)",
            "CREATE TABLE log_sources (source TEXT PRIMARY KEY, last_sequence INTEGER NOT NULL)",
        ],
    ]

    /// Opens (creating if needed) the log database at `path`.
    /// - Parameter maxStoredBytes: the bound on what events take, counted as CloudWatch Logs does.
    public static func open(path: String, maxStoredBytes: Int, logger: Logger) async throws(StoreError) -> SQLiteLogStore {
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        } catch {
            throw StoreError(.open, "cannot open the log database \(path)", cause: error)
        }
        do {
            _ = try await connection.query("PRAGMA journal_mode=WAL")
            // A committed batch survives the process; the agents' buffers cover a lost machine.
            _ = try await connection.query("PRAGMA synchronous=NORMAL")
            _ = try await connection.query("PRAGMA busy_timeout=5000")
            try await Migrations.run(steps, on: connection, logger: logger)
            let store = SQLiteLogStore(connection: connection, path: path, maxStoredBytes: maxStoredBytes)
            try await store.loadTotals()
            return store
        } catch {
            try? await connection.close().get()
            throw error as? StoreError ?? StoreError(.migrate, "cannot prepare the log database \(path)", cause: error)
        }
    }

    private init(connection: SQLiteConnection, path: String, maxStoredBytes: Int) {
        self.connection = connection
        self.path = path
        self.maxStoredBytes = maxStoredBytes
    }

    private func loadTotals() async throws {
        storedBytes = try await connection.query("SELECT COALESCE(SUM(stored_bytes), 0) AS total FROM log_groups").first?.column("total")?.integer ?? 0
    }

    /// Closes the database.
    public func close() async {
        let closed: EventLoopFuture<Void> = connection.close()
        try? await closed.get()
    }

    /// What events take now, in bytes.
    public var totalStoredBytes: Int { storedBytes }

    // MARK: Groups

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

    // MARK: Streams

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

    // MARK: Writing events

    /// Appends events to an existing stream (PutLogEvents). Returns the stream's last event ID.
    /// - Throws: `notFound` for a missing group or stream.
    @discardableResult
    public func put(group: String, stream: String, events: [NewEvent], now: Int) async throws(StoreError) -> Int {
        try await transaction("storing \(events.count) log events in \(group)/\(stream)") { store in
            guard let groupID = try await store.groupID(group) else { throw Self.groupNotFound(group) }
            guard let streamID = try await store.streamID(groupID, stream) else { throw Self.streamNotFound(group, stream) }
            return try await store.insert(events, groupID: groupID, streamID: streamID, now: now)
        } after: { store in
            try await store.trimToBound()
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
        try await transaction("storing log events from \(source)") { store in
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
            _ = try await store.connection.query("INSERT OR REPLACE INTO log_sources (source, last_sequence) VALUES (?, ?)",
                                                 [.text(source), .integer(highest)])
            return (highest, missing, stored.events, stored.bytes)
        } after: { store in
            try await store.trimToBound()
        }
    }

    /// Inserts events in chunks of multi-row INSERTs and updates the stream's and group's totals.
    @discardableResult
    private func insert(_ events: [NewEvent], groupID: Int, streamID: Int, now: Int) async throws -> Int {
        guard !events.isEmpty else { return 0 }
        var lastID = 0
        var bytes = 0
        for start in stride(from: 0, to: events.count, by: 100) {
            let chunk = events[start..<min(start + 100, events.count)]
            var binds: [SQLiteData] = []
            binds.reserveCapacity(chunk.count * 5)
            for event in chunk {
                binds += [.integer(groupID), .integer(streamID), .integer(event.timestamp), .integer(now), .text(event.message)]
                bytes += Self.size(event.message)
            }
            let values = Array(repeating: "(?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
            _ = try await connection.query("INSERT INTO log_events (group_id, stream_id, ts, ingested, message) VALUES \(values)", binds)
            lastID = try await connection.query("SELECT last_insert_rowid() AS id").first?.column("id")?.integer ?? lastID
        }
        let first = events.map(\.timestamp).min() ?? 0
        let latest = events.map(\.timestamp).max() ?? 0
        _ = try await connection.query("""
            UPDATE log_streams SET first_event = MIN(COALESCE(first_event, ?1), ?1), last_event = MAX(COALESCE(last_event, ?2), ?2),
                last_ingestion = ?3, stored_bytes = stored_bytes + ?4, last_event_id = ?5 WHERE id = ?6
            """, [.integer(first), .integer(latest), .integer(now), .integer(bytes), .integer(lastID), .integer(streamID)])
        _ = try await connection.query("UPDATE log_groups SET stored_bytes = stored_bytes + ? WHERE id = ?", [.integer(bytes), .integer(groupID)])
        storedBytes += bytes
        return lastID
    }

    // MARK: Reading events

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
            var binds: [SQLiteData] = [.integer(streamID), .integer(start ?? Int.min), .integer(end ?? Int.max), .integer(limit)]
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
            var binds: [SQLiteData] = [.integer(groupID), .integer(start ?? Int.min), .integer(end ?? Int.max)]
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
                conditions.append("instr(e.message, ?) > 0")
                binds.append(.text(term))
            }
            if !anyOf.isEmpty {
                conditions.append("(" + anyOf.map { _ in "instr(e.message, ?) > 0" }.joined(separator: " OR ") + ")")
                binds += anyOf.map { .text($0) }
            }
            for term in excluded {
                conditions.append("instr(e.message, ?) = 0")
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

    // MARK: Retention and the bound

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
    private func trimToBound() async throws -> Int {
        guard storedBytes > maxStoredBytes else { return 0 }
        let target = maxStoredBytes / 10 * 9
        var deleted = 0
        while storedBytes > target {
            // The ID below which enough bytes go, found in steps of at most 2,000 events.
            let rows = try await connection.query("SELECT id, length(CAST(message AS BLOB)) + 26 AS size FROM log_events ORDER BY id LIMIT 2000")
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
    private func deleteEvents(where condition: String, _ binds: [SQLiteData]) async throws -> Int {
        let sums = try await connection.query("""
            SELECT stream_id, group_id, COUNT(*) AS n, SUM(length(CAST(message AS BLOB)) + 26) AS bytes
            FROM log_events WHERE \(condition) GROUP BY stream_id
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

    // MARK: Helpers

    private func groupID(_ name: String) async throws -> Int? {
        try await connection.query("SELECT id FROM log_groups WHERE name = ?", [.text(name)]).first?.column("id")?.integer
    }

    private func streamID(_ groupID: Int, _ name: String) async throws -> Int? {
        try await connection.query("SELECT id FROM log_streams WHERE group_id = ? AND name = ?", [.integer(groupID), .text(name)])
            .first?.column("id")?.integer
    }

    static func groupNotFound(_ name: String) -> StoreError {
        StoreError(.notFound, "The specified log group does not exist: \(name)")
    }

    static func streamNotFound(_ group: String, _ stream: String) -> StoreError {
        StoreError(.notFound, "The specified log stream does not exist: \(stream) in log group \(group)")
    }

    /// Runs `work` in one transaction, one transaction at a time, in a task of its own so that a
    /// cancelled caller cannot leave the connection between BEGIN and COMMIT; then `after`, outside
    /// the transaction, whose failure is not the caller's.
    private func transaction<T: Sendable>(
        _ what: String, _ work: @escaping @Sendable (isolated SQLiteLogStore) async throws -> T,
        after: (@Sendable (isolated SQLiteLogStore) async throws -> Void)? = nil
    ) async throws(StoreError) -> T {
        let result: Result<T, StoreError> = await Task {
            await self.acquire()
            defer { self.release() }
            do {
                _ = try await self.connection.query("BEGIN IMMEDIATE")
                let saved = self.storedBytes
                let value: T
                do {
                    value = try await work(self)
                    _ = try await self.connection.query("COMMIT")
                } catch {
                    _ = try? await self.connection.query("ROLLBACK")
                    self.storedBytes = saved
                    throw error
                }
                if let after {
                    // Its own transaction: the caller's work is committed whatever happens here.
                    let before = self.storedBytes
                    do {
                        _ = try await self.connection.query("BEGIN IMMEDIATE")
                        try await after(self)
                        _ = try await self.connection.query("COMMIT")
                    } catch {
                        _ = try? await self.connection.query("ROLLBACK")
                        self.storedBytes = before
                    }
                }
                return .success(value)
            } catch let error as StoreError {
                return .failure(error)
            } catch {
                return .failure(StoreError(.write, "\(what) in \(self.path) failed", cause: error))
            }
        }.value
        return try result.get()
    }

    private func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
