import Foundation
import Logging
import WharfMonitoring

/// CloudWatch's metrics and alarm history in a SQLite database of their own (`metrics.db`, WAL
/// mode, synchronous commits), apart from the cluster state so telemetry never waits on it; or,
/// with several controllers, in the region's PostgreSQL schema, so the next leader has them. A
/// metric is a row (namespace, name, dimensions); its samples are rows indexed by metric and time.
/// The metrics are also kept in memory, for ListMetrics and the lookups of every write.
public actor MetricStore: GroupCommitting {
    /// One entry of an alarm's history, as DescribeAlarmHistory shows it.
    public struct HistoryItem: Equatable, Sendable {
        public var alarmName: String
        /// `MetricAlarm` or `CompositeAlarm`.
        public var alarmType: String
        /// Milliseconds since 1970.
        public var timestamp: Int
        /// `ConfigurationUpdate`, `StateUpdate` or `Action`.
        public var itemType: String
        public var summary: String
        /// JSON text.
        public var data: String

        public init(
            alarmName: String,
            alarmType: String,
            timestamp: Int,
            itemType: String,
            summary: String,
            data: String
        ) {
            self.alarmName = alarmName
            self.alarmType = alarmType
            self.timestamp = timestamp
            self.itemType = itemType
            self.summary = summary
            self.data = data
        }
    }

    /// One scaling activity of Application Auto Scaling, as DescribeScalingActivities shows it.
    public struct Activity: Equatable, Sendable {
        public var activityId: String
        public var resourceId: String
        public var scalableDimension: String
        /// Milliseconds since 1970.
        public var startTime: Int
        public var endTime: Int?
        public var description: String
        public var cause: String
        /// `Successful`, `Failed`, ...
        public var statusCode: String
        public var statusMessage: String?
        public var details: String?
        /// Why Application Auto Scaling did not scale, for a not scaled activity; nil for the others.
        public var notScaledReasons: [NotScaledReason]?

        public init(
            activityId: String,
            resourceId: String,
            scalableDimension: String,
            startTime: Int,
            endTime: Int?,
            description: String,
            cause: String,
            statusCode: String,
            statusMessage: String?,
            details: String? = nil,
            notScaledReasons: [NotScaledReason]? = nil
        ) {
            self.activityId = activityId
            self.resourceId = resourceId
            self.scalableDimension = scalableDimension
            self.startTime = startTime
            self.endTime = endTime
            self.description = description
            self.cause = cause
            self.statusCode = statusCode
            self.statusMessage = statusMessage
            self.details = details
            self.notScaledReasons = notScaledReasons
        }
    }

    /// A reason Application Auto Scaling did not scale (`AlreadyAtMaxCapacity`, ...), with the
    /// capacity that blocked it.
    public struct NotScaledReason: Codable, Equatable, Sendable {
        public var code: String
        public var currentCapacity: Int?
        public var maxCapacity: Int?
        public var minCapacity: Int?

        public init(code: String, currentCapacity: Int? = nil, maxCapacity: Int? = nil, minCapacity: Int? = nil) {
            self.code = code
            self.currentCapacity = currentCapacity
            self.maxCapacity = maxCapacity
            self.minCapacity = minCapacity
        }
    }

    let connection: any TelemetryConnection
    /// Where the samples live, for messages.
    var path: String { connection.place }
    /// Every metric with its row ID and newest sample's time (milliseconds).
    private var metrics: [MetricKey: (id: Int, last: Int)] = [:]
    /// One transaction (or read) at a time on the connection: PutMetricData arrives beside the
    /// monitoring loop's own samples, history and activities.
    private var turns = TransactionTurns()
    /// The samples waiting for the next batch (``GroupCommitting/batched(_:_:)``).
    var groupCommit = GroupCommitQueue<MetricStore>()
    /// What the writes of the batch in progress store at its commit: samples, and metrics' newest times.
    var pendingSamples: [(metric: Int, sample: MetricSample)] = []
    var pendingLast: [Int: Int] = [:]

    static let steps: [[String]] = [
        [
            """
            CREATE TABLE metrics (id INTEGER PRIMARY KEY, namespace TEXT NOT NULL, name TEXT NOT NULL,
                dimensions TEXT NOT NULL, last_ts INTEGER NOT NULL, UNIQUE (namespace, name, dimensions))
            """,
            """
            CREATE TABLE metric_samples (metric_id INTEGER NOT NULL, ts INTEGER NOT NULL, unit TEXT NOT NULL,
                sample_count REAL NOT NULL, sum REAL NOT NULL, minimum REAL NOT NULL, maximum REAL NOT NULL)
            """,
            "CREATE INDEX metric_samples_metric ON metric_samples (metric_id, ts)",
            "CREATE INDEX metric_samples_ts ON metric_samples (ts)",
            """
            CREATE TABLE alarm_history (id INTEGER PRIMARY KEY AUTOINCREMENT, alarm_name TEXT NOT NULL,
                alarm_type TEXT NOT NULL, ts INTEGER NOT NULL, item_type TEXT NOT NULL, summary TEXT NOT NULL,
                data TEXT NOT NULL)
            """,
            "CREATE INDEX alarm_history_alarm ON alarm_history (alarm_name, ts)",
            "CREATE INDEX alarm_history_ts ON alarm_history (ts)",
        ],
        [
            """
            CREATE TABLE scaling_activities (id INTEGER PRIMARY KEY AUTOINCREMENT, activity_id TEXT NOT NULL,
                resource_id TEXT NOT NULL, dimension TEXT NOT NULL, ts INTEGER NOT NULL, end_ts INTEGER,
                description TEXT NOT NULL, cause TEXT NOT NULL, status_code TEXT NOT NULL, status_message TEXT,
                details TEXT)
            """,
            "CREATE INDEX scaling_activities_resource ON scaling_activities (resource_id, ts)",
            "CREATE INDEX scaling_activities_ts ON scaling_activities (ts)",
        ],
        ["ALTER TABLE scaling_activities ADD COLUMN not_scaled TEXT"],
    ]

    /// Opens (creating if needed) the metric database at `path`.
    public static func open(path: String, logger: Logger) async throws(StoreError) -> MetricStore {
        try await open(SQLiteTelemetryConnection.open(path: path, what: "metric", steps: steps, logger: logger))
    }

    /// Opens the metrics of `region` in PostgreSQL at `location` (tables of the region's schema,
    /// made when missing); with `fence`, a write is refused once this controller's lease is gone.
    public static func open(
        postgres location: PostgresLocation,
        region: String,
        fence: PostgresStore.Fence? = nil,
        logger: Logger
    ) async throws(StoreError) -> MetricStore {
        try await open(PostgresTelemetryConnection.open(location, region: region, fence: fence, logger: logger))
    }

    private static func open(_ connection: any TelemetryConnection) async throws(StoreError) -> MetricStore {
        let store = MetricStore(connection: connection)
        do {
            try await store.loadMetrics()
        } catch {
            await connection.close()
            throw StoreError(.read, "cannot read the metrics from \(connection.place)", cause: error)
        }
        return store
    }

    private init(connection: any TelemetryConnection) {
        self.connection = connection
    }

    private func loadMetrics() async throws {
        for row in try await connection.query("SELECT id, namespace, name, dimensions, last_ts FROM metrics") {
            guard let id = row.column("id")?.integer, let namespace = row.column("namespace")?.string,
                let name = row.column("name")?.string, let dimensions = row.column("dimensions")?.string,
                let last = row.column("last_ts")?.integer
            else { continue }
            let key = MetricKey(
                namespace: namespace,
                name: name,
                dimensions: MetricKey.dimensions(fromText: dimensions)
            )
            metrics[key] = (id, last)
        }
    }

    /// Closes the database.
    public func close() async {
        await connection.close()
    }

    /// Stores samples, all or none, creating the metrics not seen before. The samples of a batch
    /// (``GroupCommitting``) go in a few multi-row INSERTs just before its commit.
    public func put(_ points: [MetricPoint]) async throws(StoreError) {
        guard !points.isEmpty else { return }
        try await batched("storing \(points.count) metric samples") { store in
            for point in points {
                let id = try await store.metricID(point.key, timestamp: point.sample.timestamp)
                store.pendingSamples.append((id, point.sample))
            }
        }
    }

    /// Writes the samples and newest times that the batch's writes left for its commit.
    func beforeCommit() async throws {
        for (id, last) in pendingLast.sorted(by: { $0.key < $1.key }) {
            _ = try await connection.query(
                "UPDATE metrics SET last_ts = ? WHERE id = ?",
                [.integer(last), .integer(id)]
            )
        }
        pendingLast = [:]
        for start in stride(from: 0, to: pendingSamples.count, by: 500) {
            let chunk = pendingSamples[start..<min(start + 500, pendingSamples.count)]
            var binds: [SQLValue] = []
            binds.reserveCapacity(chunk.count * 7)
            for (id, sample) in chunk {
                binds += [
                    .integer(id), .integer(sample.timestamp), .text(sample.unit), .float(sample.sampleCount),
                    .float(sample.sum), .float(sample.minimum), .float(sample.maximum),
                ]
            }
            let values = Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
            _ = try await connection.query(
                "INSERT INTO metric_samples (metric_id, ts, unit, sample_count, sum, minimum, maximum) "
                    + "VALUES \(values)",
                binds
            )
        }
        pendingSamples = []
    }

    /// Runs `work` in one transaction, one at a time (``TransactionTurns``), in a task of its own
    /// so that a cancelled caller cannot leave the connection between BEGIN and COMMIT; the
    /// metrics known are put back when it fails.
    func transaction<T: Sendable>(
        _ what: String,
        _ work: @escaping @Sendable (isolated MetricStore) async throws -> T
    ) async throws(StoreError) -> T {
        let result: Result<T, StoreError> = await Task {
            await self.acquire()
            defer { self.release() }
            let before = self.metrics
            do {
                do {
                    try await self.connection.begin()
                    let value = try await work(self)
                    try await self.connection.commit()
                    return .success(value)
                } catch {
                    await self.connection.rollback()
                    throw error
                }
            } catch {
                self.metrics = before
                return .failure(
                    error as? StoreError ?? StoreError(.write, "\(what) in \(self.path) failed", cause: error)
                )
            }
        }.value
        return try result.get()
    }

    /// Runs a read in its turn: never between another call's BEGIN and COMMIT.
    func reading<T: Sendable>(
        _ what: String,
        _ work: (isolated MetricStore) async throws -> T
    ) async throws(StoreError) -> T {
        await acquire()
        defer { release() }
        do {
            return try await work(self)
        } catch {
            throw StoreError(.read, "\(what) from \(path) failed", cause: error)
        }
    }

    func acquire() async {
        if turns.take() { return }
        await withCheckedContinuation { turns.queue($0) }
    }

    func release() {
        turns.release()
    }

    func saveState() -> [MetricKey: (id: Int, last: Int)] { metrics }

    func restoreState(_ saved: [MetricKey: (id: Int, last: Int)]) {
        metrics = saved
        pendingSamples = []
        pendingLast = [:]
    }

    func afterBatch() async {}

    private func metricID(_ key: MetricKey, timestamp: Int) async throws -> Int {
        if let known = metrics[key] {
            if timestamp > known.last {
                pendingLast[known.id] = timestamp
                metrics[key] = (known.id, timestamp)
            }
            return known.id
        }
        let rows = try await connection.query(
            "INSERT INTO metrics (namespace, name, dimensions, last_ts) VALUES (?, ?, ?, ?) RETURNING id",
            [.text(key.namespace), .text(key.name), .text(key.dimensionsText), .integer(timestamp)]
        )
        guard let id = rows.first?.column("id")?.integer else {
            throw StoreError(.write, "the metric database gave no ID for a new metric")
        }
        metrics[key] = (id, timestamp)
        return id
    }

    /// Every metric with the time of its newest sample (milliseconds), in key order.
    public func allMetrics() -> [(key: MetricKey, lastTimestamp: Int)] {
        metrics.map { ($0.key, $0.value.last) }.sorted { $0.key < $1.key }
    }

    /// The samples of `key` with `start <= timestamp < end`, oldest first; none for an unknown metric.
    public func samples(of key: MetricKey, start: Int, end: Int) async throws(StoreError) -> [MetricSample] {
        guard let id = metrics[key]?.id else { return [] }
        return try await reading("reading the samples of \(key.namespace) \(key.name)") { store in
            let rows = try await store.connection.query(
                """
                SELECT ts, unit, sample_count, sum, minimum, maximum FROM metric_samples
                WHERE metric_id = ? AND ts >= ? AND ts < ? ORDER BY ts
                """,
                [.integer(id), .integer(start), .integer(end)]
            )
            return rows.compactMap { row in
                guard let ts = row.column("ts")?.integer, let unit = row.column("unit")?.string,
                    let count = row.column("sample_count")?.double, let sum = row.column("sum")?.double,
                    let minimum = row.column("minimum")?.double, let maximum = row.column("maximum")?.double
                else { return nil }
                return MetricSample(
                    timestamp: ts,
                    unit: unit,
                    sampleCount: count,
                    sum: sum,
                    minimum: minimum,
                    maximum: maximum
                )
            }
        }
    }

    /// Deletes the samples and history older than `cutoff` (milliseconds), and the metrics left
    /// with no samples. Returns how many samples went.
    @discardableResult
    public func deleteOlder(than cutoff: Int) async throws(StoreError) -> Int {
        try await transaction("deleting old metric samples") { store in
            let counted = try await store.connection.query(
                "SELECT COUNT(*) AS n FROM metric_samples WHERE ts < ?",
                [.integer(cutoff)]
            )
            _ = try await store.connection.query("DELETE FROM metric_samples WHERE ts < ?", [.integer(cutoff)])
            _ = try await store.connection.query("DELETE FROM alarm_history WHERE ts < ?", [.integer(cutoff)])
            _ = try await store.connection.query("DELETE FROM scaling_activities WHERE ts < ?", [.integer(cutoff)])
            let stale = try await store.connection.query(
                "SELECT id FROM metrics WHERE last_ts < ?",
                [.integer(cutoff)]
            )
            _ = try await store.connection.query("DELETE FROM metrics WHERE last_ts < ?", [.integer(cutoff)])
            let gone = Set(stale.compactMap { $0.column("id")?.integer })
            store.metrics = store.metrics.filter { !gone.contains($0.value.id) }
            return counted.first?.column("n")?.integer ?? 0
        }
    }
}
