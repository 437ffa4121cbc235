import Foundation
import Logging

/// Container logs as CloudWatch Logs keeps them: log groups holding log streams holding events,
/// in a SQLite database of their own (`logs.db`, WAL mode), so log traffic never waits on the
/// cluster state's writes; or, with several controllers, in the region's PostgreSQL schema, so
/// what the leader acknowledged is there for the next one. Events are indexed by stream and time
/// and by group and time, so the tail of a large stream and a group's time range are index seeks.
/// Storage is bounded: past `maxStoredBytes` the oldest events go first, and each group's
/// retention is enforced.
public actor LogStore: GroupCommitting {
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

    let connection: any TelemetryConnection
    /// Where the events live, for messages.
    var path: String { connection.place }
    /// The most that events may take; past it the oldest are deleted.
    public let maxStoredBytes: Int
    var storedBytes = 0
    /// The IDs of groups and streams looked up or made, so that a write does not look them up
    /// again (on PostgreSQL each lookup is a round trip); emptied when a transaction rolls back,
    /// and kept in step by the deletions, the only other way a row goes.
    var groupIDs: [String: Int] = [:]
    var streamIDs: [StreamKey: Int] = [:]
    /// The writes waiting for the next batch (``GroupCommitting/batched(_:_:)``).
    var groupCommit = GroupCommitQueue<LogStore>()
    private var turns = TransactionTurns()

    /// What inserts added to a stream's row, not yet written (``writeTotals()``).
    var pendingTotals: [Int: StreamTotals] = [:]

    /// What events add to a stream's row: its time range, last ingestion, bytes and newest ID.
    struct StreamTotals {
        var group: Int
        var first: Int
        var last: Int
        var ingestion: Int
        var bytes: Int
        var lastEventID: Int

        /// Both additions in one.
        func adding(_ other: StreamTotals) -> StreamTotals {
            StreamTotals(
                group: group,
                first: min(first, other.first),
                last: max(last, other.last),
                ingestion: max(ingestion, other.ingestion),
                bytes: bytes + other.bytes,
                lastEventID: max(lastEventID, other.lastEventID)
            )
        }
    }

    /// A stream's name within its group.
    struct StreamKey: Hashable {
        var group: Int
        var name: String
    }

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
    public static func open(path: String, maxStoredBytes: Int, logger: Logger) async throws(StoreError) -> LogStore {
        let connection = try await SQLiteTelemetryConnection.open(path: path, what: "log", steps: steps, logger: logger)
        return try await open(connection, maxStoredBytes: maxStoredBytes)
    }

    /// Opens the logs of `region` in PostgreSQL at `location` (tables of the region's schema, made
    /// when missing); with `fence`, a write is refused once this controller's lease is gone.
    public static func open(
        postgres location: PostgresLocation,
        region: String,
        fence: PostgresStore.Fence? = nil,
        maxStoredBytes: Int,
        logger: Logger
    ) async throws(StoreError) -> LogStore {
        let connection = try await PostgresTelemetryConnection.open(
            location,
            region: region,
            fence: fence,
            logger: logger
        )
        return try await open(connection, maxStoredBytes: maxStoredBytes)
    }

    /// A store on `connection`, its totals read.
    static func open(_ connection: any TelemetryConnection, maxStoredBytes: Int) async throws(StoreError)
        -> LogStore
    {
        let store = LogStore(connection: connection, maxStoredBytes: maxStoredBytes)
        do {
            try await store.loadTotals()
        } catch {
            await connection.close()
            throw StoreError(.read, "cannot read the log totals from \(connection.place)", cause: error)
        }
        return store
    }

    private init(connection: any TelemetryConnection, maxStoredBytes: Int) {
        self.connection = connection
        self.maxStoredBytes = maxStoredBytes
    }

    private func loadTotals() async throws {
        storedBytes = try await connection.query(
            "SELECT CAST(COALESCE(SUM(stored_bytes), 0) AS BIGINT) AS total FROM log_groups"
        ).first?.column("total")?.integer ?? 0
    }

    /// Closes the database.
    public func close() async {
        await connection.close()
    }

    /// What events take now, in bytes.
    public var totalStoredBytes: Int { storedBytes }

    // MARK: Helpers

    func groupID(_ name: String) async throws -> Int? {
        if let known = groupIDs[name] { return known }
        let id = try await connection.query("SELECT id FROM log_groups WHERE name = ?", [.text(name)])
            .first?.column("id")?.integer
        groupIDs[name] = id
        return id
    }

    func streamID(_ groupID: Int, _ name: String) async throws -> Int? {
        let key = StreamKey(group: groupID, name: name)
        if let known = streamIDs[key] { return known }
        let id = try await connection.query(
            "SELECT id FROM log_streams WHERE group_id = ? AND name = ?",
            [.integer(groupID), .text(name)]
        ).first?.column("id")?.integer
        streamIDs[key] = id
        return id
    }

    /// Forgets the IDs of a deleted group (with its streams) or of one deleted stream.
    func forget(group: Int, stream: String? = nil) {
        if let stream {
            streamIDs[StreamKey(group: group, name: stream)] = nil
            return
        }
        groupIDs = groupIDs.filter { $0.value != group }
        streamIDs = streamIDs.filter { $0.key.group != group }
    }

    static func groupNotFound(_ name: String) -> StoreError {
        StoreError(.notFound, "The specified log group does not exist: \(name)")
    }

    static func streamNotFound(_ group: String, _ stream: String) -> StoreError {
        StoreError(.notFound, "The specified log stream does not exist: \(stream) in log group \(group)")
    }

    /// Runs `work` in one transaction, one transaction at a time, in a task of its own so that a
    /// cancelled caller cannot leave the connection between BEGIN and COMMIT.
    func transaction<T: Sendable>(
        _ what: String, _ work: @escaping @Sendable (isolated LogStore) async throws -> T
    ) async throws(StoreError) -> T {
        let result: Result<T, StoreError> = await Task {
            await self.acquire()
            defer { self.release() }
            do {
                let saved = self.storedBytes
                let value: T
                do {
                    try await self.connection.begin()
                    value = try await work(self)
                    try await self.writeTotals()
                    try await self.connection.commit()
                } catch {
                    await self.connection.rollback()
                    self.restoreState(saved)
                    throw error
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

    func acquire() async {
        if turns.take() { return }
        await withCheckedContinuation { turns.queue($0) }
    }

    func release() {
        turns.release()
    }

    func saveState() -> Int { storedBytes }

    func restoreState(_ saved: Int) {
        storedBytes = saved
        // What the transaction made is gone with it.
        groupIDs = [:]
        streamIDs = [:]
        pendingTotals = [:]
    }

    func beforeCommit() async throws {
        try await writeTotals()
    }

    /// Trims the events when they take more than the bound, in a transaction of its own whose
    /// failure is not the writers' (they are stored), before they hear back: a write returns with
    /// the store within its bound.
    func afterBatch() async {
        guard storedBytes > maxStoredBytes else { return }
        let before = storedBytes
        do {
            try await connection.begin()
            try await trimToBound()
            try await connection.commit()
        } catch {
            await connection.rollback()
            storedBytes = before
        }
    }
}
