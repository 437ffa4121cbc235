import Foundation
import WharfModel
import WharfState

/// Reads a store's rows, as SQLite and PostgreSQL each query them.
protocol StoreRowReader {
    /// The rows of `table` (every column, in ``StoreTable/columns`` order), ordered by key. With
    /// `after`, only the rows whose (single-column) key sorts after it, at most `limit` of them.
    func rows(of table: StoreTable, after: String?, limit: Int?) async throws -> [[StoreValue]]
}

/// Builds a ``StoredState`` from a store's rows, the same way for both stores.
enum StoredStateLoader {
    /// Rows of the task table read at once: all at once held every task's JSON beside its record,
    /// a peak of more than twice the state that the allocator then kept.
    static let taskPage = 5000

    /// Reads every table through `reader`; the generation is the caller's.
    static func load(from reader: some StoreRowReader) async throws -> StoredState {
        let decoder = ECSJSON.decoder()
        func records<T: Decodable>(_ table: StoreTable, as type: T.Type) async throws -> [T] {
            try await reader.rows(of: table, after: nil, limit: nil).map { try decode(T.self, $0, decoder) }
        }
        var state = StoredState()
        state.clusters = try await records(.clusters, as: ClusterRecord.self)
        state.taskDefinitions = try await records(.taskDefinitions, as: TaskDefinitionRecord.self)
        for row in try await reader.rows(of: .families, after: nil, limit: nil) {
            if case .text(let family) = row.first, case .integer(let revision) = row.last {
                state.familyRevisions[family] = revision
            }
        }
        for row in try await reader.rows(of: .accountSettings, after: nil, limit: nil) where row.count == 3 {
            guard case .text(let principal) = row[0], case .text(let name) = row[1], case .text(let value) = row[2]
            else { continue }
            state.accountSettings[AccountSettingKey(principal: principal == "*" ? nil : principal, name: name)] = value
        }
        state.instances = try await records(.instances, as: InstanceRecord.self)
        var after: String?
        while true {
            let page = try await reader.rows(of: .tasks, after: after, limit: taskPage)
            guard case .text(let last)? = page.last?.first else { break }
            state.tasks += try page.map { try decode(TaskRecord.self, $0, decoder) }
            after = last
        }
        state.services = try await records(.services, as: ServiceRecord.self)
        state.activations = try await records(.activations, as: ActivationRecord.self)
        state.accessKeys = try await records(.accessKeys, as: AccessKeyRecord.self)
        state.parameters = try await records(.parameters, as: ParameterRecord.self)
        state.secrets = try await records(.secrets, as: SecretRecord.self)
        state.runTaskTokens = try await records(.runTaskTokens, as: RunTaskToken.self)
        state.loadBalancers = try await records(.loadBalancers, as: LoadBalancerRecord.self)
        state.targetGroups = try await records(.targetGroups, as: TargetGroupRecord.self)
        state.listeners = try await records(.listeners, as: ListenerRecord.self)
        state.listenerRules = try await records(.listenerRules, as: ListenerRuleRecord.self)
        state.namespaces = try await records(.namespaces, as: NamespaceRecord.self)
        state.discoveryServices = try await records(.discoveryServices, as: DiscoveryServiceRecord.self)
        state.cloudMapOperations = try await records(.cloudMapOperations, as: CloudMapOperationRecord.self)
        state.alarms = try await records(.alarms, as: AlarmRecord.self)
        state.scalableTargets = try await records(.scalableTargets, as: ScalableTargetRecord.self)
        state.scalingPolicies = try await records(.scalingPolicies, as: ScalingPolicyRecord.self)
        state.scheduledActions = try await records(.scheduledActions, as: ScheduledActionRecord.self)
        state.capacityProviders = try await records(.capacityProviders, as: CapacityProviderRecord.self)
        return state
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ row: [StoreValue], _ decoder: JSONDecoder) throws -> T {
        guard case .text(let body)? = row.last else {
            throw StoreError(.read, "a row has no body")
        }
        return try decoder.decode(T.self, from: Data(body.utf8))
    }
}

extension StoredState {
    /// Every record as a put, with the family revisions and account settings: what writing this
    /// state into an empty store takes (`wharf-controller migrate`).
    public var changes: [StateChange] {
        var changes: [StateChange] = clusters.map { .putCluster($0) }
        changes += taskDefinitions.map { .putTaskDefinition($0) }
        changes += familyRevisions.sorted { $0.key < $1.key }.map {
            .putFamilyRevision(family: $0.key, revision: $0.value)
        }
        changes += accountSettings.sorted {
            ($0.key.principal ?? "*", $0.key.name) < ($1.key.principal ?? "*", $1.key.name)
        }.map {
            .putAccountSetting(principal: $0.key.principal, name: $0.key.name, value: $0.value)
        }
        changes += instances.map { .putInstance($0) }
        changes += tasks.map { .putTask($0) }
        changes += services.map { .putService($0) }
        changes += activations.map { .putActivation($0) }
        changes += accessKeys.map { .putAccessKey($0) }
        changes += parameters.map { .putParameter($0) }
        changes += secrets.map { .putSecret($0) }
        changes += runTaskTokens.map { .putRunTaskToken($0) }
        changes += loadBalancers.map { .putLoadBalancer($0) }
        changes += targetGroups.map { .putTargetGroup($0) }
        changes += listeners.map { .putListener($0) }
        changes += listenerRules.map { .putListenerRule($0) }
        changes += namespaces.map { .putNamespace($0) }
        changes += discoveryServices.map { .putDiscoveryService($0) }
        changes += cloudMapOperations.map { .putCloudMapOperation($0) }
        changes += alarms.map { .putAlarm($0) }
        changes += scalableTargets.map { .putScalableTarget($0) }
        changes += scalingPolicies.map { .putScalingPolicy($0) }
        changes += scheduledActions.map { .putScheduledAction($0) }
        changes += capacityProviders.map { .putCapacityProvider($0) }
        return changes
    }
}
