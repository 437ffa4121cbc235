import Foundation
import Testing
import WharfModel
import WharfMonitoring
import WharfState

@testable import WharfController

/// Target tracking on each kind of metric: the alarms a policy makes watch the metric it names,
/// and the load balancers' metrics are computed as Elastic Load Balancing computes them.
@Suite("Target tracking metrics: memory, customized, ALB requests per target")
struct TrackedMetricTests {
    /// Service `web` in cluster `lab` (desired 1), a scalable target of 1 to 4 tasks.
    func service(_ harness: Harness) async throws {
        _ = try await harness.controller.write { state, now in
            try state.createService(
                ECS.CreateServiceRequest(cluster: "lab", serviceName: "web", taskDefinition: "web", desiredCount: 1),
                now: now,
                deploymentID: "ecs-svc/1"
            )
        }
        _ = try await harness.controller.write { state, now in
            try state.registerScalableTarget(
                ApplicationAutoScaling.RegisterScalableTargetRequest(
                    serviceNamespace: "ecs",
                    resourceId: "service/lab/web",
                    scalableDimension: "ecs:service:DesiredCount",
                    minCapacity: 1,
                    maxCapacity: 4
                ),
                now: now,
                seed: 1
            )
        }
    }

    /// Puts a target tracking policy on `web`; returns its high and low alarms.
    func track(
        _ harness: Harness,
        _ configuration: ApplicationAutoScaling.TargetTrackingScalingPolicyConfiguration
    ) async throws -> (high: AlarmRecord, low: AlarmRecord) {
        _ = try await harness.controller.write { state, now in
            try state.putScalingPolicy(
                ApplicationAutoScaling.PutScalingPolicyRequest(
                    policyName: "tracked",
                    serviceNamespace: "ecs",
                    resourceId: "service/lab/web",
                    scalableDimension: "ecs:service:DesiredCount",
                    policyType: "TargetTrackingScaling",
                    targetTrackingScalingPolicyConfiguration: configuration
                ),
                now: now,
                seed: 2,
                period: 60
            )
        }
        let alarms = await harness.controller.read { state in state.alarms.all }
        return (
            try #require(alarms.first { $0.name.contains("-AlarmHigh-") }),
            try #require(alarms.first { $0.name.contains("-AlarmLow-") })
        )
    }

    /// The desired count after the policy runs on `alarm` at `value`.
    func scaled(_ harness: Harness, _ alarm: AlarmRecord, _ value: Double) async throws -> Int? {
        let policy = try #require(await harness.controller.read { state in state.autoScaling.allPolicies.first?.arn })
        _ = try await harness.controller.write { state, now in
            try state.scale(policyARN: policy, alarm: alarm, value: value, now: now, seed: 9)
        }
        return await harness.controller.read { state in state.serviceRecord("web", cluster: "lab")?.desiredCount }
    }

    @Test("ECSServiceAverageMemoryUtilization watches the service's MemoryUtilization and scales on it")
    func memory() async throws {
        let harness = try await Harness()
        try await service(harness)
        let (high, low) = try await track(
            harness,
            .init(
                targetValue: 60,
                predefinedMetricSpecification: .init(predefinedMetricType: "ECSServiceAverageMemoryUtilization")
            )
        )
        for alarm in [high, low] {
            #expect(alarm.namespace == "AWS/ECS")
            #expect(alarm.metricName == "MemoryUtilization")
            #expect(alarm.statistic == "Average")
            #expect(alarm.unit == "Percent")
            #expect(
                alarm.dimensions == [
                    MetricDimension(name: "ClusterName", value: "lab"),
                    MetricDimension(name: "ServiceName", value: "web"),
                ]
            )
        }
        #expect(high.threshold == 60)
        #expect(high.comparison == .greaterThan)
        #expect(low.comparison == .lessThan)
        #expect(try await scaled(harness, high, 150) == 3, "1 × 150 / 60, rounded up")
    }

    @Test("a customized metric: the alarms watch its namespace, name, dimensions, statistic and unit")
    func customized() async throws {
        let harness = try await Harness()
        try await service(harness)
        let (high, low) = try await track(
            harness,
            .init(
                targetValue: 100,
                customizedMetricSpecification: .init(
                    metricName: "QueueDepth",
                    namespace: "App",
                    dimensions: [.init(name: "Queue", value: "jobs")],
                    statistic: "Maximum",
                    unit: "Count"
                )
            )
        )
        for alarm in [high, low] {
            #expect(alarm.namespace == "App")
            #expect(alarm.metricName == "QueueDepth")
            #expect(alarm.dimensions == [MetricDimension(name: "Queue", value: "jobs")])
            #expect(alarm.statistic == "Maximum")
            #expect(alarm.unit == "Count")
        }
        #expect(try await scaled(harness, high, 250) == 3, "1 × 250 / 100, rounded up")
    }

    @Test(
        """
        ALBRequestCountPerTarget watches the Sum of the target group's RequestCountPerTarget, which is the \
        requests over the healthy targets; TargetResponseTime is in seconds
        """
    )
    func requestsPerTarget() async throws {
        let client = try await QueryClient()
        let harness = client.harness
        try await service(harness)
        let (lbARN, tgARN, _) = try await ELBv2Tests().webStack(client)
        let balancer = try #require(lbARN.components(separatedBy: ":loadbalancer/").last)
        let group = try #require(tgARN.components(separatedBy: ":").last)
        let label = "\(balancer)/\(group)"
        let (high, _) = try await track(
            harness,
            .init(
                targetValue: 100,
                predefinedMetricSpecification: .init(
                    predefinedMetricType: "ALBRequestCountPerTarget",
                    resourceLabel: label
                )
            )
        )
        #expect(high.namespace == "AWS/ApplicationELB")
        #expect(high.metricName == "RequestCountPerTarget")
        #expect(high.statistic == "Sum")
        #expect(high.dimensions == [MetricDimension(name: "TargetGroup", value: group)])
        #expect(try await scaled(harness, high, 300) == 3, "1 × 300 / 100")

        let groupID = try #require(group.split(separator: "/").last.map(String.init))
        let points = await harness.controller.read { state in
            state.elbMetricPoints(
                [groupID: TargetGroupSample(requests: 90, responseTimeMs: 250, healthy: 3, unhealthy: 1)],
                timestamp: 60_000
            )
        }
        func value(_ name: String, _ dimensions: [MetricDimension]) -> Double? {
            points.first { $0.key.name == name && Set($0.key.dimensions) == Set(dimensions) }?.sample.sum
        }
        let byGroup = [MetricDimension(name: "TargetGroup", value: group)]
        let both = byGroup + [MetricDimension(name: "LoadBalancer", value: balancer)]
        #expect(value("RequestCountPerTarget", byGroup) == 30, "90 requests over 3 healthy targets")
        #expect(value("RequestCountPerTarget", both) == 30)
        #expect(value("RequestCount", both) == 90)
        #expect(value("TargetResponseTime", both) == 0.25, "250 ms in seconds")
        #expect(value("HealthyHostCount", both) == 3)
        #expect(value("UnHealthyHostCount", both) == 1)
        #expect(points.allSatisfy { $0.key.namespace == "AWS/ApplicationELB" })
    }
}
