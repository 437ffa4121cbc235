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
            var state = StoredState()
            state.generation = try await nextGeneration()
            let decoder = ECSJSON.decoder()
            func rows<T: Decodable>(_ sql: String, as type: T.Type) async throws -> [T] {
                try await connection.query(sql).map { try decoder.decode(T.self, from: Self.body($0)) }
            }
            state.clusters = try await rows("SELECT body FROM clusters ORDER BY name", as: ClusterRecord.self)
            state.taskDefinitions = try await rows(
                "SELECT body FROM task_definitions ORDER BY family, revision",
                as: TaskDefinitionRecord.self
            )
            for row in try await connection.query("SELECT family, last_revision FROM task_definition_families") {
                if let family = row.column("family")?.string, let revision = row.column("last_revision")?.integer {
                    state.familyRevisions[family] = revision
                }
            }
            state.instances = try await rows("SELECT body FROM instances ORDER BY id", as: InstanceRecord.self)
            // In pages: all rows at once held every task's JSON beside its record, a peak of more
            // than twice the state that the allocator then kept.
            var after = ""
            while true {
                let page = try await connection.query(
                    "SELECT id, body FROM tasks WHERE id > ? ORDER BY id LIMIT 5000",
                    [.text(after)]
                )
                guard let last = page.last?.column("id")?.string else { break }
                state.tasks += try page.map { try decoder.decode(TaskRecord.self, from: Self.body($0)) }
                after = last
            }
            state.services = try await rows("SELECT body FROM services ORDER BY arn", as: ServiceRecord.self)
            state.activations = try await rows("SELECT body FROM activations ORDER BY id", as: ActivationRecord.self)
            state.accessKeys = try await rows("SELECT body FROM access_keys ORDER BY id", as: AccessKeyRecord.self)
            state.parameters = try await rows("SELECT body FROM parameters ORDER BY name", as: ParameterRecord.self)
            state.secrets = try await rows("SELECT body FROM secrets ORDER BY name", as: SecretRecord.self)
            state.runTaskTokens = try await rows("SELECT body FROM run_task_tokens ORDER BY key", as: RunTaskToken.self)
            state.loadBalancers = try await rows(
                "SELECT body FROM load_balancers ORDER BY id",
                as: LoadBalancerRecord.self
            )
            state.targetGroups = try await rows(
                "SELECT body FROM target_groups ORDER BY id",
                as: TargetGroupRecord.self
            )
            state.listeners = try await rows("SELECT body FROM listeners ORDER BY id", as: ListenerRecord.self)
            state.listenerRules = try await rows(
                "SELECT body FROM listener_rules ORDER BY id",
                as: ListenerRuleRecord.self
            )
            state.namespaces = try await rows("SELECT body FROM namespaces ORDER BY id", as: NamespaceRecord.self)
            state.discoveryServices = try await rows(
                "SELECT body FROM discovery_services ORDER BY id",
                as: DiscoveryServiceRecord.self
            )
            state.cloudMapOperations = try await rows(
                "SELECT body FROM cloud_map_operations ORDER BY id",
                as: CloudMapOperationRecord.self
            )
            state.alarms = try await rows("SELECT body FROM alarms ORDER BY name", as: AlarmRecord.self)
            state.scalableTargets = try await rows(
                "SELECT body FROM scalable_targets ORDER BY key",
                as: ScalableTargetRecord.self
            )
            state.scalingPolicies = try await rows(
                "SELECT body FROM scaling_policies ORDER BY arn",
                as: ScalingPolicyRecord.self
            )
            state.scheduledActions = try await rows(
                "SELECT body FROM scheduled_actions ORDER BY arn",
                as: ScheduledActionRecord.self
            )
            state.capacityProviders = try await rows(
                "SELECT body FROM capacity_providers ORDER BY name",
                as: CapacityProviderRecord.self
            )
            for row in try await connection.query("SELECT principal, name, value FROM account_settings") {
                guard let principal = row.column("principal")?.string, let name = row.column("name")?.string,
                    let value = row.column("value")?.string
                else { continue }
                state.accountSettings[AccountSettingKey(principal: principal == "*" ? nil : principal, name: name)] =
                    value
            }
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
        let rows: [RowChange]
        do {
            rows = try changes.map { try RowChange($0, encoder: encoder) }
        } catch {
            throw StoreError(.write, "cannot encode \(changes.count) change(s) for \(path)", cause: error)
        }
        // The transaction runs in its own task: cancelling the caller must not abandon it between
        // BEGIN and COMMIT (sqlite-nio refuses work on a cancelled task), which would leave the
        // connection inside a transaction that every later BEGIN trips over.
        let result = await Task { await self.transaction(rows) }.value
        try result.get()
    }

    private func transaction(_ rows: [RowChange]) async -> Result<Void, StoreError> {
        do {
            _ = try await connection.query("BEGIN IMMEDIATE")
            do {
                try await RowChange.write(rows, on: connection)
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

    static func body(_ row: SQLiteRow) throws -> Data {
        guard let text = row.column("body")?.string else {
            throw StoreError(.read, "a row has no body")
        }
        return Data(text.utf8)
    }
}
