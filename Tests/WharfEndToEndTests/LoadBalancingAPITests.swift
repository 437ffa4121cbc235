import Foundation
import Testing

@Suite("Elastic Load Balancing v2 with the AWS CLI and boto3 against a real controller", .serialized)
struct LoadBalancingAPIEndToEndTests {
    @Test(
        """
        aws elbv2 create-load-balancer, create-target-group, create-listener, register-targets, \
        describe-target-health as the ECS guides write them; all of it still there after a restart
        """
    )
    func cli() async throws {
        try await withDataDirectory { directory in
            let (lb, tg, listener) = try await withController(dataDirectory: directory) { controller in
                let endpoint = controller.endpoint
                let created = try await aws(
                    [
                        "elbv2", "create-load-balancer", "--name", "ecs-web", "--subnets", "subnet-0a", "subnet-0b",
                        "--security-groups", "sg-0123", "--scheme", "internet-facing", "--type", "application",
                    ],
                    endpoint: endpoint
                )
                #expect(created.status == 0, "\(created.stderr)")
                let balancer = try #require((created.json["LoadBalancers"] as? [[String: Any]])?.first)
                let lb = try #require(balancer["LoadBalancerArn"] as? String)
                #expect(balancer["DNSName"] as? String != nil && balancer["SecurityGroups"] as? [String] == ["sg-0123"])
                let group = try await aws(
                    [
                        "elbv2", "create-target-group", "--name", "ecs-web-tg", "--protocol", "HTTP", "--port", "80",
                        "--target-type", "ip", "--vpc-id", "vpc-0abc", "--health-check-path", "/",
                    ],
                    endpoint: endpoint
                )
                #expect(group.status == 0, "\(group.stderr)")
                let tg = try #require(
                    (group.json["TargetGroups"] as? [[String: Any]])?.first?["TargetGroupArn"] as? String
                )
                let listener = try await aws(
                    [
                        "elbv2", "create-listener", "--load-balancer-arn", lb, "--protocol", "HTTP", "--port", "80",
                        "--default-actions", "Type=forward,TargetGroupArn=\(tg)",
                    ],
                    endpoint: endpoint
                )
                #expect(listener.status == 0, "\(listener.stderr)")
                let listenerARN = try #require(
                    (listener.json["Listeners"] as? [[String: Any]])?.first?["ListenerArn"] as? String
                )
                let registered = try await aws(
                    [
                        "elbv2", "register-targets", "--target-group-arn", tg, "--targets", "Id=10.64.0.5,Port=80",
                        "Id=10.64.0.6,Port=80",
                    ],
                    endpoint: endpoint
                )
                #expect(registered.status == 0, "\(registered.stderr)")
                let health = try await aws(
                    ["elbv2", "describe-target-health", "--target-group-arn", tg],
                    endpoint: endpoint
                )
                let states = (health.json["TargetHealthDescriptions"] as? [[String: Any]])?.compactMap {
                    ($0["TargetHealth"] as? [String: Any])?["State"] as? String
                }
                #expect(states == ["initial", "initial"], "\(health.stderr)")
                let unknown = try await aws(
                    ["elbv2", "describe-load-balancers", "--names", "no-such-lb"],
                    endpoint: endpoint
                )
                #expect(unknown.status != 0 && unknown.stderr.contains("(LoadBalancerNotFound)"), "\(unknown.stderr)")
                return (lb, tg, listenerARN)
            }
            try await withController(dataDirectory: directory) { controller in
                let listeners = try await aws(
                    ["elbv2", "describe-listeners", "--load-balancer-arn", lb],
                    endpoint: controller.endpoint
                )
                let shown = (listeners.json["Listeners"] as? [[String: Any]])?.first
                #expect(shown?["ListenerArn"] as? String == listener, "\(listeners.stderr)")
                let action = (shown?["DefaultActions"] as? [[String: Any]])?.first
                #expect(action?["TargetGroupArn"] as? String == tg)
                let health = try await aws(
                    ["elbv2", "describe-target-health", "--target-group-arn", tg],
                    endpoint: controller.endpoint
                )
                #expect((health.json["TargetHealthDescriptions"] as? [Any])?.count == 2, "\(health.stderr)")
            }
        }
    }

    @Test("every answer validates against botocore's elbv2 model and every bad request gets the model's 4xx")
    func conformance() async throws {
        try await withController { controller in
            let script = DockerEngine.repositoryRoot
                .appendingPathComponent("Tests/WharfEndToEndTests/Support/elbv2_conformance.py").path
            let result = try await DockerEngine.run(TestCredentials.signing(["python3", script, controller.endpoint]))
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
            let checks = result.stdout.split(separator: "\n").filter { $0.hasPrefix("ok   ") }.count
            #expect(checks >= 45, "\(result.stdout)")
            #expect(result.stdout.hasSuffix("0 failed\n"), "\(result.stdout)")
        }
    }
}
