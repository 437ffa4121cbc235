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
    /// Each cluster's instances as placement sees them, in the order of `byCluster`: kept as one
    /// array per cluster so that a placement reads the cluster's pool without building it.
    private var pools: [String: [PlacementCandidate]] = [:]
    /// Where each instance is in its cluster's `byCluster` and `pools`.
    private var slots: [InstanceID: Int] = [:]
    /// How many of each cluster's instances are INACTIVE (placement leaves them out).
    private var inactive: [String: Int] = [:]
    /// How often each node's desired state changed since this controller started.
    private var wakes: [InstanceID: Int] = [:]
    private var poolRevisions: [String: Int] = [:]
    private var roomRevisions: [String: Int] = [:]
    /// The route to each registered node's task block, for the nodes that have one.
    private var routeTable: [InstanceID: NodeRoute] = [:]
    /// The same routes in block order, kept sorted as they change (they change only when a node
    /// joins, leaves or moves), so a sync answer reads them without sorting.
    public private(set) var routes: [NodeRoute] = []
    /// A counter that moves whenever a route comes, goes or changes; part of every desired
    /// version, since every node must hear of it.
    public private(set) var routeRevision = 0
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

    /// The cluster's registered instances as placement sees them, in ARN order: the kept array
    /// itself (no copy) while none of its instances is INACTIVE.
    public func candidates(inCluster cluster: String) -> [PlacementCandidate] {
        guard let pool = pools[cluster] else { return [] }
        return inactive[cluster, default: 0] == 0 ? pool : pool.filter { $0.status != .inactive }
    }

    /// One instance as placement sees it.
    public func candidate(_ id: InstanceID) -> PlacementCandidate? {
        guard let cluster = records[id]?.cluster, let slot = slots[id] else { return nil }
        return pools[cluster]?[slot]
    }

    /// The version of the node's desired state: it rises whenever a task is placed on the node or
    /// a task's desired status there changes. Its high half is the controller start's number, so
    /// a version an agent holds from before a restart is always older than every version after it.
    public func desiredVersion(of id: InstanceID) -> Int {
        generation << 32 | ((wakes[id] ?? 0) + routeRevision)
    }

    /// The version of ``routes``: this controller start's number and the route revision, so a
    /// version from before a restart never matches one after it.
    public var routesVersion: String { "\(generation).\(routeRevision)" }

    /// Keeps the route to the node's task block as its record says: through its address while it
    /// is registered with a block and an address. A loopback address (an agent on the
    /// controller's machine, as `wharf dev` runs one) is no way in for another node: no route.
    private mutating func updateRoute(_ id: InstanceID, _ record: InstanceRecord?) {
        var route: NodeRoute?
        if let record, record.status != .inactive, let subnet = record.taskSubnet, let via = record.nodeAddress,
            let address = IPv4Network.address(via), !IPv4Network.loopback.contains(address)
        {
            route = NodeRoute(subnet: subnet, via: via)
        }
        guard routeTable[id] != route else { return }
        if let old = routeTable[id], let index = routes.firstIndex(of: old) { routes.remove(at: index) }
        routeTable[id] = route
        if let route {
            let index = routes.partitioningIndex { ($0.subnet, $0.via) >= (route.subnet, route.via) }
            routes.insert(route, at: index)
        }
        routeRevision += 1
    }

    /// A counter that moves whenever the cluster or one of its instances changes (an instance
    /// joins, leaves, drains, loses its agent, or gets new attributes): what every plan of the
    /// cluster's services reads.
    public func poolRevision(of cluster: String) -> Int { poolRevisions[cluster] ?? 0 }

    /// A counter that moves whenever room is freed on one of the cluster's instances (a task left
    /// or stopped there): what only a plan that wants to start tasks reads. Room taken moves
    /// nothing: the task that took it changed its own service already, and no other plan can
    /// place more for it.
    public func roomRevision(of cluster: String) -> Int { roomRevisions[cluster] ?? 0 }

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
        updateRoute(record.id, record)
        let view = candidate(record, held: held)
        if let old, old.cluster == record.cluster, let slot = slots[record.id] {
            replaceView(at: slot, in: record.cluster, with: view)
        } else {
            if let old {
                detach(record.id, from: old.cluster)
                poolRevisions[old.cluster, default: 0] += 1
            }
            attach(record.id, view, to: record.cluster)
        }
        poolRevisions[record.cluster, default: 0] += 1
        return old
    }

    /// Removes an instance for good (only to undo a registration that was not stored).
    @discardableResult
    mutating func remove(_ id: InstanceID) -> InstanceRecord? {
        guard let old = records.removeValue(forKey: id) else { return nil }
        updateRoute(id, nil)
        detach(id, from: old.cluster)
        poolRevisions[old.cluster, default: 0] += 1
        return old
    }

    /// A task of `group` arrived on instance `id`, taking `demand`.
    mutating func take(_ demand: TaskDemand, group: String, on id: InstanceID) {
        guard let cluster = records[id]?.cluster, let slot = slots[id] else { return }
        pools[cluster]?[slot].take(demand, group: group)
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
        guard let record = records[id], let slot = slots[id] else { return }
        roomRevisions[record.cluster, default: 0] += 1
        if let held {
            replaceView(at: slot, in: record.cluster, with: candidate(record, held: held))
        } else {
            pools[record.cluster]?[slot].giveBack(demand, group: group)
        }
    }

    /// Puts `view` in the pool in ARN order (the instance is in no pool).
    private mutating func attach(_ id: InstanceID, _ view: PlacementCandidate, to cluster: String) {
        var ids = byCluster.removeValue(forKey: cluster) ?? []
        let position = ids.sortedInsertionIndex(of: id)
        ids.insert(id, at: position)
        for index in position..<ids.count { slots[ids[index]] = index }
        byCluster[cluster] = ids
        pools[cluster, default: []].insert(view, at: position)
        if view.status == .inactive { inactive[cluster, default: 0] += 1 }
    }

    /// Takes the instance out of its cluster's pool.
    private mutating func detach(_ id: InstanceID, from cluster: String) {
        guard let position = slots.removeValue(forKey: id), var ids = byCluster.removeValue(forKey: cluster) else {
            return
        }
        ids.remove(at: position)
        for index in position..<ids.count { slots[ids[index]] = index }
        byCluster[cluster] = ids
        if pools[cluster]?.remove(at: position).status == .inactive { inactive[cluster, default: 0] -= 1 }
    }

    /// Replaces the view at `slot`, counting INACTIVE ones.
    private mutating func replaceView(at slot: Int, in cluster: String, with view: PlacementCandidate) {
        guard let previous = pools[cluster]?[slot] else { return }
        if previous.status == .inactive { inactive[cluster, default: 0] -= 1 }
        if view.status == .inactive { inactive[cluster, default: 0] += 1 }
        pools[cluster]?[slot] = view
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
        var gpus = record.resources.gpuCount
        for (demand, group) in held {
            cpu -= demand.cpu
            memory -= demand.memoryMiB
            gpus -= demand.gpus
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
            remainingGPUs: gpus,
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

/// A route to a node's task block through the node's address.
public struct NodeRoute: Hashable, Sendable {
    /// The block, such as `10.64.4.0/24`.
    public var subnet: String
    /// The node's address.
    public var via: String

    /// Creates a route.
    public init(subnet: String, via: String) {
        self.subnet = subnet
        self.via = via
    }
}

extension Array {
    /// The index of the first element for which `belongs` holds, in an array where it holds for a
    /// suffix.
    func partitioningIndex(where belongs: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if belongs(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}

extension Array where Element: Comparable {
    /// Where `element` goes to keep the array sorted: the index of the first element not less
    /// than it.
    func sortedInsertionIndex(of element: Element) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if self[middle] < element { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Inserts `element` where it keeps the array sorted, unless it is already there.
    mutating func insertSorted(_ element: Element) {
        let index = sortedInsertionIndex(of: element)
        if index < count, self[index] == element { return }
        insert(element, at: index)
    }
}
