import Foundation
import WharfModel
import WharfMonitoring

/// A GetMetricStatistics call, checked: one metric, a time range, a period and the statistics.
struct StatisticsQuery: Sendable {
    let key: MetricKey
    /// The range in milliseconds, `[start, end)`.
    let start: Int
    let end: Int
    let period: Int
    let statistics: [MetricStatistic]
    let percentiles: [(name: String, statistic: MetricStatistic)]
    let unit: String?

    /// - Parameter configuredPeriod: the controller's `--metric-period` in seconds, accepted as a period.
    init(_ input: CloudWatch.GetMetricStatisticsInput, configuredPeriod: Int = 60) throws(ECSError) {
        key = MetricKey(
            namespace: input.namespace ?? "",
            name: input.metricName ?? "",
            dimensions: try CloudWatchOperations.dimensions(input.dimensions, at: "Dimensions")
        )
        start = CloudWatchOperations.millis(input.startTime ?? Date())
        end = CloudWatchOperations.millis(input.endTime ?? Date())
        period = input.period ?? 60
        unit = input.unit
        try CloudWatchOperations.checkPeriod(period, at: "Period", configured: configuredPeriod)
        guard start < end else {
            throw ECSError(.invalidParameterValue, "The parameter StartTime must be less than the parameter EndTime.")
        }
        switch (input.statistics, input.extendedStatistics) {
        case (nil, nil):
            throw ECSError(
                .missingParameter,
                "Must specify either Statistics or ExtendedStatistics, but not both."
            )
        case (.some, .some):
            throw ECSError(
                .invalidParameterCombination,
                "Must specify either Statistics or ExtendedStatistics, but not both."
            )
        default: break
        }
        statistics = (input.statistics ?? []).compactMap { MetricStatistic.standard[$0] }
        var percentiles: [(String, MetricStatistic)] = []
        for name in input.extendedStatistics ?? [] {
            guard let statistic = MetricStatistic(name), case .percentile = statistic else {
                throw ECSError(
                    .invalidParameterValue,
                    "The value \(name) for parameter ExtendedStatistics is not supported: Wharf computes "
                        + "percentiles (p0 to p100)."
                )
            }
            percentiles.append((name, statistic))
        }
        self.percentiles = percentiles
        let points =
            (end - MetricAggregation.alignedStart(start, periodSeconds: period) + period * 1000 - 1)
            / (period * 1000)
        guard points <= CloudWatchOperations.maxStatisticsDatapoints else {
            throw ECSError(
                .invalidParameterCombination,
                "You have requested up to \(Self.grouped(points)) datapoints, which exceeds the limit of 1,440. "
                    + "You may reduce the datapoints requested by increasing Period, or decreasing the time range."
            )
        }
    }

    /// The answer from the metric's samples in the range.
    func answer(_ samples: [MetricSample]) -> CloudWatch.GetMetricStatisticsOutput {
        let buckets = MetricAggregation.buckets(samples, start: start, end: end, periodSeconds: period, unit: unit)
        let datapoints = buckets.map { bucket in
            var point = CloudWatch.Datapoint(
                timestamp: Date(timeIntervalSince1970: Double(bucket.start) / 1000),
                unit: bucket.unit
            )
            for statistic in statistics {
                let value = bucket.value(statistic)
                switch statistic {
                case .sampleCount: point.sampleCount = value
                case .average: point.average = value
                case .sum: point.sum = value
                case .minimum: point.minimum = value
                case .maximum: point.maximum = value
                case .percentile: break
                }
            }
            if !percentiles.isEmpty {
                var values: [String: Double] = [:]
                for (name, statistic) in percentiles {
                    if let value = bucket.value(statistic) { values[name] = value }
                }
                point.extendedStatistics = values
            }
            return point
        }
        return CloudWatch.GetMetricStatisticsOutput(label: key.name, datapoints: datapoints)
    }

    /// `1441` as `1,441`.
    static func grouped(_ number: Int) -> String {
        let digits = Array(String(number))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return out
    }
}
