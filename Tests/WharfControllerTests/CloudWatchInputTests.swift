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
}
