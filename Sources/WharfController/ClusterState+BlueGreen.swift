import Foundation
import WharfModel
import WharfScheduler
import WharfState

/// The load balancer side of blue/green, linear and canary deployments: each service load
/// balancer's alternate target group and listener rules (`advancedConfiguration`), checked as
/// ECS checks them; which target group a task is in; and the forward actions of the production
/// and test rules, rewritten to the weights the deployment's stage calls for.
extension ClusterState {
    /// A rule (or a listener's default rule, or a network load balancer's listener) whose forward
    /// action a service manages.
    struct TrafficRoute {
        /// Nil for a listener's default rule or a listener: its default actions are the ones.
        var rule: ListenerRuleRecord?
        var listener: ListenerRecord

        /// The actions it applies.
        var actions: [ListenerAction] { rule?.actions ?? listener.defaultActions }
    }

    /// The route an ARN names: a listener rule (the default one included) or a listener.
    func trafficRoute(_ arn: String) -> TrafficRoute? {
        if let found = try? rule(arn: arn) { return TrafficRoute(rule: found.rule, listener: found.listener) }
        if let listener = try? listener(arn: arn) { return TrafficRoute(rule: nil, listener: listener) }
        return nil
    }

    /// A load balancer's `advancedConfiguration`, checked: an alternate target group that exists,
    /// is not the primary one and fits it, not used by another load balancer; a production (and
    /// optional test) listener rule of the load balancer the primary target group is behind, each
    /// forwarding to one of the two target groups; a role ARN.
    func alternateTarget(
        _ given: ECS.AdvancedConfiguration,
        primary: TargetGroupRecord,
        strategy: String
    ) throws(ECSError) -> AlternateTarget {
        guard strategy != "ROLLING" else {
            throw ECSError(
                .invalidParameter,
                "advancedConfiguration is only valid with the BLUE_GREEN, LINEAR or CANARY deployment strategy."
            )
        }
        guard let alternateARN = given.alternateTargetGroupArn, !alternateARN.isEmpty else {
            throw ECSError(.invalidParameter, "advancedConfiguration.alternateTargetGroupArn is required.")
        }
        guard let production = given.productionListenerRule, !production.isEmpty else {
            throw ECSError(.invalidParameter, "advancedConfiguration.productionListenerRule is required.")
        }
        guard let role = given.roleArn, !role.isEmpty else {
            throw ECSError(.invalidParameter, "advancedConfiguration.roleArn is required.")
        }
        let alternate: TargetGroupRecord
        do { alternate = try targetGroup(arn: alternateARN) } catch {
            throw ECSError(.invalidParameter, "The target group with targetGroupArn \(alternateARN) does not exist.")
        }
        guard alternate.id != primary.id else {
            throw ECSError(
                .invalidParameter,
                "advancedConfiguration.alternateTargetGroupArn must be another target group than targetGroupArn."
            )
        }
        guard alternate.targetType == primary.targetType, alternate.protocol.isHTTP == primary.protocol.isHTTP else {
            throw ECSError(
                .invalidParameter,
                "The alternate target group \(alternateARN) must have the target type and kind of protocol of "
                    + "\(arn(of: primary))."
            )
        }
        let balancers = Set(loadBalancing.loadBalancerIDs(using: primary.id))
        guard Set(loadBalancing.loadBalancerIDs(using: alternate.id)).isSubset(of: balancers) else {
            throw ECSError(
                .invalidParameter,
                "The alternate target group \(alternateARN) is used by another load balancer."
            )
        }
        for (member, value) in [("productionListenerRule", production), ("testListenerRule", given.testListenerRule)] {
            guard let value else { continue }
            guard let route = trafficRoute(value) else {
                throw ECSError(.invalidParameter, "The \(member) \(value) does not exist.")
            }
            guard balancers.contains(route.listener.loadBalancerID) else {
                throw ECSError(
                    .invalidParameter,
                    "The \(member) \(value) is not on the load balancer of the target group \(arn(of: primary))."
                )
            }
            let forwarded = Set(
                route.actions.filter { $0.kind == .forward }.flatMap(\.targetGroups).map(\.targetGroupID)
            )
            guard !forwarded.isDisjoint(with: [primary.id, alternate.id]) else {
                throw ECSError(
                    .invalidParameter,
                    "The \(member) \(value) must forward to the target group \(arn(of: primary)) or \(alternateARN)."
                )
            }
            let network = loadBalancing.loadBalancer(route.listener.loadBalancerID)?.type == .network
            if network, strategy != "BLUE_GREEN" {
                throw ECSError(
                    .invalidParameter,
                    "The \(strategy) deployment strategy needs an application load balancer: a network load "
                        + "balancer forwards to one target group at a time."
                )
            }
        }
        return AlternateTarget(
            alternateTargetGroupID: alternate.id,
            productionListenerRule: production,
            testListenerRule: given.testListenerRule,
            roleArn: role
        )
    }

    /// Checks a service's strategy against its load balancers: with BLUE_GREEN, LINEAR or CANARY
    /// each needs its `advancedConfiguration`; while such a deployment is under way the strategy
    /// and the load balancers' alternates stay as they are.
    static func checkTrafficShift(_ record: ServiceRecord, before: ServiceRecord?) throws(ECSError) {
        let strategy = record.deploymentConfiguration.trafficShift?.name ?? "ROLLING"
        for balancer in record.loadBalancers ?? [] {
            if strategy == "ROLLING", balancer.alternate != nil {
                throw ECSError(
                    .invalidParameter,
                    "advancedConfiguration is only valid with the BLUE_GREEN, LINEAR or CANARY deployment strategy."
                )
            }
            if strategy != "ROLLING", balancer.alternate == nil {
                throw ECSError(
                    .invalidParameter,
                    "The \(strategy) deployment strategy needs advancedConfiguration (alternateTargetGroupArn, "
                        + "productionListenerRule and roleArn) on each of the service's loadBalancers."
                )
            }
        }
        guard let before else { return }
        if let state = before.blueGreen,
            before.loadBalancers != record.loadBalancers
                || before.deploymentConfiguration.trafficShift != record.deploymentConfiguration.trafficShift
        {
            throw ECSError(
                .invalidParameter,
                "The deployment \(state.green) is shifting traffic; its strategy and load balancers cannot change "
                    + "until it completes or its rollback has drained."
            )
        }
        // Production is on the alternate target groups: they must stay, or production would lose them.
        let kept = zip(before.loadBalancers ?? [], record.loadBalancers ?? []).allSatisfy {
            $0.alternate?.alternateTargetGroupID == $1.alternate?.alternateTargetGroupID
        }
        if before.alternateServesProduction == true, !kept {
            throw ECSError(
                .invalidParameter,
                "Production traffic is on the alternate target groups; they cannot change until a blue/green "
                    + "deployment moves it back to targetGroupArn."
            )
        }
    }

    /// UpdateService's `loadBalancers`: the same target groups, containers and ports as the
    /// service has (Wharf does not move a service to other target groups), each with the
    /// `advancedConfiguration` given, which replaces the one it had.
    func updateAlternates(_ record: inout ServiceRecord, given: [ECS.LoadBalancer]) throws(ECSError) {
        var plain = given
        for index in plain.indices { plain[index].advancedConfiguration = nil }
        var current = projectLoadBalancers(record)
        for index in current.indices { current[index].advancedConfiguration = nil }
        guard plain == current else {
            throw ECSError.unsupported(
                "Changing the target groups of loadBalancers with UpdateService",
                "a service keeps the target groups it was created with (their advancedConfiguration may change); "
                    + "create a new service to change them"
            )
        }
        let strategy = record.deploymentConfiguration.trafficShift?.name ?? "ROLLING"
        var balancers = record.loadBalancers ?? []
        for index in balancers.indices {
            guard let group = loadBalancing.targetGroup(balancers[index].targetGroupID) else { continue }
            balancers[index].alternate = try given[index].advancedConfiguration.map { (advanced) throws(ECSError) in
                try alternateTarget(advanced, primary: group, strategy: strategy)
            }
        }
        record.loadBalancers = balancers.isEmpty ? record.loadBalancers : balancers
    }

    /// Refuses a traffic-shifting strategy for a service whose deployment controller is EXTERNAL.
    static func checkControllerStrategy(_ configuration: ECS.DeploymentConfiguration) throws(ECSError) {
        if let strategy = configuration.strategy, strategy != "ROLLING" {
            throw ECSError(
                .invalidParameter,
                "The \(strategy) deployment strategy is only supported with the ECS deployment controller."
            )
        }
    }

    /// The load balancers a task of a blue/green service is registered with: green's tasks in the
    /// target groups that do not serve production, blue's (and all when no such deployment is under
    /// way) in those that do; none for a deployment a newer one replaced before it took traffic.
    func blueGreenBalancers(of task: TaskRecord, service: ServiceRecord) -> [ServiceLoadBalancer] {
        let all = service.loadBalancers ?? []
        guard all.contains(where: { $0.alternate != nil }) else { return all }
        guard let set = BlueGreenState.targetSet(of: task.startedBy, state: service.blueGreen) else { return [] }
        let alternateServes = service.alternateServesProduction ?? false
        return all.map { balancer in
            var chosen = balancer
            chosen.targetGroupID = balancer.targetGroup(
                production: set == .production,
                alternateServes: alternateServes
            )
            return chosen
        }
    }

    /// Every target group a service's task may be in, each as a load balancer of the service:
    /// a task is deregistered from those it is not to be in.
    func everyBalancer(of service: ServiceRecord) -> [ServiceLoadBalancer] {
        if service.isExternal {
            return (service.taskSets ?? []).flatMap { $0.loadBalancers ?? [] }
        }
        return (service.loadBalancers ?? []).flatMap { balancer -> [ServiceLoadBalancer] in
            guard let alternate = balancer.alternate else { return [balancer] }
            var other = balancer
            other.targetGroupID = alternate.alternateTargetGroupID
            return [balancer, other]
        }
    }

    /// The changes that bring the forward actions of a blue/green service's production and test
    /// rules to what its deployment's stage calls for: production on the production target group
    /// but for green's share, test traffic on green from TEST_TRAFFIC_SHIFT until the deployment
    /// ends, and on the production target group otherwise.
    func trafficChanges(_ service: ServiceRecord) -> [StateChange] {
        guard !service.isInactive else { return [] }
        let alternateServes = service.alternateServesProduction ?? false
        let state = service.blueGreen
        let share = state.map { $0.rolledBack ? 0 : $0.percent } ?? 0
        let testOnGreen = state.map { !$0.rolledBack && $0.stage >= .testTrafficShift } ?? false
        var rules: [String: ListenerRuleRecord] = [:]
        var listeners: [String: ListenerRecord] = [:]
        for balancer in service.loadBalancers ?? [] {
            guard let alternate = balancer.alternate else { continue }
            let production = balancer.targetGroup(production: true, alternateServes: alternateServes)
            let other = balancer.targetGroup(production: false, alternateServes: alternateServes)
            var routes = [(alternate.productionListenerRule, share)]
            if let test = alternate.testListenerRule { routes.append((test, testOnGreen ? 100 : 0)) }
            for (arn, greenShare) in routes {
                guard var route = trafficRoute(arn) else { continue }
                if let id = route.rule?.id, let pending = rules[id] { route.rule = pending }
                if route.rule == nil, let pending = listeners[route.listener.id] { route.listener = pending }
                let network = loadBalancing.loadBalancer(route.listener.loadBalancerID)?.type == .network
                let groups = Self.weightedGroups(production: production, other: other, share: greenShare, one: network)
                var actions = route.actions
                guard let index = actions.firstIndex(where: { $0.kind == .forward }),
                    actions[index].targetGroups != groups
                else { continue }
                actions[index].targetGroups = groups
                if var rule = route.rule {
                    rule.actions = actions
                    rules[rule.id] = rule
                } else {
                    route.listener.defaultActions = actions
                    listeners[route.listener.id] = route.listener
                }
            }
        }
        return listeners.keys.sorted().compactMap { listeners[$0].map(StateChange.putListener) }
            + rules.keys.sorted().compactMap { rules[$0].map(StateChange.putListenerRule) }
    }

    /// A forward action's target groups for `share` percent on `other`: both listed, weights in
    /// percent (in tenths of one when the share has a fraction); a network load balancer's one
    /// target group (`one`), the one that takes the traffic.
    static func weightedGroups(
        production: String,
        other: String,
        share: Double,
        one: Bool
    ) -> [ListenerAction.WeightedTargetGroup] {
        if one { return [.init(targetGroupID: share >= 50 ? other : production, weight: 1)] }
        let whole = share == share.rounded()
        let scale = whole ? 1.0 : 10.0
        let otherWeight = Int((share * scale).rounded())
        return [
            .init(targetGroupID: production, weight: Int(100 * scale) - otherWeight),
            .init(targetGroupID: other, weight: otherWeight),
        ]
    }

    /// A load balancer's `advancedConfiguration` as ECS shows it.
    func projectAlternate(_ alternate: AlternateTarget?) -> ECS.AdvancedConfiguration? {
        alternate.map {
            ECS.AdvancedConfiguration(
                alternateTargetGroupArn: targetGroupARN($0.alternateTargetGroupID),
                productionListenerRule: $0.productionListenerRule,
                testListenerRule: $0.testListenerRule,
                roleArn: $0.roleArn
            )
        }
    }
}
