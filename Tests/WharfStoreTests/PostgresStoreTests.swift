import Foundation
import Logging
import Synchronization
import Testing
import WharfModel
import WharfState
import WharfStore

@Suite("PostgreSQL store: locations, regions, the leadership lease and fencing")
struct PostgresStoreTests {
    let logger = Logger(label: "test")

    func cluster(_ name: String) -> StateChange {
        .putCluster(ClusterRecord(name: name))
    }

    @Test("store URLs: host, port, user, password, database, sslmode, schema and a Unix socket; mistakes named")
    func locations() throws {
        let full = try PostgresLocation(url: "postgres://app:s3cret@db.lan:6432/wharf?sslmode=require&schema=lab")
        #expect(full.host == "db.lan" && full.port == 6432 && full.user == "app" && full.password == "s3cret")
        #expect(full.database == "wharf" && full.tls == .require && full.schemaPrefix == "lab")
        #expect(full.schema(region: "eu-west-1") == "lab_eu_west_1")
        #expect(!full.description.contains("s3cret"))
        let plain = try PostgresLocation(url: "postgresql://wharf@127.0.0.1/wharf")
        #expect(plain.port == 5432 && plain.tls == .prefer && plain.schemaPrefix == "wharf" && plain.password == nil)
        let socket = try PostgresLocation(url: "postgres://wharf@/wharf?host=/var/run/postgresql")
        #expect(socket.socketPath == "/var/run/postgresql/.s.PGSQL.5432" && socket.host == nil)
        let ipv6 = try PostgresLocation(url: "postgres://wharf@[::1]:5433/wharf")
        #expect(ipv6.host == "::1" && ipv6.port == 5433)
        for (url, message) in [
            ("mysql://a@b/c", "must start with postgres://"),
            ("postgres://db/wharf", "names no user"),
            ("postgres://a@db/", "names no database"),
            ("postgres://a@db/wharf?sslmode=verify-full", "sslmode must be disable, prefer or require"),
            ("postgres://a@db/wharf?schema=Bad-Name", "schema must be lower-case letters"),
            ("postgres://a@db/wharf?timeout=3", "parameter timeout is not one Wharf knows"),
            ("postgres://a@/wharf?host=relative", "must be a Unix socket's directory"),
        ] {
            #expect(throws: StoreError.self, "\(url)") { try PostgresLocation(url: url) }
            do {
                _ = try PostgresLocation(url: url)
            } catch {
                #expect(error.code == .open && error.message.contains(message), "\(url): \(error)")
            }
        }
    }

    @Test("each region has a schema of its own, listed among the regions; two controllers opening at once migrate once")
    func regions() async throws {
        try await TestPostgres.withLocation { location in
            async let first = PostgresStore.open(location, region: "us-east-1", logger: logger)
            async let second = PostgresStore.open(location, region: "us-east-1", logger: logger)
            let (east, again) = try await (first, second)
            let west = try await PostgresStore.open(location, region: "eu-west-1", logger: logger)
            try await east.apply([cluster("east")])
            try await west.apply([cluster("west")])
            #expect(try await again.load().clusters.map(\.name) == ["east"])
            #expect(try await west.load().clusters.map(\.name) == ["west"])
            #expect(try await PostgresStore.regions(location, logger: logger) == ["eu-west-1", "us-east-1"])
            #expect(west.schema == location.schemaPrefix + "_eu_west_1")
            for store in [east, again, west] { await store.close() }
        }
    }

    @Test("a schema from a newer Wharf is refused with a clear message")
    func newerSchema() async throws {
        try await TestPostgres.withLocation { location in
            let store = try await PostgresStore.open(location, region: "us-east-1", logger: logger)
            await store.close()
            try await TestPostgres.execute(
                "UPDATE \(location.schemaPrefix).schema_versions SET version = 99 WHERE schema_name = '\(store.schema)'"
            )
            await #expect {
                _ = try await PostgresStore.open(location, region: "us-east-1", logger: logger)
            } throws: { error in
                "\(error)".contains("has version 99, newer than this Wharf understands")
            }
        }
    }

    @Test(
        """
        the lease: one holder at a time, renewed while held, taken over only after it expires or its holder resigns, \
        with a higher token each term
        """
    )
    func lease() async throws {
        try await TestPostgres.withLocation { location in
            let one = try await PostgresLease.open(location, logger: logger)
            let two = try await PostgresLease.open(location, logger: logger)
            #expect(try await one.current() == nil)
            let first = try #require(try await one.acquire(holder: "one", address: "http://one", duration: .seconds(30)))
            #expect(try await two.acquire(holder: "two", address: "http://two", duration: .seconds(30)) == nil)
            #expect(try await one.renew(token: first, duration: .seconds(30)))
            let holder = try #require(try await two.current())
            #expect(holder == .init(holder: "one", address: "http://one", token: first, live: true))
            try await one.resign(token: first)
            let second = try #require(
                try await two.acquire(holder: "two", address: "http://two", duration: .milliseconds(300))
            )
            #expect(second == first + 1)
            #expect(try await one.renew(token: first, duration: .seconds(30)) == false, "a past term cannot renew")
            try await Task.sleep(for: .milliseconds(600))
            #expect(try await two.current()?.live == false)
            #expect(try await two.renew(token: second, duration: .seconds(30)) == false, "an expired term is over")
            let third = try #require(try await one.acquire(holder: "one", address: "http://one", duration: .seconds(30)))
            #expect(third == second + 1)
            await one.close()
            await two.close()
        }
    }

    @Test(
        """
        fencing: a leader whose lease passed to another controller, or merely expired, cannot write; it is told \
        at each refused write, and nothing of a refused write is stored
        """
    )
    func fencing() async throws {
        try await TestPostgres.withLocation { location in
            let lease = try await PostgresLease.open(location, logger: logger)
            let token = try #require(try await lease.acquire(holder: "a", address: "a", duration: .seconds(60)))
            let deposed = Mutex(0)
            let fence = PostgresStore.Fence(token: token) { deposed.withLock { $0 += 1 } }
            let leader = try await PostgresStore.open(location, region: "us-east-1", fence: fence, logger: logger)
            try await leader.apply([cluster("before")])
            // Ends the term now, as its expiry would.
            try await lease.resign(token: token)
            // Expired, nobody else yet: refused all the same.
            await #expect { try await leader.apply([cluster("expired")]) } throws: { error in
                (error as? StoreError)?.code == .fenced
            }
            let next = try #require(try await lease.acquire(holder: "b", address: "b", duration: .seconds(30)))
            let successor = try await PostgresStore.open(
                location,
                region: "us-east-1",
                fence: .init(token: next) {},
                logger: logger
            )
            await #expect { try await leader.apply([cluster("deposed")]) } throws: { error in
                (error as? StoreError)?.code == .fenced
            }
            try await successor.apply([cluster("after")])
            #expect(try await successor.load().clusters.map(\.name) == ["after", "before"])
            #expect(deposed.withLock { $0 } == 2)
            await leader.close()
            await successor.close()
            await lease.close()
        }
    }
}

@Suite("PostgreSQL store without a server")
struct PostgresUnreachableTests {
    @Test("a server that does not answer fails the open with the address and the reason, without a hang")
    func unreachable() async throws {
        let location = try PostgresLocation(url: "postgres://wharf@127.0.0.1:1/wharf?sslmode=disable")
        let started = ContinuousClock.now
        await #expect {
            _ = try await PostgresStore.open(location, region: "us-east-1", logger: Logger(label: "test"))
        } throws: { error in
            "\(error)".contains("cannot connect to postgres://wharf@127.0.0.1:1/wharf") && "\(error)".contains("refused")
        }
        #expect(ContinuousClock.now - started < .seconds(30))
    }
}

@Suite("wharf-controller migrate: SQLite data directory into PostgreSQL")
struct StoreMigrationTests {
    let logger = Logger(label: "test")

    @Test(
        """
        every region of a populated data directory arrives intact, generation included; a second migration into \
        the same schemas is refused and changes nothing
        """
    )
    func migrate() async throws {
        try await withTemporaryDirectory { directory in
            try await TestPostgres.withLocation { location in
                let home = try await SQLiteStore.open(path: directory + "/wharf.db", logger: logger)
                try await home.apply(SQLiteStoreTests().sampleChanges())
                _ = try await home.load()
                await home.close()
                try FileManager.default.createDirectory(
                    atPath: directory + "/regions/eu-west-1",
                    withIntermediateDirectories: true
                )
                let west = try await SQLiteStore.open(path: directory + "/regions/eu-west-1/wharf.db", logger: logger)
                try await west.apply([.putCluster(ClusterRecord(name: "west"))])
                await west.close()
                let before = try await SQLiteStore.open(path: directory + "/wharf.db", logger: logger)
                var expected = try await before.load()
                await before.close()

                let copied = try await StoreMigration.migrate(
                    dataDirectory: directory,
                    home: "us-east-1",
                    to: location,
                    logger: logger
                )
                #expect(copied.map(\.region) == ["us-east-1", "eu-west-1"])
                #expect(copied.last?.records == 1)
                let east = try await PostgresStore.open(location, region: "us-east-1", logger: logger)
                let loaded = try await east.load()
                // The migration's own read of wharf.db counted one start, this load another.
                #expect(loaded.generation == expected.generation + 2, "starts go on counting from the SQLite store's")
                expected.generation = loaded.generation
                #expect(loaded == expected)
                #expect(!loaded.tasks.isEmpty && !loaded.instances.isEmpty && !loaded.accessKeys.isEmpty)
                await east.close()
                let westStore = try await PostgresStore.open(location, region: "eu-west-1", logger: logger)
                #expect(try await westStore.load().clusters.map(\.name) == ["west"])
                await westStore.close()

                await #expect {
                    _ = try await StoreMigration.migrate(
                        dataDirectory: directory,
                        home: "us-east-1",
                        to: location,
                        logger: logger
                    )
                } throws: { error in
                    (error as? StoreError)?.code == .alreadyExists && "\(error)".contains("already holds a cluster state")
                }
                let again = try await PostgresStore.open(location, region: "us-east-1", logger: logger)
                var unchanged = try await again.load()
                unchanged.generation = expected.generation
                #expect(unchanged == expected)
                await again.close()
            }
        }
    }
}
