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
            containerInstances[record.arn] = record
            refreshCandidate(record.arn)
        case .putTask(let task):
            let arn = task.taskArn ?? ""
            let previous = tasks[arn]?.containerInstanceArn
            if let previous { activeTaskArns[previous]?.remove(arn) }
            if let instance = task.containerInstanceArn, task.lastStatus != "STOPPED" { activeTaskArns[instance, default: []].insert(arn) }
            tasks[arn] = task
            if task.lastStatus == "STOPPED" || task.containerInstanceArn == nil {
                demands[arn] = nil
            } else if demands[arn] == nil, let record = taskDefinitions[task.taskDefinitionArn ?? ""] {
                demands[arn] = try? TaskDemand.of(record.definition, overrides: task.overrides)
            }
            if let previous, previous != task.containerInstanceArn { refreshCandidate(previous) }
            if let instance = task.containerInstanceArn { refreshCandidate(instance) }
        case .deleteTask(let arn):
            let previous = tasks[arn]?.containerInstanceArn
            if let previous { activeTaskArns[previous]?.remove(arn) }
            tasks[arn] = nil
            demands[arn] = nil
            if let previous { refreshCandidate(previous) }
        case .putService(let record):
            services[record.arn] = record
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
