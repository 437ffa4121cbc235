import WharfModel
import WharfScheduler
import WharfState

/// A scheduler round as decided, not yet carried out: what
/// ``ClusterState/planRound(now:seed:evaluated:launchBudget:targetHealth:)`` returns and
/// ``ClusterState/applyRound(_:now:)`` takes. The controller decides on a copy of the state while
/// the writer goes on serving requests, and only carrying the plans out is a write.
public struct ServiceRoundPlan: Sendable {
    /// One service's plan and what it was made from.
    public struct Entry: Sendable {
        /// The service's record as the plan read it; a plan for a record that changed since is
        /// not carried out.
        public var original: ServiceRecord
        public var plan: ServiceScheduler.Plan
        /// What the plan read, remembered once it is carried out.
        public var inputs: ServiceInputs
        /// What each of its deployments' tasks asks of an instance.
        public var demands: [TaskDefinitionKey: TaskDemand]
        /// Whether the round's launch budget ran out on this service.
        public var cutShort: Bool
    }

    /// The services planned, in ARN order.
    public var services: [Entry] = []
    /// The services left out because nothing they read changed.
    public var unchanged: [String] = []
    /// Whether the launch budget ran out before every service was planned.
    public var deferred = false
    /// Seeds the IDs of the tasks and events the plans create.
    public var applySeed: UInt64 = 0
}

/// A cluster's placement candidates as a round changes them, with where each instance sits.
struct PlacementPool {
    var candidates: [PlacementCandidate]
    let index: [InstanceID: Int]

    /// Takes what a launch asks of its instance. With `checked`, only when the instance still
    /// takes it (active, connected, with the room); returns whether it was taken.
    @discardableResult
    mutating func take(
        _ launch: ServiceScheduler.Launch,
        demand: TaskDemand,
        group: String,
        checked: Bool = false
    ) -> Bool {
        guard let instance = InstanceID(arnSuffix: launch.instanceArn), let position = index[instance] else {
            return false
        }
        if checked, candidates[position].misfitReason(demand) != nil { return false }
        candidates[position].take(demand, group: group)
        return true
    }
}

