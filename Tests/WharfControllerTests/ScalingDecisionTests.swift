import Foundation
import Testing
import WharfModel
import WharfMonitoring
import WharfState
import WharfStore

@testable import WharfController

/// What a scaling policy does when its alarm is in ALARM: decided from the state alone.
@Suite("Scaling decisions: target tracking, cooldowns, suspension and deployments")
struct ScalingDecisionTests {
    /// A service `web` (desired 1) scaled between 1 and 3 by a target tracking policy at 50 % CPU
    /// with cooldowns of 60 s; its AlarmHigh and AlarmLow.
    func setUp() async throws -> (Harness, policy: String, high: AlarmRecord, low: AlarmRecord) {
        let harness = try await Harness()
        _ = try await harness.controller.write { state, now in
            try state.createService(
                ECS.CreateServiceRequest(cluster: "lab", serviceName: "web", taskDefinition: "web", desiredCount: 1),
                now: now,
                deploymentID: "ecs-svc/1"
            )
        }
        let target = (namespace: "ecs", resource: "service/lab/web", dimension: "ecs:service:DesiredCount")
        _ = try await harness.controller.write { state, now in
            try state.registerScalableTarget(
                ApplicationAutoScaling.RegisterScalableTargetRequest(
                    serviceNamespace: target.namespace,
                    resourceId: target.resource,
                    scalableDimension: target.dimension,
                    minCapacity: 1,
                    maxCapacity: 3
                ),
                now: now,
                seed: 1
            )
        }
        let tracking = ApplicationAutoScaling.TargetTrackingScalingPolicyConfiguration(
            targetValue: 50,
            predefinedMetricSpecification: ApplicationAutoScaling.PredefinedMetricSpecification(
                predefinedMetricType: "ECSServiceAverageCPUUtilization"
            ),
            scaleOutCooldown: 60,
            scaleInCooldown: 60
        )
        let made = try await harness.controller.write { state, now in
            try state.putScalingPolicy(
                ApplicationAutoScaling.PutScalingPolicyRequest(
                    policyName: "cpu50",
                    serviceNamespace: target.namespace,
                    resourceId: target.resource,
                    scalableDimension: target.dimension,
                    policyType: "TargetTrackingScaling",
                    targetTrackingScalingPolicyConfiguration: tracking
                ),
                now: now,
                seed: 2,
                period: 60
            )
        }
        let alarms = await harness.controller.read { state in state.alarms.all }
        let high = try #require(alarms.first { $0.name.contains("-AlarmHigh-") })
        let low = try #require(alarms.first { $0.name.contains("-AlarmLow-") })
        return (harness, try #require(made.policyARN), high, low)
    }

    func scale(_ harness: Harness, _ policy: String, _ alarm: AlarmRecord, _ value: Double) async throws -> Int? {
        let activity = try await harness.controller.write { state, now in
            try state.scale(policyARN: policy, alarm: alarm, value: value, now: now, seed: 9)
        }
        // A not scaled activity (at a limit) is no scaling.
        guard let activity, activity.notScaledReasons == nil else { return nil }
        return await harness.controller.read { state in
            state.serviceRecord("web", cluster: "lab")?.desiredCount
        }
    }

    @Test("out at once and in proportion; in the cooldown only a larger scale-out goes ahead")
    func scaleOut() async throws {
        let (harness, policy, high, _) = try await setUp()
        #expect(try await scale(harness, policy, high, 100) == 2)
        harness.clock.advance(10)
        // In the cooldown the metric still reflects the one task before: 1 × 100 / 50 is what was made.
        #expect(try await scale(harness, policy, high, 100) == nil, "2 is what the scale-out in cooldown made")
        #expect(try await scale(harness, policy, high, 250) == 3, "1 × 250 / 50 is more than it made")
        #expect(try await scale(harness, policy, high, 500) == nil, "at the maximum")
    }

    @Test("never in while a deployment is in progress, nor in either cooldown, nor below the minimum")
    func scaleIn() async throws {
        let (harness, policy, high, low) = try await setUp()
        _ = try await scale(harness, policy, high, 150)
        harness.clock.advance(120)
        #expect(try await scale(harness, policy, low, 0) == nil, "the service's deployment is in progress")
        _ = try await harness.controller.write { state, _ in
            guard var service = state.serviceRecord("web", cluster: "lab") else { return Outcome(()) }
            for index in service.deployments.indices { service.deployments[index].rolloutState = .completed }
            return Outcome((), [.putService(service)])
        }
        #expect(try await scale(harness, policy, low, 20) == 2, "3 × 20 / 50, rounded up")
        harness.clock.advance(30)
        #expect(try await scale(harness, policy, low, 0) == nil, "in the scale-in cooldown")
        harness.clock.advance(31)
        #expect(try await scale(harness, policy, low, 0) == 1)
        harness.clock.advance(61)
        #expect(try await scale(harness, policy, low, 0) == nil, "at the minimum")
    }

    @Test("at a limit the policy records one not scaled activity with its reason until it scales again")
    func notScaled() async throws {
        let (harness, policy, high, low) = try await setUp()
        func decide(_ alarm: AlarmRecord, _ value: Double) async throws -> MetricStore.Activity? {
            try await harness.controller.write { state, now in
                try state.scale(policyARN: policy, alarm: alarm, value: value, now: now, seed: 9)
            }
        }
        let atMinimum = try #require(try await decide(low, 0))
        #expect(atMinimum.notScaledReasons == [.init(code: "AlreadyAtMinCapacity", minCapacity: 1)])
        #expect(atMinimum.statusCode == "Failed")
        #expect(atMinimum.description == "Attempting to scale due to alarm triggered")
        #expect(atMinimum.cause == "monitor alarm \(low.name) in state ALARM triggered policy cpu50")
        #expect(try await decide(low, 0) == nil, "the same reason from the same alarm is recorded once")
        #expect(try await decide(high, 500)?.notScaledReasons == nil, "1 × 500 / 50 scales out to the maximum")
        harness.clock.advance(120)
        let atMaximum = try #require(try await decide(high, 500))
        #expect(atMaximum.notScaledReasons == [.init(code: "AlreadyAtMaxCapacity", maxCapacity: 3)])
        #expect(try await decide(high, 500) == nil)
        let target = await harness.controller.read { state in state.autoScaling.allTargets.first?.lastNotScaled }
        #expect(target == "AlreadyAtMaxCapacity monitor alarm \(high.name) in state ALARM triggered policy cpu50")
    }

    @Test("suspended dynamic scaling does nothing; a deleted policy does nothing")
    func suspended() async throws {
        let (harness, policy, high, _) = try await setUp()
        _ = try await harness.controller.write { state, now in
            try state.registerScalableTarget(
                ApplicationAutoScaling.RegisterScalableTargetRequest(
                    serviceNamespace: "ecs",
                    resourceId: "service/lab/web",
                    scalableDimension: "ecs:service:DesiredCount",
                    suspendedState: ApplicationAutoScaling.SuspendedState(dynamicScalingOutSuspended: true)
                ),
                now: now,
                seed: 3
            )
        }
        #expect(try await scale(harness, policy, high, 150) == nil)
        #expect(try await scale(harness, "arn:aws:autoscaling:nope", high, 150) == nil)
    }

    /// +1 for a breach of up to 20 past the threshold, +2 beyond; a minute's cooldown.
    static let queueSteps = ApplicationAutoScaling.StepScalingPolicyConfiguration(
        adjustmentType: "ChangeInCapacity",
        stepAdjustments: [
            ApplicationAutoScaling.StepAdjustment(
                metricIntervalLowerBound: 0,
                metricIntervalUpperBound: 20,
                scalingAdjustment: 1
            ),
            ApplicationAutoScaling.StepAdjustment(metricIntervalLowerBound: 20, scalingAdjustment: 2),
        ],
        cooldown: 60
    )

    @Test("a step policy adds what the step holding the breach says, once a cooldown")
    func steps() async throws {
        let (harness, _, _, _) = try await setUp()
        let made = try await harness.controller.write { state, now in
            try state.putScalingPolicy(
                ApplicationAutoScaling.PutScalingPolicyRequest(
                    policyName: "queue",
                    serviceNamespace: "ecs",
                    resourceId: "service/lab/web",
                    scalableDimension: "ecs:service:DesiredCount",
                    policyType: "StepScaling",
                    stepScalingPolicyConfiguration: Self.queueSteps
                ),
                now: now,
                seed: 4,
                period: 60
            )
        }
        let policy = try #require(made.policyARN)
        let alarm = AlarmRecord(
            name: "queue-deep",
            alarmActions: [policy],
            namespace: "App",
            metricName: "Queue",
            statistic: "Maximum",
            period: 60,
            evaluationPeriods: 1,
            threshold: 100,
            comparison: .greaterThan,
            createdAt: Date(timeIntervalSince1970: 0)
        )
        #expect(try await scale(harness, policy, alarm, 130) == 3, "30 past the threshold: the second step, +2")
        harness.clock.advance(30)
        #expect(try await scale(harness, policy, alarm, 130) == nil, "at the maximum")
    }
}

