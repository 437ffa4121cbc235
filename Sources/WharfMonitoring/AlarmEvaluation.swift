import Foundation

/// The outcome of evaluating an alarm: its state, and CloudWatch's reason for it in words and as
/// JSON (`StateReasonData`).
public struct AlarmEvaluation: Equatable, Sendable {
    public var state: AlarmStateValue
    public var reason: String
    public var reasonData: String

    /// Evaluates `rule` over the metric's periods as CloudWatch does: the last `evaluationPeriods`
    /// whole periods before `now` (milliseconds), newest first; a period without data is treated
    /// as the rule says. `current` is the alarm's state now (kept when missing data is ignored).
    public static func evaluate(
        _ rule: AlarmRule,
        buckets: [MetricBucket],
        now: Int,
        current: AlarmStateValue
    ) -> AlarmEvaluation {
        let period = rule.periodSeconds * 1000
        let end = MetricAggregation.floorDivide(now, period) * period
        let byStart = Dictionary(buckets.map { ($0.start, $0) }, uniquingKeysWith: { first, _ in first })
        // Newest first, as CloudWatch lists them.
        let periods: [(start: Int, value: Double?, samples: Double)] = (1...max(1, rule.evaluationPeriods)).map {
            back in
            let start = end - back * period
            let bucket = byStart[start]
            var value = bucket?.value(rule.statistic)
            if case .percentile(let percent) = rule.statistic, !rule.evaluateLowSampleCount,
                let samples = bucket?.sampleCount, samples < 1 / max(1 - percent / 100, 0.0001)
            {
                value = nil
            }
            return (start, value, bucket?.sampleCount ?? 0)
        }
        var breaching = 0
        for entry in periods {
            if let value = entry.value {
                if rule.comparison.breaches(value, rule.threshold) { breaching += 1 }
            } else if rule.treatMissingData == .breaching {
                breaching += 1
            }
        }
        let present = periods.filter { $0.value != nil }
        let state: AlarmStateValue
        switch rule.treatMissingData {
        case .breaching, .notBreaching:
            state = breaching >= rule.datapointsToAlarm ? .alarm : .ok
        case .missing, .ignore:
            // Missing periods are not counted: with fewer present than needed to alarm, all of
            // those present must breach.
            if present.isEmpty {
                state = rule.treatMissingData == .ignore ? current : .insufficientData
            } else {
                state = breaching >= min(rule.datapointsToAlarm, present.count) ? .alarm : .ok
            }
        }
        let reason: String
        if present.isEmpty && rule.treatMissingData != .breaching && rule.treatMissingData != .notBreaching {
            reason = "Insufficient Data: \(count(periods.count)) \(periods.count == 1 ? "was" : "were") unknown."
        } else {
            let shown =
                (state == .alarm
                    ? present.filter { rule.comparison.breaches($0.value ?? 0, rule.threshold) }
                    : present)
            let values = shown.map { "\(number($0.value ?? 0)) (\(stamp($0.start)))" }.joined(separator: ", ")
            let verb = shown.count == 1 ? "was" : "were"
            let negation = state == .alarm ? "" : "not "
            reason =
                "Threshold Crossed: \(count(shown.count)) [\(values)] \(verb) \(negation)\(rule.comparison.phrase) "
                + "the threshold (\(number(rule.threshold)))."
        }
        let evaluated = periods.map { entry -> String in
            var fields = ["\"timestamp\":\"\(iso(entry.start))\""]
            if entry.samples > 0 { fields.append("\"sampleCount\":\(number(entry.samples))") }
            if let value = entry.value { fields.append("\"value\":\(number(value))") }
            return "{" + fields.joined(separator: ",") + "}"
        }
        let data =
            "{\"version\":\"1.0\",\"queryDate\":\"\(iso(now))\","
            + "\"startDate\":\"\(iso(end - rule.evaluationPeriods * period))\","
            + "\"statistic\":\"\(rule.statistic)\",\"period\":\(rule.periodSeconds),"
            + "\"recentDatapoints\":[\(present.map { number($0.value ?? 0) }.joined(separator: ","))],"
            + "\"threshold\":\(number(rule.threshold)),\"evaluatedDatapoints\":[\(evaluated.joined(separator: ","))]}"
        return AlarmEvaluation(state: state, reason: reason, reasonData: data)
    }

    static func count(_ n: Int) -> String { n == 1 ? "1 datapoint" : "\(n) datapoints" }

    /// A number as CloudWatch's reasons write it: `75.0`, `12.345`.
    static func number(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        return rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(format: "%.1f", rounded) : "\(rounded)"
    }

    /// `05/12/26 11:50:00`, as CloudWatch's reasons write a period's start.
    static func stamp(_ millis: Int) -> String {
        let date = Date(timeIntervalSince1970: Double(millis) / 1000)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.day, .month, .year, .hour, .minute, .second], from: date)
        return String(
            format: "%02d/%02d/%02d %02d:%02d:%02d",
            parts.day ?? 0,
            parts.month ?? 0,
            (parts.year ?? 0) % 100,
            parts.hour ?? 0,
            parts.minute ?? 0,
            parts.second ?? 0
        )
    }

    /// `2026-12-05T11:50:00.000+0000`, as CloudWatch's reason data writes times.
    static func iso(_ millis: Int) -> String {
        let date = Date(timeIntervalSince1970: Double(millis) / 1000)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.day, .month, .year, .hour, .minute, .second, .nanosecond], from: date)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000",
            parts.year ?? 0,
            parts.month ?? 0,
            parts.day ?? 0,
            parts.hour ?? 0,
            parts.minute ?? 0,
            parts.second ?? 0,
            (parts.nanosecond ?? 0) / 1_000_000
        )
    }
}
