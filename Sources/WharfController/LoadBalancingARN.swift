import WharfModel
import WharfState

/// The ARNs of Elastic Load Balancing's resources, made from their records and read back to the
/// IDs that end them:
/// `loadbalancer/app/NAME/ID`, `targetgroup/NAME/ID`, `listener/app/LB-NAME/LB-ID/ID`,
/// `listener-rule/app/LB-NAME/LB-ID/LISTENER-ID/ID` (`net` for network load balancers).
enum LoadBalancingARN {
    enum Kind: String {
        case loadBalancer = "loadbalancer"
        case targetGroup = "targetgroup"
        case listener
        case rule = "listener-rule"

        /// How the API names one in messages.
        var noun: String {
            switch self {
            case .loadBalancer: "load balancer"
            case .targetGroup: "target group"
            case .listener: "listener"
            case .rule: "rule"
            }
        }

        /// How many `/`-separated parts follow the resource type.
        var parts: Int {
            switch self {
            case .loadBalancer: 3
            case .targetGroup: 2
            case .listener: 4
            case .rule: 5
            }
        }
    }

    static func make(_ context: AccountContext, _ kind: Kind, _ path: String) -> String {
        ARN(
            service: ELBv2.signingName,
            region: context.region,
            account: context.accountID,
            resourceType: kind.rawValue,
            resourceID: path
        ).description
    }

    /// The parts after the resource type of an ARN of `kind` in this region and account, or nil
    /// when `text` is not one.
    static func parts(of text: String, _ kind: Kind, context: AccountContext) -> [String]? {
        guard let arn = ARN(parsing: text), arn.service == ELBv2.signingName, arn.resourceType == kind.rawValue,
            arn.region == context.region, arn.account == context.accountID
        else { return nil }
        let parts = arn.resourceID.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == kind.parts, parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        return parts
    }
}

extension ClusterState {
    func arn(of record: LoadBalancerRecord) -> String {
        LoadBalancingARN.make(context, .loadBalancer, "\(record.type.arnSegment)/\(record.name)/\(record.id)")
    }

    func arn(of record: TargetGroupRecord) -> String {
        LoadBalancingARN.make(context, .targetGroup, "\(record.name)/\(record.id)")
    }

    func arn(of record: ListenerRecord) -> String {
        guard let balancer = loadBalancing.loadBalancer(record.loadBalancerID) else { return "" }
        return LoadBalancingARN.make(
            context,
            .listener,
            "\(balancer.type.arnSegment)/\(balancer.name)/\(balancer.id)/\(record.id)"
        )
    }

    func ruleARN(_ ruleID: String, of listener: ListenerRecord) -> String {
        guard let balancer = loadBalancing.loadBalancer(listener.loadBalancerID) else { return "" }
        return LoadBalancingARN.make(
            context,
            .rule,
            "\(balancer.type.arnSegment)/\(balancer.name)/\(balancer.id)/\(listener.id)/\(ruleID)"
        )
    }

    /// The ARN of a target group by its ID; nil when it is gone.
    func targetGroupARN(_ id: String) -> String? {
        loadBalancing.targetGroup(id).map { arn(of: $0) }
    }

    /// The load balancer an ARN names.
    /// - Throws: `ValidationError` for text that is not such an ARN, `LoadBalancerNotFound` for one
    ///   that names none.
    func loadBalancer(arn text: String) throws(ECSError) -> LoadBalancerRecord {
        let parts = try Self.parts(text, .loadBalancer, context: context)
        guard let record = loadBalancing.loadBalancer(parts[2]), arn(of: record) == text else {
            throw ECSError(.loadBalancerNotFound, "Load balancer '\(text)' not found")
        }
        return record
    }

    /// The target group an ARN names.
    func targetGroup(arn text: String) throws(ECSError) -> TargetGroupRecord {
        let parts = try Self.parts(text, .targetGroup, context: context)
        guard let record = loadBalancing.targetGroup(parts[1]), arn(of: record) == text else {
            throw ECSError(.targetGroupNotFound, "Target groups '\(text)' not found")
        }
        return record
    }

    /// The listener an ARN names.
    func listener(arn text: String) throws(ECSError) -> ListenerRecord {
        let parts = try Self.parts(text, .listener, context: context)
        guard let record = loadBalancing.listener(parts[3]), arn(of: record) == text else {
            throw ECSError(.listenerNotFound, "One or more listeners not found")
        }
        return record
    }

    /// The rule an ARN names with its listener; the rule is nil for the listener's default rule.
    func rule(arn text: String) throws(ECSError) -> (rule: ListenerRuleRecord?, listener: ListenerRecord) {
        let parts = try Self.parts(text, .rule, context: context)
        let notFound = ECSError(.ruleNotFound, "One or more rules not found")
        if let rule = loadBalancing.rule(parts[4]), let listener = loadBalancing.listener(rule.listenerID),
            ruleARN(rule.id, of: listener) == text
        {
            return (rule, listener)
        }
        if let listener = loadBalancing.listener(ofDefaultRule: parts[4]),
            ruleARN(listener.defaultRuleID, of: listener) == text
        {
            return (nil, listener)
        }
        throw notFound
    }

    private static func parts(
        _ text: String,
        _ kind: LoadBalancingARN.Kind,
        context: AccountContext
    ) throws(ECSError) -> [String] {
        guard let parts = LoadBalancingARN.parts(of: text, kind, context: context) else {
            throw ECSError(.validationError, "'\(text)' is not a valid \(kind.noun) ARN")
        }
        return parts
    }
}
