import Foundation
import Testing

@Suite("Cloud Map with the AWS CLI and boto3 against a real controller", .serialized)
struct CloudMapAPIEndToEndTests {
    @Test(
        """
        aws servicediscovery create-private-dns-namespace, create-service, register-instance and \
        discover-instances as the guides write them; all of it still there after a restart
        """
    )
    func cli() async throws {
        try await withDataDirectory { directory in
            let service = try await withController(dataDirectory: directory) { controller in
                let endpoint = controller.endpoint
                let created = try await aws(
                    ["servicediscovery", "create-private-dns-namespace", "--name", "internal", "--vpc", "vpc-0abc"],
                    endpoint: endpoint
                )
                let operation = try #require(created.json["OperationId"] as? String, "\(created.stderr)")
                let done = try await aws(
                    ["servicediscovery", "get-operation", "--operation-id", operation],
                    endpoint: endpoint
                )
                let details = done.json["Operation"] as? [String: Any]
                #expect(details?["Status"] as? String == "SUCCESS", "\(done.stderr)")
                let namespace = try #require((details?["Targets"] as? [String: String])?["NAMESPACE"])
                let made = try await aws(
                    [
                        "servicediscovery", "create-service", "--name", "web", "--dns-config",
                        "NamespaceId=\(namespace),DnsRecords=[{Type=A,TTL=10}]",
                        "--health-check-custom-config", "FailureThreshold=1",
                    ],
                    endpoint: endpoint
                )
                let service = try #require((made.json["Service"] as? [String: Any])?["Id"] as? String, "\(made.stderr)")
                let registered = try await aws(
                    [
                        "servicediscovery", "register-instance", "--service-id", service, "--instance-id", "task-1",
                        "--attributes", "AWS_INSTANCE_IPV4=10.64.0.5",
                    ],
                    endpoint: endpoint
                )
                #expect(registered.json["OperationId"] != nil, "\(registered.stderr)")
                let missing = try await aws(
                    ["servicediscovery", "get-namespace", "--id", "ns-0000000000000000"],
                    endpoint: endpoint
                )
                #expect(missing.status != 0 && missing.stderr.contains("(NamespaceNotFound)"), "\(missing.stderr)")
                return service
            }
            try await withController(dataDirectory: directory) { controller in
                // DiscoverInstances goes to a `data-` host unless host prefixes are turned off, as
                // for any endpoint of one's own.
                let found = try await DockerEngine.run(
                    TestCredentials.signing([
                        "env", "AWS_DISABLE_HOST_PREFIX_INJECTION=true", "aws", "servicediscovery",
                        "discover-instances",
                        "--namespace-name", "internal", "--service-name", "web", "--endpoint-url", controller.endpoint,
                        "--output", "json",
                    ])
                )
                let body = (try? JSONSerialization.jsonObject(with: Data(found.stdout.utf8))) as? [String: Any]
                let instances = body?["Instances"] as? [[String: Any]]
                #expect(instances?.map { $0["InstanceId"] as? String } == ["task-1"], "\(found.stderr)")
                let listed = try await aws(
                    ["servicediscovery", "list-instances", "--service-id", service],
                    endpoint: controller.endpoint
                )
                #expect((listed.json["Instances"] as? [Any])?.count == 1, "\(listed.stderr)")
            }
        }
    }

    @Test("every answer validates against botocore's servicediscovery model and every bad request gets its 4xx")
    func conformance() async throws {
        try await withController { controller in
            let script = DockerEngine.repositoryRoot
                .appendingPathComponent("Tests/WharfEndToEndTests/Support/cloudmap_conformance.py").path
            let result = try await DockerEngine.run(TestCredentials.signing(["python3", script, controller.endpoint]))
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
            let checks = result.stdout.split(separator: "\n").filter { $0.hasPrefix("ok   ") }.count
            #expect(checks >= 35, "\(result.stdout)")
            #expect(result.stdout.hasSuffix("0 failed\n"), "\(result.stdout)")
        }
    }
}
