import Foundation
import Testing

/// Runs one agent scenario of `ecs_conformance.py` on a fresh cluster with one real agent and
/// checks that every one of its checks passed, and that there were at least `minimum` of them.
func conformanceScenario(_ scenario: String, minimum: Int) async throws {
    try await withCluster { cluster in
        try await cluster.startAgent("node-1")
        let script = DockerEngine.repositoryRoot.appendingPathComponent("Tests/WharfEndToEndTests/Support/ecs_conformance.py").path
        let result = try await DockerEngine.run(TestCredentials.signing([
            "python3", script, "--endpoint-url", cluster.controller.endpoint, "--scenario", scenario,
            "--cluster", cluster.name, "--image", DockerEngine.testImage,
        ]))
        let summary = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(summary.hasSuffix(" passed, 0 failed"), "\(summary)")
        let passed = Int(summary.split(separator: " ").first ?? "") ?? 0
        #expect(passed >= minimum, "\(summary)")
    }
}

@Suite("ECS task, instance and service operations validate against botocore", .serialized)
struct TaskConformanceTests {
    @Test("container instances, attributes, RunTask, StartTask, StopTask and draining on a real agent: every response validates, every bad request gets a typed 4xx")
    func tasks() async throws {
        try await conformanceScenario("tasks", minimum: 30)
    }

    @Test("service operations on a real agent: every response validates against botocore, every bad request gets a typed 4xx")
    func services() async throws {
        try await conformanceScenario("services", minimum: 30)
    }

    @Test(
        """
        RunTask and a service with a strategy of the account's own capacity provider place their tasks on the node \
        of the provider's group on a real agent, and they run; every response validates against botocore
        """
    )
    func capacityProviderTasks() async throws {
        try await conformanceScenario("capacity-tasks", minimum: 20)
    }

    @Test(
        """
        a service with the EXTERNAL deployment controller runs its task sets on a real agent: created, scaled, made \
        primary and deleted; every response validates against botocore
        """
    )
    func taskSets() async throws {
        try await conformanceScenario("task-sets", minimum: 19)
    }

    @Test(
        """
        a BLUE_GREEN service behind an application load balancer on a real agent: its advancedConfiguration shown, \
        the production rule managed, green beside blue, a stop that rolls back; every response validates against \
        botocore
        """
    )
    func blueGreen() async throws {
        try await conformanceScenario("blue-green", minimum: 12)
    }

    @Test(
        """
        ExecuteCommand on a real agent: a task run with enableExecuteCommand shows it and its managed agent, the \
        answer has ECS's shape, the rest is refused with ECS's errors; every response validates against botocore
        """
    )
    func executeCommand() async throws {
        try await conformanceScenario("exec", minimum: 8)
    }
}
