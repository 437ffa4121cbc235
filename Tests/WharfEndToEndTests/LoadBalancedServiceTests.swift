import Foundation
import Testing

/// ECS services behind Wharf's load balancers on a two-node `wharf lab` (node 1 runs HAProxy):
/// the AWS guides' commands, requests through HAProxy to every task, health checks that take a
/// failing task out and replace it, a rolling deployment and a blue/green one without a failed
/// request.
@Suite("Services behind load balancers on wharf lab nodes", .serialized)
struct LoadBalancedServiceTests {
    static let taskDefinition = """
        {
          "family": "lb-web",
          "networkMode": "awsvpc",
          "requiresCompatibilities": ["FARGATE"],
          "cpu": "256",
          "memory": "512",
          "containerDefinitions": [{
            "name": "web",
            "image": "wharf-test/busybox:latest",
            "essential": true,
            "command": ["sh", "-c",
              "mkdir -p /www && hostname > /www/index.html && echo ok > /www/health && exec httpd -f -p 80 -h /www"],
            "portMappings": [{"containerPort": 80, "protocol": "tcp"}]
          }]
        }
        """

    /// The JSON a lab command prints.
    static func json(_ command: String, name: String, dir: String) async throws -> [String: Any] {
        let result = try await LabTests.inLab(command + " --output json", name: name, dir: dir)
        #expect(result.status == 0, "\(command): \(result.stderr)")
        return (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    /// The target health states of the group.
    static func states(_ group: String, name: String, dir: String) async throws -> [String: String] {
        let health = try await json(
            "aws elbv2 describe-target-health --target-group-arn \(group)",
            name: name,
            dir: dir
        )
        var states: [String: String] = [:]
        for description in health["TargetHealthDescriptions"] as? [[String: Any]] ?? [] {
            let id = (description["Target"] as? [String: Any])?["Id"] as? String ?? "?"
            states[id] = (description["TargetHealth"] as? [String: Any])?["State"] as? String
        }
        return states
    }

    /// Waits until the group has `count` healthy targets; returns their IDs.
    static func healthy(_ count: Int, _ group: String, name: String, dir: String) async throws -> Set<String> {
        var last: [String: String] = [:]
        for _ in 0..<180 {
            last = try await states(group, name: name, dir: dir)
            let healthy = Set(last.filter { $0.value == "healthy" }.keys)
            if healthy.count == count, last.count == count { return healthy }
            try await Task.sleep(for: .seconds(1))
        }
        Issue.record("the target group never had \(count) healthy targets; last seen \(last)")
        return []
    }

    /// What the load balancer node did, for a failure's message: its agent's last log lines.
    static func diagnosis(dir: String) -> String {
        let log = (try? String(contentsOfFile: "\(dir)/node-1/agent.log", encoding: .utf8)) ?? ""
        return "node 1's agent log:\n" + log.split(separator: "\n").suffix(30).joined(separator: "\n")
    }

    /// The addresses `name` resolves to inside a task's container on node 2, tried for up
    /// to 10 s until they stop changing between two tries a second apart.
    static func resolved(
        _ name: String = "web.internal",
        dir: String,
        container containerName: String = "web"
    ) async throws -> Set<String> {
        let docker = ["docker", "-H", "unix://\(dir)/node-2/docker.sock"]
        var container: String?
        for _ in 0..<30 where container == nil {
            let listed = try await DockerEngine.run(
                docker + ["ps", "-q", "--filter", "label=com.amazonaws.ecs.container-name=\(containerName)"])
            container = listed.stdout.split(separator: "\n").first.map(String.init)
            if container == nil { try await Task.sleep(for: .seconds(1)) }
        }
        guard let container else { return [] }
        var last: Set<String> = []
        for attempt in 0..<10 {
            let answer = try await DockerEngine.run(docker + ["exec", container, "nslookup", name])
            let addresses = Set(
                answer.stdout.split(separator: "\n").compactMap { line -> String? in
                    guard line.hasPrefix("Address:"), !line.contains(":53") else { return nil }
                    return line.split(separator: " ").last.map(String.init)
                }
            )
            if attempt > 0, addresses == last { return addresses }
            last = addresses
            try await Task.sleep(for: .seconds(1))
        }
        return last
    }

    /// The addresses of `web.internal`'s instances, from discover-instances.
    static func discovered(name: String, dir: String) async throws -> Set<String> {
        let found = try await json(
            "aws servicediscovery discover-instances --namespace-name internal --service-name web",
            name: name, dir: dir)
        return Set(
            (found["Instances"] as? [[String: Any]] ?? []).compactMap {
                ($0["Attributes"] as? [String: String])?["AWS_INSTANCE_IPV4"]
            }
        )
    }

    /// What the load balancer answers at `address:port`, asked `times` times over new connections.
    static func answers(_ address: String, port: Int, times: Int) async throws -> [String] {
        var answers: [String] = []
        for _ in 0..<times {
            let result = try await DockerEngine.run(["curl", "-s", "-m", "5", "http://\(address):\(port)/"])
            answers.append(result.status == 0 ? result.trimmedStdout : "failed: \(result.status)")
        }
        return answers
    }

    /// The requests the lab's application load balancers served, as CloudWatch's RequestCount has
    /// them; waits up to a minute for the load balancer node's counters to reach a sample.
    static func servedRequests(name: String, dir: String) async throws -> Double {
        var total = 0.0
        for _ in 0..<60 {
            let listed = try await json(
                "aws cloudwatch list-metrics --namespace AWS/ApplicationELB --metric-name RequestCount",
                name: name,
                dir: dir
            )
            let balancers = (listed["Metrics"] as? [[String: Any]] ?? []).compactMap { metric -> String? in
                let dimensions = metric["Dimensions"] as? [[String: String]] ?? []
                return dimensions.count == 1 && dimensions[0]["Name"] == "LoadBalancer" ? dimensions[0]["Value"] : nil
            }
            total = 0
            let start = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-3600))
            let end = ISO8601DateFormatter().string(from: Date().addingTimeInterval(60))
            for balancer in balancers {
                let statistics = try await json(
                    "aws cloudwatch get-metric-statistics --namespace AWS/ApplicationELB --metric-name RequestCount "
                        + "--dimensions Name=LoadBalancer,Value=\(balancer) --start-time \(start) --end-time \(end) "
                        + "--period 3600 --statistics Sum",
                    name: name,
                    dir: dir
                )
                total += (statistics["Datapoints"] as? [[String: Any]] ?? []).compactMap { $0["Sum"] as? Double }
                    .reduce(0, +)
            }
            if total > 100 { return total }
            try await Task.sleep(for: .seconds(1))
        }
        return total
    }

    /// The hour's `statistic` of each `AWS/ApplicationELB` metric `metric` whose dimensions are
    /// exactly `dimensions` (names), as CloudWatch answers them.
    static func elbStatistics(
        _ metric: String,
        _ statistic: String,
        dimensions: Set<String>,
        name: String,
        dir: String
    ) async throws -> [Double] {
        let listed = try await json(
            "aws cloudwatch list-metrics --namespace AWS/ApplicationELB --metric-name \(metric)",
            name: name,
            dir: dir
        )
        let start = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-3600))
        let end = ISO8601DateFormatter().string(from: Date().addingTimeInterval(60))
        var values: [Double] = []
        for entry in listed["Metrics"] as? [[String: Any]] ?? [] {
            let pairs = (entry["Dimensions"] as? [[String: String]] ?? []).compactMap { dimension in
                dimension["Name"].flatMap { name in dimension["Value"].map { (name, $0) } }
            }
            guard Set(pairs.map(\.0)) == dimensions else { continue }
            let given = pairs.map { "Name=\($0.0),Value=\($0.1)" }.joined(separator: " ")
            let statistics = try await json(
                "aws cloudwatch get-metric-statistics --namespace AWS/ApplicationELB --metric-name \(metric) "
                    + "--dimensions \(given) --start-time \(start) --end-time \(end) --period 3600 "
                    + "--statistics \(statistic)",
                name: name,
                dir: dir
            )
            values += (statistics["Datapoints"] as? [[String: Any]] ?? []).compactMap { $0[statistic] as? Double }
        }
        return values
    }

    @Test(
        """
        create-load-balancer, create-target-group, create-listener and create-service --load-balancers with 4 \
        tasks on 2 nodes: requests reach all 4 and the targets are healthy; a task failing its health check is \
        taken out and replaced; a rolling deployment and a blue/green one (then one rolled back in its bake \
        time) under steady requests fail none of them
        """
    )
    func guide() async throws {
        _ = try await DockerEngine.ensureAvailable()
        let name = "b" + String(UUID().uuidString.lowercased().filter(\.isLetter).prefix(5))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-lab-\(name)").path
        let prefix = "10.\(200 + Int.random(in: 0..<50)).\(Int.random(in: 0..<250))"
        let port = Int.random(in: 20_000..<30_000)
        var failure: (any Error)?
        do {
            let up = try await LabTests.lab(
                [
                    "up", "--nodes", "2", "--subnet", "\(prefix).0/24", "--port", String(port), "--image",
                    DockerEngine.testImage,
                ],
                name: name,
                dir: dir
            )
            try #require(up.status == 0, "wharf lab up failed: \(up.stdout)\(up.stderr)")
            let balancerAddress = "\(prefix).10"

            // The ECS guide's commands.
            let lb = try await Self.json(
                "aws elbv2 create-load-balancer --name lab-web --subnets subnet-a subnet-b --security-groups sg-1",
                name: name,
                dir: dir
            )
            let lbARN = try #require((lb["LoadBalancers"] as? [[String: Any]])?.first?["LoadBalancerArn"] as? String)
            let lbName = try #require((lb["LoadBalancers"] as? [[String: Any]])?.first?["DNSName"] as? String)
            let tg = try await Self.json(
                "aws elbv2 create-target-group --name lab-web --protocol HTTP --port 80 --target-type ip "
                    + "--vpc-id vpc-lab --health-check-path /health --health-check-interval-seconds 5 "
                    + "--health-check-timeout-seconds 2 --healthy-threshold-count 2 --unhealthy-threshold-count 2",
                name: name,
                dir: dir
            )
            let tgARN = try #require((tg["TargetGroups"] as? [[String: Any]])?.first?["TargetGroupArn"] as? String)
            _ = try await Self.json(
                "aws elbv2 modify-target-group-attributes --target-group-arn \(tgARN) "
                    + "--attributes Key=deregistration_delay.timeout_seconds,Value=5",
                name: name,
                dir: dir
            )
            _ = try await Self.json(
                "aws elbv2 create-listener --load-balancer-arn \(lbARN) --protocol HTTP --port 8080 "
                    + "--default-actions Type=forward,TargetGroupArn=\(tgARN)",
                name: name,
                dir: dir
            )
            // Cloud Map: the service's tasks are also instances of web.internal.
            let namespace = try await Self.json(
                "aws servicediscovery create-private-dns-namespace --name internal --vpc vpc-lab", name: name, dir: dir)
            let operation = try #require(namespace["OperationId"] as? String)
            let done = try await Self.json(
                "aws servicediscovery get-operation --operation-id \(operation)", name: name, dir: dir)
            let namespaceID = try #require(
                ((done["Operation"] as? [String: Any])?["Targets"] as? [String: String])?["NAMESPACE"]
            )
            let registry = try await Self.json(
                "aws servicediscovery create-service --name web "
                    + "--dns-config 'NamespaceId=\(namespaceID),DnsRecords=[{Type=A,TTL=10}]'",
                name: name, dir: dir)
            let registryARN = try #require((registry["Service"] as? [String: Any])?["Arn"] as? String)
            let definitionFile = "\(dir)/lb-web.json"
            try Data(Self.taskDefinition.utf8).write(to: URL(fileURLWithPath: definitionFile))
            _ = try await Self.json(
                "aws ecs register-task-definition --cli-input-json file://\(definitionFile)",
                name: name,
                dir: dir
            )
            let created = try await Self.json(
                "aws ecs create-service --cluster default --service-name lb-web --task-definition lb-web "
                    + "--desired-count 4 --launch-type FARGATE "
                    + "--network-configuration 'awsvpcConfiguration={subnets=[subnet-a],assignPublicIp=DISABLED}' "
                    + "--load-balancers targetGroupArn=\(tgARN),containerName=web,containerPort=80 "
                    + "--service-registries registryArn=\(registryARN)",
                name: name,
                dir: dir
            )
            let shown = (created["service"] as? [String: Any])?["loadBalancers"] as? [[String: Any]]
            #expect(shown?.first?["targetGroupArn"] as? String == tgARN, "\(created)")

            let targets = try await Self.healthy(4, tgARN, name: name, dir: dir)
            try #require(targets.count == 4)
            let hostnames = Set(try await Self.answers(balancerAddress, port: 8080, times: 24))
            let expected = Set(targets.map { "ip-" + $0.replacingOccurrences(of: ".", with: "-") })
            #expect(
                hostnames == expected,
                "every task answers through the load balancer: \(hostnames)\n\(Self.diagnosis(dir: dir))"
            )
            let tasks = try await Self.json(
                "aws ecs describe-tasks --cluster default --tasks "
                    + "$(aws ecs list-tasks --service-name lb-web --query taskArns --output text)",
                name: name,
                dir: dir
            )
            let nodes = Set(
                (tasks["tasks"] as? [[String: Any]] ?? []).compactMap { $0["containerInstanceArn"] as? String }
            )
            #expect(nodes.count == 2, "the 4 tasks run on both nodes")
            #expect(try await Self.discovered(name: name, dir: dir) == targets, "Cloud Map lists the 4 tasks")
            #expect(
                try await Self.resolved(dir: dir) == targets,
                "web.internal resolves to the 4 tasks from a task on node 2 (Wharf's DNS)"
            )
            #expect(
                try await Self.resolved(lbName, dir: dir) == [balancerAddress],
                "the load balancer's DNSName is the load balancer node's address"
            )
            // A bridge-mode task on node 2 resolves the name too.
            let probe = "{\"family\":\"probe\",\"containerDefinitions\":[{\"name\":\"probe\","
                + "\"image\":\"wharf-test/busybox:latest\",\"memory\":64,\"command\":[\"sleep\",\"600\"]}]}"
            try Data(probe.utf8).write(to: URL(fileURLWithPath: "\(dir)/probe.json"))
            _ = try await Self.json(
                "aws ecs register-task-definition --cli-input-json file://\(dir)/probe.json", name: name, dir: dir)
            _ = try await Self.json(
                "aws ecs run-task --task-definition probe --placement-constraints "
                    + "'type=memberOf,expression=attribute:wharf.lab.node == node-2'",
                name: name, dir: dir)
            #expect(
                try await Self.resolved(dir: dir, container: "probe") == targets,
                "web.internal resolves from a bridge-mode task as well"
            )
            let events = try await LabTests.inLab(
                "aws ecs describe-services --cluster default --services lb-web "
                    + "--query 'services[0].events[].message' --output text",
                name: name,
                dir: dir
            )
            #expect(events.stdout.contains("registered"), "ECS's event for the registration: \(events.stdout)")

            // A task whose health check fails is taken out of the load balancer and replaced.
            let victim = try #require(targets.sorted().first)
            var removed = false
            for node in 1...2 {
                let docker = ["docker", "-H", "unix://\(dir)/node-\(node)/docker.sock"]
                let listed = try await DockerEngine.run(
                    docker + ["ps", "-q", "--filter", "label=com.amazonaws.ecs.container-name=web"]
                )
                for container in listed.stdout.split(separator: "\n").map(String.init) {
                    let inspected = try await DockerEngine.run(docker + ["exec", container, "hostname"])
                    if inspected.trimmedStdout == "ip-" + victim.replacingOccurrences(of: ".", with: "-") {
                        removed =
                            try await DockerEngine.run(docker + ["exec", container, "rm", "/www/health"]).status == 0
                    }
                }
            }
            try #require(removed, "the failing task's health file is removed")
            var replaced = false
            for _ in 0..<120 where !replaced {
                let stopped = try await LabTests.inLab(
                    "aws ecs describe-tasks --cluster default --tasks $(aws ecs list-tasks --service-name lb-web "
                        + "--desired-status STOPPED --query taskArns --output text) --query 'tasks[].stoppedReason' "
                        + "--output text",
                    name: name,
                    dir: dir
                )
                replaced = stopped.stdout.contains("Task failed ELB health checks in (target-group \(tgARN))")
                if !replaced { try await Task.sleep(for: .seconds(1)) }
            }
            #expect(replaced, "the task failing its health checks is stopped by the scheduler")
            let after = try await Self.healthy(4, tgARN, name: name, dir: dir)
            #expect(!after.contains(victim) && after.count == 4, "a new task took its place: \(after)")
            #expect(try await Self.discovered(name: name, dir: dir) == after, "Cloud Map follows the replacement")
            #expect(try await Self.resolved(dir: dir) == after, "and so does the name")

            // A rolling deployment while clients send requests (the benchmark, on this lab).
            let script = DockerEngine.repositoryRoot.appendingPathComponent("Benchmarks/rolling-deployment.py").path
            let rolled = try await DockerEngine.run([
                "python3", script, "--wharf", ManagedProcess.built("wharf").path, "--lab", name, "--lab-dir", dir,
                "--subnet", "\(prefix).0/24", "--tasks", "4", "--clients", "4", "--listener-port", "80",
            ])
            #expect(rolled.status == 0, "\(rolled.stdout)\(rolled.stderr)")
            let report = (try? JSONSerialization.jsonObject(with: Data(rolled.stdout.utf8)) as? [String: Any]) ?? [:]
            #expect(report["failed"] as? Int == 0, "\(rolled.stdout)")
            #expect((report["requests_sent"] as? Int ?? 0) > 100, "\(rolled.stdout)")
            let after2 = (report["answers_after_completion"] as? [String: Int]) ?? [:]
            #expect(after2["v1"] == 0 && (after2["v2"] ?? 0) > 0, "only the new revision answers at the end")

            // A blue/green deployment under steady requests, then one stopped in its bake time (the benchmark).
            let blueGreen = DockerEngine.repositoryRoot.appendingPathComponent("Benchmarks/blue-green-deployment.py")
            let shifted = try await DockerEngine.run([
                "python3", blueGreen.path, "--wharf", ManagedProcess.built("wharf").path, "--lab", name, "--lab-dir",
                dir, "--subnet", "\(prefix).0/24", "--tasks", "2", "--clients", "4", "--bake", "1",
            ])
            #expect(shifted.status == 0, "\(shifted.stdout)\(shifted.stderr)")
            let shift = (try? JSONSerialization.jsonObject(with: Data(shifted.stdout.utf8)) as? [String: Any]) ?? [:]
            #expect(shift["failed"] as? Int == 0, "\(shifted.stdout)")
            #expect((shift["requests_sent"] as? Int ?? 0) > 100, "\(shifted.stdout)")
            for figure in ["v2_before_production_shift", "v1_after_production_shift", "v3_after_rollback"] {
                #expect(shift[figure] as? Int == 0, "\(figure): \(shifted.stdout)")
            }
            #expect(shift["v2_status"] as? String == "SUCCESSFUL", "\(shifted.stdout)")
            #expect(shift["v3_status"] as? String == "ROLLBACK_SUCCESSFUL", "\(shifted.stdout)")
            let byRevision = (shift["answers_by_revision"] as? [String: Int]) ?? [:]
            #expect(byRevision.keys.sorted() == ["v1", "v2", "v3"], "each revision served production in its turn")

            // What the load balancers served is in CloudWatch, as Elastic Load Balancing's metrics.
            #expect(try await Self.servedRequests(name: name, dir: dir) > 100)
            // Per target (what ALBRequestCountPerTarget tracks) and the targets' response time, per target group.
            let perTarget = try await Self.elbStatistics(
                "RequestCountPerTarget", "Sum", dimensions: ["TargetGroup", "LoadBalancer"], name: name, dir: dir
            )
            #expect(perTarget.reduce(0, +) > 10, "\(perTarget)")
            let responseTimes = try await Self.elbStatistics(
                "TargetResponseTime", "Average", dimensions: ["TargetGroup", "LoadBalancer"], name: name, dir: dir
            )
            #expect(!responseTimes.isEmpty && responseTimes.allSatisfy { $0 >= 0 && $0 < 10 }, "\(responseTimes)")
        } catch {
            failure = error
        }
        let down = try await LabTests.lab(["down"], name: name, dir: dir)
        #expect(down.status == 0, "wharf lab down failed: \(down.stdout)\(down.stderr)")
        if let failure { throw failure }
    }
}
