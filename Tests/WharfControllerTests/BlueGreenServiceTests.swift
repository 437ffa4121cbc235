import Foundation
import Testing
import WharfModel
import WharfProtocol
import WharfState

@testable import WharfController

/// Blue/green deployments behind a load balancer, through the controller: which target group each
/// task is in, and the production and test rules' weights at each stage.
@Suite("Blue/green services: alternate target groups, production and test rules")
struct BlueGreenServiceTests {
    struct Stack {
        var blue: String
        var green: String
        var production: String
        var test: String
        var lbNode: RegisterResponse
        var nodes: [RegisterResponse]
    }

    /// An application load balancer with target groups `web` (blue) and `web-green` (no
    /// deregistration delay), a production rule on port 80 and a test listener on 8081 forwarding
    /// to blue; two nodes and a load balancer node.
    func stack(_ client: QueryClient) async throws -> Stack {
        let harness = client.harness
        let nodes = [try await harness.join("node-1"), try await harness.join("node-2")]
        let lbNode = try await harness.joinLoadBalancerNode()
        let lb = try await client.ok("CreateLoadBalancer", ["Name": "web", "Subnets.member.1": "s"])
        let lbARN = try #require(lb["LoadBalancers"]?.members.first?.value("LoadBalancerArn"))
        var groups: [String] = []
        for name in ["web", "web-green"] {
            let tg = try await client.ok("CreateTargetGroup", ["Name": name, "Protocol": "HTTP", "Port": "80"])
            let arn = try #require(tg["TargetGroups"]?.members.first?.value("TargetGroupArn"))
            _ = try await client.ok(
                "ModifyTargetGroupAttributes",
                [
                    "TargetGroupArn": arn, "Attributes.member.1.Key": "deregistration_delay.timeout_seconds",
                    "Attributes.member.1.Value": "0",
                ]
            )
            groups.append(arn)
        }
        func listener(_ port: String) async throws -> String {
            let made = try await client.ok(
                "CreateListener",
                [
                    "LoadBalancerArn": lbARN, "Port": port, "DefaultActions.member.1.Type": "fixed-response",
                    "DefaultActions.member.1.FixedResponseConfig.StatusCode": "404",
                ]
            )
            return try #require(made["Listeners"]?.members.first?.value("ListenerArn"))
        }
        let rule = try await client.ok(
            "CreateRule",
            [
                "ListenerArn": try await listener("80"), "Priority": "1",
                "Conditions.member.1.Field": "path-pattern", "Conditions.member.1.Values.member.1": "/*",
                "Actions.member.1.Type": "forward", "Actions.member.1.TargetGroupArn": groups[0],
            ]
        )
        let production = try #require(rule["Rules"]?.members.first?.value("RuleArn"))
        let test = try await client.ok(
            "CreateRule",
            [
                "ListenerArn": try await listener("8081"), "Priority": "1",
                "Conditions.member.1.Field": "path-pattern", "Conditions.member.1.Values.member.1": "/*",
                "Actions.member.1.Type": "forward", "Actions.member.1.TargetGroupArn": groups[0],
            ]
        )
        let testRule = try #require(test["Rules"]?.members.first?.value("RuleArn"))
        return Stack(
            blue: groups[0],
            green: groups[1],
            production: production,
            test: testRule,
            lbNode: lbNode,
            nodes: nodes
        )
    }

    func advanced(
        _ stack: Stack,
        alternate: String? = nil,
        role: String? = "arn:aws:iam::000000000000:role/ecs"
    )
        -> ECS.AdvancedConfiguration
    {
        ECS.AdvancedConfiguration(
            alternateTargetGroupArn: alternate ?? stack.green,
            productionListenerRule: stack.production,
            testListenerRule: stack.test,
            roleArn: role
        )
    }

    func create(
        _ harness: Harness,
        _ stack: Stack,
        strategy: String = "BLUE_GREEN",
        advanced: ECS.AdvancedConfiguration?
    ) async throws -> ECS.Service? {
        try await harness.controller.write { state, now in
            try state.createService(
                ECS.CreateServiceRequest(
                    cluster: "lab",
                    serviceName: "web",
                    taskDefinition: "web",
                    loadBalancers: [
                        ECS.LoadBalancer(
                            targetGroupArn: stack.blue,
                            containerName: "httpd",
                            containerPort: 80,
                            advancedConfiguration: advanced
                        )
                    ],
                    desiredCount: 1,
                    deploymentConfiguration: ECS.DeploymentConfiguration(
                        strategy: strategy,
                        bakeTimeInMinutes: strategy == "ROLLING" ? nil : 0
                    )
                ),
                now: now,
                deploymentID: "ecs-svc/1"
            )
        }.service
    }

    /// The weights a rule forwards with, by target group ARN.
    func weights(_ harness: Harness, rule arn: String) async throws -> [String: Int] {
        let id = String(arn.split(separator: "/").last ?? "")
        return await harness.controller.read { state in
            let groups = state.loadBalancing.rule(id)?.actions.first { $0.kind == .forward }?.targetGroups ?? []
            return Dictionary(
                uniqueKeysWithValues: groups.map { (state.targetGroupARN($0.targetGroupID) ?? "?", $0.weight) }
            )
        }
    }

    /// The targets registered (not draining) in a target group, by node.
    func targets(_ harness: Harness, _ arn: String) async -> [String] {
        let id = String(arn.split(separator: "/").last ?? "")
        return await harness.controller.read { state in
            (state.loadBalancing.targetGroup(id)?.targets ?? []).filter { $0.drainingUntil == nil }.map(\.id).sorted()
        }
    }

    /// What the load balancer node reports of a target's health.
    func health(_ harness: Harness, _ stack: Stack, group: String, node: String) async throws {
        _ = try await harness.controller.sync(
            SyncRequest(
                containerInstanceArn: stack.lbNode.containerInstanceArn,
                credential: stack.lbNode.credential,
                desiredVersion: 0,
                tasks: [],
                targetHealth: [
                    TargetHealthReport(
                        targetGroupId: String(group.split(separator: "/").last ?? ""),
                        id: node,
                        port: 8080,
                        state: "healthy",
                        detail: "L7OK"
                    )
                ]
            )
        )
    }

    func deployment(_ harness: Harness) async throws -> ECS.ServiceDeployment? {
        try await harness.controller.read { state in
            let list = try state.listServiceDeployments(
                ECS.ListServiceDeploymentsRequest(service: "web", cluster: "lab")
            )
            return try state.describeServiceDeployments(
                ECS.DescribeServiceDeploymentsRequest(
                    serviceDeploymentArns: (list.serviceDeployments ?? []).prefix(1).compactMap(\.serviceDeploymentArn)
                )
            )
        }.serviceDeployments?.first
    }

    @Test(
        """
        green comes up in the alternate target group, test then production traffic move to it, blue stops once \
        baked; the next deployment goes the other way
        """
    )
    func deployment() async throws {
        let client = try await QueryClient()
        let harness = client.harness
        let stack = try await stack(client)
        let created = try await create(harness, stack, advanced: advanced(stack))
        #expect(created?.loadBalancers?.first?.advancedConfiguration?.alternateTargetGroupArn == stack.green)
        #expect(created?.deploymentConfiguration?.strategy == "BLUE_GREEN")
        let running = ServiceLoadBalancingTests()
        try await harness.controller.scheduleServices()
        #expect(try await weights(harness, rule: stack.production) == [stack.blue: 100, stack.green: 0])
        #expect(try await weights(harness, rule: stack.test) == [stack.blue: 100, stack.green: 0])
        var blueNode = "node-1"
        for (index, node) in stack.nodes.enumerated() where try await !running.reportRunning(harness, node).isEmpty {
            blueNode = "node-\(index + 1)"
        }
        try await harness.controller.scheduleServices()
        #expect(await targets(harness, stack.blue) == [blueNode])
        try await health(harness, stack, group: stack.blue, node: blueNode)
        try await harness.controller.scheduleServices()
        #expect(try await deployment(harness)?.status == "SUCCESSFUL", "the first deployment has nothing to shift")

        _ = try await harness.controller.write { state, now in
            try state.updateService(
                ECS.UpdateServiceRequest(cluster: "lab", service: "web", forceNewDeployment: true),
                now: now,
                deploymentID: "ecs-svc/2"
            )
        }
        try await harness.controller.scheduleServices()
        #expect(try await deployment(harness)?.lifecycleStage == "SCALE_UP")
        let greenNode = blueNode == "node-1" ? "node-2" : "node-1"
        for node in stack.nodes { _ = try await running.reportRunning(harness, node) }
        try await harness.controller.scheduleServices()
        #expect(await targets(harness, stack.green) == [greenNode], "green in the alternate target group")
        #expect(await targets(harness, stack.blue) == [blueNode], "blue alone serves production")
        #expect(try await deployment(harness)?.lifecycleStage == "SCALE_UP", "green is not healthy yet")

        try await health(harness, stack, group: stack.green, node: greenNode)
        var stages: [String] = []
        for _ in 0..<8 {
            try await harness.controller.scheduleServices()
            let stage = try await deployment(harness)?.lifecycleStage ?? "none"
            if stages.last != stage { stages.append(stage) }
            if stage == "TEST_TRAFFIC_SHIFT" {
                #expect(try await weights(harness, rule: stack.test) == [stack.blue: 0, stack.green: 100])
                #expect(try await weights(harness, rule: stack.production) == [stack.blue: 100, stack.green: 0])
            }
            if stage == "BAKE_TIME" {
                #expect(try await weights(harness, rule: stack.production) == [stack.blue: 0, stack.green: 100])
                #expect(await targets(harness, stack.blue) == [blueNode], "blue runs through the bake time")
            }
        }
        #expect(
            stages == [
                "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT",
                "POST_PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME", "CLEAN_UP",
            ]
        )
        #expect(await targets(harness, stack.blue).isEmpty, "blue is deregistered")
        for node in stack.nodes {
            let desired = try await harness.sync(node, version: 0)
            let stops = desired.tasks.filter { $0.desiredStatus == "STOPPED" }
            let reports = stops.map { TaskReport(taskArn: $0.taskArn, lastStatus: "STOPPED", containers: []) }
            _ = try await harness.sync(node, version: 0, reports: reports)
        }
        try await harness.controller.scheduleServices()
        let finished = try await deployment(harness)
        #expect(finished?.status == "SUCCESSFUL")
        #expect(finished?.lifecycleStage == "CLEAN_UP")
        let record = await harness.controller.read { state in state.serviceRecord("web", cluster: "lab") }
        #expect(record?.alternateServesProduction == true)
        #expect(record?.blueGreen == nil)
        #expect(await targets(harness, stack.green) == [greenNode], "green stays where it was, now production")
        #expect(try await weights(harness, rule: stack.production) == [stack.blue: 0, stack.green: 100])
        #expect(try await weights(harness, rule: stack.test) == [stack.blue: 0, stack.green: 100])
        do {
            _ = try await harness.controller.write { state, now in
                try state.updateService(
                    ECS.UpdateServiceRequest(
                        cluster: "lab",
                        service: "web",
                        deploymentConfiguration: ECS.DeploymentConfiguration(strategy: "ROLLING"),
                        loadBalancers: [
                            ECS.LoadBalancer(targetGroupArn: stack.blue, containerName: "httpd", containerPort: 80)
                        ]
                    ),
                    now: now,
                    deploymentID: "ecs-svc/x"
                )
            }
            Issue.record("dropping the alternate that serves production was accepted")
        } catch let error as ECSError {
            #expect(error.message.hasPrefix("Production traffic is on the alternate target groups"), "\(error)")
        }

        _ = try await harness.controller.write { state, now in
            try state.updateService(
                ECS.UpdateServiceRequest(cluster: "lab", service: "web", forceNewDeployment: true),
                now: now,
                deploymentID: "ecs-svc/3"
            )
        }
        try await harness.controller.scheduleServices()
        for node in stack.nodes { _ = try await running.reportRunning(harness, node) }
        try await harness.controller.scheduleServices()
        #expect(await targets(harness, stack.blue) == [blueNode], "the next green goes to the other target group")
    }

    @Test(
        """
        CreateService refuses advancedConfiguration with ROLLING, BLUE_GREEN without it, a missing roleArn, the \
        same target group twice, and a rule that forwards to neither
        """
    )
    func refusals() async throws {
        let client = try await QueryClient()
        let harness = client.harness
        let stack = try await stack(client)
        func refusal(_ strategy: String, _ advanced: ECS.AdvancedConfiguration?) async -> String? {
            do {
                _ = try await create(harness, stack, strategy: strategy, advanced: advanced)
                return nil
            } catch let error as ECSError {
                return error.message
            } catch {
                return "\(error)"
            }
        }
        #expect(
            await refusal("ROLLING", advanced(stack))
                == "advancedConfiguration is only valid with the BLUE_GREEN, LINEAR or CANARY deployment strategy."
        )
        #expect(await refusal("BLUE_GREEN", nil)?.hasPrefix("The BLUE_GREEN deployment strategy needs") == true)
        #expect(await refusal("BLUE_GREEN", advanced(stack, role: nil)) == "advancedConfiguration.roleArn is required.")
        #expect(
            await refusal("BLUE_GREEN", advanced(stack, alternate: stack.blue))
                == "advancedConfiguration.alternateTargetGroupArn must be another target group than targetGroupArn."
        )
        let other = try await client.ok("CreateTargetGroup", ["Name": "other", "Protocol": "HTTP", "Port": "80"])
        let otherARN = try #require(other["TargetGroups"]?.members.first?.value("TargetGroupArn"))
        _ = try await client.ok(
            "ModifyRule",
            ["RuleArn": stack.test, "Actions.member.1.Type": "forward", "Actions.member.1.TargetGroupArn": otherARN]
        )
        #expect(
            await refusal("BLUE_GREEN", advanced(stack))?.hasPrefix("The testListenerRule \(stack.test) must forward")
                == true
        )
        #expect(await harness.controller.read { state in state.serviceRecord("web", cluster: "lab") } == nil)
    }

    @Test("the forward action's weights: percent, tenths of one for a fraction, one target group for a network LB")
    func weights() {
        func pairs(_ share: Double, one: Bool = false) -> [String] {
            ClusterState.weightedGroups(production: "blue", other: "green", share: share, one: one)
                .map { "\($0.targetGroupID)=\($0.weight)" }
        }
        #expect(pairs(0) == ["blue=100", "green=0"])
        #expect(pairs(40) == ["blue=60", "green=40"])
        #expect(pairs(100) == ["blue=0", "green=100"])
        #expect(pairs(5.5) == ["blue=945", "green=55"], "ALB weights are whole numbers up to 999")
        #expect(pairs(0, one: true) == ["blue=1"])
        #expect(pairs(100, one: true) == ["green=1"])
    }
}
