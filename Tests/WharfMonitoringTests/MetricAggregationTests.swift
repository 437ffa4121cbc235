import Testing

@testable import WharfMonitoring

@Suite("Metric samples into periods and statistics")
struct MetricAggregationTests {
    @Test("dimensions are one metric in any order, and their text reads back, escapes and all")
    func dimensionText() {
        let one = MetricKey(
            namespace: "App",
            name: "Latency",
            dimensions: [MetricDimension(name: "b=x", value: "two\nlines"), MetricDimension(name: "a", value: "1\\")]
        )
        let other = MetricKey(namespace: "App", name: "Latency", dimensions: one.dimensions.reversed())
        #expect(one == other)
        #expect(one.dimensions.map(\.name) == ["a", "b=x"])
        #expect(MetricKey.dimensions(fromText: one.dimensionsText) == one.dimensions)
        #expect(MetricKey.dimensions(fromText: "").isEmpty)
    }

    @Test("periods start at the query's start rounded down to the minute and hold what falls in them")
    func buckets() {
        let minute = 60_000
        let start = 10 * minute + 30_000
        let samples = [
            MetricSample(timestamp: 10 * minute + 10_000, value: 99),  // in the first period: 10:10 is after 10:00
            MetricSample(timestamp: 11 * minute + 5_000, value: 4),
            MetricSample(timestamp: 11 * minute + 50_000, value: 6, count: 3),
            MetricSample(timestamp: 12 * minute, unit: "Seconds", value: 1),
            MetricSample(timestamp: 13 * minute, value: 1000),  // at the end: left out
        ]
        let buckets = MetricAggregation.buckets(samples, start: start, end: 13 * minute, periodSeconds: 60)
        #expect(buckets.map(\.start) == [10 * minute, 11 * minute, 12 * minute])
        let second = buckets[1]
        #expect(second.value(.sampleCount) == 4)
        #expect(second.value(.sum) == 22)
        #expect(second.value(.average) == 5.5)
        #expect(second.value(.minimum) == 4)
        #expect(second.value(.maximum) == 6)
        #expect(second.value(.percentile(25)) == 4)
        #expect(second.value(.percentile(50)) == 6)
        let seconds = MetricAggregation.buckets(
            samples,
            start: start,
            end: 13 * minute,
            periodSeconds: 60,
            unit: "Seconds"
        )
        #expect(seconds.map(\.start) == [12 * minute])
        let fiveMinutes = MetricAggregation.buckets(samples, start: start, end: 20 * minute, periodSeconds: 300)
        #expect(fiveMinutes.count == 1)
        #expect(fiveMinutes[0].value(.sampleCount) == 7)
    }

    @Test("a statistic set has no percentiles; an empty period counts zero and has no other statistic")
    func statisticSets() {
        var bucket = MetricBucket(start: 0, unit: "None")
        #expect(bucket.value(.sampleCount) == 0)
        #expect(bucket.value(.average) == nil)
        bucket.add(MetricSample(timestamp: 0, value: 3))
        #expect(bucket.value(.percentile(99)) == 3)
        bucket.add(MetricSample(timestamp: 0, sampleCount: 4, sum: 40, minimum: 5, maximum: 15))
        #expect(bucket.value(.percentile(99)) == nil)
        #expect(bucket.value(.average) == 43.0 / 5)
        #expect(bucket.value(.minimum) == 3)
        #expect(bucket.value(.maximum) == 15)
    }

    @Test("high-resolution periods align to themselves; negative times round down")
    func alignment() {
        #expect(MetricAggregation.alignedStart(12_345, periodSeconds: 5) == 10_000)
        #expect(MetricAggregation.alignedStart(125_000, periodSeconds: 300) == 120_000)
        #expect(MetricAggregation.alignedStart(-1, periodSeconds: 60) == -60_000)
    }

    @Test("statistics read by name: the five standard ones and percentiles with up to two decimals")
    func statisticNames() {
        #expect(MetricStatistic("Average") == .average)
        #expect(MetricStatistic("p99") == .percentile(99))
        #expect(MetricStatistic("p99.95") == .percentile(99.95))
        #expect(MetricStatistic("p99.955") == nil)
        #expect(MetricStatistic("p101") == nil)
        #expect(MetricStatistic("average") == nil)
        #expect(MetricStatistic("tm99") == nil)
        #expect(MetricStatistic.percentile(99.5).description == "p99.5")
        #expect(MetricStatistic.percentile(90).description == "p90")
    }
}
