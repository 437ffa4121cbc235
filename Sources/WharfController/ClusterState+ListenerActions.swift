import WharfModel
import WharfState

extension ClusterState {
    /// The actions of a listener or rule of `balancer`, checked as Elastic Load Balancing checks
    /// them: exactly one of forward, redirect and fixed-response (the last two on application load
    /// balancers only); target groups that exist, speak a protocol the load balancer can forward,
    /// and belong to no other load balancer.
    func listenerActions(
        _ given: [ELBv2.Action]?,
        member: String,
        balancer: LoadBalancerRecord
    ) throws(ECSError) -> [ListenerAction] {
        guard let given, !given.isEmpty else { throw ECSError(.validationError, "\(member) is required") }
        guard given.count == 1 else {
            throw ECSError(
                .tooManyActions,
                "Only one action can be specified: one of forward, redirect and fixed-response "
                    + "(Wharf has no authenticate actions)"
            )
        }
        var actions: [ListenerAction] = []
        for action in given {
            actions.append(try listenerAction(action, balancer: balancer))
        }
        return actions
    }

    private func listenerAction(_ action: ELBv2.Action, balancer: LoadBalancerRecord) throws(ECSError) -> ListenerAction
    {
        guard let type = action.type else { throw ECSError(.validationError, "An action's Type is required") }
        let present: [(String, Bool)] = [
            ("TargetGroupArn", action.targetGroupArn != nil), ("ForwardConfig", action.forwardConfig != nil),
            ("RedirectConfig", action.redirectConfig != nil),
            ("FixedResponseConfig", action.fixedResponseConfig != nil),
            ("AuthenticateOidcConfig", action.authenticateOidcConfig != nil),
            ("AuthenticateCognitoConfig", action.authenticateCognitoConfig != nil),
            ("JwtValidationConfig", action.jwtValidationConfig != nil),
        ]
        func refuseOthers(_ allowed: Set<String>) throws(ECSError) {
            if let extra = present.first(where: { $0.1 && !allowed.contains($0.0) }) {
                throw ECSError(.validationError, "\(extra.0) cannot be specified for an action of type '\(type)'")
            }
        }
        switch type {
        case "forward":
            try refuseOthers(["TargetGroupArn", "ForwardConfig"])
            return try forwardAction(action, balancer: balancer)
        case "fixed-response":
            try refuseOthers(["FixedResponseConfig"])
            try Self.requireApplication(balancer, type)
            guard let config = action.fixedResponseConfig, let status = config.statusCode else {
                throw ECSError(.validationError, "A fixed-response action needs FixedResponseConfig with a StatusCode")
            }
            guard status.count == 3, let first = status.first, "245".contains(first), status.allSatisfy(\.isNumber)
            else {
                throw ECSError(.validationError, "Fixed response StatusCode '\(status)' must be 2XX, 4XX or 5XX")
            }
            return ListenerAction(
                kind: .fixedResponse,
                order: action.order,
                fixedResponse: .init(
                    statusCode: status,
                    contentType: config.contentType,
                    messageBody: config.messageBody
                )
            )
        case "redirect":
            try refuseOthers(["RedirectConfig"])
            try Self.requireApplication(balancer, type)
            guard let config = action.redirectConfig, let status = config.statusCode else {
                throw ECSError(.validationError, "A redirect action needs RedirectConfig with a StatusCode")
            }
            let redirect = ListenerAction.Redirect(
                protocol: config.protocol ?? "#{protocol}",
                port: config.port ?? "#{port}",
                host: config.host ?? "#{host}",
                path: config.path ?? "/#{path}",
                query: config.query ?? "#{query}",
                statusCode: status
            )
            guard ["HTTP", "HTTPS", "#{protocol}"].contains(redirect.protocol) else {
                throw ECSError(
                    .validationError,
                    "Redirect Protocol '\(redirect.protocol)' must be HTTP, HTTPS or #{protocol}"
                )
            }
            guard redirect.port == "#{port}" || Int(redirect.port).map({ (1...65535).contains($0) }) == true else {
                throw ECSError(
                    .validationError,
                    "Redirect Port '\(redirect.port)' must be a port from 1 to 65535 or #{port}"
                )
            }
            guard redirect.path.hasPrefix("/") else {
                throw ECSError(.validationError, "Redirect Path '\(redirect.path)' must start with '/'")
            }
            if redirect.protocol == "#{protocol}", redirect.port == "#{port}", redirect.host == "#{host}",
                redirect.path == "/#{path}", redirect.query == "#{query}"
            {
                throw ECSError(
                    .invalidLoadBalancerAction,
                    "The redirect would loop: change at least one of Protocol, Port, Host, Path and Query"
                )
            }
            return ListenerAction(kind: .redirect, order: action.order, redirect: redirect)
        case "authenticate-oidc", "authenticate-cognito", "jwt-validation":
            throw LoadBalancingRules.unsupported("Action type '\(type)'", "it has no identity provider integration")
        default:
            throw ECSError(.validationError, "Action type '\(type)' is not valid")
        }
    }

    private static func requireApplication(_ balancer: LoadBalancerRecord, _ type: String) throws(ECSError) {
        guard balancer.type == .application else {
            throw ECSError(
                .invalidLoadBalancerAction,
                "Action type '\(type)' is only supported on application load balancers"
            )
        }
    }

    private func forwardAction(_ action: ELBv2.Action, balancer: LoadBalancerRecord) throws(ECSError) -> ListenerAction
    {
        var tuples: [(arn: String, weight: Int)] = []
        for tuple in action.forwardConfig?.targetGroups ?? [] {
            guard let arn = tuple.targetGroupArn else {
                throw ECSError(.validationError, "Each ForwardConfig target group needs a TargetGroupArn")
            }
            tuples.append((arn, tuple.weight ?? 1))
        }
        if let arn = action.targetGroupArn {
            if !tuples.isEmpty, tuples.count != 1 || tuples[0].arn != arn {
                throw ECSError(
                    .validationError,
                    "TargetGroupArn and ForwardConfig name different target groups; give the target groups once"
                )
            }
            if tuples.isEmpty { tuples = [(arn, 1)] }
        }
        guard !tuples.isEmpty else {
            throw ECSError(.validationError, "A forward action needs a TargetGroupArn or ForwardConfig target groups")
        }
        guard tuples.count <= 5 else {
            throw ECSError(.tooManyActions, "A forward action can name at most 5 target groups")
        }
        if balancer.type == .network, tuples.count > 1 {
            throw ECSError(.invalidLoadBalancerAction, "A network load balancer forwards to one target group")
        }
        var groups: [ListenerAction.WeightedTargetGroup] = []
        for tuple in tuples {
            let group = try targetGroup(arn: tuple.arn)
            let compatible = balancer.type == .application ? group.protocol.isHTTP : !group.protocol.isHTTP
            guard compatible else {
                throw ECSError(
                    .incompatibleProtocols,
                    "The target group '\(tuple.arn)' has the protocol '\(group.protocol.rawValue)', which a "
                        + "\(balancer.type.rawValue) load balancer cannot forward to"
                )
            }
            let others = loadBalancing.loadBalancerIDs(using: group.id).filter { $0 != balancer.id }
            guard others.isEmpty else {
                throw ECSError(
                    .targetGroupAssociationLimit,
                    "The following target groups cannot be associated with more than one load balancer: \(tuple.arn)"
                )
            }
            guard !groups.contains(where: { $0.targetGroupID == group.id }) else {
                throw ECSError(.validationError, "Target group '\(tuple.arn)' is named more than once")
            }
            groups.append(.init(targetGroupID: group.id, weight: tuple.weight))
        }
        var stickiness: Int?
        if let sticky = action.forwardConfig?.targetGroupStickinessConfig, sticky.enabled == true {
            guard let seconds = sticky.durationSeconds, (1...604_800).contains(seconds) else {
                throw ECSError(
                    .validationError,
                    "Target group stickiness needs DurationSeconds from 1 to 604800 when enabled"
                )
            }
            stickiness = seconds
        }
        return ListenerAction(kind: .forward, order: action.order, targetGroups: groups, stickinessSeconds: stickiness)
    }

    /// An action as the API shows it.
    func project(_ action: ListenerAction) -> ELBv2.Action {
        switch action.kind {
        case .forward:
            let tuples = action.targetGroups.map {
                ELBv2.TargetGroupTuple(targetGroupArn: targetGroupARN($0.targetGroupID), weight: $0.weight)
            }
            return ELBv2.Action(
                type: "forward",
                targetGroupArn: tuples.count == 1 ? tuples[0].targetGroupArn : nil,
                order: action.order,
                forwardConfig: ELBv2.ForwardActionConfig(
                    targetGroups: tuples,
                    targetGroupStickinessConfig: ELBv2.TargetGroupStickinessConfig(
                        enabled: action.stickinessSeconds != nil,
                        durationSeconds: action.stickinessSeconds
                    )
                )
            )
        case .fixedResponse:
            return ELBv2.Action(
                type: "fixed-response",
                order: action.order,
                fixedResponseConfig: action.fixedResponse.map {
                    ELBv2.FixedResponseActionConfig(
                        messageBody: $0.messageBody,
                        statusCode: $0.statusCode,
                        contentType: $0.contentType
                    )
                }
            )
        case .redirect:
            return ELBv2.Action(
                type: "redirect",
                order: action.order,
                redirectConfig: action.redirect.map {
                    ELBv2.RedirectActionConfig(
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
}
