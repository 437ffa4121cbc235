import Foundation
import Testing
import WharfModel
import WharfProtocol
import WharfState
@testable import WharfController

@Suite("Scheduler rounds after a change plan only the services it concerns")
struct IncrementalRoundTests {
    func create(_ harness: Harness, _ name: String, count: Int) async throws {
        _ = try await harness.controller.write { state, now in
            try state.createService(ECS.CreateServiceRequest(cluster: "lab", serviceName: name, taskDefinition: "api", desiredCount: count),
                                    now: now, deploymentID: "ecs-svc/\(name)")
        }
    }

    /// Rounds after changes until one plans nothing (its own changes make a round plan again);
    /// how many rounds that took, at most 5.
    func settle(_ harness: Harness) async throws -> Int {
        for count in 1...5 where try await harness.controller.scheduleServices(onlyChanged: true).evaluated.isEmpty { return count }
        return 6
    }

    func names(_ round: ServiceRound) -> [String] {
        round.evaluated.keys.map { String($0.split(separator: "/").last ?? "") }.sorted()
    }

    @Test("an unchanged service is left out; its own change, a joining instance, or room freed by another service's task brings it back; a full round plans all but the quiet ones")
    func onlyChanged() async throws {
        let harness = try await Harness()
        let node = try await harness.join("a", memory: 1024)
        _ = try await harness.controller.write { state, now in
            try state.registerTaskDefinition(ECS.RegisterTaskDefinitionRequest(
                family: "api", containerDefinitions: [ECS.ContainerDefinition(name: "app", image: "busybox", memory: 512)]), now: now)
        }
        try await create(harness, "one", count: 1)
        try await create(harness, "two", count: 2)
        // one takes half the node, two finds room for one of its two.
        var round = try await harness.controller.scheduleServices(onlyChanged: true)
        #expect(names(round) == ["one", "two"])
        #expect(round.started == 2)
        // Its own launches changed both: planned again, with nothing more to do, until no
        // round plans anything.
        round = try await harness.controller.scheduleServices(onlyChanged: true)
        #expect(names(round) == ["one", "two"])
        #expect(round.started == 0)
        #expect(try await settle(harness) <= 5)

        // A change to two alone.
        _ = try await harness.controller.write { state, now in
            try state.updateService(ECS.UpdateServiceRequest(cluster: "lab", service: "two", desiredCount: 3), now: now, deploymentID: "ecs-svc/two-2")
        }
        round = try await harness.controller.scheduleServices(onlyChanged: true)
        #expect(names(round) == ["two"])
        #expect(round.started == 0)
        #expect(try await settle(harness) <= 5)

        // one scales in; its task's STOPPED report frees room that two then fills, in rounds after changes only.
        _ = try await harness.controller.write { state, now in
            try state.updateService(ECS.UpdateServiceRequest(cluster: "lab", service: "one", desiredCount: 0), now: now, deploymentID: "ecs-svc/one-2")
        }
        round = try await harness.controller.scheduleServices(onlyChanged: true)
        #expect(names(round) == ["one"])
        #expect(round.stopped == 1)
        #expect(try await settle(harness) <= 5)
        let desired = try await harness.sync(node, version: 0)
        let reports = desired.tasks.filter { $0.desiredStatus == "STOPPED" }.map { task in
            TaskReport(taskArn: task.taskArn, lastStatus: "STOPPED",
                       containers: [ContainerReport(name: "app", runtimeId: "c-\(task.taskArn.suffix(6))", lastStatus: "STOPPED", exitCode: 0)])
        }
        #expect(reports.count == 1)
        _ = try await harness.sync(node, version: 0, reports: reports)
        round = try await harness.controller.scheduleServices(onlyChanged: true)
        #expect(names(round) == ["one", "two"])
        #expect(round.started == 1)
        #expect(try await settle(harness) <= 5)

        // A new instance concerns every service of its cluster. A full round plans every service
        // but the quiet ones, and both are: one wants no task and has none, two has the three it
        // wants, waiting for their node's reports (QuietServiceTests has one that is not).
        _ = try await harness.join("b", memory: 512)
        round = try await harness.controller.scheduleServices(onlyChanged: true)
        #expect(names(round) == ["one", "two"])
        #expect(round.started == 1)
        #expect(try await settle(harness) <= 5)
        #expect(names(try await harness.controller.scheduleServices()) == [])
        let running = try await harness.controller.read { state in
            try state.describeServices(ECS.DescribeServicesRequest(cluster: "lab", services: ["one", "two"])).services?.map(\.pendingCount)
        }
        #expect(running == [0, 3])
    }
}

@Suite("Sync reports recorded in batches")
struct SyncBatchTests {
    @Test("syncs that arrive together are all recorded, a second one of the same node after the first, and a bad credential fails only its own")
    func batched() async throws {
        let harness = try await Harness(longPoll: .milliseconds(50))
        let nodes = [try await harness.join("a"), try await harness.join("b", memory: 1024)]
        let run = try await harness.runTask(count: 2)
        let placed = Dictionary(uniqueKeysWithValues: (run.tasks ?? []).map { ($0.containerInstanceArn ?? "", $0.taskArn ?? "") })
        #expect(placed.count == 2)
        func report(_ node: RegisterResponse, _ status: String) -> [TaskReport] {
            [TaskReport(taskArn: placed[node.containerInstanceArn] ?? "", lastStatus: status,
                        containers: [ContainerReport(name: "httpd", runtimeId: "c-\(node.containerInstanceArn.suffix(4))", lastStatus: status)])]
        }
        var forged = nodes[1]
        forged.credential = "not-the-credential"
        async let first = harness.sync(nodes[0], version: 0, reports: report(nodes[0], "PENDING"))
        async let second = harness.sync(nodes[1], version: 0, reports: report(nodes[1], "RUNNING"))
        async let again = harness.sync(nodes[0], version: 0, reports: report(nodes[0], "RUNNING"))
        async let bad: SyncResponse? = try? harness.sync(forged, version: 0, reports: [])
        let answers = try await [first, second, again]
        #expect(answers.allSatisfy { $0.tasks.count == 1 })
        #expect(await bad == nil)
        for node in nodes {
            let task = try await harness.describe(placed[node.containerInstanceArn] ?? "")
            #expect(task?.lastStatus == "RUNNING")
        }
        await #expect(throws: AgentProtocolError.self) { try await harness.sync(forged, version: 0, reports: []) }
    }
}

@Suite("A round's launch budget")
struct LaunchBudgetTests {
    /// A node with room for all, and two services, one and two, of six tasks each.
    static func twoServices() async throws -> Harness {
        let harness = try await Harness()
        _ = try await harness.join("a", memory: 8192)
        _ = try await harness.controller.write { state, now in
            try state.registerTaskDefinition(ECS.RegisterTaskDefinitionRequest(
                family: "api", containerDefinitions: [ECS.ContainerDefinition(name: "app", image: "busybox", memory: 64)]), now: now)
        }
        for name in ["one", "two"] {
            _ = try await harness.controller.write { state, now in
                try state.createService(ECS.CreateServiceRequest(cluster: "lab", serviceName: name, taskDefinition: "api", desiredCount: 6),
                                        now: now, deploymentID: "ecs-svc/\(name)")
            }
        }
        return harness
    }

    @Test("a round starts at most its budget; the service cut short and those after it are planned in the rounds that follow, until all run")
    func budget() async throws {
        let harness = try await Self.twoServices()
        var started: [Int] = []
        for _ in 0..<5 {
            let round = try await harness.controller.scheduleServices(onlyChanged: true, launchBudget: 4)
            started.append(round.started)
            #expect(round.started <= 4)
        }
        #expect(started.reduce(0, +) == 12, "every task of both services was started in the end: \(started)")
        #expect(started.prefix(3) == [4, 4, 4])
        let counts = try await harness.controller.read { state in
            try state.describeServices(ECS.DescribeServicesRequest(cluster: "lab", services: ["one", "two"])).services?.map(\.pendingCount)
        }
        #expect(counts == [6, 6])
        let events = try await harness.controller.read { state in
            try state.describeServices(ECS.DescribeServicesRequest(cluster: "lab", services: ["one", "two"])).services?
                .flatMap { $0.events ?? [] }.map { $0.message ?? "" }
        }
        #expect(events?.contains { $0.contains("unable to place") } == false, "a deferred launch is not a placement failure")
    }

    @Test("a round goes on where its last write left off, each write within its budgets; what its earlier writes planned stays remembered")
    func resumes() async throws {
        let harness = try await Self.twoServices()
        func name(_ arn: String?) -> String? { arn.map { String($0.split(separator: "/").last ?? "") } }
        // A full round in writes of at most 4 launches, each looking at 1 task at most past its
        // first service's.
        var writes: [ServiceRound] = []
        var cursor: String?
        repeat {
            let round = try await harness.controller.scheduleServices(onlyChanged: false, launchBudget: 4, from: cursor, taskBudget: 1)
            writes.append(round)
            cursor = round.resumeAt
        } while cursor != nil && writes.count < 10
        #expect(writes.map(\.started) == [4, 2, 4, 2])
        #expect(writes.map { name($0.resumeAt) } == ["one", "two", "two", nil])
        #expect(writes.map { $0.evaluated.keys.compactMap(name).sorted() } == [[], ["one"], [], ["two"]],
                "the second write stopped before two: one's four tasks used the budget of tasks looked at")
        let remembered = await harness.controller.lastEvaluated.keys.compactMap(name).sorted()
        #expect(remembered == ["one", "two"], "the later writes kept what the earlier ones planned")
        let counts = try await harness.controller.read { state in
            try state.describeServices(ECS.DescribeServicesRequest(cluster: "lab", services: ["one", "two"])).services?.map(\.pendingCount)
        }
        #expect(counts == [6, 6])
    }
}
