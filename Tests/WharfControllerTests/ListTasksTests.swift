import Foundation
import Testing
import WharfModel
@testable import WharfController

@Suite("ListTasks: filters, order and pages")
struct ListTasksTests {
    /// Registers `family` (no host ports, so many of its tasks fit on one node).
    func register(_ harness: Harness, _ family: String) async throws {
        _ = try await harness.controller.write { state, now in
            try state.registerTaskDefinition(
                ECS.RegisterTaskDefinitionRequest(
                    family: family,
                    containerDefinitions: [ECS.ContainerDefinition(name: "main", image: "busybox", memory: 32)]
                ),
                now: now
            )
        }
    }

    /// Runs `count` tasks of `family`, started by `startedBy`; returns their ARNs.
    func run(_ harness: Harness, _ family: String, count: Int, startedBy: String? = nil) async throws -> [String] {
        let seed = harness.controller.nextSeed()
        return try await harness.controller.write { state, now in
            try state.runTask(
                ECS.RunTaskRequest(cluster: "lab", count: count, startedBy: startedBy, taskDefinition: family),
                now: now,
                seed: seed
            )
        }.tasks?.compactMap(\.taskArn) ?? []
    }

    func list(_ harness: Harness, _ request: ECS.ListTasksRequest) async throws -> ECS.ListTasksResponse {
        try await harness.controller.read { state in try state.listTasks(request) }
    }

    @Test("each filter narrows the listing; ARNs come in order, page by page; PENDING and a daemon list nothing")
    func filtersAndPages() async throws {
        let harness = try await Harness()
        _ = try await harness.join("node-1", memory: 8192)
        try await register(harness, "web")
        try await register(harness, "job")
        let web = try await run(harness, "web", count: 5)
        let jobs = try await run(harness, "job", count: 3, startedBy: "nightly")
        let all = (web + jobs).sorted()

        #expect(try await list(harness, ECS.ListTasksRequest(cluster: "lab")).taskArns == all)
        #expect(try await list(harness, ECS.ListTasksRequest(cluster: "lab", family: "web")).taskArns == web.sorted())
        #expect(
            try await list(harness, ECS.ListTasksRequest(cluster: "lab", startedBy: "nightly")).taskArns
                == jobs.sorted()
        )
        #expect(try await list(harness, ECS.ListTasksRequest(cluster: "lab", desiredStatus: "PENDING")).taskArns == [])
        #expect(try await list(harness, ECS.ListTasksRequest(cluster: "lab", desiredStatus: "STOPPED")).taskArns == [])
        #expect(try await list(harness, ECS.ListTasksRequest(cluster: "lab", launchType: "FARGATE")).taskArns == [])
        #expect(try await list(harness, ECS.ListTasksRequest(cluster: "lab", launchType: "EC2")).taskArns == all)
        // Wharf runs no ECS daemons (CreateDaemon is not served): no task belongs to one.
        #expect(try await list(harness, ECS.ListTasksRequest(cluster: "lab", daemonName: "agent")).taskArns == [])

        var pages: [[String]] = []
        var token: String?
        repeat {
            let page = try await list(harness, ECS.ListTasksRequest(cluster: "lab", nextToken: token, maxResults: 3))
            pages.append(page.taskArns ?? [])
            token = page.nextToken
        } while token != nil
        #expect(pages.map(\.count) == [3, 3, 2])
        #expect(pages.flatMap { $0 } == all)

        let first = try await list(harness, ECS.ListTasksRequest(cluster: "lab", family: "web", maxResults: 2))
        let error = await #expect(throws: ECSError.self) {
            _ = try await list(harness, ECS.ListTasksRequest(cluster: "lab", family: "job", nextToken: first.nextToken))
        }
        #expect(error?.code == .invalidParameter)
    }
}
