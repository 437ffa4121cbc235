import Synchronization
import WharfModel

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

    public func load() async throws(StoreError) -> StoredState {
        state.withLock { $0 }
    }

    public func apply(_ changes: [StateChange]) async throws(StoreError) {
        if failWrites.withLock({ $0 }) { throw StoreError(.write, "writes are failing (InMemoryStore.setFailingWrites)") }
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
        case .putCluster(let cluster):
            clusters.upsert(cluster, where: { $0.clusterName == cluster.clusterName })
        case .putTaskDefinition(let record):
            taskDefinitions.upsert(record, where: { $0.arn == record.arn })
        case .deleteTaskDefinition(let arn):
            taskDefinitions.removeAll { $0.arn == arn }
        case .putFamilyRevision(let family, let revision):
            familyRevisions[family] = revision
        case .putAccountSetting(let principal, let name, let value):
            accountSettings[AccountSettingKey(principal: principal, name: name)] = value
        case .putContainerInstance(let record):
            containerInstances.upsert(record, where: { $0.arn == record.arn })
        case .putTask(let task):
            tasks.upsert(task, where: { $0.taskArn == task.taskArn })
        case .deleteTask(let arn):
            tasks.removeAll { $0.taskArn == arn }
        case .putService(let record):
            services.upsert(record, where: { $0.arn == record.arn })
        case .putActivation(let record):
            activations.upsert(record, where: { $0.id == record.id })
        case .deleteActivation(let id):
            activations.removeAll { $0.id == id }
        case .putAccessKey(let record):
            accessKeys.upsert(record, where: { $0.accessKeyId == record.accessKeyId })
        case .deleteAccessKey(let id):
            accessKeys.removeAll { $0.accessKeyId == id }
        }
    }
}

extension Array {
    /// Replaces the element that `same` matches, or appends `element` when none does.
    mutating func upsert(_ element: Element, where same: (Element) -> Bool) {
        if let index = firstIndex(where: same) { self[index] = element } else { append(element) }
    }
}
