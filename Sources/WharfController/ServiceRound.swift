/// What one scheduler round did.
public struct ServiceRound: Equatable, Sendable {
    /// Tasks started.
    public var started = 0
    /// Tasks asked to stop.
    public var stopped = 0
    /// The services planned, by ARN, with what their plans read.
    public var evaluated: [String: ServiceInputs] = [:]
    /// The services left out because nothing they read changed.
    public var leftOut: Set<String> = []
    /// Whether the launch budget ran out before every service was planned.
    public var deferred = false
    /// The services the budget cut short: planned again next round whatever changes.
    public var replan: Set<String> = []
    /// Where the next write of the same round starts (its `cursor`): the first service a budget
    /// left unplanned or cut short; nil when the round planned every service.
    public var resumeAt: String?
    /// How long the round's decisions took to compute (not its wait for the writer nor its
    /// commit): what the scheduler spaces its rounds by. Set by the ``Controller``.
    public var computeTime: Duration = .zero
}

/// What a service's plan reads, as counters: its own tasks and record, its cluster's instances and
/// the room on them. Equal counters mean an equal plan, but for the clock.
public struct ServiceInputs: Equatable, Sendable {
    /// The revision of the service's task group (``Tasks/revision(of:)``).
    public var group: Int
    /// The revision of the service's cluster's instances (``Instances/poolRevision(of:)``).
    public var cluster: Int
    /// The revision of the room on them (``Instances/roomRevision(of:)``); nil when the plan was
    /// quiet (``ClusterState/isQuiet(_:planned:tasks:)``): it starts nothing, so room freed cannot
    /// change it.
    public var room: Int?
    /// Its deployment alarms in ALARM, and whether its deployment's bake time is over.
    public var alarms: [String] = []
    public var baked = false
    /// Whether the protection of one of its tasks has lapsed since it was last planned.
    public var protectionLapsed = false
    /// A digest of what the plan read from outside the stored state: the capacity providers'
    /// groups, and for a balanced service what the load balancer nodes see of its targets.
    public var observed = 0

    /// Whether the plan was quiet: nothing but a change to these inputs can change the next one,
    /// time passing included, so a round that passes time may leave the service out as well.
    public var isQuiet: Bool { room == nil }
}
