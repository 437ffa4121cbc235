import Foundation
import Testing
import WharfModel
import WharfProtocol
import Logging
@testable import WharfAgent
import WharfSim

@Suite("The agent's task file")
struct AgentStateFilesTests {
    static func task(_ id: String) -> ManagedTask {
        ManagedTask(arn: "arn:aws:ecs:us-east-1:000000000000:task/lab/\(id)", clusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/lab",
                    definition: desiredWeb.taskDefinition, overrides: nil, desiredStatus: "RUNNING")
    }

    @Test("a save that reuses the JSON of unchanged tasks writes the same JSON as one that encodes them all, and reads back as saved")
    func reusedJSON() async throws {
        try await withAgentDirectory { directory in
            let files = AgentStateFiles(directory: directory)
            try files.prepare()
            let path = directory + "/tasks.json"
            var tasks = [Self.task("a"), Self.task("b"), Self.task("c")]
            var encoded = AgentStateFiles.EncodedTasks()
            try files.save(tasks: tasks, reusing: &encoded)
            #expect(try files.tasks() == tasks)
            // One task changes; the others' JSON is reused.
            tasks[1].containers[0].runtimeId = "c0ffee"
            tasks[1].startedAt = 1_760_000_000.25
            try files.save(tasks: tasks, reusing: &encoded)
            let reused = try Data(contentsOf: URL(fileURLWithPath: path))
            try files.save(tasks: tasks)
            let whole = try Data(contentsOf: URL(fileURLWithPath: path))
            // The same JSON, though JSONEncoder may order an object's keys differently each time.
            let parsed = try JSONSerialization.jsonObject(with: reused) as? NSArray
            let reference = try JSONSerialization.jsonObject(with: whole) as? NSArray
            #expect(parsed != nil)
            #expect(parsed == reference)
            #expect(try files.tasks() == tasks)
            // A task removed is gone from the file and from what is kept.
            tasks.remove(at: 0)
            try files.save(tasks: tasks, reusing: &encoded)
            #expect(try files.tasks() == tasks)
            #expect(encoded.entries.count == 2)
            try files.save(tasks: [], reusing: &encoded)
            #expect(try files.tasks() == [])
        }
    }

    @Test("a failed save of tasks.json is counted in wharf_agent_state_write_failures_total, and the file stays whole")
    func failedSaveCounted() async throws {
        try await withAgentDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let agent = Agent(configuration: AgentConfiguration(controllerURL: "http://unused", cluster: "lab", dataDirectory: directory),
                              runtime: FakeRuntime(), client: ScriptedController(), logger: Logger(label: "test"))
            await agent.persist()
            await agent.tasksSaved()
            let saved = FileManager.default.contents(atPath: directory + "/tasks.json")
            #expect(saved != nil)
            // A directory where the temporary file goes makes the next write fail, as a broken disk would.
            try FileManager.default.createDirectory(atPath: directory + "/tasks.json.tmp", withIntermediateDirectories: false)
            await agent.persist()
            await agent.tasksSaved()
            await agent.persist()
            await agent.tasksSaved()
            let failures = #"wharf_agent_state_write_failures_total{file="tasks"} 2"#
            #expect(await agent.metrics.exposition(agent: agent).contains(failures))
            #expect(FileManager.default.contents(atPath: directory + "/tasks.json") == saved)
        }
    }
}
