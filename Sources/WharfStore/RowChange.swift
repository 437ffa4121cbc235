import Foundation
import WharfModel
import WharfState

/// A column's value as both stores write it.
enum StoreValue: Hashable, Sendable {
    case text(String)
    case integer(Int)
}

/// One change as a store writes it: a row to put in a table, or a key to delete from it. Each
/// record is encoded here, once per change, the same way for SQLite and PostgreSQL.
struct RowChange {
    var table: StoreTable
    /// The row's primary key, one value per key column.
    var key: [StoreValue]
    /// The whole row, or nil to delete it.
    var row: [StoreValue]?

    /// The change's row.
    init(_ change: StateChange, encoder: JSONEncoder) throws {
        func json(_ value: some Encodable) throws -> StoreValue {
            .text(String(decoding: try encoder.encode(value), as: UTF8.self))
        }
        switch change {
        case .putCluster(let record):
            self.init(.clusters, key: [.text(record.name)], body: try json(record))
        case .putTaskDefinition(let record):
            self.init(
                .taskDefinitions,
                key: [.text(record.key.family), .integer(record.key.revision)],
                body: try json(record)
            )
        case .deleteTaskDefinition(let key):
            self.init(.taskDefinitions, key: [.text(key.family), .integer(key.revision)])
        case .putFamilyRevision(let family, let revision):
            self.init(.families, key: [.text(family)], body: .integer(revision))
        case .putAccountSetting(let principal, let name, let value):
            self.init(.accountSettings, key: [.text(principal ?? "*"), .text(name)], body: .text(value))
        case .deleteAccountSetting(let principal, let name):
            self.init(.accountSettings, key: [.text(principal ?? "*"), .text(name)])
        case .putInstance(let record):
            self.init(
                .instances,
                key: [.text(record.id.description)],
                columns: [.text(record.cluster)],
                body: try json(record)
            )
        case .putTask(let record):
            self.init(
                .tasks,
                key: [.text(record.id.description)],
                columns: [.text(record.cluster)],
                body: .text(String(decoding: try record.json(encoder: encoder), as: UTF8.self))
            )
        case .deleteTask(let id):
            self.init(.tasks, key: [.text(id.description)])
        case .putService(let record):
            self.init(.services, key: [.text(record.arn)], columns: [.text(record.cluster)], body: try json(record))
        case .deleteService(let arn):
            self.init(.services, key: [.text(arn)])
        case .putActivation(let record):
            self.init(.activations, key: [.text(record.id)], body: try json(record))
        case .deleteActivation(let id):
            self.init(.activations, key: [.text(id)])
        case .putAccessKey(let record):
            self.init(.accessKeys, key: [.text(record.accessKeyId)], body: try json(record))
        case .deleteAccessKey(let id):
            self.init(.accessKeys, key: [.text(id)])
        case .putParameter(let record):
            self.init(.parameters, key: [.text(record.name)], body: try json(record))
        case .deleteParameter(let name):
            self.init(.parameters, key: [.text(name)])
        case .putSecret(let record):
            self.init(.secrets, key: [.text(record.name)], body: try json(record))
        case .deleteSecret(let name):
            self.init(.secrets, key: [.text(name)])
        case .putRunTaskToken(let record):
            self.init(.runTaskTokens, key: [.text(record.key)], body: try json(record))
        case .deleteRunTaskToken(let key):
            self.init(.runTaskTokens, key: [.text(key)])
        case .putLoadBalancer(let record):
            self.init(.loadBalancers, key: [.text(record.id)], body: try json(record))
        case .deleteLoadBalancer(let id):
            self.init(.loadBalancers, key: [.text(id)])
        case .putTargetGroup(let record):
            self.init(.targetGroups, key: [.text(record.id)], body: try json(record))
        case .deleteTargetGroup(let id):
            self.init(.targetGroups, key: [.text(id)])
        case .putListener(let record):
            self.init(.listeners, key: [.text(record.id)], body: try json(record))
        case .deleteListener(let id):
            self.init(.listeners, key: [.text(id)])
        case .putListenerRule(let record):
            self.init(.listenerRules, key: [.text(record.id)], body: try json(record))
        case .deleteListenerRule(let id):
            self.init(.listenerRules, key: [.text(id)])
        case .putNamespace(let record):
            self.init(.namespaces, key: [.text(record.id)], body: try json(record))
        case .deleteNamespace(let id):
            self.init(.namespaces, key: [.text(id)])
        case .putDiscoveryService(let record):
            self.init(.discoveryServices, key: [.text(record.id)], body: try json(record))
        case .deleteDiscoveryService(let id):
            self.init(.discoveryServices, key: [.text(id)])
        case .putCloudMapOperation(let record):
            self.init(.cloudMapOperations, key: [.text(record.id)], body: try json(record))
        case .deleteCloudMapOperation(let id):
            self.init(.cloudMapOperations, key: [.text(id)])
        case .putAlarm(let record):
            self.init(.alarms, key: [.text(record.name)], body: try json(record))
        case .deleteAlarm(let name):
            self.init(.alarms, key: [.text(name)])
        case .putScalableTarget(let record):
            self.init(.scalableTargets, key: [.text(record.key.text)], body: try json(record))
        case .deleteScalableTarget(let key):
            self.init(.scalableTargets, key: [.text(key.text)])
        case .putScalingPolicy(let record):
            self.init(.scalingPolicies, key: [.text(record.arn)], body: try json(record))
        case .deleteScalingPolicy(let arn):
            self.init(.scalingPolicies, key: [.text(arn)])
        case .putScheduledAction(let record):
            self.init(.scheduledActions, key: [.text(record.arn)], body: try json(record))
        case .deleteScheduledAction(let arn):
            self.init(.scheduledActions, key: [.text(arn)])
        case .putCapacityProvider(let record):
            self.init(.capacityProviders, key: [.text(record.name)], body: try json(record))
        case .deleteCapacityProvider(let name):
            self.init(.capacityProviders, key: [.text(name)])
        }
    }

    private init(_ table: StoreTable, key: [StoreValue], columns: [StoreValue] = [], body: StoreValue? = nil) {
        self.table = table
        self.key = key
        self.row = body.map { key + columns + [$0] }
    }

    /// Each of `changes` as a row change; `store` names the store in the error.
    static func encode(_ changes: [StateChange], encoder: JSONEncoder, for store: String) throws(StoreError)
        -> [RowChange]
    {
        do {
            return try changes.map { try RowChange($0, encoder: encoder) }
        } catch {
            throw StoreError(.write, "cannot encode \(changes.count) change(s) for \(store)", cause: error)
        }
    }

    /// A batch as statements go out: for each row only its last change counts (a task created and
    /// reported on in one batch is written once); each table's deletes, then each table's puts, in
    /// table order.
    static func batches(_ changes: [RowChange]) -> (deletes: [TableRows], puts: [TableRows]) {
        var last: [RowIdentity: Int] = [:]
        for (index, change) in changes.enumerated() {
            last[RowIdentity(table: change.table.name, key: change.key)] = index
        }
        var puts: [StoreTable: [[StoreValue]]] = [:]
        var deletes: [StoreTable: [[StoreValue]]] = [:]
        for index in last.values.sorted() {
            let change = changes[index]
            if let row = change.row {
                puts[change.table, default: []].append(row)
            } else {
                deletes[change.table, default: []].append(change.key)
            }
        }
        func ordered(_ tables: [StoreTable: [[StoreValue]]]) -> [TableRows] {
            tables.sorted { $0.key.name < $1.key.name }.map { TableRows(table: $0.key, rows: $0.value) }
        }
        return (ordered(deletes), ordered(puts))
    }

    /// Rows of one table: whole rows to put, or keys to delete.
    struct TableRows {
        var table: StoreTable
        var rows: [[StoreValue]]
    }

    private struct RowIdentity: Hashable {
        var table: String
        var key: [StoreValue]
    }
}
