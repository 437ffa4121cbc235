import Foundation
import Testing

@testable import WharfMonitoring

@Suite("Application Auto Scaling's arithmetic and schedules")
struct ScalingTests {
    @Test("target tracking scales in proportion to the metric, at least by one, within min and max")
    func targetTracking() {
        // 2 tasks at 150 % of a 50 % target: 6 tasks.
        #expect(
            ScalingMath.targetTracking(current: 2, metric: 150, target: 50, scaleOut: true, minimum: 1, maximum: 10)
                == 6
        )
        #expect(
            ScalingMath.targetTracking(current: 2, metric: 150, target: 50, scaleOut: true, minimum: 1, maximum: 4) == 4
        )
        // Just above the target still adds one.
        #expect(
            ScalingMath.targetTracking(current: 4, metric: 51, target: 50, scaleOut: true, minimum: 1, maximum: 10) == 5
        )
        // 6 tasks at 10 % of a 50 % target: 2 tasks; never below the minimum.
        #expect(
            ScalingMath.targetTracking(current: 6, metric: 10, target: 50, scaleOut: false, minimum: 1, maximum: 10)
                == 2
        )
        #expect(
            ScalingMath.targetTracking(current: 6, metric: 0, target: 50, scaleOut: false, minimum: 3, maximum: 10) == 3
        )
        // Just below still removes one.
        #expect(
            ScalingMath.targetTracking(current: 6, metric: 44, target: 50, scaleOut: false, minimum: 1, maximum: 10)
                == 5
        )
    }

    @Test("step scaling picks the step that holds the breach: change, percent (with a minimum magnitude), exact")
    func steps() {
        let steps = [
            ScalingStep(lower: 0, upper: 20, adjustment: 1), ScalingStep(lower: 20, upper: nil, adjustment: 3),
        ]
        func step(_ breach: Double, _ type: AdjustmentType, current: Int = 4, magnitude: Int? = nil) -> Int? {
            ScalingMath.step(
                current: current,
                breach: breach,
                steps: steps,
                adjustmentType: type,
                minAdjustmentMagnitude: magnitude,
                minimum: 1,
                maximum: 10
            )
        }
        #expect(step(5, .changeInCapacity) == 5)
        #expect(step(20, .changeInCapacity) == 7)
        #expect(step(-1, .changeInCapacity) == nil)
        #expect(step(50, .changeInCapacity, current: 9) == 10)
        #expect(step(5, .exactCapacity) == 1)
        // 3 % of 4 is 0.12: one.
        #expect(step(25, .percentChangeInCapacity) == 5)
        #expect(step(25, .percentChangeInCapacity, magnitude: 2) == 6)
    }

    @Test("at, rate and cron expressions: read, refused with a reason, and when they are due")
    func schedules() throws {
        let utc = TimeZone(identifier: "UTC")!
        func date(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }
        let at = try ScalingSchedule("at(2026-12-05T12:00:00)")
        #expect(
            at.occurrence(after: .distantPast, upTo: date("2026-12-05T11:59:59Z"), base: .distantPast, timeZone: utc)
                == nil
        )
        #expect(
            at.occurrence(after: .distantPast, upTo: date("2026-12-05T12:00:05Z"), base: .distantPast, timeZone: utc)
                == date("2026-12-05T12:00:00Z")
        )
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        #expect(
            at.occurrence(after: .distantPast, upTo: date("2026-12-05T11:00:01Z"), base: .distantPast, timeZone: berlin)
                == date("2026-12-05T11:00:00Z"),
            "12:00 in Berlin is 11:00 UTC in December"
        )
        let rate = try ScalingSchedule("rate(5 minutes)")
        let base = date("2026-12-05T10:00:00Z")
        #expect(rate.occurrence(after: base, upTo: date("2026-12-05T10:04:59Z"), base: base, timeZone: utc) == nil)
        #expect(
            rate.occurrence(after: base, upTo: date("2026-12-05T10:11:00Z"), base: base, timeZone: utc)
                == date("2026-12-05T10:10:00Z")
        )
        #expect(
            rate.occurrence(
                after: date("2026-12-05T10:10:00Z"),
                upTo: date("2026-12-05T10:11:00Z"),
                base: base,
                timeZone: utc
            )
                == nil
        )
        let weekdays = try ScalingSchedule("cron(30 9 ? * MON-FRI *)")
        // 2026-12-04 is a Friday, 2026-12-05 a Saturday.
        #expect(
            weekdays.occurrence(after: .distantPast, upTo: date("2026-12-04T09:30:20Z"), base: base, timeZone: utc)
                == date("2026-12-04T09:30:00Z")
        )
        #expect(
            weekdays.occurrence(after: .distantPast, upTo: date("2026-12-05T09:30:20Z"), base: base, timeZone: utc)
                == nil
        )
        let every = try ScalingSchedule("cron(*/15 * * * ? 2026)")
        #expect(
            every.occurrence(after: .distantPast, upTo: date("2026-12-05T10:16:00Z"), base: base, timeZone: utc)
                == date("2026-12-05T10:15:00Z")
        )
        for bad in [
            "rate(1 minutes)", "rate(0 hours)", "rate(5 weeks)", "at(2026-13-01T00:00:00)", "cron(0 9 * * * *)",
            "cron(0 9 ? * MON-FRI)", "cron(0 25 ? * * *)", "cron(0 9 L * ? *)", "every 5 minutes",
        ] {
            #expect(throws: ScheduleError.self, "\(bad)") { try ScalingSchedule(bad) }
        }
    }
}
