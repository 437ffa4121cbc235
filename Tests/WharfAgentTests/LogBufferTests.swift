import Foundation
import Testing
import WharfModel
import WharfProtocol
@testable import WharfAgent

@Suite("Agent log buffer and the engine's log stream")
struct LogBufferTests {
    static func lines(_ range: Range<Int>, size: Int = 10) -> [ContainerLogLine] {
        range.map { ContainerLogLine(timestampNanos: Int64($0) * 1_000_000, stream: "stdout", message: "line \($0) " + String(repeating: "x", count: size)) }
    }

    static func messages(_ batch: LogBuffer.Batch?) -> [String] {
        batch?.streams.flatMap { $0.events.map(\.message) } ?? []
    }

    @Test("records come out in order, grouped by stream, numbered; acknowledged ones do not come back, also after a reopen")
    func orderAndAcknowledgement() async throws {
        try await withAgentDirectory { directory in
            let buffer = try LogBuffer(directory: directory, maxBytes: 1 << 20)
            await buffer.append(group: "g", stream: "a", createGroup: true, lines: Self.lines(0..<3), container: "c1")
            await buffer.append(group: "g", stream: "b", createGroup: false, lines: Self.lines(3..<5), container: "c2")
            let batch = try #require(await buffer.nextBatch(maxEvents: 4))
            #expect(batch.firstSequence == 1)
            #expect(batch.lastSequence == 4)
            #expect(batch.streams.map(\.logStream) == ["a", "b"])
            #expect(batch.streams.map(\.createGroup) == [true, false])
            #expect(batch.streams.first?.events.first == LogEventRecord(timestamp: 0, message: "line 0 xxxxxxxxxx"))
            await buffer.acknowledge(batch)
            #expect(Self.messages(await buffer.nextBatch()).count == 1)
            #expect(await buffer.cursor(for: "c2") == 4_000_000)

            let reopened = try LogBuffer(directory: directory, maxBytes: 1 << 20)
            let rest = try #require(await reopened.nextBatch())
            #expect(rest.firstSequence == 5)
            #expect(Self.messages(rest) == ["line 4 xxxxxxxxxx"])
            #expect(await reopened.cursor(for: "c1") == 2_000_000)
            await reopened.acknowledge(rest)
            #expect(await reopened.nextBatch()?.firstSequence == nil)
            // Numbering goes on where it stopped, so the controller's de-duplication holds.
            await reopened.append(group: "g", stream: "a", createGroup: true, lines: Self.lines(5..<6), container: "c1")
            #expect(await reopened.nextBatch()?.firstSequence == 6)
        }
    }

    @Test("a failed write of the buffer's bookkeeping is counted with its reason, and the next one that succeeds holds")
    func failedBookkeepingCounted() async throws {
        try await withAgentDirectory { directory in
            let buffer = try LogBuffer(directory: directory, maxBytes: 1 << 20)
            await buffer.append(group: "g", stream: "a", createGroup: true, lines: Self.lines(0..<4), container: "c1")
            // A directory where the temporary file goes makes the write fail, as a broken disk would.
            try FileManager.default.createDirectory(atPath: directory + "/acknowledged.tmp", withIntermediateDirectories: false)
            let first = try #require(await buffer.nextBatch(maxEvents: 2))
            await buffer.acknowledge(first)
            let counters = await buffer.snapshot
            #expect(counters.stateWriteFailures == 1)
            #expect(counters.lastStateWriteError?.contains("acknowledged.tmp") == true, "\(counters)")
            try FileManager.default.removeItem(atPath: directory + "/acknowledged.tmp")
            let second = try #require(await buffer.nextBatch(maxEvents: 2))
            await buffer.acknowledge(second)
            #expect(await buffer.snapshot.stateWriteFailures == 1)
            #expect(LogBuffer.readNumber(directory + "/acknowledged") == 4)
        }
    }

    @Test("past its bound the buffer drops the oldest records and counts them; what it keeps is the newest, in order")
    func bound() async throws {
        try await withAgentDirectory { directory in
            let buffer = try LogBuffer(directory: directory, maxBytes: 64 * 1024)
            for start in stride(from: 0, to: 2_000, by: 100) {
                await buffer.append(group: "g", stream: "s", createGroup: true, lines: Self.lines(start..<(start + 100), size: 100), container: "c")
            }
            #expect(await buffer.storedBytes <= 64 * 1024)
            let counters = await buffer.snapshot
            #expect(counters.droppedEvents > 0)
            #expect(counters.droppedBytes > 0)
            var kept: [Int] = []
            while let batch = await buffer.nextBatch(maxEvents: 100) {
                kept += batch.streams.flatMap { $0.events.map(\.timestamp) }
                await buffer.acknowledge(batch)
            }
            #expect(kept.last == 1_999)
            #expect(kept == Array(kept.first!...1_999), "a contiguous tail")
            #expect(counters.droppedEvents + kept.count == 2_000)
        }
    }

    @Test("a line torn by a crash is cut off, and appending goes on after the last whole record")
    func tornLine() async throws {
        try await withAgentDirectory { directory in
            do {
                let buffer = try LogBuffer(directory: directory, maxBytes: 1 << 20)
                await buffer.append(group: "g", stream: "s", createGroup: true, lines: Self.lines(0..<2), container: "c")
            }
            let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: directory).first { $0.hasSuffix(".seg") })
            let handle = try #require(FileHandle(forWritingAtPath: directory + "/" + segment))
            handle.seekToEndOfFile()
            handle.write(Data(#"{"s":3,"g":"g","t":"s","c":tr"#.utf8))
            try handle.close()
            let buffer = try LogBuffer(directory: directory, maxBytes: 1 << 20)
            await buffer.append(group: "g", stream: "s", createGroup: true, lines: Self.lines(2..<3), container: "c")
            let batch = try #require(await buffer.nextBatch())
            #expect(Self.messages(batch) == ["line 0 xxxxxxxxxx", "line 1 xxxxxxxxxx", "line 2 xxxxxxxxxx"])
            #expect(batch.lastSequence == 3)
        }
    }

    @Test("a batch that read a full segment to its end is acknowledged after the next segment began: the next segment ships")
    func rolloverDuringDelivery() async throws {
        try await withAgentDirectory { directory in
            let buffer = try LogBuffer(directory: directory, maxBytes: 1 << 20)  // segments of 128 KiB
            // One append past a segment's size: the first segment is full.
            await buffer.append(group: "g", stream: "s", createGroup: true, lines: Self.lines(0..<1_000, size: 100), container: "c")
            let inFlight = try #require(await buffer.nextBatch())
            #expect(inFlight.lastSequence == 1_000)
            // While it is on its way, more lines open a second segment.
            await buffer.append(group: "g", stream: "s", createGroup: true, lines: Self.lines(1_000..<1_300, size: 100), container: "c")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".seg") }.count == 2)
            await buffer.acknowledge(inFlight)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".seg") }.count == 1)
            var shipped: [Int] = []
            while let batch = await buffer.nextBatch(maxEvents: 100) {
                shipped += batch.streams.flatMap { $0.events.map(\.timestamp) }
                await buffer.acknowledge(batch)
            }
            #expect(shipped == Array(1_000..<1_300))
        }
    }

    @Test("after a reopen, a segment with thousands of acknowledged records before the first unshipped one still ships")
    func reopenPastManyAcknowledged() async throws {
        try await withAgentDirectory { directory in
            do {
                let buffer = try LogBuffer(directory: directory, maxBytes: 64 << 20)
                await buffer.append(group: "g", stream: "s", createGroup: true, lines: Self.lines(0..<3_000, size: 1), container: "c")
                while let batch = await buffer.nextBatch(maxEvents: 500), batch.lastSequence <= 2_500 {
                    await buffer.acknowledge(batch)
                }
            }
            let reopened = try LogBuffer(directory: directory, maxBytes: 64 << 20)
            let batch = try #require(await reopened.nextBatch())
            #expect(batch.firstSequence == 2_501)
            #expect(batch.lastSequence == 3_000)
        }
    }

    @Test("a line longer than 256 KiB is cut into events of at most 256 KiB")
    func longLine() {
        let text = String(repeating: "y", count: 600 * 1024)
        let payload = Array("2026-12-01T10:00:00.000000001Z \(text)\n".utf8)
        let size = UInt32(payload.count)
        var demuxer = DockerLogDemuxer()
        let lines = demuxer.append([1, 0, 0, 0, UInt8(size >> 24), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF)] + payload)
        #expect(lines.map(\.message.utf8.count) == [256 * 1024, 256 * 1024, 88 * 1024])
    }

    @Test("the engine's multiplexed frames become lines with nanosecond timestamps, across chunks and long lines")
    func demuxer() {
        func frame(_ type: UInt8, _ text: String) -> [UInt8] {
            let payload = Array(text.utf8)
            let size = UInt32(payload.count)
            return [type, 0, 0, 0, UInt8(size >> 24), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF)] + payload
        }
        let bytes = frame(1, "2026-12-01T10:00:00.123456789Z hello\n") + frame(2, "2026-12-01T10:00:01.5Z oops\r\n")
            + frame(1, "2026-12-01T10:00:02.000000001Z long ") + frame(1, "2026-12-01T10:00:02.000000002Z line\n")
        var demuxer = DockerLogDemuxer()
        let first = demuxer.append(bytes[0..<20])
        let rest = demuxer.append(bytes[20...])
        #expect(first.isEmpty)
        #expect(rest.map(\.message) == ["hello", "oops", "long line"])
        #expect(rest.map(\.stream) == ["stdout", "stderr", "stdout"])
        #expect(rest.first?.timestampNanos == 1_796_119_200_123_456_789)
        #expect(rest[1].timestampNanos == 1_796_119_201_500_000_000)
        #expect(rest[2].timestampNanos == 1_796_119_202_000_000_001)
    }
}

@Suite("Which containers' output the agent ships")
struct LogSourceTests {
    @Test("awslogs containers once started, named prefix/container/task-id; not while only created, not other drivers")
    func sources() {
        let definition = ECS.TaskDefinition(containerDefinitions: [
            ECS.ContainerDefinition(name: "app", image: "busybox", logConfiguration: ECS.LogConfiguration(
                logDriver: "awslogs", options: ["awslogs-group": "/ecs/web", "awslogs-stream-prefix": "ecs", "awslogs-create-group": "true"])),
            ECS.ContainerDefinition(name: "side", image: "busybox", logConfiguration: ECS.LogConfiguration(
                logDriver: "awslogs", options: ["awslogs-group": "/ecs/web"])),
            ECS.ContainerDefinition(name: "plain", image: "busybox", logConfiguration: ECS.LogConfiguration(logDriver: "json-file")),
        ], family: "web", revision: 1)
        var task = ManagedTask(arn: "arn:aws:ecs:us-east-1:000000000000:task/lab/0123abcd", clusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/lab",
                               definition: definition, overrides: nil, desiredStatus: "RUNNING")
        task.containers[0].runtimeId = "c-app"
        task.containers[1].runtimeId = "c-side"
        task.containers[2].runtimeId = "c-plain"
        #expect(task.logSources.isEmpty, "created, not started")
        for index in 0..<3 { task.containers[index].phase = .running }
        #expect(task.logSources == [
            LogSource(containerID: "c-app", group: "/ecs/web", stream: "ecs/app/0123abcd", createGroup: true, running: true),
            LogSource(containerID: "c-side", group: "/ecs/web", stream: "c-side", createGroup: false, running: true),
        ])
        task.containers[0].phase = .stopped
        #expect(task.logSources.first?.running == false, "a stopped one is still read to its end")
    }
}
