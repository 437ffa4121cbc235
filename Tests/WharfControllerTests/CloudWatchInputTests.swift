import Foundation
import Testing
import WharfModel

@testable import WharfController

/// CloudWatch requests with times no clock will reach: answered, never a crash (the bad-input
/// fault scenario found these).
@Suite("CloudWatch: times far out of range")
struct CloudWatchInputTests {
    @Test("a time past what an Int holds in milliseconds is held at ±2^53 ms")
    func bounded() {
        #expect(CloudWatchOperations.millis(Date(timeIntervalSince1970: 1e308)) == 1 << 53)
        #expect(CloudWatchOperations.millis(Date(timeIntervalSince1970: -9_223_372_036_854_775_808)) == -(1 << 53))
        #expect(CloudWatchOperations.millis(Date(timeIntervalSince1970: 1.5)) == 1_500)
    }

    @Test("GetMetricStatistics from the year -292 billion is refused as too many datapoints")
    func hugeRange() {
        let input = CloudWatch.GetMetricStatisticsInput(
            namespace: "fz/play",
            metricName: "fz-play",
            startTime: Date(timeIntervalSince1970: -9_223_372_036_854_775_808),
            endTime: Date(timeIntervalSince1970: 1_796_434_447.667),
            period: 60,
            statistics: ["Average"]
        )
        #expect(throws: ECSError.self) { try StatisticsQuery(input) }
        do {
            _ = try StatisticsQuery(input)
        } catch {
            #expect(error.code == .invalidParameterCombination)
            #expect(error.message.hasPrefix("You have requested up to "))
        }
    }

    @Test("a period of the controller's --metric-period is answered, as its alarms take it; others off CloudWatch's list are not")
    func configuredPeriod() throws {
        let now = Date(timeIntervalSince1970: 1_796_434_440)
        let input = CloudWatch.GetMetricStatisticsInput(
            namespace: "AWS/ECS", metricName: "CPUUtilization", startTime: now.addingTimeInterval(-60), endTime: now,
            period: 2, statistics: ["Average"]
        )
        #expect(try StatisticsQuery(input, configuredPeriod: 2).period == 2)
        #expect(throws: ECSError.self) { try StatisticsQuery(input) }
        do {
            _ = try StatisticsQuery(input, configuredPeriod: 3)
            Issue.record("a period of 2 s was taken with a metric period of 3 s")
        } catch {
            #expect(error.message == "The parameter Period must be a multiple of 60, or 1, 5, 10, 20 or 30 for high-resolution metrics.")
        }
        let data = CloudWatch.GetMetricDataInput(
            metricDataQueries: [
                CloudWatch.MetricDataQuery(
                    id: "cpu",
                    metricStat: CloudWatch.MetricStat(
                        metric: CloudWatch.Metric(namespace: "AWS/ECS", metricName: "CPUUtilization"),
                        period: 2, stat: "Average"
                    )
                )
            ],
            startTime: now.addingTimeInterval(-60),
            endTime: now
        )
        #expect(throws: Never.self) { try MetricDataQuery(data, accountID: "000000000000", configuredPeriod: 2) }
        #expect(throws: ECSError.self) { try MetricDataQuery(data, accountID: "000000000000") }
    }
}
