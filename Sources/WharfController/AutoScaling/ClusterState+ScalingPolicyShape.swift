import WharfModel
import WharfMonitoring
import WharfState

/// A scaling policy in Application Auto Scaling's shape, with the alarms that run it.
extension ClusterState {
    /// The alarms that run a policy: those it made, and those whose actions name it.
    func alarmNames(of policy: ScalingPolicyRecord) -> [String] {
        let naming = alarms.all.filter { alarm in
            (alarm.okActions + alarm.alarmActions + alarm.insufficientDataActions).contains(policy.arn)
        }.map(\.name)
        return Array(Set(policy.alarmNames + naming)).sorted()
    }

    /// A policy in Application Auto Scaling's shape.
    func scalingPolicyShape(_ record: ScalingPolicyRecord) -> ApplicationAutoScaling.ScalingPolicy {
        var targetTracking: ApplicationAutoScaling.TargetTrackingScalingPolicyConfiguration?
        if let policy = record.targetTracking {
            let metric = policy.metric
            targetTracking = ApplicationAutoScaling.TargetTrackingScalingPolicyConfiguration(
                targetValue: policy.targetValue,
                predefinedMetricSpecification: metric.predefinedType.map {
                    ApplicationAutoScaling.PredefinedMetricSpecification(
                        predefinedMetricType: $0,
                        resourceLabel: metric.resourceLabel
                    )
                },
                customizedMetricSpecification: metric.predefinedType == nil
                    ? ApplicationAutoScaling.CustomizedMetricSpecification(
                        metricName: metric.metricName,
                        namespace: metric.namespace,
                        dimensions: metric.dimensions.map {
                            ApplicationAutoScaling.MetricDimension(name: $0.name, value: $0.value)
                        },
                        statistic: metric.statistic,
                        unit: metric.unit
                    ) : nil,
                scaleOutCooldown: policy.scaleOutCooldown,
                scaleInCooldown: policy.scaleInCooldown,
                disableScaleIn: policy.disableScaleIn
            )
        }
        let step = record.stepScaling.map { policy in
            ApplicationAutoScaling.StepScalingPolicyConfiguration(
                adjustmentType: policy.adjustmentType.rawValue,
                stepAdjustments: policy.steps.map {
                    ApplicationAutoScaling.StepAdjustment(
                        metricIntervalLowerBound: $0.lower,
                        metricIntervalUpperBound: $0.upper,
                        scalingAdjustment: $0.adjustment
                    )
                },
                minAdjustmentMagnitude: policy.minAdjustmentMagnitude,
                cooldown: policy.cooldown,
                metricAggregationType: policy.metricAggregationType
            )
        }
        return ApplicationAutoScaling.ScalingPolicy(
            policyARN: record.arn,
            policyName: record.name,
            serviceNamespace: Self.ecsNamespace,
            resourceId: record.resourceId,
            scalableDimension: record.scalableDimension,
            policyType: record.targetTracking != nil ? "TargetTrackingScaling" : "StepScaling",
            stepScalingPolicyConfiguration: step,
            targetTrackingScalingPolicyConfiguration: targetTracking,
            alarms: alarmNames(of: record).map { ApplicationAutoScaling.Alarm(alarmName: $0, alarmARN: alarmARN($0)) },
            creationTime: record.createdAt
        )
    }
}
