/// The one connection a ``LogStore`` or ``MetricStore`` works on: a SQLite file of its own on one
/// machine, or the region's schema in PostgreSQL when several controllers share the state. The
/// store takes turns on it, so one transaction (or read) runs at a time. Statements are written
/// once, with `?` (or `?N`) placeholders and SQL both databases understand; the few differences
/// are the ``SQLDialect``'s.
public protocol TelemetryConnection: Sendable {
    /// Which SQL the database speaks.
    var dialect: SQLDialect { get }
    /// Where the data lives, for messages (a path, or a URL without its password).
    var place: String { get }
    /// Runs one statement with `binds` for its placeholders, and returns its rows.
    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow]
    /// Starts a transaction that writes.
    func begin() async throws
    /// Commits the transaction.
    func commit() async throws
    /// Rolls the transaction back; a connection lost meanwhile took it back already.
    func rollback() async
    /// Closes the connection.
    func close() async
    /// Whether the last statement that failed was refused by the database, the connection going
    /// on (a constraint, a bad value), rather than lost or silent.
    var lastFailureWasRefusal: Bool { get async }
}

extension TelemetryConnection {
    /// Runs one statement without binds.
    public func query(_ sql: String) async throws -> [SQLRow] {
        try await query(sql, [])
    }
}

/// What differs between SQLite's SQL and PostgreSQL's in the telemetry stores' statements.
public enum SQLDialect: Sendable {
    case sqlite
    case postgres

    /// A condition true when `column` contains the text bound to the next placeholder.
    func contains(_ column: String) -> String {
        switch self {
        case .sqlite: "instr(\(column), ?) > 0"
        case .postgres: "strpos(\(column), ?) > 0"
        }
    }

    /// A condition true when `column` does not contain the text bound to the next placeholder.
    func lacks(_ column: String) -> String {
        switch self {
        case .sqlite: "instr(\(column), ?) = 0"
        case .postgres: "strpos(\(column), ?) = 0"
        }
    }
}
