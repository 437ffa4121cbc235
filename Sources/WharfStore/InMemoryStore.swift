import Synchronization
import WharfModel
import WharfState

/// A store that keeps its state in memory only: for tests and throwaway runs.
public final class InMemoryStore: ClusterStore {
    private let state: Mutex<StoredState>
    private let failWrites: Mutex<Bool> = Mutex(false)

    /// Creates a store holding `initial`.
    public init(_ initial: StoredState = StoredState()) {
        state = Mutex(initial)
    }

    /// Makes every following `apply` fail, as a full disk would (for tests of the failure path).
    public func setFailingWrites(_ failing: Bool) {
        failWrites.withLock { $0 = failing }
    }

    /// Each load is a new controller start, with a generation one higher than the last.
    public func load() async throws(StoreError) -> StoredState {
        state.withLock { state in
            state.generation += 1
            return state
        }
    }

    public func apply(_ changes: [StateChange]) async throws(StoreError) {
        if failWrites.withLock({ $0 }) {
            throw StoreError(.write, "writes are failing (InMemoryStore.setFailingWrites)")
        }
        state.withLock { state in
            for change in changes { state.apply(change) }
        }
    }

    public func close() async {}
}

extension StoredState {
    /// Applies one change, exactly as the SQLite store's rows would reflect it.
    public mutating func apply(_ change: StateChange) {
        switch change {
        case .putCluster(let record):
            clusters.upsert(record, where: { $0.name == record.name })
        case .putTaskDefinition(let record):
            taskDefinitions.upsert(record, where: { $0.key == record.key })
        case .deleteTaskDefinition(let key):
            taskDefinitions.removeAll { $0.key == key }
        case .putFamilyRevision(let family, let revision):
            familyRevisions[family] = revision
        case .putAccountSetting(let principal, let name, let value):
            accountSettings[AccountSettingKey(principal: principal, name: name)] = value
        case .deleteAccountSetting(let principal, let name):
            accountSettings[AccountSettingKey(principal: principal, name: name)] = nil
        case .putInstance(let record):
            instances.upsert(record, where: { $0.id == record.id })
        case .putTask(let record):
            tasks.upsert(record, where: { $0.id == record.id })
        case .deleteTask(let id):
            tasks.removeAll { $0.id == id }
        case .putService(let record):
            services.upsert(record, where: { $0.arn == record.arn })
        case .deleteService(let arn):
            services.removeAll { $0.arn == arn }
        case .putActivation(let record):
            activations.upsert(record, where: { $0.id == record.id })
        case .deleteActivation(let id):
            activations.removeAll { $0.id == id }
        case .putAccessKey(let record):
            accessKeys.upsert(record, where: { $0.accessKeyId == record.accessKeyId })
        case .deleteAccessKey(let id):
            accessKeys.removeAll { $0.accessKeyId == id }
        case .putParameter(let record):
            parameters.upsert(record, where: { $0.name == record.name })
        case .deleteParameter(let name):
            parameters.removeAll { $0.name == name }
        case .putSecret(let record):
            secrets.upsert(record, where: { $0.name == record.name })
        case .deleteSecret(let name):
            secrets.removeAll { $0.name == name }
        case .putRunTaskToken(let record):
            runTaskTokens.upsert(record, where: { $0.key == record.key })
        case .deleteRunTaskToken(let key):
            runTaskTokens.removeAll { $0.key == key }
        case .putLoadBalancer(let record):
            loadBalancers.upsert(record, where: { $0.id == record.id })
        case .deleteLoadBalancer(let id):
            loadBalancers.removeAll { $0.id == id }
        case .putTargetGroup(let record):
            targetGroups.upsert(record, where: { $0.id == record.id })
        case .deleteTargetGroup(let id):
            targetGroups.removeAll { $0.id == id }
        case .putListener(let record):
            listeners.upsert(record, where: { $0.id == record.id })
        case .deleteListener(let id):
            listeners.removeAll { $0.id == id }
        case .putListenerRule(let record):
            listenerRules.upsert(record, where: { $0.id == record.id })
        case .deleteListenerRule(let id):
            listenerRules.removeAll { $0.id == id }
        case .putNamespace(let record):
            namespaces.upsert(record, where: { $0.id == record.id })
        case .deleteNamespace(let id):
            namespaces.removeAll { $0.id == id }
        case .putDiscoveryService(let record):
            discoveryServices.upsert(record, where: { $0.id == record.id })
        case .deleteDiscoveryService(let id):
            discoveryServices.removeAll { $0.id == id }
        case .putCloudMapOperation(let record):
            cloudMapOperations.upsert(record, where: { $0.id == record.id })
        case .deleteCloudMapOperation(let id):
            cloudMapOperations.removeAll { $0.id == id }
        case .putAlarm(let record):
            alarms.upsert(record, where: { $0.name == record.name })
        case .deleteAlarm(let name):
            alarms.removeAll { $0.name == name }
        case .putScalableTarget(let record):
            scalableTargets.upsert(record, where: { $0.key == record.key })
        case .deleteScalableTarget(let key):
            scalableTargets.removeAll { $0.key == key }
        case .putScalingPolicy(let record):
            scalingPolicies.upsert(record, where: { $0.arn == record.arn })
        case .deleteScalingPolicy(let arn):
            scalingPolicies.removeAll { $0.arn == arn }
        case .putScheduledAction(let record):
            scheduledActions.upsert(record, where: { $0.arn == record.arn })
        case .deleteScheduledAction(let arn):
            scheduledActions.removeAll { $0.arn == arn }
        case .putCapacityProvider(let record):
            capacityProviders.upsert(record, where: { $0.name == record.name })
        case .deleteCapacityProvider(let name):
            capacityProviders.removeAll { $0.name == name }
        }
    }
}

extension Array {
    /// Replaces the element that `same` matches, or appends `element` when none does.
    mutating func upsert(_ element: Element, where same: (Element) -> Bool) {
        if let index = firstIndex(where: same) { self[index] = element } else { append(element) }
    }
}
