import Foundation
import WharfModel
import WharfScheduler

/// The controller's view of the cluster state, with every ECS operation as a pure function of it.
///
/// Reads return a response. Writes return a response and the ``StateChange``s that make it true;
/// the ``Controller`` actor stores those durably and only then applies them here. Nothing in this
/// type performs I/O, so every rule is tested without sockets, clocks or disks.
public struct ClusterState: Sendable {
    /// The region and account every ARN carries.
    public let context: AccountContext
    var clusters: [String: ECS.Cluster] = [:]
    var taskDefinitions: [String: TaskDefinitionRecord] = [:]
    var familyRevisions: [String: Int] = [:]
    var accountSettings: [AccountSettingKey: String] = [:]
    var containerInstances: [String: ContainerInstanceRecord] = [:]
    var tasks: [String: ECS.Task] = [:]
    var services: [String: ServiceRecord] = [:]
    var activations: [String: ActivationRecord] = [:]
    var accessKeys: [String: AccessKeyRecord] = [:]
    /// What each task not yet STOPPED takes from its instance, by task ARN (derived, not stored).
    var demands: [String: TaskDemand] = [:]
    /// The ARNs of the tasks not yet STOPPED on each instance (derived, not stored), so placement
    /// and syncs look at an instance's tasks without scanning them all.
    var activeTaskArns: [String: Set<String>] = [:]
    /// Each instance as placement sees it, kept up to date as its record and tasks change (derived,
    /// not stored), so a RunTask or a scheduler round does not rebuild every instance's remaining
    /// resources from its tasks (docs/benchmarks.md, scheduling throughput).
    var candidates: [String: PlacementCandidate] = [:]
    /// Each family's revisions, number to ARN (derived, not stored), so naming a task definition by
    /// its family finds the newest ACTIVE one without scanning every revision of every family.
    var revisionsByFamily: [String: [Int: String]] = [:]
    /// Each cluster's instance ARNs in order (derived, not stored), the order placement sees them in.
    var instanceArnsByCluster: [String: [String]] = [:]
    /// The ARNs of each task group's tasks, STOPPED ones included, by ``groupKey(cluster:group:)``
    /// (derived, not stored), so a scheduler round reads a service's tasks without scanning all.
    var taskArnsByGroup: [String: Set<String>] = [:]
    /// A counter per task group, by ``groupKey(cluster:group:)``, that moves whenever one of its
    /// tasks or its service changes (derived, not stored): what a service's plan reads of its own.
    var groupRevisions: [String: Int] = [:]
    /// A counter per cluster, by name, that moves whenever the cluster, one of its instances, or
    /// the room on one (a task leaving it) changes (derived, not stored): what a service's plan
    /// reads of the others.
    var clusterRevisions: [String: Int] = [:]

    /// Builds the view from what the store loaded.
    public init(context: AccountContext, stored: StoredState = StoredState()) {
        self.context = context
        for cluster in stored.clusters { apply(.putCluster(cluster)) }
        for record in stored.taskDefinitions { apply(.putTaskDefinition(record)) }
        familyRevisions = stored.familyRevisions
        accountSettings = stored.accountSettings
        for record in stored.containerInstances { apply(.putContainerInstance(record)) }
        for task in stored.tasks { apply(.putTask(task)) }
        for record in stored.services { apply(.putService(record)) }
        for record in stored.activations { apply(.putActivation(record)) }
        for record in stored.accessKeys { apply(.putAccessKey(record)) }
    }

    /// Applies one change that the store has made durable.
    public mutating func apply(_ change: StateChange) {
        switch change {
        case .putCluster(let cluster):
            clusters[cluster.clusterName ?? ""] = cluster
            clusterRevisions[cluster.clusterName ?? "", default: 0] += 1
        case .putTaskDefinition(let record):
            taskDefinitions[record.arn] = record
            revisionsByFamily[record.definition.family ?? "", default: [:]][record.definition.revision ?? 0] = record.arn
        case .deleteTaskDefinition(let arn):
            if let definition = taskDefinitions[arn]?.definition {
                revisionsByFamily[definition.family ?? ""]?[definition.revision ?? 0] = nil
            }
            taskDefinitions[arn] = nil
        case .putFamilyRevision(let family, let revision):
            familyRevisions[family] = revision
        case .putAccountSetting(let principal, let name, let value):
            accountSettings[AccountSettingKey(principal: principal, name: name)] = value
        case .putContainerInstance(let record):
            let previousCluster = containerInstances[record.arn]?.cluster
            containerInstances[record.arn] = record
            if previousCluster != record.cluster {
                if let previousCluster { instanceArnsByCluster[previousCluster]?.removeAll { $0 == record.arn } }
                instanceArnsByCluster[record.cluster, default: []].insertSorted(record.arn)
            }
            clusterRevisions[record.cluster, default: 0] += 1
            refreshCandidate(record.arn)
        case .putTask(let task):
            let arn = task.taskArn ?? ""
            let old = tasks[arn].map { (instance: $0.containerInstanceArn, group: $0.group, stopped: $0.lastStatus == "STOPPED") }
            let oldDemand = demands[arn]
            if let previous = old?.instance { activeTaskArns[previous]?.remove(arn) }
            if let instance = task.containerInstanceArn, task.lastStatus != "STOPPED" { activeTaskArns[instance, default: []].insert(arn) }
            if let group = task.group {
                let key = Self.groupKey(cluster: task.clusterArn, group: group)
                if old == nil { taskArnsByGroup[key, default: []].insert(arn) }
                groupRevisions[key, default: 0] += 1
            }
            tasks[arn] = task
            if task.lastStatus == "STOPPED" || task.containerInstanceArn == nil {
                demands[arn] = nil
            } else if demands[arn] == nil, let record = taskDefinitions[task.taskDefinitionArn ?? ""] {
                demands[arn] = try? TaskDemand.of(record.definition, overrides: task.overrides)
            }
            // The placement view changes only when the task arrives on, leaves or stops on an
            // instance; a status report alone leaves it as it is.
            let wasActive = old.map { $0.instance != nil && !$0.stopped } ?? false
            let isActive = task.containerInstanceArn != nil && task.lastStatus != "STOPPED"
            if wasActive, isActive, old?.instance == task.containerInstanceArn { break }
            if wasActive, let previous = old?.instance { releasePlacement(on: previous, demand: oldDemand, group: old?.group) }
            if isActive, let instance = task.containerInstanceArn { takePlacement(on: instance, demand: demands[arn], group: task.group) }
        case .deleteTask(let arn):
            let previous = tasks[arn]?.containerInstanceArn
            if let previous { activeTaskArns[previous]?.remove(arn) }
            if let group = tasks[arn]?.group {
                let key = Self.groupKey(cluster: tasks[arn]?.clusterArn, group: group)
                taskArnsByGroup[key]?.remove(arn)
                groupRevisions[key, default: 0] += 1
            }
            tasks[arn] = nil
            demands[arn] = nil
            if let previous { refreshCandidate(previous) }
        case .putService(let record):
            services[record.arn] = record
            groupRevisions[Self.groupKey(cluster: record.service.clusterArn, group: record.group), default: 0] += 1
        case .putActivation(let record):
            activations[record.id] = record
        case .deleteActivation(let id):
            activations[id] = nil
        case .putAccessKey(let record):
            accessKeys[record.accessKeyId] = record
        case .deleteAccessKey(let id):
            accessKeys[id] = nil
        }
    }

    /// Recomputes the placement view of instance `arn` (or drops it, when the instance is gone).
    mutating func refreshCandidate(_ arn: String) {
        candidates[arn] = containerInstances[arn].map(placementCandidate)
    }

    /// Adds a task that arrived on instance `arn` to its placement view.
    mutating func takePlacement(on arn: String, demand: TaskDemand?, group: String?) {
        guard candidates[arn] != nil else { return refreshCandidate(arn) }
        candidates[arn]?.take(demand ?? .zero, group: group ?? "")
    }

    /// Removes a task that left or stopped on instance `arn` from its placement view; rebuilds the
    /// view when the task held host ports (the instance may reserve the same ones).
    mutating func releasePlacement(on arn: String, demand: TaskDemand?, group: String?) {
        if let cluster = containerInstances[arn]?.cluster { clusterRevisions[cluster, default: 0] += 1 }
        guard candidates[arn] != nil, demand?.hostPorts.isEmpty ?? true else { return refreshCandidate(arn) }
        candidates[arn]?.giveBack(demand ?? .zero, group: group ?? "")
    }

    /// The key of ``taskArnsByGroup``: a task group within one cluster.
    static func groupKey(cluster: String?, group: String) -> String {
        "\(cluster ?? "")|\(group)"
    }

    /// The identity calls are made as. Until requests are authenticated, the account's root.
    var caller: String { context.rootPrincipalARN }
}

/// The result of a write: the response to send once `changes` are durable.
public struct Outcome<Response: Sendable>: Sendable {
    /// What the caller receives.
    public var response: Response
    /// What must be stored first.
    public var changes: [StateChange]

    /// Creates an outcome.
    public init(_ response: Response, _ changes: [StateChange] = []) {
        self.response = response
        self.changes = changes
    }
}

extension Array where Element == String {
    /// Inserts `element` where it keeps the array sorted, unless it is already there.
    mutating func insertSorted(_ element: String) {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if self[middle] < element { low = middle + 1 } else { high = middle }
        }
        if low < count, self[low] == element { return }
        insert(element, at: low)
    }
}
