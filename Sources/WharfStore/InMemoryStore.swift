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
            if let index = clusters.firstIndex(where: { $0.clusterName == cluster.clusterName }) {
                clusters[index] = cluster
            } else {
                clusters.append(cluster)
            }
        case .putTaskDefinition(let record):
            if let index = taskDefinitions.firstIndex(where: { $0.arn == record.arn }) {
                taskDefinitions[index] = record
            } else {
                taskDefinitions.append(record)
            }
        case .deleteTaskDefinition(let arn):
            taskDefinitions.removeAll { $0.arn == arn }
        case .putFamilyRevision(let family, let revision):
            familyRevisions[family] = revision
        case .putAccountSetting(let principal, let name, let value):
            accountSettings[AccountSettingKey(principal: principal, name: name)] = value
        case .putContainerInstance(let record):
            if let index = containerInstances.firstIndex(where: { $0.arn == record.arn }) {
                containerInstances[index] = record
            } else {
                containerInstances.append(record)
            }
        case .putTask(let task):
            if let index = tasks.firstIndex(where: { $0.taskArn == task.taskArn }) {
                tasks[index] = task
            } else {
                tasks.append(task)
            }
        case .deleteTask(let arn):
            tasks.removeAll { $0.taskArn == arn }
        case .putService(let record):
            if let index = services.firstIndex(where: { $0.arn == record.arn }) {
                services[index] = record
            } else {
                services.append(record)
            }
        }
    }
}
