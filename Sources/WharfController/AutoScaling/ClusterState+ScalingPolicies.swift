import Foundation
import WharfModel
import WharfMonitoring
import WharfState

/// Application Auto Scaling's scaling policies over the state. A target tracking policy makes
/// two CloudWatch alarms of its own, as AWS does: AlarmHigh (above the target for 3 periods)
/// scales out, AlarmLow (below 90 % of it for 15 periods) scales in.
extension ClusterState {
    /// The cooldown a policy has when none is given, in seconds.
    static let defaultCooldown = 300

    /// PutScalingPolicy: creates or replaces a target tracking or step scaling policy.
    /// - Parameter period: the metric period, the period of the alarms a target tracking policy makes.
    func putScalingPolicy(
        _ request: ApplicationAutoScaling.PutScalingPolicyRequest,
        now: Date,
        seed: UInt64,
        period: Int
    ) throws(ECSError) -> Outcome<ApplicationAutoScaling.PutScalingPolicyResponse> {
        let key = try Self.targetKey(
            namespace: request.serviceNamespace,
            resourceId: request.resourceId,
            dimension: request.scalableDimension
        )
        let target = try scalableTarget(key)
        let name = request.policyName ?? ""
        let type = request.policyType ?? "StepScaling"
        if request.predictiveScalingPolicyConfiguration != nil || type == "PredictiveScaling" {
            throw ECSError(.validation, "PredictiveScaling is not supported by Wharf, which keeps no load forecasts")
        }
        var random = SeededRandom(seed: seed)
        let existing = autoScaling.allPolicies.first { $0.target == key && $0.name == name }
        let arn =
            existing?.arn
            ?? "arn:aws:autoscaling:\(context.region):\(context.accountID):scalingPolicy:\(random.uuid()):"
            + "resource/ecs/\(key.resourceId):policyName/\(name)"
        var record = ScalingPolicyRecord(
            name: name,
            arn: arn,
            resourceId: key.resourceId,
            scalableDimension: key.scalableDimension,
            createdAt: existing?.createdAt ?? now
        )
        var changes: [StateChange] = []
        switch type {
        case "TargetTrackingScaling":
            guard request.stepScalingPolicyConfiguration == nil else {
                throw ECSError(
                    .validation,
                    "StepScalingPolicyConfiguration is not allowed for a TargetTrackingScaling policy"
                )
            }
            guard let configuration = request.targetTrackingScalingPolicyConfiguration else {
                throw ECSError(
                    .validation,
                    "TargetTrackingScalingPolicyConfiguration is required for a TargetTrackingScaling policy"
                )
            }
            let policy = try targetTracking(configuration, target: target)
            record.targetTracking = policy
            // Its alarms keep their names when the policy changes.
            let suffix =
                existing?.alarmNames.first.flatMap { $0.split(separator: "-").suffix(5).joined(separator: "-") }
                ?? random.uuid()
            let high = "TargetTracking-\(key.resourceId)-AlarmHigh-\(suffix)"
            let low = "TargetTracking-\(key.resourceId)-AlarmLow-\(suffix)"
            record.alarmNames = policy.disableScaleIn ? [high] : [high, low]
            let description = "DO NOT EDIT OR DELETE. For TargetTrackingScaling policy \(arn)."
            func alarm(_ alarmName: String, high: Bool) -> AlarmRecord {
                var made = AlarmRecord(
                    name: alarmName,
                    description: description,
                    alarmActions: [arn],
                    namespace: policy.metric.namespace,
                    metricName: policy.metric.metricName,
                    dimensions: policy.metric.dimensions,
                    statistic: policy.metric.statistic,
                    unit: policy.metric.unit,
                    period: period,
                    evaluationPeriods: high ? 3 : 15,
                    threshold: high ? policy.targetValue : policy.targetValue * 0.9,
                    comparison: high ? .greaterThan : .lessThan,
                    createdAt: now
                )
                if let old = alarms[alarmName] {
                    made.state = old.state
                    made.stateReason = old.stateReason
                    made.stateReasonData = old.stateReasonData
                    made.stateUpdatedAt = old.stateUpdatedAt
                    made.stateTransitionedAt = old.stateTransitionedAt
                }
                return made
            }
            changes.append(.putAlarm(alarm(high, high: true)))
            if policy.disableScaleIn {
                if alarms[low] != nil { changes.append(.deleteAlarm(name: low)) }
            } else {
                changes.append(.putAlarm(alarm(low, high: false)))
            }
        case "StepScaling":
            guard request.targetTrackingScalingPolicyConfiguration == nil else {
                throw ECSError(
                    .validation,
                    "TargetTrackingScalingPolicyConfiguration is not allowed for a StepScaling policy"
                )
            }
            guard let configuration = request.stepScalingPolicyConfiguration else {
                throw ECSError(.validation, "StepScalingPolicyConfiguration is required for a StepScaling policy")
            }
            record.stepScaling = try Self.stepScaling(configuration)
            changes += (existing?.alarmNames ?? []).filter { alarms[$0] != nil }.map { .deleteAlarm(name: $0) }
        default:
            throw ECSError(.validation, "Unsupported policy type \(type): TargetTrackingScaling or StepScaling")
        }
        changes.insert(.putScalingPolicy(record), at: 0)
        return Outcome(
            ApplicationAutoScaling.PutScalingPolicyResponse(
                policyARN: arn,
                alarms: record.alarmNames.map { ApplicationAutoScaling.Alarm(alarmName: $0, alarmARN: alarmARN($0)) }
            ),
            changes
        )
    }

    /// A target tracking configuration, checked, with its metric resolved.
    private func targetTracking(
        _ configuration: ApplicationAutoScaling.TargetTrackingScalingPolicyConfiguration,
        target: ScalableTargetRecord
    ) throws(ECSError) -> TargetTrackingPolicy {
        let value = configuration.targetValue ?? 0
        guard value > 0, value.isFinite else {
            throw ECSError(.validation, "TargetValue must be greater than 0")
        }
        let metric: TrackedMetric
        switch (configuration.predefinedMetricSpecification, configuration.customizedMetricSpecification) {
        case (let predefined?, nil):
            metric = try predefinedMetric(predefined, target: target)
        case (nil, let customized?):
            metric = try Self.customizedMetric(customized)
        default:
            throw ECSError(
                .validation,
                "Exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification must be given"
            )
        }
        for (name, seconds) in [
            ("ScaleOutCooldown", configuration.scaleOutCooldown), ("ScaleInCooldown", configuration.scaleInCooldown),
        ] {
            if let seconds, !(0...86_400).contains(seconds) {
                throw ECSError(.validation, "\(name) must be between 0 and 86400 seconds")
            }
        }
        return TargetTrackingPolicy(
            targetValue: value,
            metric: metric,
            scaleOutCooldown: configuration.scaleOutCooldown ?? Self.defaultCooldown,
            scaleInCooldown: configuration.scaleInCooldown ?? Self.defaultCooldown,
            disableScaleIn: configuration.disableScaleIn ?? false
        )
    }

    /// The metric of a predefined metric type for an ECS service.
    private func predefinedMetric(
        _ specification: ApplicationAutoScaling.PredefinedMetricSpecification,
        target: ScalableTargetRecord
    ) throws(ECSError) -> TrackedMetric {
        let type = specification.predefinedMetricType ?? ""
        guard let service = target.service else {
            throw ECSError(.validation, "\(target.resourceId) is not an ECS service")
        }
        let dimensions = [
            MetricDimension(name: "ClusterName", value: service.cluster),
            MetricDimension(name: "ServiceName", value: service.name),
        ]
        switch type {
        case "ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization":
            if specification.resourceLabel != nil {
                throw ECSError(.validation, "ResourceLabel is only for ALBRequestCountPerTarget")
            }
            return TrackedMetric(
                predefinedType: type,
                namespace: "AWS/ECS",
                metricName: type == "ECSServiceAverageCPUUtilization" ? "CPUUtilization" : "MemoryUtilization",
                dimensions: dimensions,
                statistic: "Average",
                unit: "Percent"
            )
        case "ALBRequestCountPerTarget":
            let label = specification.resourceLabel ?? ""
            let parts = label.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard let range = label.range(of: "/targetgroup/"), parts.count == 6, parts[0] == "app",
                parts[3] == "targetgroup"
            else {
                throw ECSError(
                    .validation,
                    "ResourceLabel must be app/LOAD-BALANCER/ID/targetgroup/TARGET-GROUP/ID for "
                        + "ALBRequestCountPerTarget"
                )
            }
            guard let balancer = loadBalancing.loadBalancer(parts[2]), balancer.name == parts[1],
                let group = loadBalancing.targetGroup(parts[5]), group.name == parts[4],
                loadBalancing.loadBalancerIDs(using: group.id).contains(balancer.id)
            else {
                throw ECSError(
                    .validation,
                    "ResourceLabel \(label) does not name a target group that its application load balancer "
                        + "forwards to"
                )
            }
            return TrackedMetric(
                predefinedType: type,
                resourceLabel: label,
                namespace: "AWS/ApplicationELB",
                metricName: "RequestCountPerTarget",
                dimensions: [
                    MetricDimension(name: "TargetGroup", value: String(label[label.index(after: range.lowerBound)...]))
                ],
                statistic: "Sum"
            )
        default:
            throw ECSError(
                .validation,
                "Unsupported metric type \(type) for service namespace ecs: ECSServiceAverageCPUUtilization, "
                    + "ECSServiceAverageMemoryUtilization or ALBRequestCountPerTarget"
            )
        }
    }

    /// A customized metric, checked: one metric and a statistic; metric math is refused.
    private static func customizedMetric(
        _ specification: ApplicationAutoScaling.CustomizedMetricSpecification
    ) throws(ECSError) -> TrackedMetric {
        if specification.metrics != nil {
            throw ECSError(
                .validation,
                "CustomizedMetricSpecification.Metrics is not supported by Wharf, which does not evaluate metric math; "
                    + "give MetricName, Namespace, Dimensions and Statistic"
            )
        }
        guard let name = specification.metricName, let namespace = specification.namespace,
            let statistic = specification.statistic
        else {
            throw ECSError(
                .validation,
                "CustomizedMetricSpecification needs MetricName, Namespace and Statistic"
            )
        }
        return TrackedMetric(
            namespace: namespace,
            metricName: name,
            dimensions: (specification.dimensions ?? []).map {
                MetricDimension(name: $0.name ?? "", value: $0.value ?? "")
            },
            statistic: statistic,
            unit: specification.unit
        )
    }

    /// A step scaling configuration, checked: an adjustment type, steps that neither overlap
    /// nor leave gaps, and a minimum magnitude only for percentages.
    static func stepScaling(
        _ configuration: ApplicationAutoScaling.StepScalingPolicyConfiguration
    ) throws(ECSError) -> StepScalingPolicy {
        guard let typeText = configuration.adjustmentType, let type = AdjustmentType(rawValue: typeText) else {
            throw ECSError(.validation, "AdjustmentType is required for a StepScaling policy")
        }
        let steps = (configuration.stepAdjustments ?? []).map {
            ScalingStep(
                lower: $0.metricIntervalLowerBound,
                upper: $0.metricIntervalUpperBound,
                adjustment: $0.scalingAdjustment ?? 0
            )
        }
        guard !steps.isEmpty else {
            throw ECSError(.validation, "StepAdjustments is required for a StepScaling policy")
        }
        let sorted = steps.sorted { ($0.lower ?? -.infinity) < ($1.lower ?? -.infinity) }
        for (index, step) in sorted.enumerated() {
            if let lower = step.lower, let upper = step.upper, lower >= upper {
                throw ECSError(.validation, "A step's upper bound must be greater than its lower bound")
            }
            if index > 0 {
                guard let previous = sorted[index - 1].upper, previous == step.lower else {
                    throw ECSError(.validation, "Step adjustments must not overlap or leave gaps between them")
                }
            }
        }
        if type == .exactCapacity, steps.contains(where: { $0.adjustment < 0 }) {
            throw ECSError(.validation, "An ExactCapacity step cannot be negative")
        }
        if configuration.minAdjustmentMagnitude != nil && type != .percentChangeInCapacity {
            throw ECSError(.validation, "MinAdjustmentMagnitude is only for PercentChangeInCapacity")
        }
        if let cooldown = configuration.cooldown, !(0...86_400).contains(cooldown) {
            throw ECSError(.validation, "Cooldown must be between 0 and 86400 seconds")
        }
        return StepScalingPolicy(
            adjustmentType: type,
            steps: sorted,
            minAdjustmentMagnitude: configuration.minAdjustmentMagnitude,
            cooldown: configuration.cooldown ?? defaultCooldown,
            metricAggregationType: configuration.metricAggregationType ?? "Average"
        )
    }

    /// DescribeScalingPolicies: by names, resource and dimension, 50 at most a page.
    func describeScalingPolicies(
        _ request: ApplicationAutoScaling.DescribeScalingPoliciesRequest
    ) throws(ECSError) -> ApplicationAutoScaling.DescribeScalingPoliciesResponse {
        try Self.checkScalingNamespace(request.serviceNamespace, dimension: request.scalableDimension)
        let names = request.policyNames.map(Set.init)
        let matching = autoScaling.allPolicies.filter { policy in
            (names?.contains(policy.name) ?? true) && (request.resourceId.map { $0 == policy.resourceId } ?? true)
        }
        let page = try Self.scalingPage(
            matching,
            key: { "\($0.target.text)|\($0.name)" },
            size: request.maxResults,
            token: request.nextToken,
            scope: "policies|\(names?.sorted().joined(separator: ",") ?? "")|\(request.resourceId ?? "")"
        )
        return ApplicationAutoScaling.DescribeScalingPoliciesResponse(
            scalingPolicies: page.items.map(scalingPolicyShape),
            nextToken: page.nextToken
        )
    }

    /// DeleteScalingPolicy: the policy and the alarms it made.
    func deleteScalingPolicy(
        _ request: ApplicationAutoScaling.DeleteScalingPolicyRequest
    ) throws(ECSError) -> Outcome<ApplicationAutoScaling.DeleteScalingPolicyResponse> {
        let key = try Self.targetKey(
            namespace: request.serviceNamespace,
            resourceId: request.resourceId,
            dimension: request.scalableDimension
        )
        let name = request.policyName ?? ""
        guard let policy = autoScaling.allPolicies.first(where: { $0.target == key && $0.name == name }) else {
            throw ECSError(
                .objectNotFound,
                "No scaling policy found for service namespace: ecs, resource ID: \(key.resourceId), scalable "
                    + "dimension: \(key.scalableDimension), policy name: \(name)"
            )
        }
        return Outcome(
            ApplicationAutoScaling.DeleteScalingPolicyResponse(),
            [.deleteScalingPolicy(arn: policy.arn)]
                + policy.alarmNames.filter { alarms[$0] != nil }.map { .deleteAlarm(name: $0) }
        )
    }
}
