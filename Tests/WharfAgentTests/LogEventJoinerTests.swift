import Testing
@testable import WharfAgent
import WharfModel

@Suite("awslogs events from several lines")
struct LogEventJoinerTests {
    static func line(_ nanos: Int64, _ message: String) -> ContainerLogLine {
        ContainerLogLine(timestampNanos: nanos, stream: "stdout", message: message)
    }

    @Test("a matching line starts an event; the lines after it join it; the cursor stays before what is held")
    func joins() throws {
        var joiner = try #require(LogEventJoiner(pattern: "^ERROR"))
        let first = joiner.add([Self.line(1, "ERROR a"), Self.line(2, "  at x"), Self.line(3, "ERROR b")], now: 0)
        #expect(first.events.map(\.message) == ["ERROR a\n  at x"])
        #expect(first.events.first?.timestampNanos == 1)
        #expect(first.cursor == 2, "line 3 is held, so reading resumes after line 2")
        let early = joiner.flush(now: 4)
        #expect(early == nil, "not yet 5 s without a line")
        let due = joiner.flush(now: 5)
        let flushed = try #require(due)
        #expect(flushed.event.message == "ERROR b" && flushed.cursor == 3)
        let empty = joiner.flush(now: 100, force: true)
        #expect(empty == nil)
    }

    @Test("an event stops growing at the largest event size")
    func bounded() throws {
        var joiner = try #require(LogEventJoiner(pattern: "^START"))
        let long = String(repeating: "x", count: DockerLogDemuxer.maxLineBytes - 10)
        let result = joiner.add([Self.line(1, "START"), Self.line(2, long), Self.line(3, "more")], now: 0)
        #expect(result.events.count == 1)
        #expect(result.events.first?.message == "START\n" + long)
        let rest = joiner.flush(now: 0, force: true)
        #expect(rest?.event.message == "more")
    }

    @Test("a strftime format becomes a pattern anchored at the start of the line, as Docker converts it")
    func datetime() throws {
        let pattern = try #require(try AwslogsEvents.startPattern(["awslogs-datetime-format": "[%b %d, %Y %H:%M:%S]"]))
        let regex = try Regex(pattern)
        #expect(try regex.firstMatch(in: "[Dec 05, 2026 10:00:00] started") != nil)
        #expect(try regex.firstMatch(in: "  [Dec 05, 2026 10:00:00]") == nil)
        #expect(try regex.firstMatch(in: "[Dec 35, 2026 10:00:00]") == nil)
        #expect(try AwslogsEvents.startPattern([:]) == nil)
    }

    @Test("both options at once, and a pattern that does not compile, are refused")
    func refused() {
        #expect(throws: ECSError.self) {
            try AwslogsEvents.startPattern(["awslogs-datetime-format": "%Y", "awslogs-multiline-pattern": "^x"])
        }
        #expect(throws: ECSError.self) { try AwslogsEvents.startPattern(["awslogs-multiline-pattern": "(unclosed"]) }
    }
}
