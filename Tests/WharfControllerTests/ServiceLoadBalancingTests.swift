import Foundation
import Testing
import WharfModel
import WharfProtocol
import WharfState
@testable import WharfController

/// Services behind load balancers: registration, draining before a task stops, health.
@Suite("Services with loadBalancers: targets registered, drained before stopping, replaced when unhealthy")
struct ServiceLoadBalancingTests {
    /// A load balancer forwarding to an instance target group on port 80 (deregistration delay
    /// 30 s, checks every 5 s), a node, and a load balancer node; the target group's ARN.
    func stack(_ client: QueryClient) async throws -> (tg: String, node: RegisterResponse, lb: RegisterResponse) {
        let node = try await client.harness.join("node-1")
        let lbNode = try await client.harness.joinLoadBalancerNode()
        let lb = try await client.ok("CreateLoadBalancer", ["Name": "web", "Subnets.member.1": "s"])
        let lbARN = try #require(lb["LoadBalancers"]?.members.first?.value("LoadBalancerArn"))
        let tg = try await client.ok(
            "CreateTargetGroup",
            [
                "Name": "web", "Protocol": "HTTP", "Port": "80", "HealthCheckIntervalSeconds": "5",
                "HealthCheckTimeoutSeconds": "2",
            ]
        )
        let tgARN = try #require(tg["TargetGroups"]?.members.first?.value("TargetGroupArn"))
        _ = try await client.ok(
            "ModifyTargetGroupAttributes",
            [
                "TargetGroupArn": tgARN, "Attributes.member.1.Key": "deregistration_delay.timeout_seconds",
                "Attributes.member.1.Value": "30",
            ]
        )
        _ = try await client.ok(
            "CreateListener",
            [
                "LoadBalancerArn": lbARN, "Port": "80", "DefaultActions.member.1.Type": "forward",
                "DefaultActions.member.1.TargetGroupArn": tgARN,
            ]
        )
        return (tgARN, node, lbNode)
    }

    func createService(_ harness: Harness, tg: String, count: Int = 1) async throws {
        _ = try await harness.controller.write { state, now in
            try state.createService(
                ECS.CreateServiceRequest(
                    cluster: "lab",
                    serviceName: "web",
                    taskDefinition: "web",
                    loadBalancers: [ECS.LoadBalancer(targetGroupArn: tg, containerName: "httpd", containerPort: 80)],
                    desiredCount: count,
                    healthCheckGracePeriodSeconds: 10
                ),
                now: now,
                deploymentID: "ecs-svc/1"
            )
        }
    }

    /// Reports the node's tasks wanted RUNNING as RUNNING, their port 80 published on 8080.
    func reportRunning(_ harness: Harness, _ node: RegisterResponse) async throws -> [String] {
        let desired = try await harness.sync(node, version: 0)
        let running = desired.tasks.filter { $0.desiredStatus == "RUNNING" }
        let reports = running.map { task in
            TaskReport(
                taskArn: task.taskArn,
                lastStatus: "RUNNING",
                containers: [
                    ContainerReport(
                        name: "httpd",
                        runtimeId: "c-\(task.taskArn.suffix(6))",
                        lastStatus: "RUNNING",
                        networkBindings: [ECS.NetworkBinding(containerPort: 80, hostPort: 8080, protocol: "tcp")]
                    )
                ],
                startedAt: harness.clock.now().timeIntervalSince1970
            )
        }
        _ = try await harness.sync(node, version: 0, reports: reports)
        return running.map(\.taskArn)
    }

    func events(_ harness: Harness) async throws -> [String] {
        try await harness.controller.read { state in
            try state.describeServices(ECS.DescribeServicesRequest(cluster: "lab", services: ["web"]))
        }.services?.first?.events?.compactMap(\.message) ?? []
    }

    func reportHealth(_ harness: Harness, _ lbNode: RegisterResponse, tg: String, _ state: String) async throws {
        let id = String(tg.split(separator: "/").last ?? "")
        _ = try await harness.controller.sync(
            SyncRequest(
                containerInstanceArn: lbNode.containerInstanceArn,
                credential: lbNode.credential,
                desiredVersion: 0,
                tasks: [],
                targetHealth: [
                    TargetHealthReport(targetGroupId: id, id: "node-1", port: 8080, state: state, detail: "L7STS")
                ]
            )
        )
    }

    @Test(
        """
        a RUNNING task is registered (node and host port); scaled in, it is deregistered and kept running, \
        DEACTIVATING, for the deregistration delay, then its node is told to stop it
        """
    )
    func registerAndDrain() async throws {
        let client = try await QueryClient()
        let harness = client.harness
        let (tg, node, _) = try await stack(client)
        try await createService(harness, tg: tg)
        try await harness.controller.scheduleServices()
        let arns = try await reportRunning(harness, node)
        try #require(arns.count == 1)
        try await harness.controller.scheduleServices()
        let health = try await client.ok("DescribeTargetHealth", ["TargetGroupArn": tg])
        let target = try #require(health["TargetHealthDescriptions"]?.members.first)
        #expect(target.value("Target", "Id") == "node-1" && target.value("Target", "Port") == "8080")
        #expect(
            try await events(harness).contains {
                $0.hasPrefix("(service web) registered 1 targets in (target-group \(tg))")
            }
        )
        let described = try await harness.controller.read { state in
            try state.describeServices(ECS.DescribeServicesRequest(cluster: "lab", services: ["web"]))
        }.services?.first
        #expect(described?.loadBalancers?.first?.targetGroupArn == tg)

        _ = try await harness.controller.write { state, now in
            try state.updateService(
                ECS.UpdateServiceRequest(cluster: "lab", service: "web", desiredCount: 0),
                now: now,
                deploymentID: "ecs-svc/2"
            )
        }
        try await harness.controller.scheduleServices()
        let task = try await harness.describe(arns[0])
        #expect(task?.lastStatus == "DEACTIVATING" && task?.desiredStatus == "STOPPED")
        var desired = try await harness.sync(node, version: 0)
        #expect(desired.tasks.first?.desiredStatus == "RUNNING", "the node keeps it running while it drains")
        let draining = try await client.ok("DescribeTargetHealth", ["TargetGroupArn": tg])
        #expect(draining["TargetHealthDescriptions"]?.members.first?.value("TargetHealth", "State") == "draining")
        #expect(try await events(harness).contains("(service web) has begun draining connections on 1 tasks."))

        harness.clock.advance(31)
        try await harness.controller.scheduleServices()
        desired = try await harness.sync(node, version: 0)
        #expect(desired.tasks.first?.desiredStatus == "STOPPED", "drained: the node stops it")
    }

    @Test("a deployment counts a task healthy only when its target is, and a failing target's task is replaced")
    func health() async throws {
        let client = try await QueryClient()
        let harness = client.harness
        let (tg, node, lbNode) = try await stack(client)
        try await createService(harness, tg: tg)
        try await harness.controller.scheduleServices()
        _ = try await reportRunning(harness, node)
        try await harness.controller.scheduleServices()
        var service = try await harness.controller.read { state in
            try state.describeServices(ECS.DescribeServicesRequest(cluster: "lab", services: ["web"]))
        }.services?.first
        #expect(service?.deployments?.first?.rolloutState == "IN_PROGRESS", "not steady before its target is healthy")

        try await reportHealth(harness, lbNode, tg: tg, "healthy")
        try await harness.controller.scheduleServices()
        service = try await harness.controller.read { state in
            try state.describeServices(ECS.DescribeServicesRequest(cluster: "lab", services: ["web"]))
        }.services?.first
        #expect(service?.deployments?.first?.rolloutState == "COMPLETED")

        try await reportHealth(harness, lbNode, tg: tg, "unhealthy")
        try await harness.controller.scheduleServices()
        #expect(
            await harness.controller.read { state in state.tasks.all.filter { $0.desiredStatus == .stopped }.count }
                == 0,
            "within the grace period (10 s) it is not replaced"
        )
        harness.clock.advance(11)
        try await harness.controller.scheduleServices()
        let stopped = await harness.controller.read { state in
            state.tasks.all.filter { $0.desiredStatus == .stopped }.map { $0.stoppedReason ?? "" }
        }
        #expect(stopped == ["Task failed ELB health checks in (target-group \(tg))"])
    }

    @Test(
        """
        a settled service whose load balancer node leaves is planned again in the next full round, though \
        the node was of another cluster: what the nodes see of its targets is one of its plan's inputs
        """
    )
    func observerLeaves() async throws {
        let client = try await QueryClient()
        let harness = client.harness
        let (tg, node, labNode) = try await stack(client)
        _ = try await harness.controller.write { state, _ in
            try state.createCluster(ECS.CreateClusterRequest(clusterName: "edge"))
        }
        let lbNode = try await harness.controller.register(
            RegisterRequest(
                cluster: "edge", hostname: "lb-2",
                resources: NodeResources(cpu: 1, memoryMiB: 1, reservedTCPPorts: [], reservedUDPPorts: []),
                attributes: [ECS.Attribute(name: LoadBalancerPlan.nodeAttribute)],
                versionInfo: ECS.VersionInfo(agentVersion: "0.1.0"), nodeAddress: "10.250.0.21"))
        try await createService(harness, tg: tg)
        try await harness.controller.scheduleServices()
        _ = try await reportRunning(harness, node)
        try await reportHealth(harness, lbNode, tg: tg, "healthy")
        for _ in 0..<3 { try await harness.controller.scheduleServices(onlyChanged: true) }
        #expect(try await harness.controller.scheduleServices().evaluated.isEmpty, "settled, it is quiet")

        // The nodes of lab sync on; the load balancer node of edge falls silent and is lost.
        harness.clock.advance(61)
        _ = try await harness.sync(node, version: 0)
        _ = try await harness.sync(labNode, version: 0)
        await harness.controller.sweepLiveness()
        #expect(await harness.controller.observedTargetHealth().isEmpty)
        let round = try await harness.controller.scheduleServices()
        #expect(round.evaluated.keys.map { $0.hasSuffix("/web") } == [true])
    }

    @Test("CreateService refuses a target group without a load balancer, of the wrong type, or a port not mapped")
    func refusals() async throws {
        let client = try await QueryClient()
        let harness = client.harness
        let (tg, _, _) = try await stack(client)
        let lonely = try await client.ok("CreateTargetGroup", ["Name": "lonely", "Protocol": "HTTP", "Port": "80"])
        let lonelyARN = try #require(lonely["TargetGroups"]?.members.first?.value("TargetGroupArn"))
        let cases: [(ECS.LoadBalancer, String)] = [
            (
                ECS.LoadBalancer(targetGroupArn: lonelyARN, containerName: "httpd", containerPort: 80),
                "associated load balancer"
            ),
            (ECS.LoadBalancer(targetGroupArn: tg, containerName: "httpd", containerPort: 81), "container port 81"),
            (ECS.LoadBalancer(targetGroupArn: tg, containerName: "nope", containerPort: 80), "nope"),
            (
                ECS.LoadBalancer(
                    targetGroupArn: tg,
                    loadBalancerName: "classic",
                    containerName: "httpd",
                    containerPort: 80
                ),
                "loadBalancerName"
            ),
        ]
        for (balancer, expected) in cases {
            let error = await #expect(throws: ECSError.self) {
                try await harness.controller.write { state, now in
                    try state.createService(
                        ECS.CreateServiceRequest(
                            cluster: "lab",
                            serviceName: "x",
                            taskDefinition: "web",
                            loadBalancers: [balancer],
                            desiredCount: 1
                        ),
                        now: now,
                        deploymentID: "ecs-svc/1"
                    )
                }
            }
            #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
        }
    }
}
