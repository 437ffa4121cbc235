import Foundation
import WharfModel

/// Every task the controller still holds, with the indexes its operations read through. The
/// indexes are private and kept by ``put(_:demand:)`` and ``remove(_:)``, which only
/// ``ClusterState/apply(_:)`` calls: nobody else can let them drift from the records.
public struct Tasks: Sendable {
    /// The records, packed (a removal moves the last one into its place), and where each is:
    /// an array's element is read in place, where a dictionary's value is copied whole (the
    /// filters of ListTasks spent a tenth of its time copying records).
    private var slab: ContiguousArray<TaskRecord> = []
    private var slots: [TaskID: Int] = [:]
    /// What each task holding resources takes from its instance.
    private var demands: [TaskID: TaskDemand] = [:]
    /// The tasks holding resources on each instance (placed there and not yet STOPPED).
    private var holding: [InstanceID: Set<TaskID>] = [:]
    private var byGroup: [GroupKey: Set<TaskID>] = [:]
    private var byCluster: [String: Set<TaskID>] = [:]
    private var counts: [String: TaskCounts] = [:]
    /// The tasks not yet STOPPED of each task definition revision.
    private var liveByDefinition: [TaskDefinitionKey: Int] = [:]
    private var groupRevisions: [GroupKey: Int] = [:]
    /// Each group's tasks not yet STOPPED, by who started them (a service's deployment ID).
    private var deploymentCounts: [GroupKey: [String?: DeploymentCounts]] = [:]
    /// STOPPED tasks in the order they stopped, for expiry.
    private var stopped = StopQueue()

    /// Creates an empty set of tasks.
    public init() {}

    /// How many tasks are held.
    public var count: Int { slab.count }

    /// The task with this ID.
    public subscript(id: TaskID) -> TaskRecord? { slots[id].map { slab[$0] } }

    /// Whether task `id` is held and `predicate` holds for it, looked at in place (a lookup by
    /// subscript copies the whole record).
    public func contains(_ id: TaskID, where predicate: (TaskRecord) -> Bool) -> Bool {
        guard let slot = slots[id] else { return false }
        return predicate(slab[slot])
    }

    /// What `body` makes of task `id`, looked at in place (a lookup by subscript copies the whole
    /// record); nil when no such task is held.
    public func withRecord<Result>(_ id: TaskID, _ body: (TaskRecord) throws -> Result) rethrows -> Result? {
        guard let slot = slots[id] else { return nil }
        return try body(slab[slot])
    }

    /// Every task, in no particular order.
    public var all: ContiguousArray<TaskRecord> { slab }

    /// What task `id` takes from its instance while it holds resources.
    public func demand(of id: TaskID) -> TaskDemand? { demands[id] }

    /// The IDs of the tasks holding resources on `instance`.
    public func ids(holding instance: InstanceID) -> Set<TaskID> { holding[instance] ?? [] }

    /// The tasks holding resources on `instance`.
    public func holding(_ instance: InstanceID) -> [TaskRecord] {
        (holding[instance] ?? []).compactMap { self[$0] }
    }

    /// The IDs of a task group's tasks, STOPPED ones included.
    public func ids(in group: GroupKey) -> Set<TaskID> { byGroup[group] ?? [] }

    /// The IDs of a cluster's tasks, STOPPED ones included.
    public func ids(inCluster cluster: String) -> Set<TaskID> { byCluster[cluster] ?? [] }

    /// A cluster's tasks not yet STOPPED, counted as DescribeClusters shows them.
    public func counts(inCluster cluster: String) -> TaskCounts { counts[cluster] ?? TaskCounts() }

    /// Whether a task not yet STOPPED runs `definition`.
    public func uses(_ definition: TaskDefinitionKey) -> Bool { (liveByDefinition[definition] ?? 0) > 0 }

    /// A group's tasks not yet STOPPED, by `startedBy` (for a service, by deployment ID).
    public func counts(in group: GroupKey) -> [String?: DeploymentCounts] { deploymentCounts[group] ?? [:] }

    /// A counter that moves whenever one of the group's tasks changes.
    public func revision(of group: GroupKey) -> Int { groupRevisions[group] ?? 0 }

    /// Up to `limit` STOPPED tasks that stopped at or before `cutoff`, those that stopped first first.
    public func stopped(before cutoff: Date, limit: Int) -> [TaskID] {
        var found: [TaskID] = []
        for entry in stopped.pending {
            guard found.count < limit, entry.stoppedAt <= cutoff else { break }
            if let record = self[entry.id], record.isStopped, (record.stoppedAt ?? entry.stoppedAt) <= cutoff {
                found.append(entry.id)
            }
        }
        return found
    }

    /// Puts a record in place of the one with its ID.
    /// - Parameter demand: what it takes from its instance, when it holds resources there.
    /// - Returns: the record it replaced.
    @discardableResult
    mutating func put(_ record: TaskRecord, demand: TaskDemand?) -> TaskRecord? {
        var old: TaskRecord?
        if let slot = slots[record.id] {
            old = slab[slot]
            slab[slot] = record
        } else {
            slots[record.id] = slab.count
            slab.append(record)
        }
        if let old { unindex(old) }
        index(record, demand: demand, replacing: old)
        return old
    }

    /// Removes a task for good.
    /// - Returns: the record removed.
    @discardableResult
    mutating func remove(_ id: TaskID) -> TaskRecord? {
        guard let slot = slots.removeValue(forKey: id) else { return nil }
        let old = slab[slot]
        if slot != slab.count - 1 {
            slab.swapAt(slot, slab.count - 1)
            slots[slab[slot].id] = slot
        }
        slab.removeLast()
        unindex(old)
        byGroup[old.groupKey]?.remove(id)
        if byGroup[old.groupKey]?.isEmpty == true { byGroup[old.groupKey] = nil }
        byCluster[old.cluster]?.remove(id)
        if byCluster[old.cluster]?.isEmpty == true { byCluster[old.cluster] = nil }
        groupRevisions[old.groupKey, default: 0] += 1
        let (packed, placed) = (slab, slots)
        stopped.dropLeading { id in placed[id].map { packed[$0].isStopped } != true }
        return old
    }

    /// Moves the revision of `group` (its service changed).
    mutating func touch(_ group: GroupKey) {
        groupRevisions[group, default: 0] += 1
    }

    /// Orders the expiry queue by stop time (after a load, whose order is the store's).
    mutating func sortStopped() {
        stopped.sort()
    }

    private mutating func index(_ record: TaskRecord, demand: TaskDemand?, replacing old: TaskRecord?) {
        let id = record.id
        if old == nil || old?.groupKey != record.groupKey { byGroup[record.groupKey, default: []].insert(id) }
        if old == nil || old?.cluster != record.cluster { byCluster[record.cluster, default: []].insert(id) }
        if let old, old.groupKey != record.groupKey { byGroup[old.groupKey]?.remove(id) }
        if let old, old.cluster != record.cluster { byCluster[old.cluster]?.remove(id) }
        groupRevisions[record.groupKey, default: 0] += 1
        if let old, old.groupKey != record.groupKey { groupRevisions[old.groupKey, default: 0] += 1 }
        if record.holdsResources, let instance = record.instance {
            holding[instance, default: []].insert(id)
            demands[id] = demand ?? .zero
        }
        if !record.isStopped {
            counts[record.cluster, default: TaskCounts()].add(record)
            deploymentCounts[record.groupKey, default: [:]][record.startedBy, default: DeploymentCounts()].add(record)
            liveByDefinition[record.taskDefinition, default: 0] += 1
        } else if old?.isStopped != true {
            stopped.append(id, at: record.stoppedAt ?? record.createdAt)
        }
    }

    /// Takes a record out of the indexes of live tasks (the group and cluster sets are kept).
    private mutating func unindex(_ old: TaskRecord) {
        if let instance = old.instance {
            holding[instance]?.remove(old.id)
            if holding[instance]?.isEmpty == true { holding[instance] = nil }
        }
        demands[old.id] = nil
        if !old.isStopped {
            counts[old.cluster]?.remove(old)
            deploymentCounts[old.groupKey]?[old.startedBy]?.remove(old)
            if deploymentCounts[old.groupKey]?[old.startedBy]?.isEmpty == true {
                deploymentCounts[old.groupKey]?[old.startedBy] = nil
                if deploymentCounts[old.groupKey]?.isEmpty == true { deploymentCounts[old.groupKey] = nil }
            }
            let left = (liveByDefinition[old.taskDefinition] ?? 1) - 1
            liveByDefinition[old.taskDefinition] = left > 0 ? left : nil
        }
    }
}

/// A cluster's tasks not yet STOPPED: running (last status RUNNING) or pending (the rest), by
/// launch type, as DescribeClusters counts them (EXTERNAL tasks count as EC2).
public struct TaskCounts: Equatable, Sendable {
    public var runningEC2 = 0
    public var runningFargate = 0
    public var pendingEC2 = 0
    public var pendingFargate = 0

    /// No tasks.
    public init() {}

    public var running: Int { runningEC2 + runningFargate }
    public var pending: Int { pendingEC2 + pendingFargate }
    public var total: Int { running + pending }

    mutating func add(_ record: TaskRecord, by step: Int = 1) {
        switch (record.lastStatus == .running, record.launchType == .fargate) {
        case (true, false): runningEC2 += step
        case (true, true): runningFargate += step
        case (false, false): pendingEC2 += step
        case (false, true): pendingFargate += step
        }
    }

    mutating func remove(_ record: TaskRecord) {
        add(record, by: -1)
    }
}

/// A deployment's tasks not yet STOPPED as DescribeServices counts them: running (last status
/// RUNNING, wanted or not), pending (wanted RUNNING, not running yet); `others` the rest (being
/// stopped before they ran), so a count reaching nothing can be dropped.
public struct DeploymentCounts: Equatable, Sendable {
    public var running = 0
    public var pending = 0
    var others = 0

    /// No tasks.
    public init() {}

    var isEmpty: Bool { running == 0 && pending == 0 && others == 0 }

    mutating func add(_ record: TaskRecord, by step: Int = 1) {
        if record.lastStatus == .running {
            running += step
        } else if record.desiredStatus == .running {
            pending += step
        } else {
            others += step
        }
    }

    mutating func remove(_ record: TaskRecord) {
        add(record, by: -1)
    }
}

/// STOPPED tasks in the order they stopped. Entries of tasks removed meanwhile are skipped when
/// read and dropped once they lead.
struct StopQueue: Sendable {
    struct Entry: Sendable {
        var stoppedAt: Date
        var id: TaskID
    }

    private var entries: [Entry] = []
    private var head = 0

    /// The entries not yet dropped, oldest first.
    var pending: ArraySlice<Entry> { entries[head...] }

    mutating func append(_ id: TaskID, at time: Date) {
        entries.append(Entry(stoppedAt: time, id: id))
    }

    /// Drops leading entries while `gone` says their task is no longer a STOPPED one.
    mutating func dropLeading(while gone: (TaskID) -> Bool) {
        while head < entries.count, gone(entries[head].id) { head += 1 }
        if head > 1024, head * 2 > entries.count {
            entries.removeFirst(head)
            head = 0
        }
    }

    mutating func sort() {
        entries = entries[head...].sorted { $0.stoppedAt < $1.stoppedAt }
        head = 0
    }
}
