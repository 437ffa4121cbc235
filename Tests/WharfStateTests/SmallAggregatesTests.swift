import Foundation
import Testing
import WharfModel
import WharfState

@Suite("Task definitions, services, IDs")
struct SmallAggregatesTests {
    @Test("a family names its newest ACTIVE revision; deleted revisions keep their numbers used")
    func taskDefinitions() {
        var state = Sample.state()
        for revision in 2...3 {
            state.apply(.putTaskDefinition(Sample.definition(TaskDefinitionKey(family: "web", revision: revision))))
            state.apply(.putFamilyRevision(family: "web", revision: revision))
        }
        #expect(state.taskDefinitions.newestActive(family: "web")?.key.revision == 3)
        var inactive = Sample.definition(TaskDefinitionKey(family: "web", revision: 3))
        inactive.status = .inactive
        state.apply(.putTaskDefinition(inactive))
        #expect(state.taskDefinitions.newestActive(family: "web")?.key.revision == 2)
        state.apply(.deleteTaskDefinition(TaskDefinitionKey(family: "web", revision: 3)))
        #expect(state.taskDefinitions.lastRevision(of: "web") == 3)
        #expect(state.taskDefinitions[TaskDefinitionKey(family: "web", revision: 3)] == nil)
        #expect(state.taskDefinitions.demand(of: Sample.web)?.memoryMiB == 512)
    }

    @Test("INACTIVE services are found for expiry by when they became so, or by the load time when that is not known")
    func services() {
        var state = Sample.state()
        func service(_ name: String, status: ServiceStatus, inactiveAt: Date?) -> ServiceRecord {
            var record = Sample.service(name, status: status)
            record.inactiveAt = inactiveAt
            return record
        }
        state.apply(.putService(service("old", status: .inactive, inactiveAt: Sample.time)))
        state.apply(.putService(service("new", status: .inactive, inactiveAt: Sample.time.addingTimeInterval(3600))))
        state.apply(.putService(service("legacy", status: .inactive, inactiveAt: nil)))
        state.apply(.putService(service("live", status: .active, inactiveAt: nil)))
        let found = state.services.inactive(
            before: Sample.time.addingTimeInterval(60),
            loadedAt: Sample.time,
            limit: 10
        )
        #expect(
            Set(found) == [
                "arn:aws:ecs:us-east-1:000000000000:service/lab/old",
                "arn:aws:ecs:us-east-1:000000000000:service/lab/legacy",
            ]
        )
        #expect(state.services.inCluster("lab").count == 4)
    }

    @Test("IDs print as ECS writes them, parse back, and sort as their text does")
    func identifiers() throws {
        var random = SeededRandom(seed: 42)
        let ids = (0..<200).map { _ in random.taskID() }
        for id in ids { #expect(TaskID(id.description) == id) }
        #expect(ids.sorted().map(\.description) == ids.map(\.description).sorted())
        #expect(ids[0].description.count == 32)
        #expect(TaskID("0535940edf404cc9972b41d30a1a9950")?.description == "0535940edf404cc9972b41d30a1a9950")
        #expect(TaskID("0535940EDF404CC9972B41D30A1A9950") == nil)
        #expect(TaskID("0535940edf404cc9972b41d30a1a995") == nil)
        #expect(
            TaskID(arnSuffix: "arn:aws:ecs:us-east-1:000000000000:task/lab/0535940edf404cc9972b41d30a1a9950") != nil
        )
        let container = try #require(ContainerID("0f1573ac-3e3f-42ae-8898-943c51ffe6d4"))
        #expect(container.description == "0f1573ac-3e3f-42ae-8898-943c51ffe6d4")
        let fresh = random.containerID().description
        #expect(fresh.count == 36 && fresh.split(separator: "-")[2].first == "4", "a version 4 UUID")
        var again = SeededRandom(seed: 42)
        #expect((0..<200).map { _ in again.taskID() } == ids, "the same seed gives the same IDs")
    }
}
