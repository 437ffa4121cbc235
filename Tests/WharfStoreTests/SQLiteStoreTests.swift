import Foundation
import Logging
import Testing
import WharfModel
import WharfStore

/// Runs `body` with a fresh temporary directory that is removed afterwards, whatever happens.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-store-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

@Suite("SQLite store")
struct SQLiteStoreTests {
    let logger = Logger(label: "test")

    func sampleChanges() -> [StateChange] {
        let cluster = ECS.Cluster(clusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/a", clusterName: "a", status: "ACTIVE",
                                  tags: [ECS.Tag(key: "k", value: "v")])
        let definition = ECS.TaskDefinition(taskDefinitionArn: "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1",
                                            containerDefinitions: [ECS.ContainerDefinition(name: "app", image: "nginx", memory: 64)],
                                            family: "web", revision: 1, status: "ACTIVE", registeredAt: Date(timeIntervalSince1970: 1_700_000_000.25))
        return [
            .putCluster(cluster),
            .putTaskDefinition(TaskDefinitionRecord(definition: definition, tags: [ECS.Tag(key: "team", value: "web")])),
            .putFamilyRevision(family: "web", revision: 1),
            .putAccountSetting(principal: nil, name: "containerInsights", value: "enabled"),
            .putAccountSetting(principal: "arn:aws:iam::000000000000:root", name: "awsvpcTrunking", value: "enabled"),
            .putContainerInstance(ContainerInstanceRecord(
                instance: ECS.ContainerInstance(containerInstanceArn: "arn:aws:ecs:us-east-1:000000000000:container-instance/a/1", status: "ACTIVE",
                                                agentConnected: true, attributes: [ECS.Attribute(name: "ecs.os-type", value: "linux")]),
                cluster: "a", credentialHash: "abc", desiredVersion: 3)),
            .putTask(ECS.Task(clusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/a", lastStatus: "RUNNING",
                              taskArn: "arn:aws:ecs:us-east-1:000000000000:task/a/1")),
            .putTask(ECS.Task(taskArn: "arn:aws:ecs:us-east-1:000000000000:task/a/2")),
            .deleteTask(arn: "arn:aws:ecs:us-east-1:000000000000:task/a/2"),
            .putService(ServiceRecord(
                service: ECS.Service(serviceArn: "arn:aws:ecs:us-east-1:000000000000:service/a/web", serviceName: "web", status: "ACTIVE",
                                     desiredCount: 2, deployments: [ECS.Deployment(id: "ecs-svc/1", status: "PRIMARY", rolloutState: "IN_PROGRESS")]),
                cluster: "a", clientToken: "token", lastCompleted: CompletedDeployment(id: "ecs-svc/0", taskDefinition: "web:1"),
                consecutiveFailures: 2, throttledUntil: 1_700_000_100.5, countedFailures: ["t1"], steady: true)),
            .putActivation(ActivationRecord(activation: SSM.Activation(activationId: "a1", iamRole: "r", registrationLimit: 3, registrationsCount: 1,
                                                                       expirationDate: Date(timeIntervalSince1970: 1_700_086_400)), codeHash: "h1")),
            .putActivation(ActivationRecord(activation: SSM.Activation(activationId: "a2", iamRole: "r"), codeHash: "h2")),
            .deleteActivation(id: "a2"),
            .putAccessKey(AccessKeyRecord(accessKeyId: "AKWHKEEP", sealedSecret: "c2VhbGVk", description: "ci", createDate: Date(timeIntervalSince1970: 1_700_000_000))),
            .putAccessKey(AccessKeyRecord(accessKeyId: "AKWHGONE", sealedSecret: "eA==", description: nil, createDate: Date(timeIntervalSince1970: 1_700_000_001))),
            .deleteAccessKey(id: "AKWHGONE"),
        ]
    }

    @Test("what is applied is loaded back exactly after reopening")
    func roundTrip() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/wharf.db"
            let store = try await SQLiteStore.open(path: path, logger: logger)
            try await store.apply(sampleChanges())
            await store.close()

            let reopened = try await SQLiteStore.open(path: path, logger: logger)
            let loaded = try await reopened.load()
            await reopened.close()

            var expected = StoredState()
            for change in sampleChanges() { expected.apply(change) }
            #expect(loaded == expected)
            #expect(loaded.services.first?.lastCompleted?.id == "ecs-svc/0")
            #expect(loaded.activations.map(\.id) == ["a1"])
            #expect(loaded.accessKeys.map(\.accessKeyId) == ["AKWHKEEP"])
            #expect(loaded.taskDefinitions.first?.definition.registeredAt == Date(timeIntervalSince1970: 1_700_000_000.25))
        }
    }

    @Test("the database is in WAL mode and records its schema version")
    func pragmas() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await SQLiteStore.open(path: directory + "/wharf.db", logger: logger)
            await store.close()
            #expect(FileManager.default.fileExists(atPath: directory + "/wharf.db"))
            let header = try #require(FileManager.default.contents(atPath: directory + "/wharf.db"))
            // Bytes 18 and 19 of the SQLite header are 2 in WAL mode.
            #expect(header[18] == 2 && header[19] == 2)
            // user_version lives at offset 60, big-endian.
            #expect(header[60..<64].reduce(0) { $0 << 8 | Int($1) } == 5)
        }
    }

    @Test("a database from a newer Wharf is refused with a clear message")
    func newerSchema() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/wharf.db"
            let store = try await SQLiteStore.open(path: path, logger: logger)
            await store.close()
            // Raise user_version to 99 in the header, as a newer schema would.
            let handle = try #require(FileHandle(forUpdatingAtPath: path))
            try handle.seek(toOffset: 60)
            try handle.write(contentsOf: Data([0, 0, 0, 99]))
            try handle.close()
            await #expect {
                _ = try await SQLiteStore.open(path: path, logger: logger)
            } throws: { error in
                "\(error)".contains("schema version 99, newer than this Wharf understands")
            }
        }
    }

    @Test("a second lock on one data directory is refused while the first is held")
    func lock() async throws {
        try await withTemporaryDirectory { directory in
            let first = try DataDirectoryLock.acquire(directory)
            #expect {
                _ = try DataDirectoryLock.acquire(directory)
            } throws: { error in
                (error as? StoreError)?.code == .locked
            }
            first.release()
            let again = try DataDirectoryLock.acquire(directory)
            again.release()
        }
    }
}
