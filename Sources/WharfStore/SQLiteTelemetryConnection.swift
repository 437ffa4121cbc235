import Logging
import NIOCore
import SQLiteNIO

/// A telemetry store's own SQLite file (`logs.db` or `metrics.db`): WAL mode, and commits that are
/// on disk before they are acknowledged.
struct SQLiteTelemetryConnection: TelemetryConnection {
    let connection: SQLiteConnection
    let place: String
    var dialect: SQLDialect { .sqlite }

    /// Opens (creating if needed) the database at `path` and brings it up to `steps`.
    /// - Parameter what: what the database holds, for messages ("log", "metric").
    static func open(path: String, what: String, steps: [[String]], logger: Logger) async throws(StoreError) -> Self {
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        } catch {
            throw StoreError(.open, "cannot open the \(what) database \(path)", cause: error)
        }
        do {
            _ = try await connection.query("PRAGMA journal_mode=WAL")
            // What a sender is told is stored must survive a power cut: an agent deletes the log
            // lines the controller acknowledged, and PutMetricData's caller forgets its samples.
            _ = try await connection.query("PRAGMA synchronous=FULL")
            _ = try await connection.query("PRAGMA busy_timeout=5000")
            try await Migrations.run(steps, on: connection, logger: logger)
            return Self(connection: connection, place: path)
        } catch {
            try? await connection.close().get()
            throw error as? StoreError
                ?? StoreError(.migrate, "cannot prepare the \(what) database \(path)", cause: error)
        }
    }

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        let rows = try await connection.query(sql, binds.map(Self.data))
        guard let first = rows.first else { return [] }
        let names = first.columns.map(\.name)
        return rows.map { row in
            SQLRow(names: names, values: row.columns.map { Self.value($0.data) })
        }
    }

    func begin() async throws {
        _ = try await connection.query("BEGIN IMMEDIATE")
    }

    func commit() async throws {
        _ = try await connection.query("COMMIT")
    }

    func rollback() async {
        _ = try? await connection.query("ROLLBACK")
    }

    /// A file of the controller's own: a statement that fails leaves the connection as it was.
    var lastFailureWasRefusal: Bool { true }

    func close() async {
        let closed: EventLoopFuture<Void> = connection.close()
        try? await closed.get()
    }

    private static func data(_ value: SQLValue) -> SQLiteData {
        switch value {
        case .integer(let value): .integer(value)
        case .float(let value): .float(value)
        case .text(let value): .text(value)
        case .null: .null
        }
    }

    private static func value(_ data: SQLiteData) -> SQLValue {
        switch data {
        case .integer(let value): .integer(value)
        case .float(let value): .float(value)
        case .text(let value): .text(value)
        case .blob(let buffer): .text(String(buffer: buffer))
        case .null: .null
        }
    }
}
