import ArgumentParser
import Foundation
import Testing
import WharfModel
@testable import WharfCLI

@Suite("wharf CLI formatting and arguments")
struct CLIFormattingTests {
    @Test("--since takes seconds, minutes, hours and days; anything else is refused by name")
    func since() throws {
        #expect(try LogsCommand.milliseconds("30s") == 30_000)
        #expect(try LogsCommand.milliseconds("10m") == 600_000)
        #expect(try LogsCommand.milliseconds("2h") == 7_200_000)
        #expect(try LogsCommand.milliseconds("1d") == 86_400_000)
        #expect(try LogsCommand.milliseconds("99999999999999999d") == Int.max)
        for bad in ["10", "m", "-5m", "1w", ""] {
            #expect(throws: (any Error).self, "\(bad)") { try LogsCommand.milliseconds(bad) }
        }
        #expect(throws: (any Error).self) { try LogsCommand.parse(["a", "b"]) }
        #expect(throws: (any Error).self) { try LogsCommand.parse(["service", "web", "extra"]) }
        #expect(throws: (any Error).self) { try LogsCommand.parse(["task", "--since", "soon"]) }
        let parsed = try LogsCommand.parse(["-f", "service", "web", "--since", "5m"])
        #expect(parsed.follow && parsed.target == ["service", "web"])
    }

    @Test("a deployment's progress line: status, revision, bar, running of desired, failures, rollout state")
    func progress() {
        let line = DeployCommand.progress(ECS.Deployment(
            status: "PRIMARY",
            taskDefinition: "arn:aws:ecs:us-east-1:000000000000:task-definition/web:3",
            desiredCount: 4,
            runningCount: 2,
            failedTasks: 1,
            rolloutState: "IN_PROGRESS"
        ))
        #expect(line == "PRIMARY   web:3  [##########----------]  2/4 running, 1 failed  IN_PROGRESS")
        #expect(Terminal.bar(0, of: 0, width: 4) == "[####]")
        #expect(Terminal.bar(5, of: 4, width: 4) == "[####]")
    }

    @Test("rows name instances, services and tasks as the tables show them")
    func rows() {
        let instance = Rows.instance(Described(
            ECS.ContainerInstance(
                containerInstanceArn: "arn:aws:ecs:us-east-1:000000000000:container-instance/lab/abc",
                ec2InstanceId: "node-1",
                remainingResources: [
                    ECS.Resource(name: "CPU", integerValue: 1024),
                    ECS.Resource(name: "MEMORY", integerValue: 900),
                ],
                registeredResources: [
                    ECS.Resource(name: "CPU", integerValue: 2048),
                    ECS.Resource(name: "MEMORY", integerValue: 3900),
                ],
                status: "ACTIVE",
                agentConnected: false,
                runningTasksCount: 3
            ),
            utilization: Usage(cpuUnits: 12.5, memoryMiB: 40.0, containers: 3)
        ))
        #expect(instance == ["abc", "node-1", "ACTIVE", "disconnected", "3", "1024/2048", "900/3900", "12.5", "40"])
        let service = Rows.service(Described(ECS.Service(
            serviceName: "web",
            status: "ACTIVE",
            desiredCount: 2,
            runningCount: 1,
            pendingCount: 1,
            taskDefinition: "arn:aws:ecs:us-east-1:000000000000:task-definition/web:2",
            deployments: [ECS.Deployment(rolloutState: "IN_PROGRESS"), ECS.Deployment(rolloutState: "COMPLETED")]
        )))
        #expect(service == ["web", "ACTIVE", "1/2", "1", "IN_PROGRESS (2 deployments)", "web:2", "-", "-", "-"])
    }

    @Test("--output json prints a described resource as the controller sent it: utilization, epoch seconds")
    func describedJSON() throws {
        let wire = #"""
            {"createdAt":1700000000.5,"serviceName":"web","utilization":{"containers":3,"cpuUnits":12.5,"memoryMiB":40}}
            """#
        let service = try ECSJSON.decoder().decode(Described<ECS.Service>.self, from: Data(wire.utf8))
        #expect(service.serviceName == "web")
        #expect(service.utilization == Usage(cpuUnits: 12.5, memoryMiB: 40, containers: 3))
        let document: [String: [Described<ECS.Service>]] = ["services": [service]]
        #expect(try Terminal.json(document) == """
            {
              "services" : [
                {
                  "createdAt" : 1700000000.5,
                  "serviceName" : "web",
                  "utilization" : {
                    "containers" : 3,
                    "cpuUnits" : 12.5,
                    "memoryMiB" : 40
                  }
                }
              ]
            }
            """)
        let bare = Data(#"{"serviceName":"web"}"#.utf8)
        let plain = try ECSJSON.decoder().decode(Described<ECS.Service>.self, from: bare)
        #expect(plain.utilization == nil)
        #expect(try Terminal.json(plain) == "{\n  \"serviceName\" : \"web\"\n}")
    }
}
