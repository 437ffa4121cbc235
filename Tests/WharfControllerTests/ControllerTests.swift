import Foundation
import Logging
import Testing
import WharfModel
import WharfStore
import WharfState
@testable import WharfController

@Suite("Controller actor")
struct ControllerTests {
    @Test("a change is in the store before it is acknowledged, and a failed write changes nothing")
    func durableFirst() async throws {
        let store = InMemoryStore()
        let controller = try await Controller(store: store, context: AccountContext(), logger: Logger(label: "test"))
        _ = try await controller.write { state, _ in try state.createCluster(ECS.CreateClusterRequest(clusterName: "kept")) }
        #expect(try await store.load().clusters.map(\.name) == ["kept"])

        store.setFailingWrites(true)
        await #expect {
            _ = try await controller.write { state, _ in try state.createCluster(ECS.CreateClusterRequest(clusterName: "lost")) }
        } throws: { ($0 as? ECSError)?.code == .server }
        let listed = try await controller.read { state in try state.listClusters(ECS.ListClustersRequest()) }
        #expect(listed.clusterArns == ["arn:aws:ecs:us-east-1:000000000000:cluster/kept"])
    }

    @Test("concurrent registrations of one family get distinct consecutive revisions")
    func concurrentWrites() async throws {
        let store = InMemoryStore()
        let controller = try await Controller(store: store, context: AccountContext(), logger: Logger(label: "test"))
        let revisions = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    try await controller.write { state, now in try state.registerTaskDefinition(definitionRequest(), now: now) }.taskDefinition?.revision ?? 0
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(revisions.sorted() == Array(1...50))
        #expect(try await store.load().familyRevisions["web"] == 50)
    }

    @Test("a controller restarted on the same store sees every acknowledged change")
    func reload() async throws {
        let store = InMemoryStore()
        let first = try await Controller(store: store, context: AccountContext(), logger: Logger(label: "test"))
        _ = try await first.write { state, now in try state.registerTaskDefinition(definitionRequest(), now: now) }
        _ = try await first.write { state, _ in try state.putAccountSettingDefault(ECS.PutAccountSettingDefaultRequest(name: "awsvpcTrunking", value: "enabled")) }
        let second = try await Controller(store: store, context: AccountContext(), logger: Logger(label: "test"))
        let described = try await second.read { state in try state.describeTaskDefinition(ECS.DescribeTaskDefinitionRequest(taskDefinition: "web:1")) }
        #expect(described.taskDefinition?.family == "web")
        let next = try await second.write { state, now in try state.registerTaskDefinition(definitionRequest(), now: now) }
        #expect(next.taskDefinition?.revision == 2)
    }
}
