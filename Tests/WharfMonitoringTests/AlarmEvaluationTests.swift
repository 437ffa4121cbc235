import Testing

@testable import WharfMonitoring

@Suite("Alarms evaluated as CloudWatch evaluates them")
struct AlarmEvaluationTests {
    /// A 60 s period starting at `minute` (minutes since 1970) holding `values`.
    func bucket(_ minute: Int, _ values: Double...) -> MetricBucket {
        var bucket = MetricBucket(start: minute * 60_000, unit: "Percent")
        for value in values { bucket.add(MetricSample(timestamp: minute * 60_000, unit: "Percent", value: value)) }
        return bucket
    }

    let rule = AlarmRule(
        statistic: .average,
        periodSeconds: 60,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        threshold: 50,
        comparison: .greaterThan
    )
    /// 10:03:05: the last three whole periods are 10:00, 10:01 and 10:02.
    let now = 603 * 60_000 + 5_000

    @Test("M of N: two of the last three periods above the threshold is ALARM, one is OK")
    func datapointsToAlarm() {
        let alarm = AlarmEvaluation.evaluate(
            rule,
            buckets: [bucket(600, 70), bucket(601, 10), bucket(602, 60, 80), bucket(603, 99)],
            now: now,
            current: .ok
        )
        #expect(alarm.state == .alarm)
        #expect(
            alarm.reason
                == "Threshold Crossed: 2 datapoints [70.0 (01/01/70 10:02:00), 70.0 (01/01/70 10:00:00)] were "
                + "greater than the threshold (50.0)."
        )
        #expect(alarm.reasonData.contains("\"recentDatapoints\":[70.0,10.0,70.0]"), "\(alarm.reasonData)")
        let ok = AlarmEvaluation.evaluate(
            rule,
            buckets: [bucket(600, 10), bucket(601, 10), bucket(602, 70)],
            now: now,
            current: .alarm
        )
        #expect(ok.state == .ok)
        #expect(ok.reason.hasPrefix("Threshold Crossed: 3 datapoints [70.0 (01/01/70 10:02:00), 10.0"), "\(ok.reason)")
        #expect(ok.reason.hasSuffix("were not greater than the threshold (50.0)."), "\(ok.reason)")
    }

    @Test(
        """
        with no data: missing is INSUFFICIENT_DATA, ignore keeps the state, breaching and notBreaching count it; \
        with some, missing periods are not counted
        """
    )
    func missingData() {
        var rule = rule
        let empty = AlarmEvaluation.evaluate(rule, buckets: [], now: now, current: .ok)
        #expect(empty.state == .insufficientData)
        #expect(empty.reason == "Insufficient Data: 3 datapoints were unknown.")
        rule.treatMissingData = .ignore
        #expect(AlarmEvaluation.evaluate(rule, buckets: [], now: now, current: .alarm).state == .alarm)
        rule.treatMissingData = .breaching
        #expect(AlarmEvaluation.evaluate(rule, buckets: [], now: now, current: .ok).state == .alarm)
        rule.treatMissingData = .notBreaching
        #expect(AlarmEvaluation.evaluate(rule, buckets: [bucket(602, 90)], now: now, current: .alarm).state == .ok)
        // Missing periods are not counted: one period present, above the threshold, is enough.
        rule.treatMissingData = .missing
        #expect(AlarmEvaluation.evaluate(rule, buckets: [bucket(602, 90)], now: now, current: .ok).state == .alarm)
        #expect(AlarmEvaluation.evaluate(rule, buckets: [bucket(602, 10)], now: now, current: .alarm).state == .ok)
        #expect(
            AlarmEvaluation.evaluate(rule, buckets: [bucket(601, 10), bucket(602, 90)], now: now, current: .ok).state
                == .ok
        )
    }

    @Test("comparisons, and percentiles of too few samples left out when asked")
    func comparisonsAndPercentiles() {
        #expect(ComparisonOperator.greaterThanOrEqual.breaches(50, 50))
        #expect(!ComparisonOperator.greaterThan.breaches(50, 50))
        #expect(ComparisonOperator.lessThan.breaches(49, 50))
        #expect(ComparisonOperator.lessThanOrEqual.breaches(50, 50))
        var rule = AlarmRule(
            statistic: .percentile(99),
            periodSeconds: 60,
            evaluationPeriods: 1,
            threshold: 50,
            comparison: .greaterThan,
            evaluateLowSampleCount: false
        )
        let few = [bucket(602, 90, 90)]
        #expect(AlarmEvaluation.evaluate(rule, buckets: few, now: now, current: .ok).state == .insufficientData)
        rule.evaluateLowSampleCount = true
        #expect(AlarmEvaluation.evaluate(rule, buckets: few, now: now, current: .ok).state == .alarm)
    }
}
