import Foundation
import WharfModel
import WharfMonitoring

/// A GetMetricData call, checked: the metrics asked for (metric math is refused), a time range,
/// the order and the page.
struct MetricDataQuery: Sendable {
    /// One metric statistic asked for.
    struct Stat: Sendable {
        let id: String
        let label: String
        let key: MetricKey
        let period: Int
        let statistic: MetricStatistic
        let unit: String?
        let returnData: Bool
    }

    let stats: [Stat]
    let start: Int
    let end: Int
    let descending: Bool
    let maxDatapoints: Int
    /// How many points of the whole answer earlier pages held.
    let offset: Int
    let scope: String

    /// - Parameter configuredPeriod: the controller's `--metric-period` in seconds, accepted as a period.
    init(_ input: CloudWatch.GetMetricDataInput, accountID: String, configuredPeriod: Int = 60) throws(ECSError) {
        let queries = input.metricDataQueries ?? []
        guard !queries.isEmpty else {
            throw ECSError(.missingParameter, "The parameter MetricDataQueries is required.")
        }
        guard queries.count <= 500 else {
            throw ECSError(
                .invalidParameterValue,
                "The collection MetricDataQueries must not have a size greater than 500."
            )
        }
        start = CloudWatchOperations.millis(input.startTime ?? Date())
        end = CloudWatchOperations.millis(input.endTime ?? Date())
        guard start < end else {
            throw ECSError(.invalidParameterValue, "The parameter StartTime must be less than the parameter EndTime.")
        }
        descending = input.scanBy != "TimestampAscending"
        maxDatapoints = input.maxDatapoints ?? 100_800
        guard maxDatapoints > 0 else {
            throw ECSError(.invalidParameterValue, "The parameter MaxDatapoints must be greater than 0.")
        }
        if let zone = input.labelOptions?.timezone, !Self.isTimezone(zone) {
            throw ECSError(
                .invalidParameterValue,
                "The value \(zone) for parameter LabelOptions.Timezone is invalid: it must be +HHMM or -HHMM."
            )
        }
        var ids = Set<String>()
        var stats: [Stat] = []
        for (index, query) in queries.enumerated() {
            let path = "MetricDataQueries.member.\(index + 1)"
            let id = query.id ?? ""
            guard Self.isID(id) else {
                throw ECSError(
                    .invalidParameterValue,
                    "The value \(id) for parameter \(path).Id is invalid: it must start with a lowercase letter "
                        + "and hold only letters, digits and underscores."
                )
            }
            guard ids.insert(id).inserted else {
                throw ECSError(
                    .invalidParameterValue,
                    "The values of MetricDataQueries.member.N.Id must be unique: \(id)"
                )
            }
            if query.expression != nil {
                throw ECSError(
                    .invalidParameterValue,
                    "\(path).Expression is not supported by Wharf, which does not evaluate metric math; ask for "
                        + "metrics with MetricStat"
                )
            }
            guard let stat = query.metricStat else {
                throw ECSError(
                    .missingParameter,
                    "Exactly one of \(path).MetricStat and \(path).Expression must be specified."
                )
            }
            if query.period != nil {
                throw ECSError(
                    .invalidParameterCombination,
                    "\(path).Period is only for expressions; give the period of a MetricStat in "
                        + "\(path).MetricStat.Period."
                )
            }
            if let account = query.accountId, account != accountID {
                throw ECSError(
                    .invalidParameterValue,
                    "The value \(account) for parameter \(path).AccountId is invalid: this CloudWatch holds the "
                        + "metrics of account \(accountID) only."
                )
            }
            if let label = query.label, label.contains("${") {
                throw ECSError(
                    .invalidParameterValue,
                    "\(path).Label uses a dynamic label, which Wharf does not fill in; give a plain label."
                )
            }
            let period = stat.period ?? 60
            try CloudWatchOperations.checkPeriod(period, at: "\(path).MetricStat.Period", configured: configuredPeriod)
            let name = stat.stat ?? ""
            guard let statistic = MetricStatistic(name) else {
                throw ECSError(
                    .invalidParameterValue,
                    "The value \(name) for parameter \(path).MetricStat.Stat is not supported: Wharf computes "
                        + "SampleCount, Average, Sum, Minimum, Maximum and percentiles (p0 to p100)."
                )
            }
            let metric = stat.metric ?? CloudWatch.Metric()
            let key = MetricKey(
                namespace: metric.namespace ?? "",
                name: metric.metricName ?? "",
                dimensions: try CloudWatchOperations.dimensions(
                    metric.dimensions,
                    at: "\(path).MetricStat.Metric.Dimensions"
                )
            )
            stats.append(
                Stat(
                    id: id,
                    label: query.label ?? key.name,
                    key: key,
                    period: period,
                    statistic: statistic,
                    unit: stat.unit,
                    returnData: query.returnData ?? true
                )
            )
        }
        self.stats = stats
        scope =
            "metricData\n\(start)\n\(end)\n\(descending)\n"
            + stats.map { "\($0.id)/\($0.key.name)" }.joined(separator: ",")
        if let token = input.nextToken {
            guard let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8),
                let newline = text.lastIndex(of: "\n"), text[..<newline] == scope,
                let offset = Int(text[text.index(after: newline)...]), offset >= 0
            else {
                throw ECSError(.invalidNextToken, "The service cannot process the request: the NextToken is not valid.")
            }
            self.offset = offset
        } else {
            offset = 0
        }
    }

    /// The page of the answer, from each stat's periods (in the order of ``stats``).
    func answer(_ series: [[MetricBucket]]) throws(ECSError) -> CloudWatch.GetMetricDataOutput {
        var results: [CloudWatch.MetricDataResult] = []
        var position = 0
        var more = false
        for (stat, buckets) in zip(stats, series) where stat.returnData {
            var points = buckets.compactMap { bucket in
                bucket.value(stat.statistic).map { (bucket.start, $0) }
            }
            if descending { points.reverse() }
            // This stat's share of the page: the points between the offset and the page's end.
            let first = max(0, offset - position)
            let last = min(points.count, offset + maxDatapoints - position)
            position += points.count
            let shown = first < last ? Array(points[first..<last]) : []
            let partial = last < points.count
            more = more || partial
            results.append(
                CloudWatch.MetricDataResult(
                    id: stat.id,
                    label: stat.label,
                    timestamps: shown.map { Date(timeIntervalSince1970: Double($0.0) / 1000) },
                    values: shown.map(\.1),
                    statusCode: partial ? "PartialData" : "Complete",
                    messages: []
                )
            )
        }
        let next = more ? Data("\(scope)\n\(offset + maxDatapoints)".utf8).base64EncodedString() : nil
        return CloudWatch.GetMetricDataOutput(metricDataResults: results, nextToken: next, messages: [])
    }

    static func isID(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return id.unicodeScalars.allSatisfy {
            $0.properties.isASCIIHexDigit || ("a"..."z").contains($0)
                || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
        }
    }

    static func isTimezone(_ zone: String) -> Bool {
        let characters = Array(zone)
        guard characters.count == 5, characters[0] == "+" || characters[0] == "-" else { return false }
        return characters.dropFirst().allSatisfy(\.isASCII) && characters.dropFirst().allSatisfy(\.isNumber)
    }
}
