import Foundation
import Logging
import NIOCore
import SQLiteNIO
import WharfModel
import WharfState

/// The embedded store: one SQLite database in WAL mode with `synchronous=FULL`, so a committed
/// transaction survives a crash of the process or the machine. Each record is a row keyed by its
/// ID, its body the record's JSON.
public actor SQLiteStore: ClusterStore {
    private let connection: SQLiteConnection
    private let path: String
    private let encoder = ECSJSON.encoder()
    /// One transaction at a time on the connection: batches applied at once from several callers
    /// run one after another (a second BEGIN inside a transaction would fail).
    private var turns = TransactionTurns()

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    /// - Throws: ``StoreError`` when the file cannot be opened or was written by a newer Wharf.
    public static func open(path: String, logger: Logger) async throws(StoreError) -> SQLiteStore {
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        } catch {
            throw StoreError(.open, "cannot open the database \(path)", cause: error)
        }
        let store = SQLiteStore(connection: connection, path: path)
        do {
            try await store.configure()
            try await Migrations.run(on: connection, logger: logger)
        } catch let error as StoreError {
            try? await connection.close()
            throw error
        } catch {
            try? await connection.close()
            throw StoreError(.migrate, "cannot prepare the database \(path)", cause: error)
        }
        return store
    }

    private init(connection: SQLiteConnection, path: String) {
        self.connection = connection
        self.path = path
    }

    private func configure() async throws {
        _ = try await connection.query("PRAGMA journal_mode=WAL")
        _ = try await connection.query("PRAGMA synchronous=FULL")
        _ = try await connection.query("PRAGMA busy_timeout=5000")
    }

    /// Reads every record, and counts this as a new controller start (``StoredState/generation``).
    public func load() async throws(StoreError) -> StoredState {
        do {
            let generation = try await nextGeneration()
            var state = try await StoredStateLoader.load(from: SQLiteRowReader(connection: connection))
            state.generation = generation
            return state
        } catch {
            throw StoreError(.read, "cannot read the state from \(path)", cause: error)
        }
    }

    /// Raises the stored start counter by one and returns it.
    private func nextGeneration() async throws -> Int {
        let result = await Task { () async -> Result<Int, any Error> in
            do {
                _ = try await connection.query("BEGIN IMMEDIATE")
                do {
                    _ = try await connection.query(
                        "INSERT INTO controller_meta (name, value) VALUES ('generation', 1) "
                            + "ON CONFLICT (name) DO UPDATE SET value = value + 1"
                    )
                    let row = try await connection.query("SELECT value FROM controller_meta WHERE name = 'generation'")
                        .first
                    _ = try await connection.query("COMMIT")
                    return .success(row?.column("value")?.integer ?? 1)
                } catch {
                    _ = try? await connection.query("ROLLBACK")
                    throw error
                }
            } catch {
                return .failure(error)
            }
        }.value
        return try result.get()
    }

    public func apply(_ changes: [StateChange]) async throws(StoreError) {
        guard !changes.isEmpty else { return }
        let rows = try RowChange.encode(changes, encoder: encoder, for: "\(path)")
        // The transaction runs in its own task: cancelling the caller must not abandon it between
        // BEGIN and COMMIT (sqlite-nio refuses work on a cancelled task), which would leave the
        // connection inside a transaction that every later BEGIN trips over.
        let result = await Task {
            await self.acquire()
            defer { self.release() }
            return await self.transaction(rows)
        }.value
        try result.get()
    }

    private func acquire() async {
        if turns.take() { return }
        await withCheckedContinuation { turns.queue($0) }
    }

    private func release() {
        turns.release()
    }

    private func transaction(_ rows: [RowChange]) async -> Result<Void, StoreError> {
        do {
            _ = try await connection.query("BEGIN IMMEDIATE")
            do {
                try await SQLiteRowWriter.write(rows, on: connection)
                _ = try await connection.query("COMMIT")
            } catch {
                _ = try? await connection.query("ROLLBACK")
                throw error
            }
            return .success(())
        } catch {
            return .failure(StoreError(.write, "cannot write \(rows.count) change(s) to \(path)", cause: error))
        }
    }

    /// Closes the database; safe to call from a cancelled task (shutdown after a failure).
    public func close() async {
        let closed: EventLoopFuture<Void> = connection.close()
        try? await closed.get()
    }

    /// The `body` column of a row (the migrations read old rows with it).
    static func body(_ row: SQLiteRow) throws -> Data {
        guard let text = row.column("body")?.string else {
            throw StoreError(.read, "a row has no body")
        }
        return Data(text.utf8)
    }
}

/// Reads rows for ``StoredStateLoader`` from SQLite.
private struct SQLiteRowReader: StoreRowReader {
    let connection: SQLiteConnection

    func rows(of table: StoreTable, after: String?, limit: Int?) async throws -> [[StoreValue]] {
        let keys = table.keyColumns.joined(separator: ", ")
        var sql = "SELECT \(table.columns.joined(separator: ", ")) FROM \(table.name)"
        var binds: [SQLiteData] = []
        if let after, let key = table.keyColumns.first {
            sql += " WHERE \(key) > ?"
            binds.append(.text(after))
        }
        sql += " ORDER BY \(keys)"
        if let limit { sql += " LIMIT \(limit)" }
        return try await connection.query(sql, binds).map { row in
            try table.columns.map { column throws(StoreError) -> StoreValue in
                switch row.column(column) {
                case .text(let text): return .text(text)
                case .integer(let integer): return .integer(integer)
                default: throw StoreError(.read, "\(table.name).\(column) holds neither text nor an integer")
                }
            }
        }
    }
}
