import Foundation
import WharfModel
import WharfMonitoring
import WharfStore

/// PutMetricData, GetMetricStatistics, GetMetricData and ListMetrics over the metric store.
extension CloudWatchOperations {
    /// The most points one GetMetricStatistics answer may hold.
    static let maxStatisticsDatapoints = 1440
    /// The periods below a minute that high-resolution metrics allow.
    static let highResolutionPeriods: Set<Int> = [1, 5, 10, 20, 30]
    /// How far back and ahead of now PutMetricData accepts timestamps: two weeks, two hours.
    static let pastLimitMillis = 14 * 86_400_000
    static let futureLimitMillis = 2 * 3_600_000

    mutating func addMetrics() {
        let metrics = self.metrics
        let now = self.now
        let context = self.context
        let configured = settings.periodSeconds
        on("PutMetricData") { (input: CloudWatch.PutMetricDataInput) in
            let points = try Self.points(input, now: Self.millis(now()))
            try await metrics.put(points)
            return CloudWatch.Empty()
        }
        on("GetMetricStatistics") { (input: CloudWatch.GetMetricStatisticsInput) in
            let query = try StatisticsQuery(input, configuredPeriod: configured)
            let samples = try await metrics.samples(of: query.key, start: query.start, end: query.end)
            return query.answer(samples)
        }
        on("GetMetricData") { (input: CloudWatch.GetMetricDataInput) in
            let query = try MetricDataQuery(input, accountID: context.accountID, configuredPeriod: configured)
            var series: [[MetricBucket]] = []
            for stat in query.stats {
                let samples = try await metrics.samples(of: stat.key, start: query.start, end: query.end)
                series.append(
                    MetricAggregation.buckets(
                        samples,
                        start: query.start,
                        end: query.end,
                        periodSeconds: stat.period,
                        unit: stat.unit
                    )
                )
            }
            return try query.answer(series)
        }
        on("ListMetrics") { (input: CloudWatch.ListMetricsInput) in
            try Self.listMetrics(
                input,
                all: await metrics.allMetrics(),
                now: Self.millis(now()),
                accountID: context.accountID
            )
        }
    }

    /// The samples of a PutMetricData call, each checked as CloudWatch checks it.
    static func points(_ input: CloudWatch.PutMetricDataInput, now: Int) throws(ECSError) -> [MetricPoint] {
        let namespace = input.namespace ?? ""
        if namespace.hasPrefix("AWS/") {
            throw ECSError(.invalidParameterValue, "The value \(namespace) for parameter Namespace is invalid.")
        }
        if input.entityMetricData != nil {
            throw ECSError(
                .invalidParameterValue,
                "EntityMetricData is not supported by Wharf, which keeps no entities; send the metrics in MetricData"
            )
        }
        let data = input.metricData ?? []
        guard !data.isEmpty else {
            throw ECSError(.missingParameter, "The parameter MetricData is required.")
        }
        guard data.count <= 1000 else {
            throw ECSError(
                .invalidParameterValue,
                "The collection MetricData must not have a size greater than 1000."
            )
        }
        var points: [MetricPoint] = []
        for (index, datum) in data.enumerated() {
            points += try Self.points(datum, at: "MetricData.member.\(index + 1)", namespace: namespace, now: now)
        }
        return points
    }

    private static func points(
        _ datum: CloudWatch.MetricDatum,
        at path: String,
        namespace: String,
        now: Int
    ) throws(ECSError) -> [MetricPoint] {
        let key = MetricKey(
            namespace: namespace,
            name: datum.metricName ?? "",
            dimensions: try dimensions(datum.dimensions, at: "\(path).Dimensions")
        )
        let timestamp = datum.timestamp.map(millis) ?? now
        guard timestamp >= now - pastLimitMillis, timestamp <= now + futureLimitMillis else {
            throw ECSError(
                .invalidParameterValue,
                "The parameter \(path).Timestamp must specify a time no more than two weeks in the past and no "
                    + "more than two hours in the future."
            )
        }
        if let resolution = datum.storageResolution, resolution != 1, resolution != 60 {
            throw ECSError(
                .invalidParameterValue,
                "The value \(resolution) for parameter \(path).StorageResolution is invalid: it must be 1 or 60."
            )
        }
        let unit = datum.unit ?? "None"
        let given = [datum.value != nil, datum.statisticValues != nil, datum.values != nil].filter { $0 }.count
        guard given == 1 else {
            throw ECSError(
                given == 0 ? .missingParameter : .invalidParameterCombination,
                "The parameters \(path).Value, \(path).StatisticValues and \(path).Values are mutually exclusive "
                    + "and one of them must be specified."
            )
        }
        if let value = datum.value {
            try checkValue(value, at: "\(path).Value")
            return [MetricPoint(key: key, sample: MetricSample(timestamp: timestamp, unit: unit, value: value))]
        }
        if let set = datum.statisticValues {
            let (count, sum, minimum, maximum) = (
                set.sampleCount ?? 0, set.sum ?? 0, set.minimum ?? 0, set.maximum ?? 0
            )
            for (name, value) in [("SampleCount", count), ("Sum", sum), ("Minimum", minimum), ("Maximum", maximum)] {
                try checkValue(value, at: "\(path).StatisticValues.\(name)")
            }
            guard count > 0, minimum <= maximum else {
                throw ECSError(
                    .invalidParameterValue,
                    "The parameter \(path).StatisticValues must have a SampleCount above 0 and a Minimum no "
                        + "greater than its Maximum."
                )
            }
            let sample = MetricSample(
                timestamp: timestamp,
                unit: unit,
                sampleCount: count,
                sum: sum,
                minimum: minimum,
                maximum: maximum
            )
            return [MetricPoint(key: key, sample: sample)]
        }
        let values = datum.values ?? []
        guard values.count <= 150 else {
            throw ECSError(
                .invalidParameterValue,
                "The collection \(path).Values must not have a size greater than 150."
            )
        }
        if let counts = datum.counts, counts.count != values.count {
            throw ECSError(
                .invalidParameterValue,
                "The parameters \(path).Values and \(path).Counts must be of the same size."
            )
        }
        var points: [MetricPoint] = []
        for (index, value) in values.enumerated() {
            try checkValue(value, at: "\(path).Values.member.\(index + 1)")
            let count = datum.counts?[index] ?? 1
            guard count.isFinite, count > 0 else {
                throw ECSError(
                    .invalidParameterValue,
                    "The value \(count) for parameter \(path).Counts.member.\(index + 1) is invalid: counts must be "
                        + "above 0."
                )
            }
            points.append(
                MetricPoint(
                    key: key,
                    sample: MetricSample(timestamp: timestamp, unit: unit, value: value, count: count)
                )
            )
        }
        return points
    }

    /// A value CloudWatch stores: finite, and 0 or of a magnitude from 2^-360 to 2^360.
    private static func checkValue(_ value: Double, at path: String) throws(ECSError) {
        guard value.isFinite, value == 0 || (0x1p-360...0x1p360).contains(abs(value)) else {
            throw ECSError(.invalidParameterValue, "The value \(value) for parameter \(path) is invalid.")
        }
    }

    /// Dimensions as given, refusing a name given twice.
    static func dimensions(_ given: [CloudWatch.Dimension]?, at path: String) throws(ECSError) -> [MetricDimension] {
        var seen = Set<String>()
        var dimensions: [MetricDimension] = []
        for dimension in given ?? [] {
            let name = dimension.name ?? ""
            guard seen.insert(name).inserted else {
                throw ECSError(
                    .invalidParameterValue,
                    "No metric may have more than one dimension named \(name) (in \(path))."
                )
            }
            dimensions.append(MetricDimension(name: name, value: dimension.value ?? ""))
        }
        return dimensions
    }

    /// A period CloudWatch answers in: a multiple of 60 seconds, or 1, 5, 10, 20 or 30; also the
    /// controller's `--metric-period` (`configured`), the period of its own metrics and of the
    /// alarms that scaling policies create, so what an alarm evaluated can be read back as it saw it.
    static func checkPeriod(_ period: Int, at name: String, configured: Int) throws(ECSError) {
        guard period > 0, period % 60 == 0 || highResolutionPeriods.contains(period) || period == configured else {
            throw ECSError(
                .invalidParameterValue,
                "The parameter \(name) must be a multiple of 60, or 1, 5, 10, 20 or 30 for high-resolution metrics."
            )
        }
    }

    /// The metrics ListMetrics answers with, filtered as asked, one page of 500.
    static func listMetrics(
        _ input: CloudWatch.ListMetricsInput,
        all: [(key: MetricKey, lastTimestamp: Int)],
        now: Int,
        accountID: String
    ) throws(ECSError) -> CloudWatch.ListMetricsOutput {
        // Metrics with points in the last two weeks, or in the last three hours when asked.
        let since = now - (input.recentlyActive == "PT3H" ? 3 * 3_600_000 : pastLimitMillis)
        let filters = input.dimensions ?? []
        let key = { (metric: (key: MetricKey, lastTimestamp: Int)) in
            "\(metric.key.namespace)\n\(metric.key.name)\n\(metric.key.dimensionsText)"
        }
        let matching = all.sorted { key($0) < key($1) }.filter { metric in
            metric.lastTimestamp >= since
                && input.namespace.map { $0 == metric.key.namespace } ?? true
                && input.metricName.map { $0 == metric.key.name } ?? true
                && filters.allSatisfy { filter in
                    metric.key.dimensions.contains {
                        $0.name == filter.name && (filter.value == nil || $0.value == filter.value)
                    }
                }
                && (input.owningAccount == nil || input.owningAccount == accountID)
        }
        let scope = [
            "metrics", input.namespace ?? "", input.metricName ?? "", input.recentlyActive ?? "",
            filters.map { "\($0.name ?? "")=\($0.value ?? "*")" }.joined(separator: ","),
        ].joined(separator: "|")  // one line: a token's scope ends at its first newline
        let page: (items: [(key: MetricKey, lastTimestamp: Int)], nextToken: String?)
        do {
            page = try PageToken.page(
                matching,
                key: key,
                size: 500,
                after: input.nextToken,
                scope: scope
            )
        } catch {
            throw ECSError(.invalidNextToken, "The service cannot process the request: the NextToken is not valid.")
        }
        let shown = page.items.map { metric in
            CloudWatch.Metric(
                namespace: metric.key.namespace,
                metricName: metric.key.name,
                dimensions: metric.key.dimensions.map { CloudWatch.Dimension(name: $0.name, value: $0.value) }
            )
        }
        return CloudWatch.ListMetricsOutput(
            metrics: shown,
            nextToken: page.nextToken,
            owningAccounts: input.includeLinkedAccounts == true ? shown.map { _ in accountID } : nil
        )
    }
}
