import Foundation
import Testing
import WharfModel
import WharfState
@testable import WharfStore

@Suite("Task records written as JSON by hand")
struct TaskRecordJSONTests {
    static let records: [TaskRecord] = {
        var full = TaskRecord(
            id: TaskID(high: 0x0535_940e_df40_4cc9, low: 0x972b_41d3_0a1a_9950),
            cluster: "prod-eu",
            instance: InstanceID(high: 1, low: 2),
            taskDefinition: TaskDefinitionKey(family: "web-app", revision: 12),
            group: "service:web",
            startedBy: "ecs-svc/1234567890123456789",
            launchType: .external,
            lastStatus: .stopped,
            desiredStatus: .stopped,
            health: .unhealthy,
            stopCode: .essentialContainerExited,
            stoppedReason: "Essential container in task exited: \"app\" said \\ bye\n\ttab \u{1} and ünïcödé ✓",
            cpu: "256",
            memory: "512",
            createdAt: Date(timeIntervalSince1970: 1_796_405_995.3746147),
            version: 7,
            containers: [
                ContainerRecord(
                    id: ContainerID(high: 0x0f15_73ac_3e3f_42ae, low: 0x8898_943c_51ff_e6d4),
                    name: "app",
                    image: "busybox:1.36",
                    cpu: 128,
                    memory: 256,
                    memoryReservation: 64,
                    runtimeId: String(repeating: "a1", count: 32),
                    lastStatus: .stopped,
                    exitCode: 137,
                    reason: "OutOfMemoryError",
                    networkBindings: [
                        NetworkBinding(bindIP: "0.0.0.0", containerPort: 80, hostPort: 32768, protocol: "tcp"),
                        NetworkBinding(containerPortRange: "9000-9010", hostPortRange: "19000-19010"),
                    ],
                    health: .healthy
                ),
                ContainerRecord(id: ContainerID(high: 3, low: 4), name: "side", image: nil),
            ],
            overrides: Shared(
                ECS.TaskOverride(
                    containerOverrides: [ECS.ContainerOverride(name: "app", command: ["sh", "-c", "echo \"hi\""])],
                    cpu: "256"
                )
            ),
            tags: [Tag(key: "team", value: "web"), Tag(key: "empty", value: nil)],
            network: TaskNetworkRecord(
                attachmentID: "6f1a2b3c-4d5e-4f60-8172-8394a5b6c7d8",
                subnetID: "subnet-abc123",
                securityGroups: ["sg-xyz456"],
                assignPublicIp: true,
                privateIPv4Address: "10.64.3.7",
                subnetCIDR: "10.64.3.0/24",
                macAddress: "02:42:0a:40:03:07"
            ),
            platformVersion: "1.4.0"
        )
        full.containers[0].gpuIDs = ["GPU-1", "GPU-2"]
        full.capacityProviderName = "FARGATE_SPOT"
        full.protectedUntil = Date(timeIntervalSince1970: 1_760_000_900.25)
        full.pullStartedAt = Date(timeIntervalSince1970: 1_796_405_995.5)
        full.pullStoppedAt = Date(timeIntervalSince1970: 1_796_405_996)
        full.startedAt = Date(timeIntervalSince1970: 1_796_405_996.25)
        full.stoppingAt = Date(timeIntervalSince1970: 1_796_406_000.125)
        full.stoppedAt = Date(timeIntervalSince1970: 1_796_406_001.0625)
        full.executionStoppedAt = Date(timeIntervalSince1970: 1_796_406_000.5)
        let bare = TaskRecord(
            id: TaskID(high: 0, low: 0),
            cluster: "default",
            instance: nil,
            taskDefinition: TaskDefinitionKey(family: "f", revision: 1),
            group: "family:f",
            createdAt: Date(timeIntervalSince1970: 0)
        )
        return [full, bare]
    }()

    @Test(
        "what is written decodes with JSONDecoder into the same record, and matches what JSONEncoder writes",
        arguments: records
    )
    func roundTrip(record: TaskRecord) throws {
        let written = try record.json(encoder: ECSJSON.encoder())
        #expect(try ECSJSON.decoder().decode(TaskRecord.self, from: Data(written)) == record)
        let standard = try JSONSerialization.jsonObject(with: ECSJSON.encoder().encode(record)) as? NSDictionary
        let handMade = try JSONSerialization.jsonObject(with: Data(written)) as? NSDictionary
        #expect(handMade == standard)
    }
}
