import ArgumentParser
import Testing
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
        let line = DeployCommand.progress(["status": "PRIMARY", "taskDefinition": "arn:aws:ecs:us-east-1:000000000000:task-definition/web:3",
                                           "runningCount": 2, "desiredCount": 4, "failedTasks": 1, "rolloutState": "IN_PROGRESS"])
        #expect(line == "PRIMARY   web:3  [##########----------]  2/4 running, 1 failed  IN_PROGRESS")
        #expect(Terminal.bar(0, of: 0, width: 4) == "[####]")
        #expect(Terminal.bar(5, of: 4, width: 4) == "[####]")
    }

    @Test("rows name instances, services and tasks as the tables show them")
    func rows() {
        let instance = Rows.instance([
            "containerInstanceArn": "arn:aws:ecs:us-east-1:000000000000:container-instance/lab/abc", "ec2InstanceId": "node-1",
            "status": "ACTIVE", "agentConnected": false, "runningTasksCount": 3,
            "remainingResources": [["name": "CPU", "integerValue": 1024], ["name": "MEMORY", "integerValue": 900]],
            "registeredResources": [["name": "CPU", "integerValue": 2048], ["name": "MEMORY", "integerValue": 3900]],
            "utilization": ["cpuUnits": 12.5, "memoryMiB": 40.0, "containers": 3],
        ])
        #expect(instance == ["abc", "node-1", "ACTIVE", "disconnected", "3", "1024/2048", "900/3900", "12.5", "40"])
        let service = Rows.service(["serviceName": "web", "status": "ACTIVE", "runningCount": 1, "desiredCount": 2, "pendingCount": 1,
                                    "taskDefinition": "arn:aws:ecs:us-east-1:000000000000:task-definition/web:2",
                                    "deployments": [["rolloutState": "IN_PROGRESS"], ["rolloutState": "COMPLETED"]]])
        #expect(service == ["web", "ACTIVE", "1/2", "1", "IN_PROGRESS (2 deployments)", "web:2", "-", "-"])
    }
}
