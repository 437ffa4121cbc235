import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A controller and agents as real processes on the real Docker engine, in a cluster of its own.
final class WharfCluster: @unchecked Sendable {
    // @unchecked: `agents` and `controller` are only touched from the test's own task, one call at a time.
    private(set) var controller: ControllerProcess
    private let controllerArguments: [String]
    let name: String
    let root: String
    private(set) var agents: [String: ManagedProcess] = [:]
    var client: ECSClient { ECSClient(endpoint: controller.endpoint, caFile: controller.caFile) }
    var clusterArn: String { "arn:aws:ecs:us-east-1:000000000000:cluster/\(name)" }

    init(root: String, controllerArguments: [String] = [], listen: String = "127.0.0.1:0") async throws {
        self.root = root
        self.controllerArguments = controllerArguments
        name = "e2e-\(UUID().uuidString.prefix(8).lowercased())"
        controller = try await ControllerProcess(dataDirectory: root + "/controller", extraArguments: controllerArguments, listen: listen)
        let created = try await ECSClient(endpoint: controller.endpoint, caFile: controller.caFile).call("CreateCluster", ["clusterName": name])
        guard created.status == 200 else { throw ManagedProcess.Failure("CreateCluster failed: \(created.json)") }
        // Agents join as ECS Anywhere nodes do: with an activation (20 joins; restarts rejoin with their identity).
        let activation = try await ECSClient(endpoint: controller.endpoint, caFile: controller.caFile).call(
            "CreateActivation", ["IamRole": "ecsAnywhereRole", "RegistrationLimit": 20], target: "AmazonSSM")
        guard let id = activation.json["ActivationId"] as? String, let code = activation.json["ActivationCode"] as? String else {
            throw ManagedProcess.Failure("CreateActivation failed: \(activation.json)")
        }
        activationArguments = ["--activation-id", id, "--activation-code", code]
    }

    /// `--activation-id` and `--activation-code` of the cluster's activation (replaceable by a test
    /// that joins its nodes with an activation of its own).
    var activationArguments: [String] = []

    /// Starts (or restarts) the agent `node` with its own data directory; returns its instance ARN.
    /// - Parameters:
    ///   - namespace: a network namespace to run it in (`ip netns exec`), reaching the controller at `controllerURL`.
    ///   - trust: how it trusts an https controller; `--ca-file` with the controller's CA by default.
    @discardableResult
    func startAgent(_ node: String, arguments: [String] = [], environment: [String: String] = [:], namespace: String? = nil,
                    controllerURL: String? = nil, trust: [String]? = nil) async throws -> String {
        let agentArguments = [
            "--controller", controllerURL ?? controller.endpoint, "--cluster", name, "--data-dir", "\(root)/\(node)",
            "--image-pull-behavior", "prefer-cached", "--reserved-ports", "22", "--log-level", "debug",
            "--introspection-port", "0",
        ] + (trust ?? controller.caFile.map { ["--ca-file", $0] } ?? []) + activationArguments + arguments
        let agent = if let namespace {
            try ManagedProcess("ip", ["ip", "netns", "exec", namespace, ManagedProcess.built("wharf-agent").path] + agentArguments,
                               environment: environment, path: "/usr/bin/env")
        } else {
            try ManagedProcess("wharf-agent", agentArguments, environment: environment)
        }
        agents[node] = agent
        return try await agent.waitFor("registration") { text in
            guard let range = text.range(of: "instance.arn=") else { return nil }
            return String(text[range.upperBound...].prefix { !$0.isWhitespace })
        }
    }

    /// The URL of a running agent's introspection endpoint, from its log.
    func introspectionURL(_ node: String) async throws -> String {
        guard let agent = agents[node] else { throw ManagedProcess.Failure("no agent \(node)") }
        return try await agent.waitFor("the introspection endpoint") { text in
            guard let range = text.range(of: "introspection.url=") else { return nil }
            return String(text[range.upperBound...].prefix { !$0.isWhitespace }).replacingOccurrences(of: "/v1/metadata", with: "")
        }
    }

    /// Stops the controller gracefully, runs `whileStopped`, waits `downtime`, then starts it again
    /// on the same data directory and port (with `arguments` instead of its own when given), so
    /// the agents find it where it was.
    func restartController(
        downtime: Duration = .seconds(2),
        arguments: [String]? = nil,
        whileStopped: () async throws -> Void = {}
    ) async throws {
        let port = controller.port
        try await controller.stop()
        try await whileStopped()
        try await Task.sleep(for: downtime)
        controller = try await ControllerProcess(
            dataDirectory: root + "/controller",
            extraArguments: arguments ?? controllerArguments,
            listen: "127.0.0.1:\(port)"
        )
    }

    /// Stops an agent gracefully (SIGTERM).
    func stopAgent(_ node: String) async throws {
        try await agents[node]?.stop()
        agents[node] = nil
    }

    /// Kills an agent outright (SIGKILL), as a crash would.
    func killAgent(_ node: String) async throws {
        try await agents[node]?.stop(signal: SIGKILL)
        agents[node] = nil
    }

    /// Polls DescribeTasks until `done` holds for the task, or fails after `timeout`.
    func waitForTask(_ arn: String, timeout: Duration = .seconds(60), until done: ([String: Any]) -> Bool) async throws -> [String: Any] {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var last: [String: Any] = [:]
        while clock.now < deadline {
            let described = try await client.call("DescribeTasks", ["cluster": name, "tasks": [arn]])
            last = (described.json["tasks"] as? [[String: Any]])?.first ?? [:]
            if done(last) { return last }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw ManagedProcess.Failure("task \(arn) did not reach the expected state within \(timeout); last seen: \(last)\nagents:\n\(agents.values.map(\.log).joined(separator: "\n---\n"))")
    }

    /// Registers a task definition in this cluster's test and returns its ARN.
    func register(_ definition: [String: Any]) async throws -> String {
        let response = try await client.call("RegisterTaskDefinition", definition)
        guard let arn = (response.json["taskDefinition"] as? [String: Any])?["taskDefinitionArn"] as? String else {
            throw ManagedProcess.Failure("RegisterTaskDefinition failed: \(response.json)")
        }
        return arn
    }

    /// Runs a task and returns its ARN.
    func run(_ taskDefinition: String, extra: [String: Any] = [:]) async throws -> String {
        let response = try await client.call("RunTask", ["cluster": name, "taskDefinition": taskDefinition].merging(extra) { _, new in new })
        guard let arn = (response.json["tasks"] as? [[String: Any]])?.first?["taskArn"] as? String else {
            throw ManagedProcess.Failure("RunTask placed nothing: \(response.json)")
        }
        return arn
    }

    /// Stops the agents and removes every container of this cluster.
    func tearDown() async {
        for agent in agents.values { _ = try? await agent.stop() }
        agents = [:]
        let ids = (try? await DockerEngine.run(["docker", "ps", "-aq", "--filter", "label=com.amazonaws.ecs.cluster=\(clusterArn)"]))?
            .trimmedStdout.split(separator: "\n").map(String.init) ?? []
        if !ids.isEmpty { _ = try? await DockerEngine.run(["docker", "rm", "-f", "-v"] + ids) }
        let volumes = (try? await DockerEngine.run(["docker", "volume", "ls", "-q", "--filter", "label=com.amazonaws.ecs.cluster=\(clusterArn)"]))?
            .trimmedStdout.split(separator: "\n").map(String.init) ?? []
        if !volumes.isEmpty { _ = try? await DockerEngine.run(["docker", "volume", "rm", "-f"] + volumes) }
        _ = try? await controller.stop()
    }
}

/// Runs `body` with a fresh cluster (controller, no agents yet) on the real engine; stops every
/// process and removes every container and directory afterwards, even when `body` throws.
func withCluster(controllerArguments: [String] = [], listen: String = "127.0.0.1:0", _ body: (WharfCluster) async throws -> Void) async throws {
    _ = try await DockerEngine.ensureAvailable()
    try await withDataDirectory { root in
        let cluster = try await WharfCluster(root: root, controllerArguments: controllerArguments, listen: listen)
        do {
            try await body(cluster)
        } catch {
            await cluster.tearDown()
            throw error
        }
        await cluster.tearDown()
    }
}

/// The first container of a described task.
func firstContainer(_ task: [String: Any]) -> [String: Any] {
    (task["containers"] as? [[String: Any]])?.first ?? [:]
}
