import WharfModel
import WharfState

extension ClusterState {
    /// CreateListener: HTTP on application load balancers, TCP on network ones, with its default
    /// actions. The same listener created again is answered as it is.
    func createListener(
        _ request: ELBv2.CreateListenerInput,
        seed: UInt64
    ) throws(ECSError) -> Outcome<ELBv2.CreateListenerOutput> {
        guard let text = request.loadBalancerArn else {
            throw ECSError(.validationError, "LoadBalancerArn is required")
        }
        let balancer = try loadBalancer(arn: text)
        let proto = try Self.listenerProtocol(request.protocol, balancer: balancer)
        let port = try Self.listenerPort(request.port)
        try Self.refuseTLSMembers(
            request.sslPolicy,
            request.certificates,
            request.alpnPolicy,
            request.mutualAuthentication
        )
        let actions = try listenerActions(request.defaultActions, member: "DefaultActions", balancer: balancer)
        let tags = try LoadBalancingRules.tags(request.tags)
        let existing = loadBalancing.listeners(of: balancer.id)
        if let same = existing.first(where: { $0.port == port }) {
            guard same.protocol == proto, same.defaultActions == actions else {
                throw ECSError(
                    .duplicateListener,
                    "A listener already exists on this port for this load balancer '\(text)'"
                )
            }
            return Outcome(ELBv2.CreateListenerOutput(listeners: [project(same)]))
        }
        try checkPortFree(port, except: balancer.id)
        guard existing.count < LoadBalancingRules.maxListeners else {
            throw ECSError(
                .tooManyListeners,
                "A load balancer can have at most \(LoadBalancingRules.maxListeners) listeners"
            )
        }
        var random = SeededRandom(seed: seed)
        let record = ListenerRecord(
            id: LoadBalancingRules.newID(&random),
            loadBalancerID: balancer.id,
            port: port,
            protocol: proto,
            defaultActions: actions,
            defaultRuleID: LoadBalancingRules.newID(&random),
            tags: tags
        )
        return Outcome(ELBv2.CreateListenerOutput(listeners: [project(record)]), [.putListener(record)])
    }

    /// ModifyListener: its port, protocol or default actions.
    func modifyListener(_ request: ELBv2.ModifyListenerInput) throws(ECSError) -> Outcome<ELBv2.ModifyListenerOutput> {
        guard let text = request.listenerArn else { throw ECSError(.validationError, "ListenerArn is required") }
        var record = try listener(arn: text)
        guard let balancer = loadBalancing.loadBalancer(record.loadBalancerID) else {
            throw ECSError(.listenerNotFound, "One or more listeners not found")
        }
        try Self.refuseTLSMembers(
            request.sslPolicy,
            request.certificates,
            request.alpnPolicy,
            request.mutualAuthentication
        )
        if let name = request.protocol { record.protocol = try Self.listenerProtocol(name, balancer: balancer) }
        if let port = request.port, port != record.port {
            record.port = try Self.listenerPort(port)
            if loadBalancing.listeners(of: balancer.id).contains(where: { $0.port == port && $0.id != record.id }) {
                throw ECSError(
                    .duplicateListener,
                    "A listener already exists on this port for this load balancer '\(arn(of: balancer))'"
                )
            }
            try checkPortFree(port, except: balancer.id)
        }
        if request.defaultActions != nil {
            record.defaultActions = try listenerActions(
                request.defaultActions,
                member: "DefaultActions",
                balancer: balancer
            )
        }
        return Outcome(ELBv2.ModifyListenerOutput(listeners: [project(record)]), [.putListener(record)])
    }

    /// DescribeListeners: of a load balancer, or by ARN, in pages.
    func describeListeners(_ request: ELBv2.DescribeListenersInput) throws(ECSError) -> ELBv2.DescribeListenersOutput {
        var records: [ListenerRecord]
        switch (request.loadBalancerArn, request.listenerArns) {
        case (let text?, nil):
            records = loadBalancing.listeners(of: try loadBalancer(arn: text).id)
        case (nil, let arns?):
            records = []
            for text in arns { records.append(try listener(arn: text)) }
        default:
            throw ECSError(.validationError, "Specify either a load balancer ARN or listener ARNs")
        }
        let page = try LoadBalancingRules.page(records, marker: request.marker, pageSize: request.pageSize)
        return ELBv2.DescribeListenersOutput(listeners: page.items.map(project), nextMarker: page.next)
    }

    /// DeleteListener: the listener and its rules.
    func deleteListener(_ request: ELBv2.DeleteListenerInput) throws(ECSError) -> Outcome<ELBv2.DeleteListenerOutput> {
        guard let text = request.listenerArn else { throw ECSError(.validationError, "ListenerArn is required") }
        let record = try listener(arn: text)
        let changes = loadBalancing.rules(of: record.id).map { StateChange.deleteListenerRule(id: $0.id) }
        return Outcome(ELBv2.DeleteListenerOutput(), changes + [.deleteListener(id: record.id)])
    }

    /// A listener as the API shows it.
    func project(_ record: ListenerRecord) -> ELBv2.Listener {
        ELBv2.Listener(
            listenerArn: arn(of: record),
            loadBalancerArn: loadBalancing.loadBalancer(record.loadBalancerID).map { arn(of: $0) },
            port: record.port,
            protocol: record.protocol.rawValue,
            defaultActions: record.defaultActions.map(project)
        )
    }

    /// The load balancer nodes serve every load balancer at their own addresses, so a port serves
    /// one load balancer.
    private func checkPortFree(_ port: Int, except balancerID: String) throws(ECSError) {
        for other in loadBalancing.allLoadBalancers where other.id != balancerID {
            if loadBalancing.listeners(of: other.id).contains(where: { $0.port == port }) {
                throw ECSError(
                    .duplicateListener,
                    "Port \(port) is already used by a listener of load balancer '\(other.name)'; Wharf's load "
                        + "balancers share the addresses of the load balancer nodes, so each port serves one "
                        + "load balancer"
                )
            }
        }
    }

    private static func listenerPort(_ port: Int?) throws(ECSError) -> Int {
        guard let port else { throw ECSError(.validationError, "A listener port must be specified") }
        return port
    }

    private static func listenerProtocol(
        _ name: String?,
        balancer: LoadBalancerRecord
    ) throws(ECSError) -> LoadBalancingProtocol {
        let name = name ?? (balancer.type == .application ? "HTTP" : "TCP")
        switch (balancer.type, name) {
        case (.application, "HTTP"): return .http
        case (.network, "TCP"): return .tcp
        case (.application, "HTTPS"), (.network, "TLS"):
            throw LoadBalancingRules.unsupported(
                "Listener protocol '\(name)'",
                "it has no certificate store (ACM) to terminate TLS with; use "
                    + (balancer.type == .application ? "HTTP" : "TCP")
            )
        case (.network, "UDP"), (.network, "TCP_UDP"):
            throw LoadBalancingRules.unsupported(
                "Listener protocol '\(name)'",
                "its load balancers (HAProxy) carry TCP"
            )
        default:
            throw ECSError(
                .unsupportedProtocol,
                "Listener protocol '\(name)' is not supported with a load balancer of type '\(balancer.type.rawValue)'"
            )
        }
    }

    private static func refuseTLSMembers(
        _ sslPolicy: String?,
        _ certificates: [ELBv2.Certificate]?,
        _ alpn: [String]?,
        _ mutual: ELBv2.MutualAuthenticationAttributes?
    ) throws(ECSError) {
        let given = [
            ("SslPolicy", sslPolicy != nil), ("Certificates", certificates != nil), ("AlpnPolicy", alpn != nil),
            ("MutualAuthentication", mutual != nil),
        ]
        if let member = given.first(where: \.1) {
            throw LoadBalancingRules.unsupported(member.0, "its listeners are HTTP and TCP, without TLS")
        }
    }
}
