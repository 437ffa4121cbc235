import Foundation
import Testing
import WharfModel
import WharfMonitoring
import WharfProtocol
import WharfState

@testable import WharfController

/// AWS/ECS's metrics from what the agents report, computed as ECS computes them.
@Suite("AWS/ECS metrics: service and cluster utilization and reservation")
struct ECSMetricsTests {
    @Test(
        """
        a service's Average is what its running tasks use over what they reserve, its Minimum and Maximum those \
        of single tasks; a cluster's reservation and utilization are over what its instances registered
        """
    )
    func computed() async throws {
        let harness = try await Harness()
        let node = try await harness.join("node-1")
        _ = try await harness.controller.write { state, now in
            try state.registerTaskDefinition(
                ECS.RegisterTaskDefinitionRequest(
                    family: "spin",
                    containerDefinitions: [
                        ECS.ContainerDefinition(name: "spin", image: "wharf-test/busybox:latest", cpu: 256, memory: 128)
                    ]
                ),
                now: now
            )
        }
        _ = try await harness.controller.write { state, now in
            try state.createService(
                ECS.CreateServiceRequest(cluster: "lab", serviceName: "spin", taskDefinition: "spin", desiredCount: 2),
                now: now,
                deploymentID: "ecs-svc/1"
            )
        }
        try await harness.controller.scheduleServices()
        let desired = try await harness.sync(node, version: 0)
        #expect(desired.tasks.count == 2)
        let usage = [
            ContainerUsage(cpuUnits: 512, memoryMiB: 64, sampledAt: 0),
            ContainerUsage(cpuUnits: 128, memoryMiB: 32, sampledAt: 0),
        ]
        let reports = zip(desired.tasks, usage).map { task, usage in
            TaskReport(
                taskArn: task.taskArn,
                lastStatus: "RUNNING",
                containers: [
                    ContainerReport(name: "spin", runtimeId: "c-\(usage.cpuUnits)", lastStatus: "RUNNING", usage: usage)
                ],
                startedAt: harness.clock.now().timeIntervalSince1970
            )
        }
        _ = try await harness.sync(node, version: 0, reports: reports)
        let sampled = await harness.controller.taskUtilization()
        let points = await harness.controller.read { state in
            state.ecsMetricPoints(usage: sampled, timestamp: 60_000)
        }
        func point(_ name: String, service: String? = nil) -> MetricSample? {
            var dimensions = [MetricDimension(name: "ClusterName", value: "lab")]
            if let service { dimensions.append(MetricDimension(name: "ServiceName", value: service)) }
            return points.first { $0.key == MetricKey(namespace: "AWS/ECS", name: name, dimensions: dimensions) }?
                .sample
        }
        let cpu = try #require(point("CPUUtilization", service: "spin"))
        #expect(cpu.sampleCount == 2)
        #expect(cpu.sum / cpu.sampleCount == 125)  // (512 + 128) / (256 + 256)
        #expect(cpu.minimum == 50 && cpu.maximum == 200)
        #expect(cpu.unit == "Percent" && cpu.timestamp == 60_000)
        let memory = try #require(point("MemoryUtilization", service: "spin"))
        #expect(memory.sum / memory.sampleCount == 37.5)  // (64 + 32) / (128 + 128)
        #expect(point("CPUReservation")?.sum == 25)  // 512 of 2,048
        #expect(point("CPUUtilization")?.sum == 31.25)  // 640 of 2,048
        #expect(point("MemoryReservation")?.sum == 12.5)  // 256 of 2,048
        #expect(point("MemoryUtilization")?.sum == 4.6875)  // 96 of 2,048
        #expect(point("CPUReservation", service: "spin") == nil, "reservation is a cluster metric only")
    }

    @Test("a service without running tasks with samples has no point, and a cluster without instances none")
    func nothingToMeasure() async throws {
        let harness = try await Harness()
        _ = try await harness.controller.write { state, now in
            try state.createService(
                ECS.CreateServiceRequest(cluster: "lab", serviceName: "web", taskDefinition: "web", desiredCount: 1),
                now: now,
                deploymentID: "ecs-svc/1"
            )
        }
        let points = await harness.controller.read { state in state.ecsMetricPoints(usage: [:], timestamp: 0) }
        #expect(points.isEmpty, "\(points)")
    }
}

@Suite("Load balancer traffic into per-sample counts")
struct TrafficCountersTests {
    @Test("a counter's first sight sets the mark; then the requests since, over nodes; a restart counts from 0")
    func deltas() {
        var counters = TrafficCounters()
        let node1 = InstanceID(high: 1, low: 1)
        let node2 = InstanceID(high: 2, low: 2)
        let health: [TargetKey: ObservedHealth] = [
            TargetKey(targetGroupID: "tg", id: "10.0.0.1", port: 80): .healthy,
            TargetKey(targetGroupID: "tg", id: "10.0.0.2", port: 80): .healthy,
            TargetKey(targetGroupID: "tg", id: "10.0.0.3", port: 80): .unhealthy(detail: "L4CON"),
        ]
        let first = counters.advance(
            to: [node1: [TargetGroupTraffic(targetGroupId: "tg", requests: 1000, responseTimeMs: 4)]],
            health: health
        )
        #expect(first["tg"] == TargetGroupSample(requests: 0, healthy: 2, unhealthy: 1))
        let second = counters.advance(
            to: [
                node1: [TargetGroupTraffic(targetGroupId: "tg", requests: 1030, responseTimeMs: 4)],
                node2: [TargetGroupTraffic(targetGroupId: "tg", requests: 50, responseTimeMs: 10)],
            ],
            health: health
        )
        #expect(second["tg"]?.requests == 30, "node 2 only set its mark")
        #expect(second["tg"]?.responseTimeMs == 4)
        let third = counters.advance(
            to: [
                node1: [TargetGroupTraffic(targetGroupId: "tg", requests: 10, responseTimeMs: 2)],
                node2: [TargetGroupTraffic(targetGroupId: "tg", requests: 80, responseTimeMs: 10)],
            ],
            health: health
        )
        #expect(third["tg"]?.requests == 40, "node 1's HAProxy started again: 10 + 30")
        #expect(third["tg"]?.responseTimeMs == (2.0 * 10 + 10.0 * 30) / 40)
    }
}
