import Foundation
import Testing

@Suite("Regions: every region its own resources, for boto3, the AWS CLI and agents", .serialized)
struct RegionsTests {
    /// boto3 in three regions: the same names made in two of them, what each region lists, an ARN
    /// of one region asked of another, a region AWS does not have, and an activation in eu-west-1.
    static let script = """
        import json, sys, boto3
        from botocore.exceptions import ClientError
        endpoint, name, verify = sys.argv[1], sys.argv[2], (sys.argv[3] or None)
        def client(service, region):
            return boto3.client(service, endpoint_url=endpoint, region_name=region, verify=verify)
        def code(call):
            try:
                call()
                return "accepted"
            except ClientError as error:
                return error.response["Error"]["Code"] + ": " + error.response["Error"]["Message"]
        out = {}
        for region in ["us-east-2", "eu-west-1"]:
            ecs = client("ecs", region)
            tags = [{"key": "where", "value": region}]
            arn = ecs.create_cluster(clusterName=name, tags=tags)["cluster"]["clusterArn"]
            definition = ecs.register_task_definition(
                family=name, containerDefinitions=[{"name": "app", "image": "busybox", "memory": 32}])
            client("ssm", region).put_parameter(Name="/" + name + "/where", Value=region, Type="String")
            out[region] = {"cluster": arn, "definition": definition["taskDefinition"]["taskDefinitionArn"]}
        for region in ["us-east-1", "us-east-2", "eu-west-1"]:
            ecs, ssm = client("ecs", region), client("ssm", region)
            entry = out.setdefault(region, {})
            entry["clusters"] = [arn for arn in ecs.list_clusters()["clusterArns"] if arn.endswith("/" + name)]
            entry["families"] = ecs.list_task_definition_families(familyPrefix=name)["families"]
            described = ecs.describe_clusters(clusters=[name], include=["TAGS"])["clusters"]
            entry["tags"] = [tag["value"] for cluster in described for tag in cluster.get("tags", [])]
            try:
                entry["parameter"] = ssm.get_parameter(Name="/" + name + "/where")["Parameter"]["Value"]
            except ClientError as error:
                entry["parameter"] = error.response["Error"]["Code"]
        failures = client("ecs", "eu-west-1").describe_clusters(clusters=[out["us-east-2"]["cluster"]])["failures"]
        out["crossRegion"] = [failure["reason"] for failure in failures]
        out["unknownRegion"] = code(lambda: client("ecs", "xx-nowhere-1").list_clusters())
        activation = client("ssm", "eu-west-1").create_activation(IamRole="ecsAnywhereRole", RegistrationLimit=2)
        out["activation"] = [activation["ActivationId"], activation["ActivationCode"]]
        print(json.dumps(out))
        """

    /// The AWS CLI in `region`, as the tests' key signs.
    func aws(_ cluster: WharfCluster, _ region: String, _ arguments: [String]) async throws -> [String: Any] {
        let result = try await WharfEndToEndTests.aws(
            arguments + ["--region", region],
            endpoint: cluster.controller.endpoint,
            caBundle: cluster.controller.caFile
        )
        #expect(result.status == 0, "aws \(arguments.joined(separator: " ")): \(result.stderr)")
        return result.json
    }

    @Test(
        """
        the AWS CLI in ap-southeast-2: a capacity provider put on a cluster, an EXTERNAL service with a task set made \
        primary, CODE_DEPLOY refused, tags on the service, task protection of an unknown task, DiscoverPollEndpoint; \
        ARNs in that region, nothing of it in us-east-1
        """
    )
    func cliInAnotherRegion() async throws {
        try await withCluster { cluster in
            let region = "ap-southeast-2"
            let name = "cli-\(cluster.name)"
            let ecs = { (arguments: [String]) async throws -> [String: Any] in
                try await aws(cluster, region, ["ecs"] + arguments)
            }
            _ = try await ecs(["create-cluster", "--cluster-name", name])
            let group = "arn:aws:autoscaling:\(region):000000000000:autoScalingGroup:0f1e:autoScalingGroupName/cli"
            let provider = try await ecs([
                "create-capacity-provider", "--name", "\(name)-cp",
                "--auto-scaling-group-provider", "autoScalingGroupArn=\(group)",
            ])["capacityProvider"] as? [String: Any]
            #expect((provider?["capacityProviderArn"] as? String)?.hasPrefix("arn:aws:ecs:\(region):") == true)
            let put = try await ecs([
                "put-cluster-capacity-providers", "--cluster", name, "--capacity-providers", "\(name)-cp",
                "--default-capacity-provider-strategy", "capacityProvider=\(name)-cp,weight=1",
            ])["cluster"] as? [String: Any]
            #expect(put?["capacityProviders"] as? [String] == ["\(name)-cp"], "\(put ?? [:])")
            _ = try await ecs([
                "register-task-definition", "--family", name, "--container-definitions",
                #"[{"name":"app","image":"busybox","memory":16}]"#,
            ])
            let service = try await ecs([
                "create-service", "--cluster", name, "--service-name", "ext", "--desired-count", "0",
                "--deployment-controller", "type=EXTERNAL", "--tags", "key=team,value=web",
            ])["service"] as? [String: Any]
            let serviceArn = try #require(service?["serviceArn"] as? String)
            #expect(serviceArn.hasPrefix("arn:aws:ecs:\(region):000000000000:service/\(name)/ext"))
            let refused = try await WharfEndToEndTests.aws(
                ["ecs", "create-service", "--cluster", name, "--service-name", "cd", "--task-definition", name,
                 "--deployment-controller", "type=CODE_DEPLOY", "--region", region],
                endpoint: cluster.controller.endpoint, caBundle: cluster.controller.caFile
            )
            #expect(refused.status != 0 && refused.stderr.contains("InvalidParameterException"), "\(refused.stderr)")
            let taskSet = try await ecs([
                "create-task-set", "--cluster", name, "--service", "ext", "--task-definition", name,
                "--external-id", "blue", "--scale", "value=100,unit=PERCENT",
            ])["taskSet"] as? [String: Any]
            let taskSetArn = try #require(taskSet?["taskSetArn"] as? String)
            let primary = try await ecs([
                "update-service-primary-task-set", "--cluster", name, "--service", "ext",
                "--primary-task-set", taskSetArn,
            ])["taskSet"] as? [String: Any]
            #expect(primary?["status"] as? String == "PRIMARY", "\(primary ?? [:])")
            _ = try await ecs(["tag-resource", "--resource-arn", serviceArn, "--tags", "key=tier,value=gold"])
            let tags = try await ecs(["list-tags-for-resource", "--resource-arn", serviceArn])["tags"]
                as? [[String: String]] ?? []
            #expect(Set(tags.compactMap { $0["key"] }) == ["team", "tier"], "\(tags)")
            let unknown = "arn:aws:ecs:\(region):000000000000:task/\(name)/0123456789abcdef0123456789abcdef"
            let protection = try await ecs([
                "update-task-protection", "--cluster", name, "--tasks", unknown, "--protection-enabled",
                "--expires-in-minutes", "60",
            ])
            #expect((protection["failures"] as? [[String: Any]])?.first?["reason"] as? String == "MISSING")
            let poll = try await ecs(["discover-poll-endpoint", "--cluster", name])
            #expect((poll["endpoint"] as? String)?.isEmpty == false, "\(poll)")
            let elsewhere = try await aws(cluster, "us-east-1", ["ecs", "list-clusters"])["clusterArns"]
                as? [String] ?? []
            #expect(!elsewhere.contains { $0.hasSuffix("/\(name)") }, "\(elsewhere)")
        }
    }

    @Test(
        """
        the same cluster, task definition and parameter names in us-east-2 and eu-west-1 are separate resources with \
        their region in the ARN; an agent joins a cluster in eu-west-1 with --region and runs a task whose logs are \
        read in eu-west-1; all of it is there after a restart; a region AWS does not have is refused as AWS refuses \
        it, and a badly signed request opens no region
        """
    )
    func regions() async throws {
        try await withCluster { cluster in
            do {
                try await scenario(cluster)
            } catch {
                await removeEuropeanTask(cluster)
                throw error
            }
            await removeEuropeanTask(cluster)
        }
    }

    /// Stops the eu-west-1 agent and removes its containers, which the cluster's own clean-up
    /// (by the us-east-1 cluster ARN) does not find.
    func removeEuropeanTask(_ cluster: WharfCluster) async {
        try? await cluster.stopAgent("node-eu")
        let arn = "arn:aws:ecs:eu-west-1:000000000000:cluster/\(cluster.name)"
        let listed = try? await DockerEngine.run([
            "docker", "ps", "-aq", "--filter", "label=com.amazonaws.ecs.cluster=\(arn)",
        ])
        let ids = listed?.trimmedStdout.split(separator: "\n").map(String.init) ?? []
        if !ids.isEmpty { _ = try? await DockerEngine.run(["docker", "rm", "-f", "-v"] + ids) }
    }

    func scenario(_ cluster: WharfCluster) async throws {
        let name = cluster.name
        let python = try await DockerEngine.run(
            TestCredentials.signing(
                ["python3", "-c", Self.script, cluster.controller.endpoint, name, cluster.controller.caFile ?? ""]
            )
        )
        #expect(python.status == 0, "\(python.stderr)")
        let out = try #require(
            try JSONSerialization.jsonObject(with: Data(python.stdout.utf8)) as? [String: Any],
            "\(python.stdout)\(python.stderr)"
        )
        for region in ["us-east-1", "us-east-2", "eu-west-1"] {
            let entry = try #require(out[region] as? [String: Any])
            let arn = "arn:aws:ecs:\(region):000000000000:cluster/\(name)"
            #expect(entry["clusters"] as? [String] == [arn], "\(region): \(entry)")
            if region == "us-east-1" {
                #expect(entry["families"] as? [String] == [], "nothing registered here: \(entry)")
                #expect(entry["parameter"] as? String == "ParameterNotFound")
                #expect(entry["tags"] as? [String] == [])
            } else {
                #expect(
                    entry["definition"] as? String == "arn:aws:ecs:\(region):000000000000:task-definition/\(name):1"
                )
                #expect(entry["families"] as? [String] == [name])
                #expect(entry["parameter"] as? String == region)
                #expect(entry["tags"] as? [String] == [region])
            }
        }
        #expect(out["crossRegion"] as? [String] == ["MISSING"])
        #expect(
            out["unknownRegion"] as? String
                == "InvalidSignatureException: Credential should be scoped to a valid region."
        )

        // A caller without a good signature opens nothing.
        let regionsDirectory = cluster.controller.dataDirectory + "/regions"
        let forged = try await DockerEngine.run(
            [
                "env", "AWS_ACCESS_KEY_ID=\(TestCredentials.accessKeyId)",
                "AWS_SECRET_ACCESS_KEY=not-the-secret-000000",
                "AWS_PAGER=", "aws", "ecs", "list-clusters", "--region", "ap-south-1",
                "--endpoint-url", cluster.controller.endpoint,
            ] + (cluster.controller.caFile.map { ["--ca-bundle", $0] } ?? [])
        )
        #expect(forged.status != 0 && forged.stderr.contains("(InvalidSignatureException)"), "\(forged.stderr)")
        let opened = try FileManager.default.contentsOfDirectory(atPath: regionsDirectory).sorted()
        #expect(opened == ["eu-west-1", "us-east-2"])

        // An agent in eu-west-1, joined with that region's activation.
        let activation = try #require(out["activation"] as? [String])
        cluster.activationArguments = ["--activation-id", activation[0], "--activation-code", activation[1]]
        let instance = try await cluster.startAgent("node-eu", arguments: ["--region", "eu-west-1"])
        #expect(instance.hasPrefix("arn:aws:ecs:eu-west-1:000000000000:container-instance/\(name)/"), "\(instance)")
        let group = "/ecs/\(name)-eu"
        let definition = try await aws(
            cluster,
            "eu-west-1",
            [
                "ecs", "register-task-definition", "--cli-input-json",
                String(
                    decoding: try JSONSerialization.data(withJSONObject: [
                        "family": "\(name)-logs",
                        "containerDefinitions": [
                            awslogs(
                                busybox(
                                    "app",
                                    ["sh", "-c", "echo hello from eu-west-1; sleep 1000"],
                                    extra: ["stopTimeout": 1]
                                ),
                                group: group,
                                region: "eu-west-1"
                            )
                        ],
                    ]),
                    as: UTF8.self
                ),
            ]
        )
        let definitionArn = try #require(
            (definition["taskDefinition"] as? [String: Any])?["taskDefinitionArn"] as? String
        )
        let ran = try await aws(
            cluster,
            "eu-west-1",
            [
                "ecs", "run-task", "--cluster", name, "--task-definition", definitionArn,
            ]
        )
        let task = try #require((ran["tasks"] as? [[String: Any]])?.first?["taskArn"] as? String, "\(ran)")
        #expect(task.hasPrefix("arn:aws:ecs:eu-west-1:000000000000:task/\(name)/"))
        try await waitForRunning(cluster, task)
        let stream = "ecs/app/\(task.split(separator: "/").last ?? "")"
        try await waitForLog(cluster, group: group, stream: stream, "hello from eu-west-1")
        let home = try await aws(
            cluster,
            "us-east-1",
            ["logs", "describe-log-groups", "--log-group-name-prefix", group]
        )
        #expect((home["logGroups"] as? [Any])?.isEmpty == true, "the log group is eu-west-1's only: \(home)")

        // The region's service scheduler places a service's task.
        _ = try await aws(
            cluster,
            "eu-west-1",
            [
                "ecs", "create-service", "--cluster", name, "--service-name", "web", "--task-definition", definitionArn,
                "--desired-count", "1",
            ]
        )
        try await waitForService(cluster, running: 1)

        try await cluster.restartController()
        let again = try await aws(cluster, "eu-west-1", ["ecs", "describe-tasks", "--cluster", name, "--tasks", task])
        #expect((again["tasks"] as? [[String: Any]])?.first?["lastStatus"] as? String == "RUNNING", "\(again)")
        try await waitForConnected(cluster, instance)
        try await waitForService(cluster, running: 1)
        let listed = try await aws(cluster, "us-east-2", ["ecs", "list-clusters"])
        #expect(
            (listed["clusterArns"] as? [String])?.contains("arn:aws:ecs:us-east-2:000000000000:cluster/\(name)") == true
        )
    }

    func waitForService(_ cluster: WharfCluster, running: Int) async throws {
        var last: [String: Any] = [:]
        for _ in 0..<120 {
            last = try await aws(
                cluster,
                "eu-west-1",
                ["ecs", "describe-services", "--cluster", cluster.name, "--services", "web"]
            )
            if (last["services"] as? [[String: Any]])?.first?["runningCount"] as? Int == running { return }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw ManagedProcess.Failure("service web in eu-west-1 did not reach \(running) running: \(last)")
    }

    func waitForRunning(_ cluster: WharfCluster, _ task: String) async throws {
        var last: [String: Any] = [:]
        for _ in 0..<120 {
            last = try await aws(
                cluster,
                "eu-west-1",
                ["ecs", "describe-tasks", "--cluster", cluster.name, "--tasks", task]
            )
            if (last["tasks"] as? [[String: Any]])?.first?["lastStatus"] as? String == "RUNNING" { return }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw ManagedProcess.Failure("task \(task) never ran in eu-west-1: \(last)")
    }

    func waitForLog(_ cluster: WharfCluster, group: String, stream: String, _ text: String) async throws {
        var last: [String: Any] = [:]
        for _ in 0..<60 {
            let result = try await WharfEndToEndTests.aws(
                [
                    "logs", "get-log-events", "--log-group-name", group, "--log-stream-name", stream, "--region",
                    "eu-west-1",
                ],
                endpoint: cluster.controller.endpoint,
                caBundle: cluster.controller.caFile
            )
            last = result.json
            let messages = (last["events"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
            if messages.contains(text) { return }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw ManagedProcess.Failure("\(text) never reached \(group)/\(stream) in eu-west-1: \(last)")
    }

    func waitForConnected(_ cluster: WharfCluster, _ instance: String) async throws {
        var last: [String: Any] = [:]
        for _ in 0..<120 {
            last = try await aws(
                cluster,
                "eu-west-1",
                [
                    "ecs", "describe-container-instances", "--cluster", cluster.name, "--container-instances", instance,
                ]
            )
            let described = (last["containerInstances"] as? [[String: Any]])?.first
            if described?["agentConnected"] as? Bool == true { return }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw ManagedProcess.Failure("the eu-west-1 node did not reconnect after the restart: \(last)")
    }
}
