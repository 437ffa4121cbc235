/// An alarm's state, in CloudWatch's words.
public enum AlarmStateValue: String, Codable, Sendable, CaseIterable {
    case ok = "OK"
    case alarm = "ALARM"
    case insufficientData = "INSUFFICIENT_DATA"
}

/// How a period's value is compared with the threshold.
public enum ComparisonOperator: String, Codable, Sendable, CaseIterable {
    case greaterThanOrEqual = "GreaterThanOrEqualToThreshold"
    case greaterThan = "GreaterThanThreshold"
    case lessThan = "LessThanThreshold"
    case lessThanOrEqual = "LessThanOrEqualToThreshold"

    /// Whether `value` breaches `threshold`.
    public func breaches(_ value: Double, _ threshold: Double) -> Bool {
        switch self {
        case .greaterThanOrEqual: value >= threshold
        case .greaterThan: value > threshold
        case .lessThan: value < threshold
        case .lessThanOrEqual: value <= threshold
        }
    }

    /// The comparison in CloudWatch's reasons: `greater than or equal to`.
    public var phrase: String {
        switch self {
        case .greaterThanOrEqual: "greater than or equal to"
        case .greaterThan: "greater than"
        case .lessThan: "less than"
        case .lessThanOrEqual: "less than or equal to"
        }
    }
}

/// What an alarm does with a period that has no data.
public enum MissingDataTreatment: String, Codable, Sendable, CaseIterable {
    /// The period is not counted; with no data at all, the state is INSUFFICIENT_DATA.
    case missing
    /// The period is not counted; with no data at all, the state stays as it is.
    case ignore
    /// The period counts as breaching the threshold.
    case breaching
    /// The period counts as within the threshold.
    case notBreaching
}

/// What an alarm watches and when it goes off: a statistic of a metric over periods, compared
/// with a threshold; ALARM when `datapointsToAlarm` of the last `evaluationPeriods` breach.
public struct AlarmRule: Equatable, Sendable {
    public var statistic: MetricStatistic
    public var periodSeconds: Int
    public var evaluationPeriods: Int
    public var datapointsToAlarm: Int
    public var threshold: Double
    public var comparison: ComparisonOperator
    public var treatMissingData: MissingDataTreatment
    /// For percentiles: whether a period with too few samples to tell is evaluated anyway
    /// (`evaluate`) or counted as missing (`ignore`).
    public var evaluateLowSampleCount: Bool

    public init(
        statistic: MetricStatistic,
        periodSeconds: Int,
        evaluationPeriods: Int,
        datapointsToAlarm: Int? = nil,
        threshold: Double,
        comparison: ComparisonOperator,
        treatMissingData: MissingDataTreatment = .missing,
        evaluateLowSampleCount: Bool = true
    ) {
        self.statistic = statistic
        self.periodSeconds = periodSeconds
        self.evaluationPeriods = evaluationPeriods
        self.datapointsToAlarm = datapointsToAlarm ?? evaluationPeriods
        self.threshold = threshold
        self.comparison = comparison
        self.treatMissingData = treatMissingData
        self.evaluateLowSampleCount = evaluateLowSampleCount
    }
}
