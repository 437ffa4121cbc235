import Foundation
import Logging
import PostgresNIO
import Testing
import WharfStore

/// The PostgreSQL server the store tests use: `WHARF_TEST_POSTGRES_URL`, or the one
/// `.ci/setup.sh ensure-postgres` starts on loopback. Each test gets schemas of its own under a
/// fresh prefix, dropped afterwards.
enum TestPostgres {
    static let url =
        ProcessInfo.processInfo.environment["WHARF_TEST_POSTGRES_URL"]
        ?? "postgres://wharf@127.0.0.1:55432/wharf?sslmode=disable"

    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    private static let availability = Task<String?, Never> { await prepare() }

    /// A location under a new schema prefix; fails the test in CI when no server answers, and
    /// cancels it (reported as skipped, with the fix) elsewhere.
    static func location() async throws -> PostgresLocation {
        if let reason = await availability.value {
            if ProcessInfo.processInfo.environment["CI"] != nil { throw Unavailable(description: reason) }
            try Test.cancel("Skipped: no PostgreSQL server (\(reason)). Run `sudo bash .ci/setup.sh ensure-postgres`.")
        }
        var location = try PostgresLocation(url: url)
        location.schemaPrefix = "t" + UUID().uuidString.prefix(8).lowercased()
        return location
    }

    /// Runs `body` with a fresh location and drops every schema it made afterwards.
    static func withLocation<T>(_ body: (PostgresLocation) async throws -> T) async throws -> T {
        let location = try await location()
        do {
            let result = try await body(location)
            try await drop(location)
            return result
        } catch {
            try? await drop(location)
            throw error
        }
    }

    /// Runs `sql` on the test server.
    static func execute(_ sql: String) async throws {
        let client = PostgresClient(
            configuration: .init(
                host: "127.0.0.1",
                port: try PostgresLocation(url: url).port,
                username: try PostgresLocation(url: url).user,
                password: nil,
                database: try PostgresLocation(url: url).database,
                tls: .disable
            ),
            backgroundLogger: Logger(label: "test.postgres")
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await client.query(PostgresQuery(unsafeSQL: sql))
        }
    }

    private static func drop(_ location: PostgresLocation) async throws {
        try await execute(
            """
            DO $$ DECLARE s text; BEGIN
            FOR s IN SELECT schema_name FROM information_schema.schemata
                WHERE schema_name = '\(location.schemaPrefix)' OR schema_name LIKE '\(location.schemaPrefix)\\_%'
            LOOP EXECUTE 'DROP SCHEMA ' || quote_ident(s) || ' CASCADE'; END LOOP; END $$
            """
        )
    }

    private static func prepare() async -> String? {
        if await answers() { return nil }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let setup = Process()
        setup.executableURL = URL(fileURLWithPath: "/bin/bash")
        setup.arguments = [root.appendingPathComponent(".ci/setup.sh").path, "ensure-postgres"]
        do {
            try setup.run()
            setup.waitUntilExit()
        } catch {
            return "cannot run .ci/setup.sh ensure-postgres: \(error)"
        }
        return await answers() ? nil : "\(url) does not answer, even after .ci/setup.sh ensure-postgres"
    }

    private static func answers() async -> Bool {
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await execute("SELECT 1") }
                group.addTask {
                    try await Task.sleep(for: .seconds(10))
                    throw Unavailable(description: "no answer within 10 s")
                }
                defer { group.cancelAll() }
                try await group.next()
            }
            return true
        } catch {
            return false
        }
    }
}
