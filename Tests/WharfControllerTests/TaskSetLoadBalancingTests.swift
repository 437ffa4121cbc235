import Foundation
import Testing
import WharfModel
import WharfProtocol
import WharfState
@testable import WharfController

@Suite("Task sets behind load balancers: each task set's tasks in its own target group")
struct TaskSetLoadBalancingTests {
    @Test(
        """
        the blue and the green task set of an EXTERNAL service register their tasks in their own target groups, \
        as a blue/green controller shifts traffic between them; the primary's target group is the service's
        """
    )
    func blueGreen() async throws {
        let client = try await QueryClient()
        let harness = client.harness
        let base = ServiceLoadBalancingTests()
        let (blueGroup, node, _) = try await base.stack(client)
        let other = try await harness.join("node-2")
        let green = try await client.ok(
            "CreateTargetGroup",
            ["Name": "green", "Protocol": "HTTP", "Port": "80"]
        )
        let greenGroup = try #require(green["TargetGroups"]?.members.first?.value("TargetGroupArn"))
        let balancer = try #require(
            try await client.ok("DescribeLoadBalancers", [:])["LoadBalancers"]?.members.first?.value("LoadBalancerArn")
        )
        _ = try await client.ok(
            "CreateListener",
            [
                "LoadBalancerArn": balancer, "Port": "8081", "DefaultActions.member.1.Type": "forward",
                "DefaultActions.member.1.TargetGroupArn": greenGroup,
            ]
        )
        try await TaskSetTests.createExternal(harness, desired: 1)
        for (id, group) in [("ecs-svc/1", blueGroup), ("ecs-svc/2", greenGroup)] {
            let set = try await harness.controller.write { state, now in
                try state.createTaskSet(
                    ECS.CreateTaskSetRequest(
                        service: "web",
                        cluster: "lab",
                        taskDefinition: "web",
                        loadBalancers: [
                            ECS.LoadBalancer(targetGroupArn: group, containerName: "httpd", containerPort: 80)
                        ]
                    ),
                    now: now,
                    id: id
                )
            }.taskSet
            #expect(set?.loadBalancers?.first?.targetGroupArn == group)
        }
        _ = try await harness.controller.scheduleServices()
        let running = try await base.reportRunning(harness, node) + base.reportRunning(harness, other)
        #expect(running.count == 2, "one task of each task set, on a node each (both publish port 8080)")
        _ = try await harness.controller.scheduleServices()
        for group in [blueGroup, greenGroup] {
            let health = try await client.ok("DescribeTargetHealth", ["TargetGroupArn": group])
            #expect(health["TargetHealthDescriptions"]?.members.count == 1, "\(group)")
            #expect(
                try await base.events(harness).contains {
                    $0.hasPrefix("(service web) registered 1 targets in (target-group \(group))")
                }
            )
        }
        _ = try await harness.controller.write { state, now in
            try state.updateServicePrimaryTaskSet(
                ECS.UpdateServicePrimaryTaskSetRequest(cluster: "lab", service: "web", primaryTaskSet: "ecs-svc/2"),
                now: now
            )
        }
        let service = try await harness.controller.read { state in
            try state.describeServices(ECS.DescribeServicesRequest(cluster: "lab", services: ["web"]))
        }.services?.first
        #expect(service?.loadBalancers?.map(\.targetGroupArn) == [greenGroup])
    }
}
