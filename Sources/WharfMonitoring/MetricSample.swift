/// One stored point of a metric: a statistic set (how many values, their sum, minimum and
/// maximum) at a time, in a unit. A single value is a set of one; `Values` with `Counts` become
/// one sample per distinct value, so percentiles stay exact for them.
public struct MetricSample: Equatable, Sendable {
    /// Milliseconds since 1970.
    public var timestamp: Int
    /// CloudWatch's unit name (`Percent`, `Count`, ...); `None` when none was given.
    public var unit: String
    public var sampleCount: Double
    public var sum: Double
    public var minimum: Double
    public var maximum: Double

    public init(
        timestamp: Int,
        unit: String = "None",
        sampleCount: Double,
        sum: Double,
        minimum: Double,
        maximum: Double
    ) {
        self.timestamp = timestamp
        self.unit = unit
        self.sampleCount = sampleCount
        self.sum = sum
        self.minimum = minimum
        self.maximum = maximum
    }

    /// `count` occurrences of `value`.
    public init(timestamp: Int, unit: String = "None", value: Double, count: Double = 1) {
        self.init(
            timestamp: timestamp,
            unit: unit,
            sampleCount: count,
            sum: value * count,
            minimum: value,
            maximum: value
        )
    }

    /// Whether the sample stands for copies of one value (so it can take part in percentiles).
    public var isSingleValue: Bool { minimum == maximum }
}

/// A sample of a metric, as one call stores it.
public struct MetricPoint: Equatable, Sendable {
    public var key: MetricKey
    public var sample: MetricSample

    public init(key: MetricKey, sample: MetricSample) {
        self.key = key
        self.sample = sample
    }
}
