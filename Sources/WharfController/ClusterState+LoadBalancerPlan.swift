import Foundation
import WharfModel
import WharfProtocol
import WharfState

extension ClusterState {
    /// The attribute of the nodes whose agents serve the load balancers (`wharf-agent --load-balancer`).
    public static let loadBalancerAttribute = LoadBalancerPlan.nodeAttribute

    /// Whether the instance's agent serves the load balancers.
    public func isLoadBalancerNode(_ id: InstanceID) -> Bool {
        instances[id].map(Self.isLoadBalancerNode) ?? false
    }

    /// Whether `record` is a load balancer node (it carries ``loadBalancerAttribute``).
    static func isLoadBalancerNode(_ record: InstanceRecord) -> Bool {
        record.attributes.contains { $0.name == loadBalancerAttribute }
    }

    /// The instance's desired-state version: its tasks', routes' and Cloud Map names', and for a
    /// load balancer node also its plan's, so a held sync is answered when any of them changes.
    public func desiredVersion(of id: InstanceID) -> Int {
        instances.desiredVersion(of: id) + (isLoadBalancerNode(id) ? loadBalancing.revision : 0) + cloudMap.revision
            + loadBalancing.balancerRevision
    }

    /// The version of ``loadBalancerPlan()``: it changes with the load balancing records and with
    /// the nodes' addresses (which instance targets are reached at).
    public var loadBalancerPlanVersion: String {
        "\(instances.generation).\(loadBalancing.revision).\(instances.routeRevision)"
    }

    /// What the load balancer nodes serve: every load balancer with a listener, each listener's
    /// rules by priority and its default rule last, and the target groups they forward to with
    /// their targets' addresses (an instance target at its node's address).
    public func loadBalancerPlan() -> LoadBalancerPlan {
        var used: Set<String> = []
        let balancers = loadBalancing.allLoadBalancers.compactMap { balancer -> LoadBalancerPlan.Balancer? in
            let listeners = loadBalancing.listeners(of: balancer.id).map { listener in
                let rules =
                    loadBalancing.rules(of: listener.id).compactMap { rule in
                        rule.actions.first.map {
                            LoadBalancerPlan.Rule(conditions: rule.conditions.map(Self.plan), action: Self.plan($0))
                        }
                    }
                    + listener.defaultActions.prefix(1).map {
                        LoadBalancerPlan.Rule(conditions: [], action: Self.plan($0))
                    }
                for rule in rules { used.formUnion((rule.action.targetGroups ?? []).map(\.id)) }
                return LoadBalancerPlan.Listener(
                    id: listener.id,
                    port: listener.port,
                    protocol: listener.protocol.rawValue,
                    rules: rules
                )
            }
            guard !listeners.isEmpty else { return nil }
            return LoadBalancerPlan.Balancer(
                id: balancer.id,
                name: balancer.name,
                type: balancer.type.rawValue,
                idleTimeoutSeconds: balancer.idleTimeoutSeconds,
                listeners: listeners
            )
        }
        // Where instance targets are reached, by the IDs they may be registered by (looked up once,
        // not for each target).
        var nodes: [String: String] = [:]
        for record in instances.all where record.status == .active || record.status == .draining {
            guard let address = record.nodeAddress else { continue }
            nodes[record.id.description] = address
            if let name = record.ec2InstanceId { nodes[name] = address }
        }
        let groups = loadBalancing.allTargetGroups.filter { used.contains($0.id) }.map { group in
            LoadBalancerPlan.TargetGroup(
                id: group.id,
                name: group.name,
                protocol: group.protocol.rawValue,
                protocolVersion: group.protocolVersion,
                healthCheck: LoadBalancerPlan.HealthCheck(
                    protocol: group.healthCheck.protocol.rawValue,
                    port: group.healthCheck.port,
                    path: group.healthCheck.path,
                    intervalSeconds: group.healthCheck.intervalSeconds,
                    timeoutSeconds: group.healthCheck.timeoutSeconds,
                    healthyThreshold: group.healthCheck.healthyThreshold,
                    unhealthyThreshold: group.healthCheck.unhealthyThreshold,
                    httpCodes: group.healthCheck.httpCodes
                ),
                attributes: group.attributes,
                targets: group.targets.compactMap { target in
                    let address =
                        group.targetType == .ip ? target.id : nodes[target.id]
                    return address.map {
                        LoadBalancerPlan.Target(
                            id: target.id,
                            port: target.port,
                            address: $0,
                            draining: target.drainingUntil != nil
                        )
                    }
                }
            )
        }
        return LoadBalancerPlan(version: loadBalancerPlanVersion, balancers: balancers, targetGroups: groups)
    }

    private static func plan(_ condition: RuleCondition) -> LoadBalancerPlan.Condition {
        LoadBalancerPlan.Condition(
            field: condition.field.rawValue,
            values: condition.values,
            headerName: condition.headerName,
            queryPairs: condition.queryPairs.isEmpty
                ? nil : condition.queryPairs.map { LoadBalancerPlan.QueryPair(key: $0.key, value: $0.value) }
        )
    }

    private static func plan(_ action: ListenerAction) -> LoadBalancerPlan.Action {
        LoadBalancerPlan.Action(
            kind: action.kind.rawValue,
            targetGroups: action.kind == .forward
                ? action.targetGroups.map {
                    LoadBalancerPlan.WeightedTargetGroup(id: $0.targetGroupID, weight: $0.weight)
                }
                : nil,
            stickinessSeconds: action.stickinessSeconds,
            statusCode: action.fixedResponse?.statusCode,
            contentType: action.fixedResponse?.contentType,
            messageBody: action.fixedResponse?.messageBody,
            redirect: action.redirect.map {
                LoadBalancerPlan.Redirect(
                    protocol: $0.protocol,
                    port: $0.port,
                    host: $0.host,
                    path: $0.path,
                    query: $0.query,
                    statusCode: $0.statusCode
                )
            }
        )
    }
}
