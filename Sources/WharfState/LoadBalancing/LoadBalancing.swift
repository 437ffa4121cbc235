/// Elastic Load Balancing's records: load balancers, target groups, listeners and their rules, by
/// ID, with indexes by name and by owner.
public struct LoadBalancing: Sendable {
    private var loadBalancers: [String: LoadBalancerRecord] = [:]
    private var loadBalancerNames: [String: String] = [:]
    private var targetGroups: [String: TargetGroupRecord] = [:]
    private var targetGroupNames: [String: String] = [:]
    private var listeners: [String: ListenerRecord] = [:]
    private var listenersByLoadBalancer: [String: Set<String>] = [:]
    private var rules: [String: ListenerRuleRecord] = [:]
    private var rulesByListener: [String: Set<String>] = [:]
    /// The listener of each default rule, by the rule's ID.
    private var defaultRules: [String: String] = [:]
    /// Counts the changes made since the state was loaded: what the load balancer nodes serve
    /// changed when it did.
    public private(set) var revision = 0
    /// Counts the changes of load balancers themselves (not their listeners or target groups):
    /// the load balancers' DNS names changed when it did.
    public private(set) var balancerRevision = 0

    /// Nothing.
    public init() {}

    /// The load balancer with this ID.
    public func loadBalancer(_ id: String) -> LoadBalancerRecord? { loadBalancers[id] }

    /// The load balancer with this name.
    public func loadBalancer(named name: String) -> LoadBalancerRecord? {
        loadBalancerNames[name].flatMap { loadBalancers[$0] }
    }

    /// Every load balancer, by name.
    public var allLoadBalancers: [LoadBalancerRecord] {
        loadBalancers.values.sorted { $0.name < $1.name }
    }

    /// The target group with this ID.
    public func targetGroup(_ id: String) -> TargetGroupRecord? { targetGroups[id] }

    /// The target group with this name.
    public func targetGroup(named name: String) -> TargetGroupRecord? {
        targetGroupNames[name].flatMap { targetGroups[$0] }
    }

    /// Every target group, by name.
    public var allTargetGroups: [TargetGroupRecord] {
        targetGroups.values.sorted { $0.name < $1.name }
    }

    /// The listener with this ID.
    public func listener(_ id: String) -> ListenerRecord? { listeners[id] }

    /// A load balancer's listeners, by port.
    public func listeners(of loadBalancerID: String) -> [ListenerRecord] {
        (listenersByLoadBalancer[loadBalancerID] ?? []).compactMap { listeners[$0] }.sorted { $0.port < $1.port }
    }

    /// The rule with this ID (not a default rule).
    public func rule(_ id: String) -> ListenerRuleRecord? { rules[id] }

    /// The listener whose default rule has this ID.
    public func listener(ofDefaultRule id: String) -> ListenerRecord? {
        defaultRules[id].flatMap { listeners[$0] }
    }

    /// A listener's rules other than its default one, by priority.
    public func rules(of listenerID: String) -> [ListenerRuleRecord] {
        (rulesByListener[listenerID] ?? []).compactMap { rules[$0] }.sorted { $0.priority < $1.priority }
    }

    /// The load balancers whose listeners or rules forward to the target group.
    public func loadBalancerIDs(using targetGroupID: String) -> [String] {
        var found: Set<String> = []
        for listener in listeners.values {
            let actions = listener.defaultActions + rules(of: listener.id).flatMap(\.actions)
            if actions.contains(where: { $0.targetGroups.contains { $0.targetGroupID == targetGroupID } }) {
                found.insert(listener.loadBalancerID)
            }
        }
        return found.sorted()
    }

    /// How many load balancers, target groups, listeners and rules are held.
    public var counts: (loadBalancers: Int, targetGroups: Int, listeners: Int, rules: Int) {
        (loadBalancers.count, targetGroups.count, listeners.count, rules.count)
    }

    @discardableResult
    mutating func put(_ record: LoadBalancerRecord) -> LoadBalancerRecord? {
        revision += 1
        balancerRevision += 1
        let old = loadBalancers.updateValue(record, forKey: record.id)
        if let old, old.name != record.name { loadBalancerNames[old.name] = nil }
        loadBalancerNames[record.name] = record.id
        return old
    }

    @discardableResult
    mutating func removeLoadBalancer(_ id: String) -> LoadBalancerRecord? {
        revision += 1
        balancerRevision += 1
        guard let old = loadBalancers.removeValue(forKey: id) else { return nil }
        loadBalancerNames[old.name] = nil
        return old
    }

    @discardableResult
    mutating func put(_ record: TargetGroupRecord) -> TargetGroupRecord? {
        revision += 1
        let old = targetGroups.updateValue(record, forKey: record.id)
        if let old, old.name != record.name { targetGroupNames[old.name] = nil }
        targetGroupNames[record.name] = record.id
        return old
    }

    @discardableResult
    mutating func removeTargetGroup(_ id: String) -> TargetGroupRecord? {
        revision += 1
        guard let old = targetGroups.removeValue(forKey: id) else { return nil }
        targetGroupNames[old.name] = nil
        return old
    }

    @discardableResult
    mutating func put(_ record: ListenerRecord) -> ListenerRecord? {
        revision += 1
        let old = listeners.updateValue(record, forKey: record.id)
        if let old {
            listenersByLoadBalancer[old.loadBalancerID]?.remove(old.id)
            defaultRules[old.defaultRuleID] = nil
        }
        listenersByLoadBalancer[record.loadBalancerID, default: []].insert(record.id)
        defaultRules[record.defaultRuleID] = record.id
        return old
    }

    @discardableResult
    mutating func removeListener(_ id: String) -> ListenerRecord? {
        revision += 1
        guard let old = listeners.removeValue(forKey: id) else { return nil }
        listenersByLoadBalancer[old.loadBalancerID]?.remove(id)
        if listenersByLoadBalancer[old.loadBalancerID]?.isEmpty == true {
            listenersByLoadBalancer[old.loadBalancerID] = nil
        }
        defaultRules[old.defaultRuleID] = nil
        return old
    }

    @discardableResult
    mutating func put(_ record: ListenerRuleRecord) -> ListenerRuleRecord? {
        revision += 1
        let old = rules.updateValue(record, forKey: record.id)
        if let old { rulesByListener[old.listenerID]?.remove(old.id) }
        rulesByListener[record.listenerID, default: []].insert(record.id)
        return old
    }

    @discardableResult
    mutating func removeRule(_ id: String) -> ListenerRuleRecord? {
        revision += 1
        guard let old = rules.removeValue(forKey: id) else { return nil }
        rulesByListener[old.listenerID]?.remove(id)
        if rulesByListener[old.listenerID]?.isEmpty == true { rulesByListener[old.listenerID] = nil }
        return old
    }
}
