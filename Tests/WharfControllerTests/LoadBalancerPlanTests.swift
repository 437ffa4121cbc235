import Foundation
import Testing
import WharfModel
import WharfProtocol
import WharfState
@testable import WharfController

/// What the controller sends the load balancer nodes, and what it makes of their health reports.
@Suite("Load balancer nodes: the plan they serve and the health they report")
struct LoadBalancerPlanTests {
    /// Joins `hostname` as a load balancer node at `address`.
    func joinLoadBalancer(_ harness: Harness, _ hostname: String, address: String) async throws -> RegisterResponse {
        try await harness.controller.register(
            RegisterRequest(
                cluster: "lab",
                hostname: hostname,
                resources: NodeResources(cpu: 1024, memoryMiB: 1024, reservedTCPPorts: [], reservedUDPPorts: []),
                attributes: [ECS.Attribute(name: LoadBalancerPlan.nodeAttribute)],
                versionInfo: ECS.VersionInfo(agentVersion: "0.1.0"),
                nodeAddress: address
            )
        )
    }

    func sync(
        _ harness: Harness,
        _ node: RegisterResponse,
        version: Int,
        plan: String?,
        health: [TargetHealthReport]? = nil
    )
        async throws -> SyncResponse
    {
        try await harness.controller.sync(
            SyncRequest(
                containerInstanceArn: node.containerInstanceArn,
                credential: node.credential,
                desiredVersion: version,
                tasks: [],
                loadBalancerVersion: plan,
                targetHealth: health
            )
        )
    }

    @Test(
        """
        a load balancer node gets the plan (rules in order, the default last, an instance target at its node's \
        address) when its version is not the current one, and a change answers its held sync
        """
    )
    func plan() async throws {
        let client = try await QueryClient()
        let harness = client.harness
        let balancer = try await joinLoadBalancer(harness, "lb-1", address: "10.250.0.10")
        let worker = try await harness.join("node-1")
        let first = try await sync(harness, balancer, version: 0, plan: nil)
        let empty = try #require(first.loadBalancerPlan)
        #expect(empty.balancers.isEmpty)
        let workerSync = try await harness.sync(worker, version: 0)
        #expect(workerSync.loadBalancerPlan == nil, "only load balancer nodes get the plan")

        let lb = try await client.ok("CreateLoadBalancer", ["Name": "web", "Subnets.member.1": "s"])
        let lbARN = try #require(lb["LoadBalancers"]?.members.first?.value("LoadBalancerArn"))
        let tg = try await client.ok("CreateTargetGroup", ["Name": "inst", "Protocol": "HTTP", "Port": "8080"])
        let tgARN = try #require(tg["TargetGroups"]?.members.first?.value("TargetGroupArn"))
        _ = try await client.ok("RegisterTargets", ["TargetGroupArn": tgARN, "Targets.member.1.Id": "lb-1"])

        // A sync held with the current versions is answered when a listener is created.
        let current = try await sync(harness, balancer, version: first.desiredVersion, plan: empty.version)
        let held = Task {
            try await sync(
                harness,
                balancer,
                version: current.desiredVersion,
                plan: current.loadBalancerPlan?.version ?? empty.version
            )
        }
        try await Task.sleep(for: .milliseconds(100))
        let listener = try await client.ok(
            "CreateListener",
            [
                "LoadBalancerArn": lbARN, "Port": "80", "DefaultActions.member.1.Type": "forward",
                "DefaultActions.member.1.TargetGroupArn": tgARN,
            ]
        )
        let listenerARN = try #require(listener["Listeners"]?.members.first?.value("ListenerArn"))
        _ = try await client.ok(
            "CreateRule",
            [
                "ListenerArn": listenerARN, "Priority": "9", "Conditions.member.1.Field": "path-pattern",
                "Conditions.member.1.Values.member.1": "/x", "Actions.member.1.Type": "fixed-response",
                "Actions.member.1.FixedResponseConfig.StatusCode": "404",
            ]
        )
        let answered = try await held.value
        let plan = try #require(answered.loadBalancerPlan, "the held sync is answered with the new plan")
        #expect(answered.desiredVersion > current.desiredVersion)
        let served = try #require(plan.balancers.first)
        #expect(served.name == "web" && served.idleTimeoutSeconds == 60)
        let rules = try #require(served.listeners.first?.rules)
        #expect(rules.last?.conditions.isEmpty == true && rules.last?.action.kind == "forward")
        #expect(
            plan.targetGroups.first?.targets == [.init(id: "lb-1", port: 8080, address: "10.250.0.10", draining: false)]
        )
        let names = await harness.controller.read { $0.discoveryNames() }
        let dnsName = try #require(lb["LoadBalancers"]?.members.first?.value("DNSName"))
        #expect(
            names.records.contains { $0.name == dnsName && $0.values == ["10.250.0.10"] },
            "the load balancer's DNS name is the load balancer node's address in Wharf's DNS"
        )
        #expect(names.zones.contains("us-east-1.elb.wharf.internal"))
        let again = try await sync(harness, balancer, version: 0, plan: nil)
        let latest = await harness.controller.read { $0.loadBalancerPlanVersion }
        #expect(again.loadBalancerPlan?.version == latest, "a node without the plan gets it again")
        #expect(again.loadBalancerPlan?.balancers.first?.listeners.first?.rules.count == 2)
    }

    @Test("DescribeTargetHealth shows what the connected load balancer nodes report: healthy if one sees it so")
    func health() async throws {
        let client = try await QueryClient()
        let harness = client.harness
        let one = try await joinLoadBalancer(harness, "lb-1", address: "10.250.0.10")
        let two = try await joinLoadBalancer(harness, "lb-2", address: "10.250.0.11")
        let lb = try await client.ok("CreateLoadBalancer", ["Name": "web", "Subnets.member.1": "s"])
        let lbARN = try #require(lb["LoadBalancers"]?.members.first?.value("LoadBalancerArn"))
        let tg = try await client.ok(
            "CreateTargetGroup",
            ["Name": "ips", "Protocol": "HTTP", "Port": "80", "TargetType": "ip"]
        )
        let tgARN = try #require(tg["TargetGroups"]?.members.first?.value("TargetGroupArn"))
        let tgID = String(try #require(tgARN.split(separator: "/").last))
        _ = try await client.ok(
            "RegisterTargets",
            ["TargetGroupArn": tgARN, "Targets.member.1.Id": "10.64.0.5", "Targets.member.2.Id": "10.64.0.6"]
        )
        _ = try await client.ok(
            "CreateListener",
            [
                "LoadBalancerArn": lbARN, "Port": "80", "DefaultActions.member.1.Type": "forward",
                "DefaultActions.member.1.TargetGroupArn": tgARN,
            ]
        )
        let failing = TargetHealthReport(
            targetGroupId: tgID,
            id: "10.64.0.6",
            port: 80,
            state: "unhealthy",
            detail: "L7STS"
        )
        _ = try await sync(
            harness,
            one,
            version: 0,
            plan: nil,
            health: [
                TargetHealthReport(targetGroupId: tgID, id: "10.64.0.5", port: 80, state: "unhealthy", detail: "L4CON"),
                failing,
            ]
        )
        _ = try await sync(
            harness,
            two,
            version: 0,
            plan: nil,
            health: [
                TargetHealthReport(targetGroupId: tgID, id: "10.64.0.5", port: 80, state: "healthy"), failing,
            ]
        )
        let health = try await client.ok("DescribeTargetHealth", ["TargetGroupArn": tgARN])
        let described = try #require(health["TargetHealthDescriptions"]?.members)
        #expect(described.first?.value("TargetHealth", "State") == "healthy")
        #expect(described.last?.value("TargetHealth", "State") == "unhealthy")
        #expect(described.last?.value("TargetHealth", "Reason") == "Target.ResponseCodeMismatch")
    }
}
