/// Application Auto Scaling's records: scalable targets, their scaling policies and scheduled
/// actions.
public struct AutoScaling: Sendable {
    private var targets: [ScalableTargetKey: ScalableTargetRecord] = [:]
    private var policies: [String: ScalingPolicyRecord] = [:]
    private var scheduledActions: [String: ScheduledActionRecord] = [:]

    /// Nothing.
    public init() {}

    /// The target with this key.
    public subscript(target key: ScalableTargetKey) -> ScalableTargetRecord? { targets[key] }

    /// Every target, by key.
    public var allTargets: [ScalableTargetRecord] { targets.values.sorted { $0.key < $1.key } }

    /// The policy with this ARN.
    public func policy(arn: String) -> ScalingPolicyRecord? { policies[arn] }

    /// Every policy, by target and name.
    public var allPolicies: [ScalingPolicyRecord] {
        policies.values.sorted { ($0.target, $0.name) < ($1.target, $1.name) }
    }

    /// A target's policies, by name.
    public func policies(of key: ScalableTargetKey) -> [ScalingPolicyRecord] {
        allPolicies.filter { $0.target == key }
    }

    /// The scheduled action with this ARN.
    public func scheduledAction(arn: String) -> ScheduledActionRecord? { scheduledActions[arn] }

    /// Every scheduled action, by target and name.
    public var allScheduledActions: [ScheduledActionRecord] {
        scheduledActions.values.sorted { ($0.target, $0.name) < ($1.target, $1.name) }
    }

    @discardableResult
    mutating func put(_ record: ScalableTargetRecord) -> ScalableTargetRecord? {
        targets.updateValue(record, forKey: record.key)
    }

    @discardableResult
    mutating func removeTarget(_ key: ScalableTargetKey) -> ScalableTargetRecord? {
        targets.removeValue(forKey: key)
    }

    @discardableResult
    mutating func put(_ record: ScalingPolicyRecord) -> ScalingPolicyRecord? {
        policies.updateValue(record, forKey: record.arn)
    }

    @discardableResult
    mutating func removePolicy(_ arn: String) -> ScalingPolicyRecord? {
        policies.removeValue(forKey: arn)
    }

    @discardableResult
    mutating func put(_ record: ScheduledActionRecord) -> ScheduledActionRecord? {
        scheduledActions.updateValue(record, forKey: record.arn)
    }

    @discardableResult
    mutating func removeScheduledAction(_ arn: String) -> ScheduledActionRecord? {
        scheduledActions.removeValue(forKey: arn)
    }
}
