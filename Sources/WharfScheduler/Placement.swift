import WharfModel
import WharfState

/// Chooses container instances for tasks, as ECS does: only instances that are ACTIVE, connected
/// and have the CPU, memory and host ports left; then the placement constraints; then the
/// strategies in order (binpack, spread, random) to rank what remains. Pure and deterministic for
/// a given seed.
public struct Placement: Sendable {
    /// One instance that could not take a task, and why (`RESOURCE:CPU`, `AGENT`, ...).
    public struct Failure: Equatable, Sendable {
        public var arn: String
        public var reason: String
        public init(arn: String, reason: String) {
            self.arn = arn
            self.reason = reason
        }
    }

    /// The outcome: the chosen instance for each task placed, and why the rest could not be.
    public struct Result: Equatable, Sendable {
        public var placements: [String] = []
        public var failures: [Failure] = []

        /// Nothing placed, nothing failed.
        public init() {}
    }

    public var strategies: [ECS.PlacementStrategy]
    public var constraints: [ECS.PlacementConstraint]
    /// The parsed expressions of the memberOf constraints.
    private var memberOf: [ClusterQuery] = []
    private var distinctInstance = false
    private var random: SeededRandom

    /// Checks the strategies and constraints.
    /// - Throws: `InvalidParameterException` naming what is not valid.
    public init(strategies: [ECS.PlacementStrategy], constraints: [ECS.PlacementConstraint], seed: UInt64) throws(ECSError) {
        for strategy in strategies {
            switch (strategy.type, strategy.field) {
            case ("random", _): break
            case ("binpack", let field?) where ["cpu", "memory"].contains(field.lowercased()): break
            case ("spread", let field?) where ["instanceid", "host"].contains(field.lowercased()) || field.hasPrefix("attribute:"): break
            default:
                throw ECSError(.invalidParameter, "placementStrategy \(strategy.type ?? "") with field \(strategy.field ?? "(none)") is not valid; use binpack with cpu or memory, spread with instanceId, host or attribute:NAME, or random")
            }
        }
        guard strategies.count <= 5 else { throw ECSError(.invalidParameter, "placementStrategy: at most 5 strategies are allowed") }
        guard constraints.count <= 10 else { throw ECSError(.invalidParameter, "placementConstraints: at most 10 are allowed") }
        for constraint in constraints {
            switch constraint.type {
            case "distinctInstance":
                guard constraint.expression == nil else {
                    throw ECSError(.invalidParameter, "placementConstraints: distinctInstance takes no expression")
                }
                distinctInstance = true
            case "memberOf":
                guard let expression = constraint.expression, !expression.isEmpty else {
                    throw ECSError(.invalidParameter, "placementConstraints: memberOf needs an expression in the cluster query language, such as attribute:ecs.os-type == linux")
                }
                guard expression.count <= 2000 else {
                    throw ECSError(.invalidParameter, "placementConstraints: a memberOf expression is \(expression.count) characters; at most 2000 are allowed")
                }
                let query = try ClusterQuery(parsing: expression)
                try query.check()
                memberOf.append(query)
            default:
                throw ECSError(.invalidParameter, "placementConstraints: type \(constraint.type ?? "(none)") is not valid; use distinctInstance or memberOf")
            }
        }
        self.strategies = strategies
        self.constraints = constraints
        self.random = SeededRandom(seed: seed)
    }

    /// Places `count` tasks of `demand` in `group` on `candidates`.
    ///
    /// Placing a task changes only the instance it lands on, so the instances that fit and their
    /// rank are computed once and then kept in a priority queue: O((instances + count) × log
    /// instances) in all. Only a `spread` over an attribute, whose rank depends on the other
    /// instances with the same value, is placed by rescanning the instances for each task.
    public mutating func place(_ demand: TaskDemand, count: Int, group: String, on candidates: [PlacementCandidate]) -> Result {
        guard !candidates.isEmpty else {
            var result = Result()
            result.failures = [Failure(arn: "", reason: "No Container Instances were found in your cluster.")]
            return result
        }
        let ranking = strategies.filter { strategy in
            // A spread over an attribute that every instance shares ranks nothing.
            guard strategy.type == "spread", let field = strategy.field, field.hasPrefix("attribute:") else { return true }
            let name = String(field.dropFirst("attribute:".count))
            return Set(candidates.map { $0.attributes[name] ?? "" }).count > 1
        }
        if ranking.contains(where: { $0.type == "spread" && ($0.field ?? "").hasPrefix("attribute:") }) {
            return placeByScanning(demand, count: count, group: group, on: candidates)
        }
        // Only the instances placed on change: they are kept aside, by index, rather than copying
        // the whole pool (a cluster's pool is thousands of instances; a RunTask places a few).
        var placedOn: [Int: PlacementCandidate] = [:]
        var result = Result()
        var queue = PlacementQueue()
        let measures = ranking.compactMap { strategy -> RankMeasure? in
            switch (strategy.type, strategy.field?.lowercased()) {
            case ("binpack", "cpu"?): .remainingCPU
            case ("binpack", _): .remainingMemory
            case ("spread", _): .groupTasks
            default: nil
            }
        }
        // Read in place, member by member: passing `buffer[index]` on would copy the instance (a
        // retain for each of its members), for every instance of the cluster.
        func rank(_ candidate: UnsafePointer<PlacementCandidate>) -> PlacementQueue.Rank {
            var rank = PlacementQueue.Rank()
            for (lane, measure) in measures.enumerated() {
                rank[lane] =
                    switch measure {
                    case .remainingCPU: Double(candidate.pointee.remainingCPU)
                    case .remainingMemory: Double(candidate.pointee.remainingMemoryMiB)
                    case .groupTasks: Double(candidate.pointee.tasksByGroup[group, default: 0])
                    }
            }
            return rank
        }
        queue.lanes = measures.count
        candidates.withUnsafeBufferPointer { buffer in
            guard let first = buffer.baseAddress else { return }
            for index in buffer.indices where fits(first + index, demand, group: group) {
                queue.push(index, rank: rank(first + index), tiebreak: random.next())
            }
        }
        for _ in 0..<count {
            guard let chosen = queue.pop() else {
                result.failures = candidates.indices.compactMap { index in
                    let candidate = placedOn[index] ?? candidates[index]
                    return (candidate.misfitReason(demand) ?? constraintFailure(candidate, group: group))
                        .map { Failure(arn: candidate.arn, reason: $0) }
                }.sorted { $0.arn < $1.arn }
                break
            }
            var candidate = placedOn[chosen] ?? candidates[chosen]
            candidate.take(demand, group: group)
            placedOn[chosen] = candidate
            result.placements.append(candidate.arn)
            if fits(candidate, demand, group: group) {
                queue.push(chosen, rank: withUnsafePointer(to: candidate) { rank($0) }, tiebreak: random.next())
            }
        }
        return result
    }

    func fits(_ candidate: PlacementCandidate, _ demand: TaskDemand, group: String) -> Bool {
        candidate.misfitReason(demand) == nil && constraintFailure(candidate, group: group) == nil
    }

    /// ``fits(_:_:group:)`` for the instance `candidate` points to, read in place: only the members
    /// a check needs are loaded, and the instance is copied only for a memberOf constraint.
    func fits(_ candidate: UnsafePointer<PlacementCandidate>, _ demand: TaskDemand, group: String) -> Bool {
        guard candidate.pointee.status == .active, candidate.pointee.agentConnected,
            demand.cpu <= candidate.pointee.remainingCPU, demand.memoryMiB <= candidate.pointee.remainingMemoryMiB,
            demand.gpus <= candidate.pointee.remainingGPUs
        else { return false }
        if !demand.hostPorts.isEmpty, !demand.hostPorts.isDisjoint(with: candidate.pointee.usedPorts) { return false }
        if distinctInstance, candidate.pointee.tasksByGroup[group, default: 0] > 0 { return false }
        return memberOf.isEmpty || admits(candidate.pointee)
    }

    /// What a strategy ranks instances by (lowest first).
    private enum RankMeasure {
        case remainingCPU, remainingMemory, groupTasks
    }

    /// Places by ranking every instance again for each task (for spread over an attribute).
    mutating func placeByScanning(_ demand: TaskDemand, count: Int, group: String, on candidates: [PlacementCandidate]) -> Result {
        var pool = candidates
        var result = Result()
        var reasons: [String: String] = [:]
        for _ in 0..<count {
            var fitting: [Int] = []
            for index in pool.indices {
                if let reason = pool[index].misfitReason(demand) ?? constraintFailure(pool[index], group: group) {
                    reasons[pool[index].arn] = reason
                } else {
                    fitting.append(index)
                }
            }
            guard let chosen = choose(from: fitting, in: pool, group: group) else { break }
            pool[chosen].take(demand, group: group)
            result.placements.append(pool[chosen].arn)
        }
        if result.placements.count < count {
            result.failures = reasons.sorted { $0.key < $1.key }.map { Failure(arn: $0.key, reason: $0.value) }
        }
        return result
    }

    /// Why the constraints refuse `candidate` for a task of `group`, in ECS's words, or nil.
    func constraintFailure(_ candidate: PlacementCandidate, group: String) -> String? {
        if distinctInstance, candidate.tasksByGroup[group, default: 0] > 0 { return "DistinctInstance placement constraint unsatisfied." }
        if !memberOf.isEmpty {
            let target = candidate.queryTarget
            if !memberOf.allSatisfy({ $0.matches(target) }) { return "MemberOf placement constraint unsatisfied." }
        }
        return nil
    }

    /// Whether the memberOf constraints admit `candidate` (distinctInstance aside).
    public func admits(_ candidate: PlacementCandidate) -> Bool {
        let target = candidate.queryTarget
        return memberOf.allSatisfy { $0.matches(target) }
    }

    /// Ranks the fitting instances by the strategies in order; ties fall to the next strategy and
    /// finally to a seeded random choice.
    mutating func choose(from fitting: [Int], in pool: [PlacementCandidate], group: String) -> Int? {
        var best = fitting
        for strategy in strategies where best.count > 1 {
            let score: (PlacementCandidate) -> Double
            let field = strategy.field ?? ""
            switch (strategy.type, field.lowercased()) {
            case ("binpack", "cpu"): score = { Double($0.remainingCPU) }
            case ("binpack", _): score = { Double($0.remainingMemoryMiB) }
            case ("spread", "instanceid"), ("spread", "host"): score = { Double($0.tasksByGroup[group, default: 0]) }
            case ("spread", _) where field.hasPrefix("attribute:"):
                let name = String(field.dropFirst("attribute:".count))
                var perValue: [String: Int] = [:]
                for index in fitting {
                    perValue[pool[index].attributes[name] ?? "", default: 0] += pool[index].tasksByGroup[group, default: 0]
                }
                score = { Double(perValue[$0.attributes[name] ?? "", default: 0]) }
            default: continue
            }
            let lowest = best.map { score(pool[$0]) }.min() ?? 0
            best = best.filter { score(pool[$0]) == lowest }
        }
        guard !best.isEmpty else { return nil }
        return best[Int(random.next() % UInt64(best.count))]
    }
}

/// A priority queue of instance indices by rank (lexicographic over the first ``lanes`` of it,
/// lowest first), then by a random tiebreak, so ties fall to a seeded random choice. Each index is
/// in it at most once.
struct PlacementQueue {
    /// An instance's rank: one lane per strategy (at most 5), held inline rather than in an array
    /// allocated for each instance.
    typealias Rank = SIMD8<Double>

    private struct Entry {
        var rank: Rank
        var tiebreak: UInt64
        var index: Int
    }

    /// How many lanes of a rank count.
    var lanes = 0
    private var heap: [Entry] = []

    private func precedes(_ entry: Entry, _ other: Entry) -> Bool {
        for lane in 0..<lanes where entry.rank[lane] != other.rank[lane] { return entry.rank[lane] < other.rank[lane] }
        return entry.tiebreak < other.tiebreak
    }

    mutating func push(_ index: Int, rank: Rank, tiebreak: UInt64) {
        heap.append(Entry(rank: rank, tiebreak: tiebreak, index: index))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// The best index, removed; nil when empty.
    mutating func pop() -> Int? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var best = parent
                if left < heap.count, precedes(heap[left], heap[best]) { best = left }
                if right < heap.count, precedes(heap[right], heap[best]) { best = right }
                guard best != parent else { break }
                heap.swapAt(parent, best)
                parent = best
            }
        }
        return top.index
    }
}
