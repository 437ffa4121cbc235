import Foundation
import Synchronization
import Testing
@testable import WharfAgent

@Suite("The agent's task file, written away from the actor")
struct TaskFileWriterTests {
    @Test("saves in a burst end with the latest tasks on disk once written() returns; an idle writer returns at once")
    func latestWins() async throws {
        try await withAgentDirectory { directory in
            let files = AgentStateFiles(directory: directory)
            try files.prepare()
            let failures = Mutex(0)
            let writer = TaskFileWriter(files: files) { _ in failures.withLock { $0 += 1 } }
            await writer.written()
            var tasks: [ManagedTask] = []
            for index in 0..<50 {
                tasks.append(AgentStateFilesTests.task("t\(index)"))
                writer.save(tasks)
            }
            await writer.written()
            #expect(try files.tasks().map(\.arn) == tasks.map(\.arn))
            // The JSON kept for unchanged tasks is the writer's: a change to one task is written.
            tasks[7].containers[0].runtimeId = "c0ffee"
            writer.save(tasks)
            await writer.written()
            #expect(try files.tasks()[7].containers[0].runtimeId == "c0ffee")
            #expect(failures.withLock { $0 } == 0)
        }
    }

    @Test("a save that fails is reported, the file stays whole, and the next save after the fault writes")
    func failureReported() async throws {
        try await withAgentDirectory { directory in
            let files = AgentStateFiles(directory: directory)
            try files.prepare()
            let failures = Mutex<[String]>([])
            let writer = TaskFileWriter(files: files) { error in failures.withLock { $0.append(error.message) } }
            writer.save([AgentStateFilesTests.task("a")])
            await writer.written()
            // A directory where the temporary file goes makes the write fail, as a broken disk does.
            let blocker = directory + "/tasks.json.tmp"
            try FileManager.default.createDirectory(atPath: blocker, withIntermediateDirectories: false)
            writer.save([AgentStateFilesTests.task("a"), AgentStateFilesTests.task("b")])
            await writer.written()
            #expect(failures.withLock { $0.count } == 1)
            #expect(try files.tasks().map(\.arn) == [AgentStateFilesTests.task("a").arn])
            try FileManager.default.removeItem(atPath: blocker)
            writer.save([AgentStateFilesTests.task("b")])
            await writer.written()
            #expect(try files.tasks().map(\.arn) == [AgentStateFilesTests.task("b").arn])
            #expect(failures.withLock { $0.count } == 1)
        }
    }
}
