import Foundation
import Logging
import NIOCore
import SQLiteNIO
import WharfModel

/// The embedded store: one SQLite database in WAL mode with `synchronous=FULL`, so a committed
/// transaction survives a crash of the process or the machine. Each record is kept as the JSON of
/// its ECS shape beside the columns that identify it.
public actor SQLiteStore: ClusterStore {
    private let connection: SQLiteConnection
    private let path: String

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

    public func load() async throws(StoreError) -> StoredState {
        do {
            let decoder = ECSJSON.decoder()
            var state = StoredState()
            for row in try await connection.query("SELECT body FROM clusters ORDER BY name") {
                state.clusters.append(try decoder.decode(ECS.Cluster.self, from: Self.body(row)))
            }
            for row in try await connection.query("SELECT body FROM task_definitions ORDER BY family, revision") {
                state.taskDefinitions.append(try decoder.decode(TaskDefinitionRecord.self, from: Self.body(row)))
            }
            for row in try await connection.query("SELECT family, last_revision FROM task_definition_families") {
                if let family = row.column("family")?.string, let revision = row.column("last_revision")?.integer {
                    state.familyRevisions[family] = revision
                }
            }
            for row in try await connection.query("SELECT body FROM container_instances ORDER BY arn") {
                state.containerInstances.append(try decoder.decode(ContainerInstanceRecord.self, from: Self.body(row)))
            }
            for row in try await connection.query("SELECT body FROM tasks ORDER BY arn") {
                state.tasks.append(try decoder.decode(ECS.Task.self, from: Self.body(row)))
            }
            for row in try await connection.query("SELECT body FROM services ORDER BY arn") {
                state.services.append(try decoder.decode(ServiceRecord.self, from: Self.body(row)))
            }
            for row in try await connection.query("SELECT body FROM activations ORDER BY id") {
                state.activations.append(try decoder.decode(ActivationRecord.self, from: Self.body(row)))
            }
            for row in try await connection.query("SELECT body FROM access_keys ORDER BY id") {
                state.accessKeys.append(try decoder.decode(AccessKeyRecord.self, from: Self.body(row)))
            }
            for row in try await connection.query("SELECT principal, name, value FROM account_settings") {
                guard let principal = row.column("principal")?.string, let name = row.column("name")?.string,
                      let value = row.column("value")?.string else { continue }
                state.accountSettings[AccountSettingKey(principal: principal == "*" ? nil : principal, name: name)] = value
            }
            return state
        } catch {
            throw StoreError(.read, "cannot read the state from \(path)", cause: error)
        }
    }

    public func apply(_ changes: [StateChange]) async throws(StoreError) {
        guard !changes.isEmpty else { return }
        // The transaction runs in its own task: cancelling the caller must not abandon it between
        // BEGIN and COMMIT (sqlite-nio refuses work on a cancelled task), which would leave the
        // connection inside a transaction that every later BEGIN trips over.
        let result = await Task { await self.transaction(changes) }.value
        try result.get()
    }

    private func transaction(_ changes: [StateChange]) async -> Result<Void, StoreError> {
        do {
            let encoder = ECSJSON.encoder()
            _ = try await connection.query("BEGIN IMMEDIATE")
            do {
                for change in changes {
                    let (sql, binds) = try Self.statement(for: change, encoder: encoder)
                    _ = try await connection.query(sql, binds)
                }
                _ = try await connection.query("COMMIT")
            } catch {
                _ = try? await connection.query("ROLLBACK")
                throw error
            }
            return .success(())
        } catch {
            return .failure(StoreError(.write, "cannot write \(changes.count) change(s) to \(path)", cause: error))
        }
    }

    /// Closes the database; safe to call from a cancelled task (shutdown after a failure).
    public func close() async {
        let closed: EventLoopFuture<Void> = connection.close()
        try? await closed.get()
    }

    static func statement(for change: StateChange, encoder: JSONEncoder) throws -> (String, [SQLiteData]) {
        func json(_ value: some Encodable) throws -> SQLiteData {
            .text(String(decoding: try encoder.encode(value), as: UTF8.self))
        }
        switch change {
        case .putCluster(let cluster):
            return ("INSERT OR REPLACE INTO clusters (name, body) VALUES (?, ?)",
                    [.text(cluster.clusterName ?? ""), try json(cluster)])
        case .putTaskDefinition(let record):
            return ("INSERT OR REPLACE INTO task_definitions (arn, family, revision, body) VALUES (?, ?, ?, ?)",
                    [.text(record.arn), .text(record.definition.family ?? ""),
                     .integer(record.definition.revision ?? 0), try json(record)])
        case .deleteTaskDefinition(let arn):
            return ("DELETE FROM task_definitions WHERE arn = ?", [.text(arn)])
        case .putFamilyRevision(let family, let revision):
            return ("INSERT OR REPLACE INTO task_definition_families (family, last_revision) VALUES (?, ?)",
                    [.text(family), .integer(revision)])
        case .putAccountSetting(let principal, let name, let value):
            return ("INSERT OR REPLACE INTO account_settings (principal, name, value) VALUES (?, ?, ?)",
                    [.text(principal ?? "*"), .text(name), .text(value)])
        case .putContainerInstance(let record):
            return ("INSERT OR REPLACE INTO container_instances (arn, cluster, body) VALUES (?, ?, ?)",
                    [.text(record.arn), .text(record.cluster), try json(record)])
        case .putTask(let task):
            return ("INSERT OR REPLACE INTO tasks (arn, cluster, body) VALUES (?, ?, ?)",
                    [.text(task.taskArn ?? ""), .text(task.clusterArn ?? ""), try json(task)])
        case .deleteTask(let arn):
            return ("DELETE FROM tasks WHERE arn = ?", [.text(arn)])
        case .putService(let record):
            return ("INSERT OR REPLACE INTO services (arn, cluster, body) VALUES (?, ?, ?)",
                    [.text(record.arn), .text(record.cluster), try json(record)])
        case .putActivation(let record):
            return ("INSERT OR REPLACE INTO activations (id, body) VALUES (?, ?)", [.text(record.id), try json(record)])
        case .deleteActivation(let id):
            return ("DELETE FROM activations WHERE id = ?", [.text(id)])
        case .putAccessKey(let record):
            return ("INSERT OR REPLACE INTO access_keys (id, body) VALUES (?, ?)", [.text(record.accessKeyId), try json(record)])
        case .deleteAccessKey(let id):
            return ("DELETE FROM access_keys WHERE id = ?", [.text(id)])
        }
    }

    static func body(_ row: SQLiteRow) throws -> Data {
        guard let text = row.column("body")?.string else {
            throw StoreError(.read, "a row has no body")
        }
        return Data(text.utf8)
    }
}
