import Foundation
import WharfMonitoring

/// A CloudWatch metric alarm as the controller keeps it: what it watches, when it goes off, what
/// it does then, and where it stands. Its ARN is derived from its name.
public struct AlarmRecord: Codable, Equatable, Sendable {
    public var name: String
    public var description: String?
    public var actionsEnabled: Bool
    public var okActions: [String]
    public var alarmActions: [String]
    public var insufficientDataActions: [String]
    public var namespace: String
    public var metricName: String
    public var dimensions: [MetricDimension]
    /// `Average`, `p99`, ...: a standard statistic or a percentile (ExtendedStatistic).
    public var statistic: String
    public var unit: String?
    public var period: Int
    public var evaluationPeriods: Int
    public var datapointsToAlarm: Int?
    public var threshold: Double
    public var comparison: ComparisonOperator
    public var treatMissingData: MissingDataTreatment
    /// `evaluate` or `ignore`, for percentiles only.
    public var evaluateLowSampleCountPercentile: String?
    public var tags: [Tag]
    public var state: AlarmStateValue
    public var stateReason: String
    public var stateReasonData: String?
    public var stateUpdatedAt: Date
    public var stateTransitionedAt: Date
    public var configurationUpdatedAt: Date

    public init(
        name: String,
        description: String? = nil,
        actionsEnabled: Bool = true,
        okActions: [String] = [],
        alarmActions: [String] = [],
        insufficientDataActions: [String] = [],
        namespace: String,
        metricName: String,
        dimensions: [MetricDimension] = [],
        statistic: String,
        unit: String? = nil,
        period: Int,
        evaluationPeriods: Int,
        datapointsToAlarm: Int? = nil,
        threshold: Double,
        comparison: ComparisonOperator,
        treatMissingData: MissingDataTreatment = .missing,
        evaluateLowSampleCountPercentile: String? = nil,
        tags: [Tag] = [],
        state: AlarmStateValue = .insufficientData,
        stateReason: String = "Unchecked: Initial alarm creation",
        stateReasonData: String? = nil,
        createdAt: Date
    ) {
        self.name = name
        self.description = description
        self.actionsEnabled = actionsEnabled
        self.okActions = okActions
        self.alarmActions = alarmActions
        self.insufficientDataActions = insufficientDataActions
        self.namespace = namespace
        self.metricName = metricName
        self.dimensions = dimensions
        self.statistic = statistic
        self.unit = unit
        self.period = period
        self.evaluationPeriods = evaluationPeriods
        self.datapointsToAlarm = datapointsToAlarm
        self.threshold = threshold
        self.comparison = comparison
        self.treatMissingData = treatMissingData
        self.evaluateLowSampleCountPercentile = evaluateLowSampleCountPercentile
        self.tags = tags
        self.state = state
        self.stateReason = stateReason
        self.stateReasonData = stateReasonData
        self.stateUpdatedAt = createdAt
        self.stateTransitionedAt = createdAt
        self.configurationUpdatedAt = createdAt
    }

    /// The metric it watches.
    public var metric: MetricKey {
        MetricKey(namespace: namespace, name: metricName, dimensions: dimensions)
    }

    /// How it is evaluated.
    public var rule: AlarmRule {
        AlarmRule(
            statistic: MetricStatistic(statistic) ?? .average,
            periodSeconds: period,
            evaluationPeriods: evaluationPeriods,
            datapointsToAlarm: datapointsToAlarm,
            threshold: threshold,
            comparison: comparison,
            treatMissingData: treatMissingData,
            evaluateLowSampleCount: evaluateLowSampleCountPercentile != "ignore"
        )
    }

    /// The actions of a state.
    public func actions(for state: AlarmStateValue) -> [String] {
        switch state {
        case .ok: okActions
        case .alarm: alarmActions
        case .insufficientData: insufficientDataActions
        }
    }
}
