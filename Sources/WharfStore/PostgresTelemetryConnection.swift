import Logging
import PostgresNIO

/// A telemetry store's connection to the region's schema in PostgreSQL: one connection, as SQLite's,
/// so that a transaction's statements are all on it; made again when it was lost, but never in the
/// middle of a transaction (what ran before the loss was rolled back by the server, so the rest
/// must fail too). With a fence, every write transaction checks the leader's lease just before its
/// `COMMIT` (the state store's check comes first; these transactions can be long), so a deposed
/// leader cannot acknowledge a log line or a sample.
actor PostgresTelemetryConnection: TelemetryConnection {
    nonisolated let place: String
    nonisolated var dialect: SQLDialect { .postgres }
    private let configuration: PostgresConnection.Configuration
    private let location: PostgresLocation
    private let schema: String
    private let fence: PostgresStore.Fence?
    private let logger: Logger
    private var connection: PostgresConnection?
    private var inTransaction = false
    private var connections = 0
    private var closed = false
    private(set) var lastFailureWasRefusal = false

    /// How long one statement may take before the connection is dropped and the statement fails.
    static let timeout = Duration.seconds(15)

    /// Connects to `location`, brings `region`'s schema up to date (the telemetry tables are part of
    /// it) and works in that schema.
    static func open(
        _ location: PostgresLocation,
        region: String,
        fence: PostgresStore.Fence?,
        logger: Logger
    ) async throws(StoreError) -> PostgresTelemetryConnection {
        let schema = location.schema(region: region)
        let opened = PostgresTelemetryConnection(
            configuration: try PostgresStore.connectionConfiguration(location),
            location: location,
            schema: schema,
            fence: fence,
            logger: logger
        )
        do {
            try await PostgresDeadline.run(PostgresStore.openTimeout, .open, "opening \(location)") {
                try await opened.migrate()
            }
        } catch {
            await opened.close()
            if let error = error as? StoreError { throw error }
            throw StoreError(
                .open,
                "cannot prepare the PostgreSQL store \(location)",
                cause: PostgresStore.reason(error)
            )
        }
        return opened
    }

    private init(
        configuration: PostgresConnection.Configuration,
        location: PostgresLocation,
        schema: String,
        fence: PostgresStore.Fence?,
        logger: Logger
    ) {
        self.configuration = configuration
        self.location = location
        self.schema = schema
        self.fence = fence
        self.logger = logger
        self.place = "\(location) (\(schema))"
    }

    private func migrate() async throws {
        try await PostgresMigrations.run(
            prefix: location.schemaPrefix,
            schema: schema,
            steps: PostgresMigrations.state,
            on: try await connected(),
            logger: logger
        )
    }

    /// The live connection, made (in the schema) when there is none; refused inside a transaction
    /// whose connection was lost.
    private func connected() async throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        connection = nil
        guard !inTransaction else {
            throw StoreError(.write, "the connection to \(location) was lost in the middle of a transaction")
        }
        guard !closed else { throw StoreError(.write, "the store on \(location) is closed") }
        connections += 1
        let made = try await PostgresConnection.connect(configuration: configuration, id: connections, logger: logger)
        do {
            try await made.query(PostgresQuery(unsafeSQL: "SET search_path TO \(schema)"), logger: logger)
        } catch {
            try? await made.close()
            throw error
        }
        // Closed while it connected: it goes too.
        guard !closed else {
            try? await made.close()
            throw StoreError(.write, "the store on \(location) is closed")
        }
        connection = made
        return made
    }

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        let connection = try await connected()
        let query = PostgresQuery(unsafeSQL: Self.numbered(sql), binds: Self.bindings(binds))
        let logger = logger
        return try await timed(connection) {
            try await Self.rows(try await connection.query(query, logger: logger))
        }
    }

    func begin() async throws {
        do {
            _ = try await query("BEGIN")
        } catch where connection == nil {
            // The connection was found dead at BEGIN (the server restarted, or dropped it while
            // idle): nothing of the transaction ran yet, so it starts again on a new one.
            _ = try await query("BEGIN")
        }
        inTransaction = true
    }

    /// Commits, after checking the fence: last, so that the lease row is share-locked for one
    /// round trip only and a long transaction (retention deleting a large group's old events)
    /// cannot hold up the lease's renewal, which updates that row.
    func commit() async throws {
        if let fence, let connection {
            let (token, prefix, logger) = (fence.token, location.schemaPrefix, logger)
            do {
                try await timed(connection) {
                    try await PostgresStore.checkLease(token, prefix: prefix, on: connection, logger: logger)
                }
            } catch {
                // Still in the transaction: the caller rolls it back.
                if let refused = error as? StoreError, refused.code == .fenced { fence.deposed() }
                throw error
            }
        }
        defer { inTransaction = false }
        _ = try await query("COMMIT")
    }

    func rollback() async {
        guard inTransaction else { return }
        inTransaction = false
        guard let connection, !connection.isClosed else { return }
        let logger = logger
        _ = try? await timed(connection) { try await connection.query("ROLLBACK", logger: logger) }
    }

    /// Runs `work` on `connection` for at most ``timeout``. Past it the connection is closed,
    /// which fails the statement in flight (a PostgresNIO query does not end when its task is
    /// cancelled) and the transaction with it; a connection that failed is dropped.
    private func timed<T: Sendable>(
        _ connection: PostgresConnection,
        _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await work() }
                group.addTask {
                    try await Task.sleep(for: Self.timeout)
                    try? await connection.close()
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let value = first else {
                    throw StoreError(.write, "PostgreSQL did not answer within \(Self.timeout) (\(place))")
                }
                return value
            }
        } catch {
            // A statement the server refused leaves the connection usable; anything else (a lost
            // or timed-out connection, a fatal error) drops it, so that the rest of a transaction
            // fails at once and the next one starts on a new connection.
            lastFailureWasRefusal = !connection.isClosed && Self.refusedStatement(error)
            if !lastFailureWasRefusal { await drop(connection) }
            throw PostgresStore.reason(error)
        }
    }

    /// Whether `error` is the server's refusal of one statement (severity ERROR), after which the
    /// connection goes on.
    static func refusedStatement(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, error.code == .server else { return false }
        return error.serverInfo?[.severity] == "ERROR"
    }

    func close() async {
        closed = true
        if let connection { await drop(connection) }
    }

    /// Closes a connection that failed or took too long; the next statement makes a new one.
    private func drop(_ failed: PostgresConnection) async {
        if connection === failed { connection = nil }
        try? await failed.close()
    }

    /// `sql` with PostgreSQL's placeholders: `?N` becomes `$N`, and each bare `?` the next number.
    static func numbered(_ sql: String) -> String {
        var result = ""
        result.reserveCapacity(sql.utf8.count + 16)
        var next = 0
        var characters = sql.makeIterator()
        var pending = characters.next()
        while let character = pending {
            pending = characters.next()
            guard character == "?" else {
                result.append(character)
                continue
            }
            if let digit = pending, digit.isASCII, digit.isNumber {
                result.append("$")
                continue
            }
            next += 1
            result.append("$\(next)")
        }
        return result
    }

    private static func bindings(_ values: [SQLValue]) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .integer(let value): bindings.append(value)
            case .float(let value): bindings.append(value)
            // PostgreSQL's text cannot hold U+0000 (``SQLValue/storable(_:)``).
            case .text(let value): bindings.append(SQLValue.storable(value))
            case .null: bindings.appendNull()
            }
        }
        return bindings
    }

    private static func rows(_ sequence: PostgresRowSequence) async throws -> [SQLRow] {
        var rows: [SQLRow] = []
        var names: [String]?
        for try await row in sequence {
            var values: [SQLValue] = []
            var rowNames: [String] = []
            for cell in row {
                if names == nil { rowNames.append(cell.columnName) }
                values.append(try value(cell))
            }
            if names == nil { names = rowNames }
            rows.append(SQLRow(names: names ?? rowNames, values: values))
        }
        return rows
    }

    private static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int8, .int4, .int2: return .integer(try cell.decode(Int.self))
        case .float8, .float4: return .float(try cell.decode(Double.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        default: return .text(try cell.decode(String.self))
        }
    }
}
