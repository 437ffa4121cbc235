import Foundation
import Logging
import Synchronization
import Testing
import WharfMonitoring

@testable import WharfStore

@Suite("Logs and metrics on PostgreSQL: fencing, a lost connection, placeholders")
struct PostgresTelemetryTests {
    let logger = Logger(label: "test")

    @Test(
        """
        a leader whose lease is gone cannot store a log line or a sample: the write is refused as fenced, \
        the leader is told, and nothing of it is stored
        """
    )
    func fencing() async throws {
        try await TestPostgres.withLocation { location in
            let lease = try await PostgresLease.open(location, logger: logger)
            let token = try #require(try await lease.acquire(holder: "a", address: "a", duration: .seconds(60)))
            let deposed = Mutex(0)
            let fence = PostgresStore.Fence(token: token) { deposed.withLock { $0 += 1 } }
            let logs = try await LogStore.open(
                postgres: location, region: "us-east-1", fence: fence, maxStoredBytes: 1 << 30, logger: logger
            )
            let metrics = try await MetricStore.open(postgres: location, region: "us-east-1", fence: fence, logger: logger)
            let key = MetricKey(namespace: "App", name: "Requests")
            try await logs.createGroup("g", now: 1)
            try await logs.createStream(group: "g", stream: "s", now: 1)
            try await logs.put(group: "g", stream: "s", events: [.init(timestamp: 10, message: "before")], now: 2)
            try await metrics.put([MetricPoint(key: key, sample: MetricSample(timestamp: 10, unit: "Count", value: 1))])

            try await lease.resign(token: token)
            await #expect {
                try await logs.put(group: "g", stream: "s", events: [.init(timestamp: 20, message: "after")], now: 3)
            } throws: { ($0 as? StoreError)?.code == .fenced }
            await #expect {
                try await metrics.put([MetricPoint(key: key, sample: MetricSample(timestamp: 20, unit: "Count", value: 2))])
            } throws: { ($0 as? StoreError)?.code == .fenced }
            #expect(deposed.withLock { $0 } == 2)
            await logs.close()
            await metrics.close()

            let reader = try await LogStore.open(postgres: location, region: "us-east-1", maxStoredBytes: 1 << 30, logger: logger)
            let stored = try await reader.events(group: "g", stream: "s", start: nil, end: nil, from: .head, limit: 10)
            #expect(stored.map(\.message) == ["before"])
            #expect(await reader.totalStoredBytes == LogStore.size("before"))
            await reader.close()
            let metricReader = try await MetricStore.open(postgres: location, region: "us-east-1", logger: logger)
            #expect(try await metricReader.samples(of: key, start: 0, end: 100).map(\.timestamp) == [10])
            await metricReader.close()
            await lease.close()
        }
    }

    @Test("a connection the server closed is made again at the next write, which is stored once")
    func lostConnection() async throws {
        try await TestPostgres.withLocation { location in
            let logs = try await LogStore.open(postgres: location, region: "us-east-1", maxStoredBytes: 1 << 30, logger: logger)
            try await logs.createGroup("g", now: 1)
            try await logs.createStream(group: "g", stream: "s", now: 1)
            for round in 0..<2 {
                let pid = try #require(
                    try await logs.connection.query("SELECT pg_backend_pid() AS pid").first?.column("pid")?.integer
                )
                try await TestPostgres.execute("SELECT pg_terminate_backend(\(pid))")
                try await logs.put(group: "g", stream: "s", events: [.init(timestamp: round, message: "line \(round)")], now: 2)
            }
            let stored = try await logs.events(group: "g", stream: "s", start: nil, end: nil, from: .head, limit: 10)
            #expect(stored.map(\.message) == ["line 0", "line 1"])
            await logs.close()
        }
    }

    @Test(
        """
        a connection lost in the middle of a transaction fails the rest of it instead of going on, on a new \
        connection, outside it; after the rollback the next statement reconnects, and nothing of it was stored
        """
    )
    func lostMidTransaction() async throws {
        try await TestPostgres.withLocation { location in
            let logs = try await LogStore.open(postgres: location, region: "us-east-1", maxStoredBytes: 1 << 30, logger: logger)
            let connection = await logs.connection
            let pid = try #require(try await connection.query("SELECT pg_backend_pid() AS pid").first?.column("pid")?.integer)
            try await connection.begin()
            _ = try await connection.query("INSERT INTO log_groups (name, created) VALUES (?, ?)", [.text("lost-1"), .integer(1)])
            try await TestPostgres.execute("SELECT pg_terminate_backend(\(pid))")
            await #expect(throws: (any Error).self) {
                _ = try await connection.query("INSERT INTO log_groups (name, created) VALUES (?, ?)", [.text("lost-2"), .integer(1)])
            }
            // Still in the transaction: refused, not run on a new connection.
            await #expect {
                _ = try await connection.query("INSERT INTO log_groups (name, created) VALUES (?, ?)", [.text("lost-3"), .integer(1)])
            } throws: { "\($0)".contains("lost in the middle of a transaction") }
            await connection.rollback()
            let left = try await connection.query("SELECT name FROM log_groups WHERE name LIKE 'lost%'")
            #expect(left.isEmpty, "\(left.compactMap { $0.column("name")?.string })")
            await logs.close()
        }
    }

    @Test(
        """
        a long log transaction does not hold up the leader's lease renewal: the fencing check comes just before \
        COMMIT, so the lease row is not locked while the transaction works
        """
    )
    func longTransactionLetsTheLeaseRenew() async throws {
        try await TestPostgres.withLocation { location in
            let lease = try await PostgresLease.open(location, logger: logger)
            let token = try #require(try await lease.acquire(holder: "a", address: "a", duration: .seconds(60)))
            let logs = try await LogStore.open(
                postgres: location, region: "us-east-1", fence: .init(token: token) {}, maxStoredBytes: 1 << 30, logger: logger
            )
            let connection = await logs.connection
            try await connection.begin()
            _ = try await connection.query("INSERT INTO log_groups (name, created) VALUES (?, ?)", [.text("long"), .integer(1)])
            let started = ContinuousClock.now
            #expect(try await lease.renew(token: token, duration: .seconds(60)))
            #expect(ContinuousClock.now - started < .seconds(2), "the renewal waited for the log transaction")
            try await connection.commit()
            #expect(try await logs.group("long") != nil)
            await logs.close()
            await lease.close()
        }
    }

    @Test("placeholders become PostgreSQL's: ?N keeps its number, each bare ? takes the next")
    func placeholders() {
        #expect(PostgresTelemetryConnection.numbered("a = ? AND b IN (?, ?)") == "a = $1 AND b IN ($2, $3)")
        #expect(PostgresTelemetryConnection.numbered("x = ?2 OR y = ?1 LIMIT ?3") == "x = $2 OR y = $1 LIMIT $3")
        #expect(PostgresTelemetryConnection.numbered("SELECT 1") == "SELECT 1")
    }
}
