import Foundation
import Testing
import WharfModel
import WharfProtocol
import WharfScheduler
import WharfState
@testable import WharfController

@Suite("The placement view kept per instance")
struct PlacementCacheTests {
    /// Every kept candidate equals the one derived from scratch, and every instance has one.
    static func consistent(_ state: ClusterState) -> Bool {
        state.instances.all.allSatisfy { record in
            state.instances.candidate(record.id) != nil
                && state.instances.candidate(record.id) == state.derivedCandidate(of: record.id)
        }
    }

    /// Each instance's kept candidate.
    static func candidates(_ state: ClusterState) -> [InstanceID: PlacementCandidate] {
        Dictionary(
            uniqueKeysWithValues: state.instances.all.compactMap { record in
                state.instances.candidate(record.id).map { (record.id, $0) }
            }
        )
    }

    static func remainingMemory(_ state: ClusterState, _ nodes: [RegisterResponse]) -> [Int?] {
        nodes.map { node in
            InstanceID(arnSuffix: node.containerInstanceArn).flatMap {
                state.instances.candidate($0)?.remainingMemoryMiB
            }
        }
    }

    @Test(
        "joins, placements, reports, stops and a restart from the store keep each instance's cached view equal to one derived afresh"
    )
    func consistency() async throws {
        let harness = try await Harness()
        let nodes = [try await harness.join("a"), try await harness.join("b", memory: 1024)]
        #expect(await harness.controller.read(Self.consistent))
        let run = try await harness.runTask(count: 2)
        #expect(run.tasks?.count == 2)
        #expect(await harness.controller.read(Self.consistent))
        let before = await harness.controller.read { state in Self.remainingMemory(state, nodes) }
        #expect(before == [2048 - 512, 1024 - 512])

        // A report, then a stop and its STOPPED report: the memory comes back.
        for task in run.tasks ?? [] {
            let node = nodes.first { $0.containerInstanceArn == task.containerInstanceArn }!
            let report = TaskReport(
                taskArn: task.taskArn ?? "",
                lastStatus: "STOPPED",
                containers: [
                    ContainerReport(name: "httpd", runtimeId: "c1", lastStatus: "STOPPED", exitCode: 0)
                ]
            )
            _ = try await harness.controller.write { state, now in
                try state.stopTask(ECS.StopTaskRequest(cluster: "lab", task: task.taskArn, reason: "done"), now: now)
            }
            let request = SyncRequest(
                containerInstanceArn: node.containerInstanceArn,
                credential: node.credential,
                desiredVersion: 0,
                tasks: [report]
            )
            _ = try await harness.controller.write { state, now in
                var merged = MergedReports()
                return state.recordSync(
                    request,
                    record: try state.authenticate(request, credentialHash: Controller.hash),
                    now: now,
                    digests: request.tasks.map(\.mergeDigest),
                    merged: &merged
                )
            }
        }
        let after = await harness.controller.read { state in Self.remainingMemory(state, nodes) }
        #expect(after == [2048, 1024])
        #expect(await harness.controller.read(Self.consistent))
        // A state built from what a store would load derives the same views.
        let reloaded = await harness.controller.read { state in
            var stored = StoredState()
            stored.clusters = Array(state.clusters.all)
            stored.taskDefinitions = Array(state.taskDefinitions.all)
            stored.instances = Array(state.instances.all)
            stored.tasks = Array(state.tasks.all)
            return ClusterState(context: AccountContext(), stored: stored)
        }
        #expect(Self.consistent(reloaded))
        #expect(await harness.controller.read(Self.candidates) == Self.candidates(reloaded))
    }
}

extension PlacementCacheTests {
    /// The derived indexes equal what a scan of the state finds.
    static func indexed(_ state: ClusterState) -> Bool {
        let groups = Dictionary(grouping: state.tasks.all, by: \.groupKey).mapValues { Set($0.map(\.id)) }
        let clusters = Dictionary(grouping: state.instances.all, by: \.cluster).mapValues { $0.map(\.id).sorted() }
        return groups.allSatisfy { state.tasks.ids(in: $0.key) == $0.value }
            && clusters.allSatisfy { state.instances.ids(inCluster: $0.key) == $0.value }
            && state.instances.all.allSatisfy { record in
                state.tasks.ids(holding: record.id)
                    == Set(state.tasks.all.filter { $0.holdsResources && $0.instance == record.id }.map(\.id))
            }
    }

    @Test(
        "two services in one scheduler round share the instances' capacity; placements, reports and stops with host ports keep the views and indexes equal to a scan"
    )
    func sharedRound() async throws {
        let harness = try await Harness()
        let nodes = [try await harness.join("a"), try await harness.join("b", memory: 1024)]
        _ = try await harness.controller.write { state, now in
            try state.registerTaskDefinition(
                ECS.RegisterTaskDefinitionRequest(
                    family: "api",
                    containerDefinitions: [ECS.ContainerDefinition(name: "app", image: "busybox", memory: 512)]
                ),
                now: now
            )
        }
        // "one" takes port 8080 and 512 MiB, so one task per node; "two" (sorted after it) then
        // finds 1,536 MiB on a and 512 on b: 4 tasks, not the 6 the empty nodes would hold.
        for (name, definition, count) in [("one", "web", 3), ("two", "api", 6)] {
            _ = try await harness.controller.write { state, now in
                try state.createService(
                    ECS.CreateServiceRequest(
                        cluster: "lab",
                        serviceName: name,
                        taskDefinition: definition,
                        desiredCount: count
                    ),
                    now: now,
                    deploymentID: "ecs-svc/\(name)"
                )
            }
        }
        let round = try await harness.controller.scheduleServices()
        #expect(round.started == 6)
        #expect(await harness.controller.read(Self.consistent))
        #expect(await harness.controller.read(Self.indexed))
        let free = await harness.controller.read { state in Self.remainingMemory(state, nodes) }
        #expect(free == [0, 0])

        // RUNNING reports change no view; then "one" scales to 0 and its STOPPED reports give the
        // port and the memory back.
        for node in nodes {
            let desired = try await harness.sync(node, version: 0)
            let reports = desired.tasks.map { task in
                TaskReport(
                    taskArn: task.taskArn,
                    lastStatus: "RUNNING",
                    containers: [
                        ContainerReport(
                            name: task.taskDefinition.containerDefinitions?.first?.name ?? "",
                            runtimeId: "c-\(task.taskArn.suffix(6))",
                            lastStatus: "RUNNING"
                        )
                    ]
                )
            }
            _ = try await harness.sync(node, version: 0, reports: reports)
        }
        #expect(await harness.controller.read(Self.consistent))
        _ = try await harness.controller.write { state, now in
            try state.updateService(
                ECS.UpdateServiceRequest(cluster: "lab", service: "one", desiredCount: 0),
                now: now,
                deploymentID: "ecs-svc/one-2"
            )
        }
        #expect(try await harness.controller.scheduleServices().stopped == 2)
        for node in nodes {
            let desired = try await harness.sync(node, version: 0)
            let reports = desired.tasks.filter { $0.desiredStatus == "STOPPED" }.map { task in
                TaskReport(
                    taskArn: task.taskArn,
                    lastStatus: "STOPPED",
                    containers: [
                        ContainerReport(
                            name: "httpd",
                            runtimeId: "c-\(task.taskArn.suffix(6))",
                            lastStatus: "STOPPED",
                            exitCode: 0
                        )
                    ]
                )
            }
            _ = try await harness.sync(node, version: 0, reports: reports)
        }
        let after = await harness.controller.read { state in
            nodes.map { node in
                InstanceID(arnSuffix: node.containerInstanceArn).flatMap { state.instances.candidate($0) }
            }
        }
        #expect(after.map { $0?.remainingMemoryMiB } == [512, 512])
        #expect(after.allSatisfy { $0?.usedPorts == [TaskDemand.HostPort(port: 22, transport: "tcp")] })
        #expect(await harness.controller.read(Self.consistent))
        #expect(await harness.controller.read(Self.indexed))
    }
}

@Suite("Task definitions by family")
struct FamilyLookupTests {
    @Test("a family names its newest ACTIVE revision, also after deregistering and deleting revisions and a reload")
    func newestActive() throws {
        var state = ClusterState(context: AccountContext())
        for command in ["sleep 1", "sleep 2", "sleep 3"] {
            _ = commit(
                &state,
                try state.registerTaskDefinition(
                    ECS.RegisterTaskDefinitionRequest(
                        family: "job",
                        containerDefinitions: [
                            ECS.ContainerDefinition(name: "app", image: "busybox", memory: 16, command: [command])
                        ]
                    ),
                    now: Date(timeIntervalSince1970: 1_800_000_000)
                )
            )
        }
        _ = commit(
            &state,
            try state.registerTaskDefinition(
                definitionRequest("other"),
                now: Date(timeIntervalSince1970: 1_800_000_000)
            )
        )
        #expect(try state.taskDefinition("job").key.revision == 3)
        _ = commit(
            &state,
            try state.deregisterTaskDefinition(
                ECS.DeregisterTaskDefinitionRequest(taskDefinition: "job:3"),
                now: Date()
            )
        )
        #expect(try state.taskDefinition("job").key.revision == 2)
        _ = commit(
            &state,
            try state.deregisterTaskDefinition(
                ECS.DeregisterTaskDefinitionRequest(taskDefinition: "job:2"),
                now: Date()
            )
        )
        _ = commit(
            &state,
            try state.deleteTaskDefinitions(
                ECS.DeleteTaskDefinitionsRequest(taskDefinitions: ["job:2", "job:3"]),
                now: Date()
            )
        )
        #expect(try state.taskDefinition("job").key.revision == 1)
        var stored = StoredState()
        stored.taskDefinitions = Array(state.taskDefinitions.all)
        let reloaded = ClusterState(context: AccountContext(), stored: stored)
        #expect(try reloaded.taskDefinition("job").key.revision == 1)
        #expect(try reloaded.taskDefinition("other").key.family == "other")
        #expect(throws: ECSError.self) { try reloaded.taskDefinition("nope") }
    }
}
