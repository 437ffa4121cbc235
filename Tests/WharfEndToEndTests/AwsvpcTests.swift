import Foundation
import Testing

/// The Fargate guide's commands on a two-node `wharf lab`: awsvpc tasks with addresses of their own,
/// reachable across nodes, kept unique through agent and controller restarts and task replacement.
@Suite("awsvpc and FARGATE on wharf lab nodes", .serialized)
struct AwsvpcTests {
    /// A Fargate task definition as the ECS guide writes it; its container serves its host name on port 80.
    static let taskDefinition = """
        {
          "family": "sample-fargate",
          "networkMode": "awsvpc",
          "containerDefinitions": [
            {
              "name": "fargate-app",
              "image": "\(DockerEngine.testImage)",
              "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}],
              "essential": true,
              "entryPoint": ["sh", "-c"],
              "command": ["mkdir -p /srv && hostname > /srv/index.html && httpd -f -p 80 -h /srv"]
            }
          ],
          "requiresCompatibilities": ["FARGATE"],
          "cpu": "256",
          "memory": "512"
        }
        """

    struct Running: Equatable {
        var arn: String
        var address: String
        var node: Int
    }

    /// The service's RUNNING tasks, with their addresses and nodes, once there are `count`, checked
    /// strictly against botocore's model.
    static func running(_ count: Int, name: String, dir: String, nodes: [String: Int]) async throws -> [Running] {
        var found: [Running] = []
        for _ in 0..<120 {
            let listed = try await LabTests.inLab(
                "aws ecs list-tasks --service-name fargate-service --query 'taskArns' --output json",
                name: name, dir: dir)
            let arns = (try? JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String]) ?? []
            if arns.count == count {
                let body = try await strict("DescribeTasks", ["cluster": "default", "tasks": arns], name: name, dir: dir)
                let tasks = body["tasks"] as? [[String: Any]] ?? []
                found = tasks.compactMap { task in
                    guard task["lastStatus"] as? String == "RUNNING", let arn = task["taskArn"] as? String,
                        let containers = task["containers"] as? [[String: Any]],
                        let interface = (containers.first?["networkInterfaces"] as? [[String: Any]])?.first,
                        let address = interface["privateIpv4Address"] as? String,
                        let instance = task["containerInstanceArn"] as? String, let node = nodes[instance]
                    else { return nil }
                    return Running(arn: arn, address: address, node: node)
                }
                if found.count == count { return found.sorted { $0.address < $1.address } }
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        Issue.record("the service never had \(count) RUNNING tasks; last seen \(found)")
        return found
    }

    /// One ECS call through boto3, its raw answer checked strictly against botocore's model.
    static func strict(_ operation: String, _ parameters: [String: Any], name: String, dir: String) async throws
        -> [String: Any]
    {
        let script = DockerEngine.repositoryRoot.appendingPathComponent(
            "Tests/WharfEndToEndTests/Support/ecs_strict_call.py").path
        let json = String(decoding: try JSONSerialization.data(withJSONObject: parameters), as: UTF8.self)
        let result = try await LabTests.inLab(
            "python3 '\(script)' \(operation) '\(json)'", name: name, dir: dir)
        #expect(result.status == 0, "\(operation) is not valid against botocore's model: \(result.stderr)")
        return (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    /// A shell line that fetches `${ECS_CONTAINER_METADATA_URI_V4}/task` with the image's `nc`.
    static let metadataFetch =
        #"u=${ECS_CONTAINER_METADATA_URI_V4#http://}; h=${u%%/*}; p=/${u#*/}; "#
        + #"{ printf 'GET %s/task HTTP/1.0\r\n\r\n' "$p"; sleep 3; } | nc -w 5 "${h%:*}" "${h#*:}""#

    /// What `http://ADDRESS/` answers, fetched from inside node `node`'s network namespace.
    static func fetch(_ address: String, fromNode node: Int, name: String) async throws -> String {
        try await DockerEngine.run([
            "nsenter", "--net=/run/netns/wharf-\(name)-n\(node)", "curl", "-s", "-m", "5", "http://\(address)/",
        ]).trimmedStdout
    }

    /// What `http://ADDRESS/` answers, fetched from inside a container of a task on node `node`.
    static func fetch(_ address: String, fromTaskOn node: Int, dir: String) async throws -> String {
        let docker = ["docker", "-H", "unix://\(dir)/node-\(node)/docker.sock"]
        let container = try await DockerEngine.run(
            docker + ["ps", "-q", "--filter", "label=com.amazonaws.ecs.container-name=fargate-app"]
        ).trimmedStdout.split(separator: "\n").first.map(String.init) ?? ""
        // The image's nc ends when its input does: the input stays open until the answer is in.
        let request = "{ printf 'GET / HTTP/1.0\\r\\n\\r\\n'; sleep 2; } | nc -w 5 \(address) 80"
        return try await DockerEngine.run(docker + ["exec", container, "sh", "-c", request]).stdout
    }

    /// Starts a process again as it ran (its command line and environment), detached, in the
    /// network namespace `namespace` when given (a node's agent: `nsenter` ran it there).
    static func restart(pid: String, log: String, namespace: String? = nil) async throws {
        let commandLine = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))
        let environment = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))
        func fields(_ data: Data) -> [String] {
            data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        }
        _ = try await DockerEngine.run(["kill", "-TERM", pid])
        for _ in 0..<100 where FileManager.default.fileExists(atPath: "/proc/\(pid)") {
            try await Task.sleep(for: .milliseconds(100))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let enter = namespace.map { ["nsenter", "--net=/run/netns/\($0)"] } ?? []
        process.arguments = ["-i"] + fields(environment) + ["setsid"] + enter + fields(commandLine)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        output.seekToEndOfFile()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    @Test(
        """
        the guide's create-service --launch-type FARGATE with its network configuration runs 4 tasks on 2 nodes, \
        each with its own address (two on port 80 on one node), reachable from the other node and from a task \
        there; addresses stay unique through an agent restart, a controller restart and a task's replacement
        """
    )
    func fargateGuide() async throws {
        _ = try await DockerEngine.ensureAvailable()
        let name = "v" + String(UUID().uuidString.lowercased().filter(\.isLetter).prefix(5))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-lab-\(name)").path
        let subnet = "10.\(200 + Int.random(in: 0..<50)).\(Int.random(in: 0..<250)).0/24"
        let port = Int.random(in: 20_000..<30_000)
        var failure: (any Error)?
        do {
            let up = try await LabTests.lab(
                ["up", "--nodes", "2", "--subnet", subnet, "--port", String(port), "--image", DockerEngine.testImage],
                name: name, dir: dir)
            try #require(up.status == 0, "wharf lab up failed: \(up.stdout)\(up.stderr)")
            let definitionFile = "\(dir)/sample-fargate.json"
            try Data(Self.taskDefinition.utf8).write(to: URL(fileURLWithPath: definitionFile))
            let registered = try await LabTests.inLab(
                "aws ecs register-task-definition --cli-input-json file://\(definitionFile) "
                    + "--query 'taskDefinition.compatibilities' --output text",
                name: name, dir: dir)
            #expect(registered.stdout.contains("FARGATE"), "\(registered)")
            let created = try await LabTests.inLab(
                "aws ecs create-service --cluster default --service-name fargate-service "
                    + "--task-definition sample-fargate:1 --desired-count 4 --launch-type \"FARGATE\" "
                    + "--network-configuration \"awsvpcConfiguration={subnets=[subnet-abc123],"
                    + "securityGroups=[sg-xyz456],assignPublicIp=ENABLED}\"",
                name: name, dir: dir)
            try #require(created.status == 0, "\(created)")
            let instances = try await Self.strict(
                "DescribeContainerInstances",
                ["cluster": "default", "containerInstances": try await Self.instanceARNs(name: name, dir: dir)],
                name: name, dir: dir)
            var nodes: [String: Int] = [:]
            for instance in instances["containerInstances"] as? [[String: Any]] ?? [] {
                let attributes = instance["attributes"] as? [[String: Any]] ?? []
                let label = attributes.first { $0["name"] as? String == "wharf.lab.node" }?["value"] as? String
                if let arn = instance["containerInstanceArn"] as? String, let label, let node = Int(label.dropFirst(5)) {
                    nodes[arn] = node
                }
            }
            try #require(nodes.count == 2, "\(instances)")

            let tasks = try await Self.running(4, name: name, dir: dir, nodes: nodes)
            try #require(tasks.count == 4)
            #expect(Set(tasks.map(\.address)).count == 4, "each task has its own address: \(tasks)")
            #expect(Dictionary(grouping: tasks, by: \.node).values.contains { $0.count >= 2 }, "\(tasks)")
            _ = try await Self.strict(
                "DescribeServices", ["cluster": "default", "services": ["fargate-service"]], name: name, dir: dir)
            for task in tasks {
                let other = task.node == 1 ? 2 : 1
                let hostname = "ip-" + task.address.replacingOccurrences(of: ".", with: "-")
                #expect(try await Self.fetch(task.address, fromNode: other, name: name) == hostname,
                        "\(task.address) answers from node \(other)")
                #expect(try await Self.fetch(task.address, fromTaskOn: other, dir: dir).contains(hostname),
                        "\(task.address) answers a task on node \(other)")
            }

            // The task metadata endpoint answers inside a task's container with the task's ARN and address.
            let docker = ["docker", "-H", "unix://\(dir)/node-1/docker.sock"]
            let container = try await DockerEngine.run(
                docker + ["ps", "-q", "--filter", "label=com.amazonaws.ecs.container-name=fargate-app"]
            ).trimmedStdout.split(separator: "\n").first.map(String.init) ?? ""
            let ownARN = try await DockerEngine.run(
                docker + ["inspect", "-f", "{{index .Config.Labels \"com.amazonaws.ecs.task-arn\"}}", container]
            ).trimmedStdout
            let metadata = try await DockerEngine.run(docker + ["exec", container, "sh", "-c", Self.metadataFetch])
            let own = try #require(tasks.first { $0.arn == ownARN }, "\(ownARN) is one of \(tasks)")
            #expect(metadata.stdout.contains("\"TaskARN\":\"\(ownARN)\""), "\(metadata)")
            #expect(metadata.stdout.contains("\"IPv4Addresses\":[\"\(own.address)\"]"), "\(metadata)")
            #expect(metadata.stdout.contains("\"Family\":\"sample-fargate\""), "\(metadata)")
            #expect(metadata.stdout.contains("\"LaunchType\":\"FARGATE\""), "\(metadata)")

            // An agent restart and a controller restart keep every task and its address.
            let state = try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/lab.json"))) as? [String: Any]
            let agentPID = ((state?["agentPIDs"] as? [Int])?.first).map(String.init) ?? ""
            let controllerPID = (state?["controllerPID"] as? Int).map(String.init) ?? ""
            try await Self.restart(pid: agentPID, log: "\(dir)/node-1/agent.log", namespace: "wharf-\(name)-n1")
            try await Self.restart(pid: controllerPID, log: "\(dir)/controller.log")
            try await Task.sleep(for: .seconds(3))
            let after = try await Self.running(4, name: name, dir: dir, nodes: nodes)
            #expect(after == tasks, "the same tasks with the same addresses after the restarts")

            // A replaced task gets an address no running task holds.
            let stopped = try #require(tasks.first)
            let stop = try await LabTests.inLab(
                "aws ecs stop-task --task \(stopped.arn) --query task.lastStatus --output text", name: name, dir: dir)
            #expect(stop.status == 0, "\(stop)")
            var replaced: [Running] = []
            for _ in 0..<60 where replaced.count != 4 || replaced.contains(where: { $0.arn == stopped.arn }) {
                try await Task.sleep(for: .milliseconds(500))
                replaced = try await Self.running(4, name: name, dir: dir, nodes: nodes)
            }
            #expect(!replaced.contains { $0.arn == stopped.arn })
            #expect(Set(replaced.map(\.address)).count == 4, "addresses stay unique: \(replaced)")
            let newcomer = try #require(replaced.first { task in !tasks.contains { $0.arn == task.arn } })
            #expect(!tasks.filter { $0.arn != stopped.arn }.map(\.address).contains(newcomer.address))
            // RUNNING once its container started; its server may take a moment more.
            var answer = ""
            let expected = "ip-" + newcomer.address.replacingOccurrences(of: ".", with: "-")
            for _ in 0..<10 where answer != expected {
                answer = try await Self.fetch(newcomer.address, fromNode: newcomer.node == 1 ? 2 : 1, name: name)
                if answer != expected { try await Task.sleep(for: .milliseconds(300)) }
            }
            #expect(answer == expected, "the replacement \(newcomer) answers from the other node")
            let hostRoutes = try await DockerEngine.run(["ip", "route", "show", "proto", "250"])
            #expect(hostRoutes.trimmedStdout.isEmpty, "nothing of the nodes' routing leaked onto this machine")
        } catch {
            failure = error
        }
        let down = try await LabTests.lab(["down"], name: name, dir: dir)
        #expect(down.status == 0, "wharf lab down failed: \(down.stdout)\(down.stderr)")
        let processes = try await DockerEngine.run(["pgrep", "-f", dir])
        #expect(processes.trimmedStdout.isEmpty, "no process of the lab is left: \(processes.stdout)")
        if let failure { throw failure }
    }

    static func instanceARNs(name: String, dir: String) async throws -> [String] {
        let listed = try await LabTests.inLab(
            "aws ecs list-container-instances --query containerInstanceArns --output json", name: name, dir: dir)
        return (try? JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String]) ?? []
    }
}
