import Foundation
import Logging
import Testing
import WharfModel
import WharfState
import WharfStore
@testable import WharfController

/// A data directory written by the release before the typed state (schema version 5, commit
/// 9720ae6; `Fixtures/make-upgrade-fixture.py` made it through the public APIs, with three
/// simulated nodes, tasks running and stopped, services with deployments, one deleted, revisions
/// in every status, activations, an access key, settings and tags), and what that release
/// answered about it.
@Suite("Upgrading a data directory of the previous release in place")
struct UpgradeTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures/upgrade-v5"
    )

    struct Recorded: Decodable {
        var accessKey: String
        var reads: [Read]
    }

    struct Read: Decodable {
        var service: String
        var operation: String
        var request: JSONValue
        var answer: JSONValue
    }

    /// Runs `body` with a new temporary directory, removed afterwards.
    static func withDirectory(_ body: (String) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-upgrade-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await body(path)
    }

    /// What the new release may answer differently, by design: an instance's `version` is now
    /// its desired state's in-memory counter with the controller start in its high half, an
    /// instance without tags lists `tags: []` where the old one left the member out, and a
    /// service shows two members that release left out, with the values every Wharf service has
    /// (``serviceMembersSince``).
    /// Members of a service shown since that release, with the one value each has in Wharf.
    static let serviceMembersSince = ["availabilityZoneRebalancing": "DISABLED", "resourceManagementType": "CUSTOMER"]

    static func normalized(_ value: JSONValue, key: String? = nil) -> JSONValue? {
        switch value {
        case .object(let members):
            var kept: [String: JSONValue] = [:]
            for (name, member) in members {
                if name == "version", members["containerInstanceArn"] != nil, members["taskArn"] == nil { continue }
                if name == "tags", member == .array([]) { continue }
                if members["serviceArn"] != nil, members["serviceName"] != nil,
                    serviceMembersSince[name].map({ member == .string($0) }) == true
                {
                    continue
                }
                if let normal = normalized(member, key: name) { kept[name] = normal }
            }
            return .object(kept)
        case .array(let items):
            return .array(items.compactMap { normalized($0) })
        default:
            return value
        }
    }

    @Test(
        """
        every record of a schema version 5 data directory survives the upgrade, and every read answers as the \
        old release did
        """
    )
    func upgrade() async throws {
        let recorded = try JSONDecoder().decode(
            Recorded.self,
            from: Data(contentsOf: Self.fixture.appendingPathComponent("answers.json"))
        )
        try await Self.withDirectory { directory in
            let path = directory + "/wharf.db"
            try FileManager.default.copyItem(atPath: Self.fixture.appendingPathComponent("wharf.db").path, toPath: path)
            let store = try await SQLiteStore.open(path: path, logger: Logger(label: "test"))
            let loaded = try await store.load()
            #expect(loaded.tasks.count == 9)
            #expect(loaded.instances.count == 3)
            #expect(loaded.services.count == 2)
            #expect(loaded.taskDefinitions.count == 4)
            #expect(loaded.clusters.count == 3)
            #expect(loaded.activations.count == 1)
            #expect(loaded.accessKeys.count == 1)
            #expect(loaded.generation == 1)
            // The answers were recorded just after the activation was created; time stands still there.
            let activation = try #require(loaded.activations.first)
            let recordedAt = activation.createdDate.addingTimeInterval(300)
            let controller = try await Controller(
                store: store,
                context: AccountContext(),
                logger: Logger(label: "test"),
                placementSeed: 1,
                now: { recordedAt }
            )
            let operations = ECSOperations(controller: controller, bootstrapKeyId: recorded.accessKey)
            for read in recorded.reads {
                let handlers =
                    switch read.service {
                    case "ssm": operations.ssmHandlers
                    case "admin": operations.adminHandlers
                    default: operations.handlers
                    }
                let handler = try #require(handlers[read.operation], "\(read.operation) is served")
                let answer = try JSONDecoder().decode(
                    JSONValue.self,
                    from: try await handler(try JSONEncoder().encode(read.request))
                )
                #expect(Self.normalized(answer) == Self.normalized(read.answer), "\(read.operation) \(read.request)")
            }
            await store.close()
        }
    }

    @Test("an upgraded directory keeps working: it reopens at the new schema, and new writes and reads go through")
    func keepsWorking() async throws {
        try await Self.withDirectory { directory in
            let path = directory + "/wharf.db"
            try FileManager.default.copyItem(atPath: Self.fixture.appendingPathComponent("wharf.db").path, toPath: path)
            let first = try await SQLiteStore.open(path: path, logger: Logger(label: "test"))
            let controller = try await Controller(
                store: first,
                context: AccountContext(),
                logger: Logger(label: "test")
            )
            let registered = try await controller.write { state, now in
                try state.registerTaskDefinition(
                    ECS.RegisterTaskDefinitionRequest(
                        family: "web",
                        containerDefinitions: [ECS.ContainerDefinition(name: "app", image: "busybox", memory: 16)]
                    ),
                    now: now
                )
            }
            #expect(registered.taskDefinition?.revision == 4, "revision numbers continue after the old ones")
            await first.close()
            let second = try await SQLiteStore.open(path: path, logger: Logger(label: "test"))
            let reloaded = try await second.load()
            await second.close()
            #expect(reloaded.generation == 2)
            #expect(reloaded.taskDefinitions.map(\.key.description).contains("web:4"))
            #expect(reloaded.tasks.count == 9)
        }
    }
}
