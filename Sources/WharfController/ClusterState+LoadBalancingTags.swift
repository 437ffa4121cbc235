import WharfModel
import WharfState

extension ClusterState {
    /// AddTags: the same tags on up to 20 load balancers, target groups, listeners and rules.
    func addLoadBalancingTags(_ request: ELBv2.AddTagsInput) throws(ECSError) -> Outcome<ELBv2.AddTagsOutput> {
        let tags = try LoadBalancingRules.tags(request.tags)
        guard !tags.isEmpty else { throw ECSError(.validationError, "Tags is required") }
        let changes = try retagging(request.resourceArns) { (current) throws(ECSError) in
            try LoadBalancingRules.merge(current, tags)
        }
        return Outcome(ELBv2.AddTagsOutput(), changes)
    }

    /// RemoveTags: the keys from up to 20 resources.
    func removeLoadBalancingTags(_ request: ELBv2.RemoveTagsInput) throws(ECSError) -> Outcome<ELBv2.RemoveTagsOutput> {
        guard let keys = request.tagKeys, !keys.isEmpty else { throw ECSError(.validationError, "TagKeys is required") }
        let changes = try retagging(request.resourceArns) { (current) throws(ECSError) in
            current.filter { !keys.contains($0.key) }
        }
        return Outcome(ELBv2.RemoveTagsOutput(), changes)
    }

    /// DescribeTags: the tags of up to 20 resources.
    func describeLoadBalancingTags(_ request: ELBv2.DescribeTagsInput) throws(ECSError) -> ELBv2.DescribeTagsOutput {
        var descriptions: [ELBv2.TagDescription] = []
        for text in try resourceARNs(request.resourceArns) {
            let tags = try tags(of: text)
            descriptions.append(
                ELBv2.TagDescription(resourceArn: text, tags: tags.map { ELBv2.Tag(key: $0.key, value: $0.value) })
            )
        }
        return ELBv2.DescribeTagsOutput(tagDescriptions: descriptions)
    }

    /// DescribeAccountLimits: the limits Wharf keeps.
    func describeAccountLimits(
        _ request: ELBv2.DescribeAccountLimitsInput
    ) throws(ECSError) -> ELBv2.DescribeAccountLimitsOutput {
        let limits: [(String, Int)] = [
            ("application-load-balancers", LoadBalancingRules.maxLoadBalancers),
            ("network-load-balancers", LoadBalancingRules.maxLoadBalancers),
            ("target-groups", LoadBalancingRules.maxTargetGroups),
            ("listeners-per-application-load-balancer", LoadBalancingRules.maxListeners),
            ("listeners-per-network-load-balancer", LoadBalancingRules.maxListeners),
            ("rules-per-application-load-balancer", LoadBalancingRules.maxRules),
            ("targets-per-application-load-balancer", LoadBalancingRules.maxTargets),
            ("targets-per-network-load-balancer", LoadBalancingRules.maxTargets),
            ("condition-values-per-alb-rule", LoadBalancingRules.maxConditionValues),
        ]
        let page = try LoadBalancingRules.page(limits, marker: request.marker, pageSize: request.pageSize)
        return ELBv2.DescribeAccountLimitsOutput(
            limits: page.items.map { ELBv2.Limit(name: $0.0, max: String($0.1)) },
            nextMarker: page.next
        )
    }

    /// The changes that retag each resource, each made on the state the ones before it left (a
    /// listener and its default rule are one record).
    private func retagging(
        _ arns: [String]?,
        _ change: ([Tag]) throws(ECSError) -> [Tag]
    ) throws(ECSError) -> [StateChange] {
        var scratch = self
        var changes: [StateChange] = []
        for text in try resourceARNs(arns) {
            let next = try scratch.retagged(text, change)
            scratch.apply(next)
            changes.append(next)
        }
        return changes
    }

    private func resourceARNs(_ given: [String]?) throws(ECSError) -> [String] {
        guard let given, !given.isEmpty else { throw ECSError(.validationError, "ResourceArns is required") }
        return given
    }

    private func tags(of text: String) throws(ECSError) -> [Tag] {
        switch ARN(parsing: text)?.resourceType {
        case LoadBalancingARN.Kind.loadBalancer.rawValue: return try loadBalancer(arn: text).tags
        case LoadBalancingARN.Kind.targetGroup.rawValue: return try targetGroup(arn: text).tags
        case LoadBalancingARN.Kind.listener.rawValue: return try listener(arn: text).tags
        case LoadBalancingARN.Kind.rule.rawValue:
            let (rule, listener) = try rule(arn: text)
            return rule?.tags ?? listener.defaultRuleTags
        default:
            throw ECSError(
                .validationError,
                "'\(text)' is not the ARN of a load balancer, target group, listener or rule"
            )
        }
    }

    private func retagged(_ text: String, _ change: ([Tag]) throws(ECSError) -> [Tag]) throws(ECSError) -> StateChange {
        switch ARN(parsing: text)?.resourceType {
        case LoadBalancingARN.Kind.loadBalancer.rawValue:
            var record = try loadBalancer(arn: text)
            record.tags = try change(record.tags)
            return .putLoadBalancer(record)
        case LoadBalancingARN.Kind.targetGroup.rawValue:
            var record = try targetGroup(arn: text)
            record.tags = try change(record.tags)
            return .putTargetGroup(record)
        case LoadBalancingARN.Kind.listener.rawValue:
            var record = try listener(arn: text)
            record.tags = try change(record.tags)
            return .putListener(record)
        case LoadBalancingARN.Kind.rule.rawValue:
            let (rule, listener) = try rule(arn: text)
            if var record = rule {
                record.tags = try change(record.tags)
                return .putListenerRule(record)
            }
            var changed = listener
            changed.defaultRuleTags = try change(listener.defaultRuleTags)
            return .putListener(changed)
        default:
            throw ECSError(
                .validationError,
                "'\(text)' is not the ARN of a load balancer, target group, listener or rule"
            )
        }
    }
}
