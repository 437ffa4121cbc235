import Foundation
import WharfMonitoring

/// A scaling policy: target tracking (keep a metric at a value, through two alarms of its own) or
/// step scaling (add or remove capacity by how far an alarm's metric is past its threshold).
public struct ScalingPolicyRecord: Codable, Equatable, Sendable {
    public var name: String
    /// `arn:aws:autoscaling:REGION:ACCOUNT:scalingPolicy:ID:resource/ecs/service/CLUSTER/SERVICE:policyName/NAME`.
    public var arn: String
    public var resourceId: String
    public var scalableDimension: String
    public var targetTracking: TargetTrackingPolicy?
    public var stepScaling: StepScalingPolicy?
    /// The names of the alarms it made (target tracking).
    public var alarmNames: [String]
    public var createdAt: Date

    public init(
        name: String,
        arn: String,
        resourceId: String,
        scalableDimension: String,
        targetTracking: TargetTrackingPolicy? = nil,
        stepScaling: StepScalingPolicy? = nil,
        alarmNames: [String] = [],
        createdAt: Date
    ) {
        self.name = name
        self.arn = arn
        self.resourceId = resourceId
        self.scalableDimension = scalableDimension
        self.targetTracking = targetTracking
        self.stepScaling = stepScaling
        self.alarmNames = alarmNames
        self.createdAt = createdAt
    }

    /// Its target's key.
    public var target: ScalableTargetKey {
        ScalableTargetKey(resourceId: resourceId, scalableDimension: scalableDimension)
    }
}

/// The metric a target tracking policy keeps at its value.
public struct TrackedMetric: Codable, Equatable, Sendable {
    /// `ECSServiceAverageCPUUtilization` and the like; nil for a customized metric.
    public var predefinedType: String?
    public var resourceLabel: String?
    public var namespace: String
    public var metricName: String
    public var dimensions: [MetricDimension]
    public var statistic: String
    public var unit: String?

    public init(
        predefinedType: String? = nil,
        resourceLabel: String? = nil,
        namespace: String,
        metricName: String,
        dimensions: [MetricDimension],
        statistic: String,
        unit: String? = nil
    ) {
        self.predefinedType = predefinedType
        self.resourceLabel = resourceLabel
        self.namespace = namespace
        self.metricName = metricName
        self.dimensions = dimensions
        self.statistic = statistic
        self.unit = unit
    }
}

/// Target tracking's settings.
public struct TargetTrackingPolicy: Codable, Equatable, Sendable {
    public var targetValue: Double
    public var metric: TrackedMetric
    /// Seconds after a scale-out before another scale-out counts it in full, and after a scale-in
    /// before another scale-in.
    public var scaleOutCooldown: Int
    public var scaleInCooldown: Int
    public var disableScaleIn: Bool

    public init(
        targetValue: Double,
        metric: TrackedMetric,
        scaleOutCooldown: Int,
        scaleInCooldown: Int,
        disableScaleIn: Bool
    ) {
        self.targetValue = targetValue
        self.metric = metric
        self.scaleOutCooldown = scaleOutCooldown
        self.scaleInCooldown = scaleInCooldown
        self.disableScaleIn = disableScaleIn
    }
}

/// Step scaling's settings.
public struct StepScalingPolicy: Codable, Equatable, Sendable {
    public var adjustmentType: AdjustmentType
    public var steps: [ScalingStep]
    public var minAdjustmentMagnitude: Int?
    public var cooldown: Int
    /// `Average`, `Minimum` or `Maximum`: how the alarm's metric is aggregated for the steps.
    public var metricAggregationType: String

    public init(
        adjustmentType: AdjustmentType,
        steps: [ScalingStep],
        minAdjustmentMagnitude: Int?,
        cooldown: Int,
        metricAggregationType: String
    ) {
        self.adjustmentType = adjustmentType
        self.steps = steps
        self.minAdjustmentMagnitude = minAdjustmentMagnitude
        self.cooldown = cooldown
        self.metricAggregationType = metricAggregationType
    }
}
