import Foundation
import Testing

/// The path of a fixture task definition from the ECS getting-started guides.
func fixture(_ name: String) -> String {
    DockerEngine.repositoryRoot.appendingPathComponent("Tests/WharfEndToEndTests/Fixtures/\(name)").path
}

@Suite("The AWS CLI against a real wharf-controller", .serialized)
struct AWSCLITests {
    @Test("the getting-started flow: clusters and the guides' task definitions, verbatim")
    func gettingStarted() async throws {
        try await withController { controller in
            let endpoint = controller.endpoint
            let created = try await aws(["ecs", "create-cluster", "--cluster-name", "my-cluster"], endpoint: endpoint)
            #expect(created.status == 0, "\(created.stderr)")
            let cluster = created.json["cluster"] as? [String: Any]
            #expect(cluster?["clusterArn"] as? String == "arn:aws:ecs:us-east-1:000000000000:cluster/my-cluster")
            #expect(cluster?["status"] as? String == "ACTIVE")
            // The agents' poll endpoint is the controller, at the address the CLI used.
            let poll = try await aws(["ecs", "discover-poll-endpoint", "--cluster", "my-cluster"], endpoint: endpoint)
            #expect(poll.json["endpoint"] as? String == endpoint, "\(poll.json) \(poll.stderr)")

            let ec2 = try await aws(["ecs", "register-task-definition", "--cli-input-json", "file://\(fixture("sleep360.json"))"], endpoint: endpoint)
            #expect(ec2.status == 0, "\(ec2.stderr)")
            let sleep = ec2.json["taskDefinition"] as? [String: Any]
            #expect(sleep?["taskDefinitionArn"] as? String == "arn:aws:ecs:us-east-1:000000000000:task-definition/sleep360:1")
            #expect(sleep?["compatibilities"] as? [String] == ["EXTERNAL", "EC2"])

            let fargate = try await aws(["ecs", "register-task-definition", "--cli-input-json", "file://\(fixture("sample-fargate.json"))"], endpoint: endpoint)
            #expect(fargate.status == 0, "\(fargate.stderr)")
            let sample = fargate.json["taskDefinition"] as? [String: Any]
            #expect(sample?["compatibilities"] as? [String] == ["EC2", "FARGATE"])
            #expect(sample?["networkMode"] as? String == "awsvpc")

            let listed = try await aws(["ecs", "list-task-definitions"], endpoint: endpoint)
            #expect(listed.json["taskDefinitionArns"] as? [String] == [
                "arn:aws:ecs:us-east-1:000000000000:task-definition/sample-fargate:1",
                "arn:aws:ecs:us-east-1:000000000000:task-definition/sleep360:1",
            ])
            let families = try await aws(["ecs", "list-task-definition-families"], endpoint: endpoint)
            #expect(families.json["families"] as? [String] == ["sample-fargate", "sleep360"])

            let described = try await aws(["ecs", "describe-task-definition", "--task-definition", "sleep360"], endpoint: endpoint)
            let containers = (described.json["taskDefinition"] as? [String: Any])?["containerDefinitions"] as? [[String: Any]]
            #expect(containers?.first?["command"] as? [String] == ["sleep", "360"])

            let deregistered = try await aws(["ecs", "deregister-task-definition", "--task-definition", "sleep360:1"], endpoint: endpoint)
            #expect((deregistered.json["taskDefinition"] as? [String: Any])?["status"] as? String == "INACTIVE")
            let inactive = try await aws(["ecs", "list-task-definitions", "--status", "INACTIVE"], endpoint: endpoint)
            #expect(inactive.json["taskDefinitionArns"] as? [String] == ["arn:aws:ecs:us-east-1:000000000000:task-definition/sleep360:1"])

            let clusters = try await aws(["ecs", "describe-clusters", "--clusters", "my-cluster", "nope", "--include", "TAGS", "SETTINGS"], endpoint: endpoint)
            #expect((clusters.json["failures"] as? [[String: Any]])?.first?["reason"] as? String == "MISSING")
            let deleted = try await aws(["ecs", "delete-cluster", "--cluster", "my-cluster"], endpoint: endpoint)
            #expect((deleted.json["cluster"] as? [String: Any])?["status"] as? String == "INACTIVE")
            let again = try await aws(["ecs", "delete-cluster", "--cluster", "my-cluster"], endpoint: endpoint)
            #expect(again.status != 0)
            #expect(again.stderr.contains("ClusterNotFoundException"))
        }
    }

    @Test(
        """
        every response validates against botocore's output shapes and every bad request gets a typed 4xx, \
        with clients in us-east-1 and in eu-west-2 (each region its own resources and ARNs)
        """
    )
    func conformance() async throws {
        try await withController { controller in
            let script = DockerEngine.repositoryRoot.appendingPathComponent("Tests/WharfEndToEndTests/Support/ecs_conformance.py").path
            for region in ["us-east-1", "eu-west-2"] {
                let result = try await DockerEngine.run(TestCredentials.signing([
                    "python3", script, "--endpoint-url", controller.endpoint, "--scenario", "all", "--region", region,
                ]))
                let summary = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
                #expect(result.status == 0, "\(region): \(result.stdout)\n\(result.stderr)")
                #expect(summary.hasSuffix(" passed, 0 failed"), "\(region): \(summary)")
                let passed = Int(summary.split(separator: " ").first ?? "") ?? 0
                #expect(passed >= 120, "\(region): \(summary)")
            }
        }
    }
}
