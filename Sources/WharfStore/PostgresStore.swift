import Foundation
import Logging
import NIOSSL
import PostgresNIO
import WharfModel
import WharfState

/// The shared store: one region's state in a PostgreSQL schema (`PREFIX_REGION`), rows keyed as
/// in the SQLite store, bodies the records' JSON. Several controllers can open it; only the leader
/// writes, and with a ``Fence`` every transaction first checks that the lease it holds is still its
/// own and unexpired, so a deposed leader's write is refused by the database itself.
public actor PostgresStore: ClusterStore {
    /// The lease a leader writes under: its token, and what to do when a write finds it gone.
    public struct Fence: Sendable {
        /// The token of the lease this controller acquired.
        public var token: Int64
        /// Called once when a write is refused because the lease is no longer this controller's.
        public var deposed: @Sendable () -> Void

        public init(token: Int64, deposed: @escaping @Sendable () -> Void) {
            self.token = token
            self.deposed = deposed
        }
    }

    /// Where the store lives (its password left out of messages).
    public nonisolated let location: PostgresLocation
    /// The schema holding this region's state.
    public nonisolated let schema: String
    let client: PostgresClient
    private let runner: Task<Void, Never>
    private let fence: Fence?
    private nonisolated let logger: Logger
    private let encoder = ECSJSON.encoder()
    private var closed = false

    /// How long opening (connecting and migrating) may take.
    static let openTimeout = Duration.seconds(30)
    /// How long one write transaction may take before it fails (and rolls back).
    static let writeTimeout = Duration.seconds(15)
    /// How long reading the whole state may take.
    static let loadTimeout = Duration.seconds(300)

    /// Connects, creates the schemas when missing and brings them up to date, and records `region`
    /// among the regions stored.
    /// - Throws: ``StoreError`` when the server cannot be reached or its schema is newer than this Wharf.
    public static func open(
        _ location: PostgresLocation,
        region: String,
        fence: Fence? = nil,
        logger: Logger
    ) async throws(StoreError) -> PostgresStore {
        try await probe(location, logger: logger)
        let client = PostgresClient(configuration: configuration(location), backgroundLogger: logger)
        let runner = Task { await client.run() }
        let schema = location.schema(region: region)
        let store = PostgresStore(
            location,
            schema: schema,
            client: client,
            runner: runner,
            fence: fence,
            logger: logger
        )
        do {
            try await PostgresDeadline.run(openTimeout, .open, "opening \(location)") {
                try await PostgresMigrations.run(
                    prefix: location.schemaPrefix,
                    schema: schema,
                    steps: PostgresMigrations.state,
                    on: client,
                    logger: logger
                )
                try await client.query(
                    PostgresQuery(
                        unsafeSQL: """
                            INSERT INTO \(location.schemaPrefix).regions (name, schema_name) VALUES ($1, $2)
                            ON CONFLICT (name) DO NOTHING
                            """,
                        binds: PostgresMigrations.binds([.text(region), .text(schema)])
                    ),
                    logger: logger
                )
            }
        } catch {
            await store.close()
            if let error = error as? StoreError { throw error }
            throw StoreError(.open, "cannot prepare the PostgreSQL store \(location)", cause: Self.reason(error))
        }
        return store
    }

    private init(
        _ location: PostgresLocation,
        schema: String,
        client: PostgresClient,
        runner: Task<Void, Never>,
        fence: Fence?,
        logger: Logger
    ) {
        self.location = location
        self.schema = schema
        self.client = client
        self.runner = runner
        self.fence = fence
        self.logger = logger
    }

    /// The regions whose state the database at `location` holds.
    public static func regions(_ location: PostgresLocation, logger: Logger) async throws(StoreError) -> [String] {
        let client = PostgresClient(configuration: configuration(location), backgroundLogger: logger)
        let runner = Task { await client.run() }
        defer { runner.cancel() }
        do {
            return try await PostgresDeadline.run(openTimeout, .read, "listing the regions in \(location)") {
                try await listRegions(client, location, logger)
            }
        } catch {
            if let error = error as? StoreError { throw error }
            throw StoreError(.read, "cannot list the regions in \(location)", cause: reason(error))
        }
    }

    private static func listRegions(_ client: PostgresClient, _ location: PostgresLocation, _ logger: Logger)
        async throws -> [String]
    {
        do {
            let exists = try await client.query(
                "SELECT to_regclass(\(location.schemaPrefix + ".regions")) IS NOT NULL",
                logger: logger
            )
            var found = false
            for try await value in exists.decode(Bool.self) { found = value }
            guard found else { return [] }
            var names: [String] = []
            let rows = try await client.query(
                PostgresQuery(unsafeSQL: "SELECT name FROM \(location.schemaPrefix).regions ORDER BY name"),
                logger: logger
            )
            for try await name in rows.decode(String.self) { names.append(name) }
            return names
        }
    }

    /// Reads every record, and counts this as a new controller start (``StoredState/generation``).
    public func load() async throws(StoreError) -> StoredState {
        do {
            let (client, schema, logger) = (client, schema, logger)
            return try await PostgresDeadline.run(Self.loadTimeout, .read, "reading \(schema)") {
                let generation = try await Self.nextGeneration(client, schema, logger)
                var state = try await StoredStateLoader.load(from: PostgresRowReader(client: client, schema: schema))
                state.generation = generation
                return state
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.read, "cannot read the state from \(location) (\(schema))", cause: Self.reason(error))
        }
    }

    private static func nextGeneration(_ client: PostgresClient, _ schema: String, _ logger: Logger) async throws
        -> Int
    {
        let rows = try await client.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(schema).controller_meta (name, value) VALUES ('generation', 1)
                    ON CONFLICT (name) DO UPDATE SET value = \(schema).controller_meta.value + 1 RETURNING value
                    """
            ),
            logger: logger
        )
        var generation = 1
        for try await value in rows.decode(Int.self) { generation = value }
        return generation
    }

    public func apply(_ changes: [StateChange]) async throws(StoreError) {
        guard !changes.isEmpty else { return }
        let rows = try RowChange.encode(changes, encoder: encoder, for: "\(location)")
        // In its own task, as SQLite's: a cancelled caller must not abandon the transaction midway.
        let result = await Task { await self.transaction(rows) }.value
        try result.get()
    }

    private func transaction(_ rows: [RowChange]) async -> Result<Void, StoreError> {
        let (deletes, puts) = RowChange.batches(rows)
        let (client, logger, token, prefix) = (client, logger, fence?.token, location.schemaPrefix)
        do {
            try await PostgresDeadline.run(Self.writeTimeout, .write, "writing \(rows.count) change(s)") {
                try await client.withTransaction(logger: logger) { connection in
                    if let token {
                        try await Self.checkLease(token, prefix: prefix, on: connection, logger: logger)
                    }
                    for batch in deletes {
                        try await self.delete(batch.rows, from: batch.table, on: connection)
                    }
                    for batch in puts {
                        try await self.put(batch.rows, into: batch.table, on: connection)
                    }
                }
            }
            return .success(())
        } catch {
            let cause = Self.reason(error)
            if let refused = cause as? StoreError, refused.code == .fenced {
                fence?.deposed()
                return .failure(refused)
            }
            return .failure(StoreError(.write, "cannot write \(rows.count) change(s) to \(location)", cause: cause))
        }
    }

    /// Refuses the transaction unless the lease is still `token`'s and unexpired; holds the lease
    /// row shared until the commit, so no other controller takes the lease meanwhile.
    static func checkLease(
        _ token: Int64,
        prefix: String,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: "SELECT token FROM \(prefix).leadership WHERE id = 1 AND token = $1 AND expires_at > now() "
                    + "FOR SHARE",
                binds: { var binds = PostgresBindings(); binds.append(token); return binds }()
            ),
            logger: logger
        )
        var held = false
        for try await _ in rows { held = true }
        guard held else {
            throw StoreError(.fenced, "this controller's leadership lease (token \(token)) has expired or passed on")
        }
    }

    private nonisolated func put(_ rows: [[StoreValue]], into table: StoreTable, on connection: PostgresConnection)
        async throws
    {
        let columns = table.columns.joined(separator: ", ")
        let updates = table.columns.dropFirst(table.keyCount).map { "\($0) = EXCLUDED.\($0)" }
            .joined(separator: ", ")
        for start in stride(from: 0, to: rows.count, by: StoreTable.rowsPerStatement) {
            let chunk = rows[start..<min(start + StoreTable.rowsPerStatement, rows.count)]
            var number = 0
            let values = chunk.map { row in
                "(" + row.map { _ in number += 1; return "$\(number)" }.joined(separator: ", ") + ")"
            }
            let sql =
                "INSERT INTO \(schema).\(table.name) (\(columns)) VALUES \(values.joined(separator: ", ")) "
                + "ON CONFLICT (\(table.keyColumns.joined(separator: ", "))) DO UPDATE SET \(updates)"
            try await connection.query(
                PostgresQuery(unsafeSQL: sql, binds: PostgresMigrations.binds(chunk.flatMap { $0 })),
                logger: logger
            )
        }
    }

    private nonisolated func delete(_ keys: [[StoreValue]], from table: StoreTable, on connection: PostgresConnection)
        async throws
    {
        for start in stride(from: 0, to: keys.count, by: StoreTable.rowsPerStatement) {
            let chunk = keys[start..<min(start + StoreTable.rowsPerStatement, keys.count)]
            var number = 0
            let matches = chunk.map { key in
                "(" + zip(table.keyColumns, key).map { column, _ in number += 1; return "\(column) = $\(number)" }
                    .joined(separator: " AND ") + ")"
            }
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: "DELETE FROM \(schema).\(table.name) WHERE \(matches.joined(separator: " OR "))",
                    binds: PostgresMigrations.binds(chunk.flatMap { $0 })
                ),
                logger: logger
            )
        }
    }

    /// Closes the connections; safe to call twice and from a cancelled task.
    public func close() async {
        guard !closed else { return }
        closed = true
        runner.cancel()
        await runner.value
    }

    /// The error a transaction wrapper hides, as the operator needs it.
    static func reason(_ error: any Error) -> any Error & Sendable {
        if let wrapped = error as? PostgresTransactionError {
            if let inner = wrapped.closureError ?? wrapped.beginError ?? wrapped.commitError {
                return reason(inner)
            }
        }
        if let store = error as? StoreError { return store }
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] { return StoreError(.write, message) }
            return StoreError(.write, psql.underlying.map { "\(psql.code): \($0)" } ?? "\(psql.code)")
        }
        return StoreError(.write, String(describing: error))
    }
}
