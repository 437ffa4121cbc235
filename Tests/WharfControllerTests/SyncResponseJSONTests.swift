import Foundation
import Testing
import WharfModel
import WharfProtocol
import WharfState
@testable import WharfController

@Suite("Sync answers encoded with reused task definition JSON")
struct SyncResponseJSONTests {
    static func definition(status: String = "ACTIVE", deregisteredAt: Date? = nil) -> ECS.TaskDefinition {
        var definition = ECS.TaskDefinition()
        definition.taskDefinitionArn = "arn:aws:ecs:us-east-1:000000000000:task-definition/web:3"
        definition.family = "web"
        definition.revision = 3
        definition.status = status
        definition.deregisteredAt = deregisteredAt
        definition.registeredAt = Date(timeIntervalSince1970: 1_750_000_000.5)
        definition.containerDefinitions = [
            ECS.ContainerDefinition(
                name: "httpd",
                image: "busybox",
                memory: 64,
                command: ["echo", "a \"quoted\" /path"]
            )
        ]
        return definition
    }

    static func response(_ definition: ECS.TaskDefinition) -> SyncResponse {
        SyncResponse(
            desiredVersion: 7,
            tasks: [
                DesiredTask(
                    taskArn: "arn:aws:ecs:us-east-1:000000000000:task/lab/a",
                    desiredStatus: "RUNNING",
                    taskDefinition: definition,
                    overrides: ECS.TaskOverride(containerOverrides: [
                        ECS.ContainerOverride(name: "httpd", command: ["sh"])
                    ]),
                    clusterArn: "arn:c"
                ),
                DesiredTask(
                    taskArn: "arn:aws:ecs:us-east-1:000000000000:task/lab/b",
                    desiredStatus: "STOPPED",
                    taskDefinition: definition,
                    overrides: nil,
                    clusterArn: "arn:c",
                    stoppedReason: "Scaling \"in\""
                ),
                DesiredTask(
                    taskArn: "arn:aws:ecs:us-east-1:000000000000:task/lab/c",
                    desiredStatus: "RUNNING",
                    taskDefinition: definition,
                    overrides: nil,
                    clusterArn: "arn:c",
                    secrets: TaskSecrets(environment: ["httpd": ["DB_PASSWORD": "p\"w"]])
                ),
                DesiredTask(
                    taskArn: "arn:aws:ecs:us-east-1:000000000000:task/lab/d",
                    desiredStatus: "RUNNING",
                    taskDefinition: definition,
                    overrides: nil,
                    clusterArn: "arn:c",
                    secrets: TaskSecrets(failure: "ResourceInitializationError: x"),
                    network: TaskAddress(privateIPv4Address: "10.64.3.7", subnet: "10.64.3.0/24"),
                    launchType: "FARGATE"
                ),
            ],
            acknowledgedStopped: ["arn:aws:ecs:us-east-1:000000000000:task/lab/z"],
            taskRoutes: TaskRoutes(
                version: "9c1e",
                routes: [TaskRoute(subnet: "10.64.4.0/24", via: "10.250.0.3")]
            ),
            loadBalancerPlan: LoadBalancerPlan(
                version: "2.3.1",
                balancers: [
                    .init(
                        id: "b1",
                        name: "web",
                        type: "application",
                        idleTimeoutSeconds: 60,
                        listeners: [
                            .init(
                                id: "l1",
                                port: 80,
                                protocol: "HTTP",
                                rules: [
                                    .init(
                                        conditions: [],
                                        action: .init(kind: "forward", targetGroups: [.init(id: "t1", weight: 1)])
                                    )
                                ]
                            )
                        ]
                    )
                ],
                targetGroups: []
            )
        )
    }

    static func decoded(_ data: Data) throws -> SyncResponse {
        try ECSJSON.decoder().decode(SyncResponse.self, from: data)
    }

    @Test(
        """
        the answer decodes to what was encoded, and to what JSONEncoder makes of it, with no tasks, with tasks, \
        and after the definition changes
        """
    )
    func sameAnswer() throws {
        let json = SyncResponseJSON()
        let empty = SyncResponse(desiredVersion: 0, tasks: [], acknowledgedStopped: [])
        #expect(try Self.decoded(json.encode(empty)) == empty)
        let first = Self.response(Self.definition())
        let reference = try Self.decoded(ECSJSON.encoder().encode(first))
        #expect(try Self.decoded(json.encode(first)) == first)
        #expect(try Self.decoded(json.encode(first)) == reference)
        // The second time the definition's JSON comes from the cache.
        #expect(try Self.decoded(json.encode(first)) == first)
        // Deregistered, the same ARN carries a new status and time: the answer shows them.
        let deregistered = Self.response(
            Self.definition(status: "INACTIVE", deregisteredAt: Date(timeIntervalSince1970: 1_760_000_000))
        )
        let answer = try Self.decoded(json.encode(deregistered))
        #expect(answer == deregistered)
        #expect(answer.tasks.first?.taskDefinition.status == "INACTIVE")
    }

    static func read(_ data: Data) -> SyncResponse? {
        data.withUnsafeBytes { bytes in try? SyncResponse.read(json: bytes) }
    }

    @Test("the agent reads each answer without JSONDecoder as JSONDecoder reads it; a cut answer fails")
    func agentReads() throws {
        let json = SyncResponseJSON()
        let empty = SyncResponse(desiredVersion: 0, tasks: [], acknowledgedStopped: [])
        let answer = Self.response(Self.definition())
        for data in [try json.encode(empty), try json.encode(answer), try ECSJSON.encoder().encode(answer)] {
            let read = try #require(Self.read(data))
            #expect(read == (try Self.decoded(data)))
        }
        let read = try #require(Self.read(try json.encode(answer)))
        #expect(read == answer)
        #expect(read.loadBalancerPlan?.balancers.first?.listeners.first?.port == 80)
        #expect(read.tasks.last?.network?.subnet == "10.64.3.0/24")
        #expect(read.tasks[2].secrets?.environment["httpd"]?["DB_PASSWORD"] == "p\"w")
        let bytes = try json.encode(answer)
        for end in stride(from: 0, to: bytes.count - 1, by: 7) {
            #expect(Self.read(bytes.prefix(end)) == nil, "cut at \(end)")
        }
    }
}
