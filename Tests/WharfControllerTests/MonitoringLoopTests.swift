import Foundation
import Logging
import Testing
import WharfModel
import WharfMonitoring
import WharfState
import WharfStore

@testable import WharfController

/// Application Auto Scaling run by the monitoring loop on the controller's clock (a manual one
/// here): scheduled actions (rate and cron schedules, time zones, the start and end of the window,
/// suspension, what the new capacities do to the desired count) and a step policy driven by an
/// alarm on custom metric data.
@Suite("Scheduled actions and alarm-driven policies through the monitoring loop")
struct MonitoringLoopTests {
    static let resource = "service/lab/web"
    static let dimension = "ecs:service:DesiredCount"

    /// A service `web` with `desired` tasks scaled between 1 and 5, and the monitoring loop over a
    /// metric store in a temporary directory.
    func withLoop(
        desired: Int,
        _ body: (Harness, MonitoringService, MetricStore) async throws -> Void
    ) async throws {
        let harness = try await Harness()
        _ = try await harness.controller.write { state, now in
            try state.createService(
                ECS.CreateServiceRequest(cluster: "lab", serviceName: "web", taskDefinition: "web", desiredCount: desired),
                now: now,
                deploymentID: "ecs-svc/1"
            )
        }
        try await register(harness, suspended: false)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("schedules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try await MetricStore.open(path: directory.path + "/metrics.db", logger: Logger(label: "test"))
        let loop = MonitoringService(
            controller: harness.controller,
            store: store,
            settings: MonitoringSettings(),
            logger: Logger(label: "test")
        )
        do {
            try await body(harness, loop, store)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    func register(_ harness: Harness, suspended: Bool) async throws {
        _ = try await harness.controller.write { state, now in
            try state.registerScalableTarget(
                ApplicationAutoScaling.RegisterScalableTargetRequest(
                    serviceNamespace: "ecs",
                    resourceId: Self.resource,
                    scalableDimension: Self.dimension,
                    minCapacity: 1,
                    maxCapacity: 5,
                    suspendedState: ApplicationAutoScaling.SuspendedState(scheduledScalingSuspended: suspended)
                ),
                now: now,
                seed: 1
            )
        }
    }

    func schedule(
        _ harness: Harness,
        _ name: String,
        _ expression: String,
        timezone: String? = nil,
        start: Date? = nil,
        end: Date? = nil,
        min: Int? = nil,
        max: Int? = nil
    ) async throws {
        _ = try await harness.controller.write { state, now in
            try state.putScheduledAction(
                ApplicationAutoScaling.PutScheduledActionRequest(
                    serviceNamespace: "ecs",
                    schedule: expression,
                    timezone: timezone,
                    scheduledActionName: name,
                    resourceId: Self.resource,
                    scalableDimension: Self.dimension,
                    startTime: start,
                    endTime: end,
                    scalableTargetAction: ApplicationAutoScaling.ScalableTargetAction(minCapacity: min, maxCapacity: max)
                ),
                now: now,
                seed: 2
            )
        }
    }

    /// The service's desired count and the target's capacities, as they are now.
    func state(_ harness: Harness) async -> (desired: Int?, min: Int?, max: Int?) {
        await harness.controller.read { state in
            let target = state.autoScaling.allTargets.first { $0.resourceId == Self.resource }
            return (state.serviceRecord("web", cluster: "lab")?.desiredCount, target?.minCapacity, target?.maxCapacity)
        }
    }

    /// Moves the clock to `time` and runs the loop's scheduled actions once.
    func run(_ harness: Harness, _ loop: MonitoringService, at time: Date) async {
        harness.clock.advance(time.timeIntervalSince(harness.clock.now()))
        await loop.runScheduledActions()
    }

    @Test("a rate fires once per interval from its creation, raising the minimum and the desired count with it")
    func rate() async throws {
        try await withLoop(desired: 2) { harness, loop, store in
            let created = harness.clock.now()
            try await schedule(harness, "every-5m", "rate(5 minutes)", min: 3)
            await run(harness, loop, at: created.addingTimeInterval(299))
            #expect(await state(harness) == (2, 1, 5))
            await run(harness, loop, at: created.addingTimeInterval(301))
            #expect(await state(harness) == (3, 3, 5))
            let activities = try await store.activities(resourceId: Self.resource).map(\.activity)
            #expect(
                Set(activities.map(\.description))
                    == ["Setting min capacity to 3.", "Setting desired count to 3."],
                "\(activities)"
            )
            #expect(activities.contains { $0.cause.contains("scheduled action name every-5m was triggered") })
            // The next interval is due at 600 s, not before.
            await run(harness, loop, at: created.addingTimeInterval(599))
            #expect(await harness.controller.read { $0.dueScheduledActions(now: created.addingTimeInterval(599)) }.isEmpty)
            let due = await harness.controller.read { $0.dueScheduledActions(now: created.addingTimeInterval(601)) }
            #expect(due.map(\.occurrence) == [created.addingTimeInterval(600)])
        }
    }

    @Test("a cron runs at its time in its time zone; a lowered maximum brings the desired count down to it")
    func cronInTimeZone() async throws {
        try await withLoop(desired: 4) { harness, loop, _ in
            // The clock starts on 2025-10-09 at 08:53:20 UTC; Paris is then two hours ahead.
            try await schedule(harness, "paris", "cron(0 10 * * ? *)", timezone: "Europe/Paris", max: 2)
            try await schedule(harness, "utc", "cron(0 10 * * ? *)", max: 3)
            let day = Date(timeIntervalSince1970: 1_760_054_400)  // 2025-10-10T00:00:00Z
            await run(harness, loop, at: day.addingTimeInterval(7 * 3600 + 59 * 60))
            #expect(await state(harness) == (4, 1, 5))
            await run(harness, loop, at: day.addingTimeInterval(8 * 3600 + 30))
            #expect(await state(harness) == (2, 1, 2), "10:00 in Paris is 08:00 UTC")
            await run(harness, loop, at: day.addingTimeInterval(9 * 3600 + 59 * 60))
            #expect(await state(harness) == (2, 1, 2))
            await run(harness, loop, at: day.addingTimeInterval(10 * 3600 + 30))
            #expect(await state(harness) == (2, 1, 3), "10:00 UTC: the maximum raised, the desired count left as it is")
        }
    }

    @Test("nothing runs before StartTime, after EndTime, or while scheduled scaling is suspended")
    func windowAndSuspension() async throws {
        try await withLoop(desired: 1) { harness, loop, _ in
            let created = harness.clock.now()
            // Every minute from 600 s to 1,200 s after now.
            func window(min: Int) async throws {
                try await schedule(
                    harness,
                    "window",
                    "rate(1 minute)",
                    start: created.addingTimeInterval(600),
                    end: created.addingTimeInterval(1200),
                    min: min
                )
            }
            try await window(min: 2)
            await run(harness, loop, at: created.addingTimeInterval(590))
            #expect(await state(harness) == (1, 1, 5), "before its start")
            try await register(harness, suspended: true)
            await run(harness, loop, at: created.addingTimeInterval(700))
            #expect(await state(harness) == (1, 1, 5), "suspended")
            try await register(harness, suspended: false)
            await run(harness, loop, at: created.addingTimeInterval(701))
            #expect(await state(harness) == (2, 2, 5), "in its window, no longer suspended")
            // Past its end, a lowered minimum would not be set.
            try await window(min: 1)
            await run(harness, loop, at: created.addingTimeInterval(1300))
            #expect(await state(harness) == (2, 2, 5), "after its end")
        }
    }

    @Test("custom metric data breaches an alarm whose action is a step policy: the loop evaluates it and scales")
    func stepPolicyOnAlarm() async throws {
        try await withLoop(desired: 1) { harness, loop, store in
            let made = try await harness.controller.write { state, now in
                try state.putScalingPolicy(
                    ApplicationAutoScaling.PutScalingPolicyRequest(
                        policyName: "queue",
                        serviceNamespace: "ecs",
                        resourceId: Self.resource,
                        scalableDimension: Self.dimension,
                        policyType: "StepScaling",
                        stepScalingPolicyConfiguration: ScalingDecisionTests.queueSteps
                    ),
                    now: now,
                    seed: 4,
                    period: 60
                )
            }
            let policy = try #require(made.policyARN)
            _ = try await harness.controller.write { state, now in
                try state.putMetricAlarm(
                    CloudWatch.PutMetricAlarmInput(
                        alarmName: "queue-deep",
                        alarmActions: [policy],
                        metricName: "Queue",
                        namespace: "App",
                        statistic: "Maximum",
                        period: 60,
                        evaluationPeriods: 1,
                        threshold: 100,
                        comparisonOperator: "GreaterThanThreshold"
                    ),
                    now: now,
                    periods: [60]
                )
            }
            func put(_ value: Double) async throws {
                let data = CloudWatch.PutMetricDataInput(
                    namespace: "App",
                    metricData: [CloudWatch.MetricDatum(metricName: "Queue", timestamp: harness.clock.now(), value: value)]
                )
                try await store.put(try CloudWatchOperations.points(data, now: CloudWatchOperations.millis(harness.clock.now())))
            }
            func step() async -> Int? {
                _ = await loop.evaluateAlarms()
                await loop.runScalingPolicies()
                return await state(harness).desired
            }
            // Below the threshold: no scaling.
            try await put(90)
            harness.clock.advance(60)
            #expect(await step() == 1)
            // 130 is 30 past the threshold: the second step, +2.
            try await put(130)
            harness.clock.advance(60)
            #expect(await step() == 3)
            let alarm = await harness.controller.read { state in state.alarms.all.first { $0.name == "queue-deep" } }
            #expect(alarm?.state == .alarm)
            let activities = try await store.activities(resourceId: Self.resource).map(\.activity)
            #expect(
                activities.contains {
                    $0.description == "Setting desired count to 3."
                        && $0.cause.contains("monitor alarm queue-deep in state ALARM triggered policy queue")
                },
                "\(activities)"
            )
        }
    }
}
