/// The samples of one metric that fall into one period, summed up.
public struct MetricBucket: Equatable, Sendable {
    /// When the period starts, in milliseconds since 1970.
    public var start: Int
    public var unit: String
    public var sampleCount: Double = 0
    public var sum: Double = 0
    public var minimum: Double = .infinity
    public var maximum: Double = -.infinity
    /// The values and their counts, while every sample is a single value; nil once one is not
    /// (a statistic set has no percentiles).
    public var values: [Double: Double]? = [:]

    public init(start: Int, unit: String) {
        self.start = start
        self.unit = unit
    }

    /// Adds one sample.
    public mutating func add(_ sample: MetricSample) {
        sampleCount += sample.sampleCount
        sum += sample.sum
        minimum = Swift.min(minimum, sample.minimum)
        maximum = Swift.max(maximum, sample.maximum)
        if sample.isSingleValue {
            values?[sample.minimum, default: 0] += sample.sampleCount
        } else {
            values = nil
        }
    }

    /// The statistic's value; nil for a percentile of statistic sets, or of nothing.
    public func value(_ statistic: MetricStatistic) -> Double? {
        guard sampleCount > 0 else { return statistic == .sampleCount ? 0 : nil }
        switch statistic {
        case .sampleCount: return sampleCount
        case .average: return sum / sampleCount
        case .sum: return sum
        case .minimum: return minimum
        case .maximum: return maximum
        case .percentile(let percent):
            guard let values else { return nil }
            // Nearest rank over the weighted values.
            let rank = Swift.max(1, (percent / 100 * sampleCount).rounded(.up))
            var seen = 0.0
            for (value, count) in values.sorted(by: { $0.key < $1.key }) {
                seen += count
                if seen >= rank { return value }
            }
            return values.keys.max()
        }
    }
}

/// Sorts samples into periods as CloudWatch answers a query: periods start at the query's start,
/// rounded down to the whole minute (to the whole period below one minute), and follow one another.
public enum MetricAggregation {
    /// Where the first period starts for a query starting at `start` (milliseconds).
    public static func alignedStart(_ start: Int, periodSeconds: Int) -> Int {
        let step = (periodSeconds < 60 ? Swift.max(periodSeconds, 1) : 60) * 1000
        return floorDivide(start, step) * step
    }

    /// The periods of `[start, end)` that hold samples, oldest first. Samples of a unit other than
    /// `unit` are left out when `unit` is given; a period's unit is its first sample's.
    public static func buckets(
        _ samples: [MetricSample],
        start: Int,
        end: Int,
        periodSeconds: Int,
        unit: String? = nil
    ) -> [MetricBucket] {
        let first = alignedStart(start, periodSeconds: periodSeconds)
        let period = Swift.max(periodSeconds, 1) * 1000
        var buckets: [Int: MetricBucket] = [:]
        for sample in samples where sample.timestamp >= first && sample.timestamp < end {
            if let unit, sample.unit != unit { continue }
            let bucketStart = first + floorDivide(sample.timestamp - first, period) * period
            buckets[bucketStart, default: MetricBucket(start: bucketStart, unit: sample.unit)].add(sample)
        }
        return buckets.values.sorted { $0.start < $1.start }
    }

    /// `value / divisor` rounded toward minus infinity.
    public static func floorDivide(_ value: Int, _ divisor: Int) -> Int {
        value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
    }
}
