import Foundation
import Logging
import SQLiteNIO
import Testing
@testable import WharfStore

@Suite("Log store, on SQLite and on PostgreSQL")
struct LogStoreTests {
    let logger = Logger(label: "test")

    func withStore<T>(_ kind: StoreKind, _ body: (LogStore) async throws -> T) async throws -> T {
        try await kind.withLogStore(logger: logger) { open in
            let store = try await open()
            do {
                let result = try await body(store)
                await store.close()
                return result
            } catch {
                await store.close()
                throw error
            }
        }
    }

    static func events(_ range: Range<Int>, at base: Int = 1_000) -> [LogStore.NewEvent] {
        range.map { LogStore.NewEvent(timestamp: base + $0, message: "line \($0)") }
    }

    @Test("the log and metric databases commit with synchronous=FULL: what the agent was told is stored survives a power cut")
    func durableCommits() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/logs.db"
            let store = try await LogStore.open(path: path, maxStoredBytes: 1 << 30, logger: logger)
            let level = try await store.connection.query("PRAGMA synchronous").first?.column("synchronous")?.integer
            await store.close()
            #expect(level == 2, "logs.db synchronous=\(level.map(String.init) ?? "none"), not FULL (2)")
            let metrics = try await MetricStore.open(path: path + ".metrics", logger: logger)
            let metricLevel = try await metrics.connection.query("PRAGMA synchronous").first?.column("synchronous")?.integer
            await metrics.close()
            #expect(metricLevel == 2, "metrics.db synchronous=\(metricLevel.map(String.init) ?? "none"), not FULL (2)")
        }
    }

    @Test("reads a stream from either end and pages through it by (timestamp, id) in both directions", arguments: StoreKind.allCases)
    func positions(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.createGroup("g", now: 1)
            try await store.createStream(group: "g", stream: "s", now: 1)
            try await store.put(group: "g", stream: "s", events: Self.events(0..<10), now: 2)
            let head = try await store.events(group: "g", stream: "s", start: nil, end: nil, from: .head, limit: 3)
            #expect(head.map(\.message) == ["line 0", "line 1", "line 2"])
            let tail = try await store.events(group: "g", stream: "s", start: nil, end: nil, from: .tail, limit: 3)
            #expect(tail.map(\.message) == ["line 7", "line 8", "line 9"])
            let last = try #require(head.last)
            let next = try await store.events(group: "g", stream: "s", start: nil, end: nil, from: .after(timestamp: last.timestamp, id: last.id), limit: 3)
            #expect(next.map(\.message) == ["line 3", "line 4", "line 5"])
            let first = try #require(tail.first)
            let earlier = try await store.events(group: "g", stream: "s", start: nil, end: nil, from: .before(timestamp: first.timestamp, id: first.id), limit: 2)
            #expect(earlier.map(\.message) == ["line 5", "line 6"])
            let window = try await store.events(group: "g", stream: "s", start: 1_004, end: 1_006, from: .head, limit: 100)
            #expect(window.map(\.message) == ["line 4", "line 5"])
            let streams = try await store.streams(group: "g")
            #expect(streams.map(\.firstEventTimestamp) == [1_000])
            #expect(streams.map(\.lastEventTimestamp) == [1_009])
            #expect(streams.map(\.storedBytes) == [10 * (6 + 26)])
        }
    }

    @Test("a delivery sent again is stored once; streams and asked-for groups are created, other groups refused", arguments: StoreKind.allCases)
    func deliveries(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let batch = [
                LogStore.Delivery(group: "/ecs/web", stream: "ecs/app/1", createGroup: true, events: Self.events(0..<3)),
                LogStore.Delivery(group: "/missing", stream: "x", createGroup: false, events: Self.events(3..<4)),
            ]
            let first = try await store.deliver(source: "node-1", firstSequence: 1, batch, now: 5)
            #expect(first.lastSequence == 4)
            #expect(first.missingGroups == ["/missing"])
            let again = try await store.deliver(source: "node-1", firstSequence: 1, batch, now: 6)
            #expect(again.lastSequence == 4)
            // Overlapping: sequence 4 (line 2 again) is old, 5 is new.
            let overlap = [LogStore.Delivery(group: "/ecs/web", stream: "ecs/app/1", createGroup: true,
                                                   events: [.init(timestamp: 1_002, message: "line 2"), .init(timestamp: 1_005, message: "line 5")])]
            #expect(try await store.deliver(source: "node-1", firstSequence: 4, overlap, now: 7).lastSequence == 5)
            // Another node's numbers are its own.
            #expect(try await store.deliver(source: "node-2", firstSequence: 1, overlap, now: 7).lastSequence == 2)
            let stored = try await store.events(group: "/ecs/web", stream: "ecs/app/1", start: nil, end: nil, from: .head, limit: 100)
            #expect(stored.map(\.message) == ["line 0", "line 1", "line 2", "line 2", "line 5", "line 5"])
            #expect(try await store.groups().map(\.name) == ["/ecs/web"])
            // A refused delivery stores nothing but uses up its numbers.
            let refused = try await store.deliver(source: "node-3", firstSequence: 1, [
                LogStore.Delivery(group: "bad name", stream: "s", createGroup: true, events: Self.events(0..<2), refused: true),
            ], now: 8)
            #expect(refused.lastSequence == 2 && refused.storedEvents == 0)
            #expect(try await store.groups().map(\.name) == ["/ecs/web"])
        }
    }

    @Test(
        "past its bound the store deletes the oldest events and keeps the newest; the totals survive a reopen",
        arguments: StoreKind.allCases
    )
    func bound(kind: StoreKind) async throws {
        let limit = 50_000
        try await kind.withLogStore(maxStoredBytes: limit, logger: logger) { open in
            let store = try await open()
            try await store.createGroup("g", now: 1)
            try await store.createStream(group: "g", stream: "s", now: 1)
            let line = String(repeating: "x", count: 974)  // 1,000 bytes with the 26 of overhead
            for batch in 0..<20 {
                try await store.put(group: "g", stream: "s", events: (0..<10).map { .init(timestamp: batch * 10 + $0, message: "\(batch * 10 + $0) " + line) }, now: 2)
            }
            let total = await store.totalStoredBytes
            #expect(total <= limit)
            #expect(total > 0)
            let kept = try await store.events(group: "g", stream: "s", start: nil, end: nil, from: .head, limit: 1_000)
            #expect(kept.last?.timestamp == 199)
            #expect((kept.first?.timestamp ?? 0) > 0)
            #expect(try await store.streams(group: "g").first?.storedBytes == total)
            #expect(try await store.streams(group: "g").first?.firstEventTimestamp == kept.first?.timestamp)
            await store.close()
            let reopened = try await open()
            #expect(await reopened.totalStoredBytes == total)
            await reopened.close()
        }
    }

    @Test("retention deletes what is older than the group keeps, and only in that group", arguments: StoreKind.allCases)
    func retention(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let day = 86_400_000
            let now = 100 * day
            for group in ["short", "forever"] {
                try await store.createGroup(group, now: 1)
                try await store.createStream(group: group, stream: "s", now: 1)
                try await store.put(group: group, stream: "s", events: [.init(timestamp: now - 3 * day, message: "old"), .init(timestamp: now - 1_000, message: "new")], now: now)
            }
            try await store.setRetention("short", days: 1, now: now)
            #expect(try await store.events(group: "short", stream: "s", start: nil, end: nil, from: .head, limit: 10).map(\.message) == ["new"])
            #expect(try await store.events(group: "forever", stream: "s", start: nil, end: nil, from: .head, limit: 10).map(\.message) == ["old", "new"])
            #expect(try await store.group("short")?.retentionInDays == 1)
            #expect(try await store.group("short")?.storedBytes == 3 + 26)
        }
    }

    @Test("deleting a group or stream removes its events; names that do not exist are notFound, duplicates alreadyExists", arguments: StoreKind.allCases)
    func deletion(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.createGroup("g", now: 1)
            await #expect { try await store.createGroup("g", now: 1) } throws: { ($0 as? StoreError)?.code == .alreadyExists }
            await #expect { try await store.createStream(group: "nope", stream: "s", now: 1) } throws: { ($0 as? StoreError)?.code == .notFound }
            try await store.createStream(group: "g", stream: "s", now: 1)
            await #expect { try await store.createStream(group: "g", stream: "s", now: 1) } throws: { ($0 as? StoreError)?.code == .alreadyExists }
            try await store.put(group: "g", stream: "s", events: Self.events(0..<5), now: 2)
            await #expect { try await store.put(group: "g", stream: "t", events: Self.events(0..<1), now: 2) } throws: { ($0 as? StoreError)?.code == .notFound }
            try await store.deleteStream(group: "g", stream: "s")
            #expect(await store.totalStoredBytes == 0)
            try await store.createStream(group: "g", stream: "s", now: 3)
            try await store.put(group: "g", stream: "s", events: Self.events(0..<5), now: 3)
            try await store.deleteGroup("g")
            #expect(await store.totalStoredBytes == 0)
            await #expect { try await store.deleteGroup("g") } throws: { ($0 as? StoreError)?.code == .notFound }
            // A group made again under the same name is a new one, empty, and takes events.
            try await store.createGroup("g", now: 4)
            try await store.createStream(group: "g", stream: "s", now: 4)
            try await store.put(group: "g", stream: "s", events: Self.events(7..<8), now: 4)
            let fresh = try await store.events(group: "g", stream: "s", start: nil, end: nil, from: .head, limit: 10)
            #expect(fresh.map(\.message) == ["line 7"])
        }
    }

    @Test(
        """
        writes that arrive together share a transaction (group commit): every one is stored once, in order per \
        stream, a write to a missing stream is refused alone, and the totals agree
        """,
        arguments: StoreKind.allCases
    )
    func concurrentWrites(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.createGroup("g", now: 1)
            for stream in 0..<4 { try await store.createStream(group: "g", stream: "s\(stream)", now: 1) }
            let refused = try await withThrowingTaskGroup(of: Bool.self) { group in
                for writer in 0..<40 {
                    group.addTask {
                        let stream = writer % 5 == 4 ? "missing" : "s\(writer % 5)"
                        do {
                            try await store.put(
                                group: "g",
                                stream: stream,
                                events: [.init(timestamp: 1_000 + writer, message: "w\(writer)")],
                                now: 2
                            )
                            return false
                        } catch let error as StoreError where error.code == .notFound {
                            return true
                        }
                    }
                }
                for writer in 0..<20 {
                    group.addTask {
                        let delivery = LogStore.Delivery(
                            group: "g", stream: "agent", createGroup: false,
                            events: [.init(timestamp: 2_000 + writer, message: "d\(writer)")]
                        )
                        _ = try await store.deliver(source: "node-\(writer)", firstSequence: 1, [delivery], now: 3)
                        return false
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(refused == 8)
            let batches = await store.groupCommit.batchesCommitted
            #expect(batches < 60, "60 writes went in \(batches) transactions")
            var total = 0
            for stream in ["s0", "s1", "s2", "s3", "agent"] {
                let stored = try await store.events(group: "g", stream: stream, start: nil, end: nil, from: .head, limit: 100)
                let expected = stream == "agent"
                    ? (0..<20).map { "d\($0)" }
                    : (0..<40).filter { "s\($0 % 5)" == stream }.map { "w\($0)" }
                #expect(stored.map(\.message) == expected, "\(stream)")
                total += stored.reduce(0) { $0 + LogStore.size($1.message) }
            }
            #expect(await store.totalStoredBytes == total)
            #expect(try await store.group("g")?.storedBytes == total)
        }
    }

    @Test(
        "a line with U+0000 is stored whole, with U+FFFD for it (PostgreSQL cannot hold it, SQLite's comes back cut), totals agreeing",
        arguments: StoreKind.allCases
    )
    func nulCharacter(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let batch = [LogStore.Delivery(group: "g", stream: "s", createGroup: true, events: [.init(timestamp: 1, message: "a\u{0}b")])]
            let delivered = try await store.deliver(source: "node", firstSequence: 1, batch, now: 2)
            #expect(delivered.storedEvents == 1)
            let stored = try await store.events(group: "g", stream: "s", start: nil, end: nil, from: .head, limit: 10)
            #expect(stored.map(\.message) == ["a\u{FFFD}b"])
            let expected = LogStore.size(stored.first?.message ?? "")
            #expect(await store.totalStoredBytes == expected)
            #expect(try await store.streams(group: "g").first?.storedBytes == expected)
            try await store.deleteStream(group: "g", stream: "s")
            #expect(await store.totalStoredBytes == 0)
        }
    }

    @Test("filters a group's events by terms across streams, in time order, from a position", arguments: StoreKind.allCases)
    func filtering(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.createGroup("g", now: 1)
            for stream in ["a", "b"] { try await store.createStream(group: "g", stream: stream, now: 1) }
            try await store.put(group: "g", stream: "a", events: [.init(timestamp: 1, message: "ERROR disk full"), .init(timestamp: 3, message: "INFO ok")], now: 2)
            try await store.put(group: "g", stream: "b", events: [.init(timestamp: 2, message: "ERROR net down"), .init(timestamp: 4, message: "WARN slow")], now: 2)
            func messages(_ required: [String] = [], anyOf: [String] = [], excluded: [String] = [], streams: [String]? = nil) async throws -> [String] {
                try await store.filter(group: "g", streams: streams, streamPrefix: nil, start: nil, end: nil, required: required, anyOf: anyOf,
                                       excluded: excluded, after: nil, limit: 100).map(\.message)
            }
            #expect(try await messages() == ["ERROR disk full", "ERROR net down", "INFO ok", "WARN slow"])
            #expect(try await messages(["ERROR"]) == ["ERROR disk full", "ERROR net down"])
            #expect(try await messages(["ERROR", "net"]) == ["ERROR net down"])
            #expect(try await messages(["error"]) == [])
            #expect(try await messages(anyOf: ["WARN", "disk"]) == ["ERROR disk full", "WARN slow"])
            #expect(try await messages(excluded: ["ERROR"]) == ["INFO ok", "WARN slow"])
            #expect(try await messages(streams: ["b"]) == ["ERROR net down", "WARN slow"])
            let page = try await store.filter(group: "g", streams: nil, streamPrefix: "a", start: nil, end: nil, required: [], anyOf: [], excluded: [],
                                              after: (1, 1), limit: 100)
            #expect(page.map(\.message) == ["INFO ok"])
            #expect(page.map(\.streamName) == ["a"])
        }
    }
}

/// A SQLite connection on which any statement that binds the text "poison" fails, as a database
/// error would.
struct PoisonedConnection: TelemetryConnection {
    let wrapped: SQLiteTelemetryConnection
    var dialect: SQLDialect { wrapped.dialect }
    var place: String { wrapped.place }

    struct Refused: Error {}

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        if binds.contains(.text("poison")) { throw Refused() }
        return try await wrapped.query(sql, binds)
    }

    func begin() async throws { try await wrapped.begin() }
    func commit() async throws { try await wrapped.commit() }
    func rollback() async { await wrapped.rollback() }
    func close() async { await wrapped.close() }
    var lastFailureWasRefusal: Bool { true }
}

/// A SQLite connection whose commits fail, as a lost connection's would.
struct FailingCommitConnection: TelemetryConnection {
    let wrapped: SQLiteTelemetryConnection
    var dialect: SQLDialect { wrapped.dialect }
    var place: String { wrapped.place }

    struct Lost: Error {}

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] { try await wrapped.query(sql, binds) }
    func begin() async throws { try await wrapped.begin() }
    func commit() async throws { throw Lost() }
    func rollback() async { await wrapped.rollback() }
    func close() async { await wrapped.close() }
    var lastFailureWasRefusal: Bool { false }
}

@Suite("Log store: group commit when a write fails at the database")
struct LogStoreGroupCommitTests {
    @Test("a write that fails at the database fails alone: the others of its batch are written again and stored")
    func oneFails() async throws {
        try await withTemporaryDirectory { directory in
            let connection = try await SQLiteTelemetryConnection.open(
                path: directory + "/logs.db", what: "log", steps: LogStore.steps, logger: Logger(label: "test")
            )
            let store = try await LogStore.open(PoisonedConnection(wrapped: connection), maxStoredBytes: 1 << 30)
            try await store.createGroup("g", now: 1)
            try await store.createStream(group: "g", stream: "s", now: 1)
            // The connection is busy while the 30 writes arrive, so they make one batch.
            await store.acquire()
            let outcomes = try await withThrowingTaskGroup(of: (String, Bool).self) { group in
                for writer in 0..<30 {
                    let message = writer == 7 ? "poison" : "w\(writer)"
                    group.addTask {
                        do {
                            try await store.put(group: "g", stream: "s", events: [.init(timestamp: writer, message: message)], now: 2)
                            return (message, true)
                        } catch let error as StoreError {
                            #expect(error.code == .write, "\(error)")
                            return (message, false)
                        }
                    }
                }
                while await store.groupCommit.pending.count < 30 { try await Task.sleep(for: .milliseconds(5)) }
                await store.release()
                return try await group.reduce(into: [String: Bool]()) { $0[$1.0] = $1.1 }
            }
            #expect(outcomes.filter { !$0.value }.map(\.key) == ["poison"])
            let stored = try await store.events(group: "g", stream: "s", start: nil, end: nil, from: .head, limit: 100)
            #expect(stored.map(\.message) == (0..<30).filter { $0 != 7 }.map { "w\($0)" })
            let total = stored.reduce(0) { $0 + LogStore.size($1.message) }
            #expect(await store.totalStoredBytes == total)
            #expect(try await store.group("g")?.storedBytes == total)
            let row = try await store.streams(group: "g").first
            #expect(row?.storedBytes == total && row?.lastEventID == stored.map(\.id).max())
            #expect(row?.firstEventTimestamp == 0 && row?.lastEventTimestamp == 29)
            #expect(await store.groupCommit.writesRetriedAlone == 30, "the batch of 30 did not fail and go again alone")
            #expect(await store.groupCommit.batchesCommitted == 29)
            await store.close()
        }
    }

    @Test("a batch whose COMMIT fails fails every write of it, none written again alone, and nothing is kept")
    func commitFails() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/logs.db"
            let logger = Logger(label: "test")
            let setup = try await LogStore.open(path: path, maxStoredBytes: 1 << 30, logger: logger)
            try await setup.createGroup("g", now: 1)
            try await setup.createStream(group: "g", stream: "s", now: 1)
            await setup.close()
            let connection = try await SQLiteTelemetryConnection.open(path: path, what: "log", steps: LogStore.steps, logger: logger)
            let store = try await LogStore.open(FailingCommitConnection(wrapped: connection), maxStoredBytes: 1 << 30)
            await store.acquire()
            let failed = try await withThrowingTaskGroup(of: Bool.self) { group in
                for writer in 0..<10 {
                    group.addTask {
                        do {
                            try await store.put(group: "g", stream: "s", events: [.init(timestamp: writer, message: "w")], now: 2)
                            return false
                        } catch is StoreError {
                            return true
                        }
                    }
                }
                while await store.groupCommit.pending.count < 10 { try await Task.sleep(for: .milliseconds(5)) }
                await store.release()
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(failed == 10)
            #expect(await store.groupCommit.writesRetriedAlone == 0)
            #expect(await store.totalStoredBytes == 0)
            await store.close()
            let reopened = try await LogStore.open(path: path, maxStoredBytes: 1 << 30, logger: logger)
            #expect(try await reopened.events(group: "g", stream: "s", start: nil, end: nil, from: .head, limit: 10).isEmpty)
            await reopened.close()
        }
    }
}
