import WharfModel
import WharfState

extension ClusterState {
    /// CreateRule: a rule of an application load balancer's listener, at a priority no other rule
    /// of the listener has.
    func createRule(_ request: ELBv2.CreateRuleInput, seed: UInt64) throws(ECSError) -> Outcome<ELBv2.CreateRuleOutput>
    {
        guard let text = request.listenerArn else { throw ECSError(.validationError, "ListenerArn is required") }
        let listener = try listener(arn: text)
        guard let balancer = loadBalancing.loadBalancer(listener.loadBalancerID) else {
            throw ECSError(.listenerNotFound, "One or more listeners not found")
        }
        guard balancer.type == .application else {
            throw ECSError(.validationError, "Rules can only be added to the listeners of application load balancers")
        }
        if request.transforms != nil {
            throw LoadBalancingRules.unsupported("Transforms", "its rules do not rewrite requests")
        }
        guard let priority = request.priority else { throw ECSError(.validationError, "Priority is required") }
        let conditions = try RuleConditions.parse(request.conditions)
        let actions = try listenerActions(request.actions, member: "Actions", balancer: balancer)
        let tags = try LoadBalancingRules.tags(request.tags)
        let rules = loadBalancing.rules(of: listener.id)
        guard !rules.contains(where: { $0.priority == priority }) else {
            throw ECSError(.priorityInUse, "Priority '\(priority)' is currently in use")
        }
        guard rules.count < LoadBalancingRules.maxRules else {
            throw ECSError(.tooManyRules, "A listener can have at most \(LoadBalancingRules.maxRules) rules")
        }
        var random = SeededRandom(seed: seed)
        let record = ListenerRuleRecord(
            id: LoadBalancingRules.newID(&random),
            listenerID: listener.id,
            priority: priority,
            conditions: conditions,
            actions: actions,
            tags: tags
        )
        return Outcome(ELBv2.CreateRuleOutput(rules: [project(record, of: listener)]), [.putListenerRule(record)])
    }

    /// ModifyRule: a rule's conditions or actions; a default rule's actions only (they are its
    /// listener's default actions).
    func modifyRule(_ request: ELBv2.ModifyRuleInput) throws(ECSError) -> Outcome<ELBv2.ModifyRuleOutput> {
        guard let text = request.ruleArn else { throw ECSError(.validationError, "RuleArn is required") }
        let (found, listener) = try rule(arn: text)
        guard let balancer = loadBalancing.loadBalancer(listener.loadBalancerID) else {
            throw ECSError(.ruleNotFound, "One or more rules not found")
        }
        if request.transforms != nil || request.resetTransforms == true {
            throw LoadBalancingRules.unsupported("Transforms", "its rules do not rewrite requests")
        }
        guard var record = found else {
            guard request.conditions == nil else {
                throw ECSError(.operationNotPermitted, "The conditions of a default rule cannot be modified")
            }
            var changed = listener
            if request.actions != nil {
                changed.defaultActions = try listenerActions(request.actions, member: "Actions", balancer: balancer)
            }
            return Outcome(ELBv2.ModifyRuleOutput(rules: [projectDefaultRule(of: changed)]), [.putListener(changed)])
        }
        if request.conditions != nil { record.conditions = try RuleConditions.parse(request.conditions) }
        if request.actions != nil {
            record.actions = try listenerActions(request.actions, member: "Actions", balancer: balancer)
        }
        return Outcome(ELBv2.ModifyRuleOutput(rules: [project(record, of: listener)]), [.putListenerRule(record)])
    }

    /// DeleteRule: any rule but a default one.
    func deleteRule(_ request: ELBv2.DeleteRuleInput) throws(ECSError) -> Outcome<ELBv2.DeleteRuleOutput> {
        guard let text = request.ruleArn else { throw ECSError(.validationError, "RuleArn is required") }
        guard let record = try rule(arn: text).rule else {
            throw ECSError(.operationNotPermitted, "Default rule '\(text)' cannot be deleted")
        }
        return Outcome(ELBv2.DeleteRuleOutput(), [.deleteListenerRule(id: record.id)])
    }

    /// SetRulePriorities: new priorities for rules of one listener, checked together.
    func setRulePriorities(
        _ request: ELBv2.SetRulePrioritiesInput
    ) throws(ECSError) -> Outcome<ELBv2.SetRulePrioritiesOutput> {
        guard let pairs = request.rulePriorities, !pairs.isEmpty else {
            throw ECSError(.validationError, "RulePriorities is required")
        }
        var changed: [String: ListenerRuleRecord] = [:]
        var listener: ListenerRecord?
        for pair in pairs {
            guard let text = pair.ruleArn, let priority = pair.priority else {
                throw ECSError(.validationError, "Each rule priority pair needs a RuleArn and a Priority")
            }
            let (found, owner) = try rule(arn: text)
            guard var record = found else {
                throw ECSError(.operationNotPermitted, "The priority of default rule '\(text)' cannot be changed")
            }
            if let listener, listener.id != owner.id {
                throw ECSError(.validationError, "The rules must all belong to one listener")
            }
            listener = owner
            record.priority = priority
            changed[record.id] = record
        }
        guard let listener else { throw ECSError(.validationError, "RulePriorities is required") }
        let all = loadBalancing.rules(of: listener.id).map { changed[$0.id] ?? $0 }
        var seen: Set<Int> = []
        for record in all where !seen.insert(record.priority).inserted {
            throw ECSError(.priorityInUse, "Priority '\(record.priority)' is currently in use")
        }
        let updated = changed.values.sorted { $0.priority < $1.priority }
        return Outcome(
            ELBv2.SetRulePrioritiesOutput(rules: updated.map { project($0, of: listener) }),
            updated.map { .putListenerRule($0) }
        )
    }

    /// DescribeRules: a listener's rules (its default rule last), or rules by ARN, in pages.
    func describeRules(_ request: ELBv2.DescribeRulesInput) throws(ECSError) -> ELBv2.DescribeRulesOutput {
        var shapes: [ELBv2.Rule]
        switch (request.listenerArn, request.ruleArns) {
        case (let text?, nil):
            let listener = try listener(arn: text)
            shapes = loadBalancing.rules(of: listener.id).map { project($0, of: listener) }
            shapes.append(projectDefaultRule(of: listener))
        case (nil, let arns?):
            shapes = []
            for text in arns {
                let (found, listener) = try rule(arn: text)
                shapes.append(found.map { project($0, of: listener) } ?? projectDefaultRule(of: listener))
            }
        default:
            throw ECSError(.validationError, "Specify either a listener ARN or rule ARNs")
        }
        let page = try LoadBalancingRules.page(shapes, marker: request.marker, pageSize: request.pageSize)
        return ELBv2.DescribeRulesOutput(rules: page.items, nextMarker: page.next)
    }

    /// A rule as the API shows it.
    func project(_ record: ListenerRuleRecord, of listener: ListenerRecord) -> ELBv2.Rule {
        ELBv2.Rule(
            ruleArn: ruleARN(record.id, of: listener),
            priority: String(record.priority),
            conditions: record.conditions.map(RuleConditions.project),
            actions: record.actions.map(project),
            isDefault: false
        )
    }

    /// A listener's default rule as the API shows it.
    func projectDefaultRule(of listener: ListenerRecord) -> ELBv2.Rule {
        ELBv2.Rule(
            ruleArn: ruleARN(listener.defaultRuleID, of: listener),
            priority: "default",
            conditions: [],
            actions: listener.defaultActions.map(project),
            isDefault: true
        )
    }
}
