import Foundation
import WharfModel

/// Every container instance, with its placement pool: each instance as placement sees it (what is
/// left on it, which task groups run there), kept up to date as tasks arrive and leave, so a
/// placement never rebuilds it from the tasks. Also the version of each node's desired state,
/// which lives in memory only.
public struct Instances: Sendable {
    private var records: [InstanceID: InstanceRecord] = [:]
    /// Each cluster's instances in ARN order, the order placement sees them in.
    private var byCluster: [String: [InstanceID]] = [:]
    private var pool: [InstanceID: PlacementCandidate] = [:]
    /// How often each node's desired state changed since this controller started.
    private var wakes: [InstanceID: Int] = [:]
    private var poolRevisions: [String: Int] = [:]
    /// This controller start's number, from the store; the high half of every desired version.
    public let generation: Int
    private let context: AccountContext

    /// An empty set of instances for the controller start numbered `generation`.
    public init(context: AccountContext, generation: Int) {
        self.context = context
        self.generation = generation
    }

    /// How many instances, deregistered ones included.
    public var count: Int { records.count }

    /// The instance with this ID.
    public subscript(id: InstanceID) -> InstanceRecord? { records[id] }

    /// Every instance, in no particular order.
    public var all: Dictionary<InstanceID, InstanceRecord>.Values { records.values }

    /// A cluster's instances in ARN order, deregistered ones included.
    public func ids(inCluster cluster: String) -> [InstanceID] { byCluster[cluster] ?? [] }

    /// The cluster's registered instances as placement sees them, in ARN order.
    public func candidates(inCluster cluster: String) -> [PlacementCandidate] {
        (byCluster[cluster] ?? []).compactMap { pool[$0] }.filter { $0.status != .inactive }
    }

    /// One instance as placement sees it.
    public func candidate(_ id: InstanceID) -> PlacementCandidate? { pool[id] }

    /// The version of the node's desired state: it rises whenever a task is placed on the node or
    /// a task's desired status there changes. Its high half is the controller start's number, so
    /// a version an agent holds from before a restart is always older than every version after it.
    public func desiredVersion(of id: InstanceID) -> Int {
        generation << 32 | (wakes[id] ?? 0)
    }

    /// A counter that moves whenever the cluster, one of its instances, or the room on one changes.
    public func poolRevision(of cluster: String) -> Int { poolRevisions[cluster] ?? 0 }

    /// The ARN of an instance of `cluster`.
    public func arn(of id: InstanceID, cluster: String) -> String {
        context.ecsARN("container-instance", "\(cluster)/\(id)").description
    }

    /// Puts a record in place of the one with its ID, and rebuilds its placement view.
    /// - Parameter held: what the tasks holding resources on it take, with their groups.
    /// - Returns: the record it replaced.
    @discardableResult
    mutating func put(_ record: InstanceRecord, held: [(demand: TaskDemand, group: String)]) -> InstanceRecord? {
        let old = records.updateValue(record, forKey: record.id)
        if let old, old.cluster != record.cluster {
            byCluster[old.cluster]?.removeAll { $0 == record.id }
            poolRevisions[old.cluster, default: 0] += 1
        }
        if old?.cluster != record.cluster { byCluster[record.cluster, default: []].insertSorted(record.id) }
        poolRevisions[record.cluster, default: 0] += 1
        pool[record.id] = candidate(record, held: held)
        return old
    }

    /// Removes an instance for good (only to undo a registration that was not stored).
    @discardableResult
    mutating func remove(_ id: InstanceID) -> InstanceRecord? {
        guard let old = records.removeValue(forKey: id) else { return nil }
        byCluster[old.cluster]?.removeAll { $0 == id }
        pool[id] = nil
        poolRevisions[old.cluster, default: 0] += 1
        return old
    }

    /// A task of `group` arrived on instance `id`, taking `demand`.
    mutating func take(_ demand: TaskDemand, group: String, on id: InstanceID) {
        pool[id]?.take(demand, group: group)
    }

    /// A task of `group` that took `demand` left instance `id` or stopped there. Given what the
    /// tasks still there hold, the view is rebuilt instead: a demand with host ports must be, as
    /// a port may also be one the node reserves.
    mutating func giveBack(
        _ demand: TaskDemand,
        group: String,
        on id: InstanceID,
        held: [(demand: TaskDemand, group: String)]?
    ) {
        guard let record = records[id] else { return }
        poolRevisions[record.cluster, default: 0] += 1
        if let held {
            pool[id] = candidate(record, held: held)
        } else {
            pool[id]?.giveBack(demand, group: group)
        }
    }

    /// The node's desired state changed: its version rises.
    mutating func wake(_ id: InstanceID) {
        wakes[id, default: 0] += 1
    }

    /// Moves the cluster's revision (the cluster record changed).
    mutating func touch(cluster: String) {
        poolRevisions[cluster, default: 0] += 1
    }

    /// One instance as placement (and the cluster query language) sees it, from its record and
    /// what its tasks take.
    func candidate(_ record: InstanceRecord, held: [(demand: TaskDemand, group: String)]) -> PlacementCandidate {
        var used = Set(record.resources.reservedTCPPorts.map { TaskDemand.HostPort(port: $0, transport: "tcp") })
        used.formUnion(record.resources.reservedUDPPorts.map { TaskDemand.HostPort(port: $0, transport: "udp") })
        var groups: [String: Int] = [:]
        var cpu = record.resources.cpu
        var memory = record.resources.memoryMiB
        for (demand, group) in held {
            cpu -= demand.cpu
            memory -= demand.memoryMiB
            used.formUnion(demand.hostPorts)
            groups[group, default: 0] += 1
        }
        var attributes: [String: String] = [:]
        for attribute in record.attributes where attributes[attribute.name] == nil {
            attributes[attribute.name] = attribute.value ?? ""
        }
        return PlacementCandidate(
            arn: arn(of: record.id, cluster: record.cluster),
            status: record.status,
            agentConnected: record.agentConnected,
            remainingCPU: cpu,
            remainingMemoryMiB: memory,
            usedPorts: used,
            attributes: attributes,
            tasksByGroup: groups,
            taskCount: held.count,
            agentVersion: record.versionInfo?.agentVersion,
            ec2InstanceId: record.ec2InstanceId,
            registeredAt: record.registeredAt?.timeIntervalSince1970
        )
    }
}

extension Array where Element: Comparable {
    /// Inserts `element` where it keeps the array sorted, unless it is already there.
    mutating func insertSorted(_ element: Element) {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if self[middle] < element { low = middle + 1 } else { high = middle }
        }
        if low < count, self[low] == element { return }
        insert(element, at: low)
    }
}
