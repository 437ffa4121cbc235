import Foundation
import Logging
import PostgresNIO

/// The leadership lease in a PostgreSQL store's control schema (`PREFIX.leadership`, one row): who
/// leads, at which address, under which fencing token, until when by the database's clock. A
/// controller takes the lease only once it has expired, raising the token; it keeps it by renewing
/// before it expires; every write it makes checks the token (``PostgresStore/Fence``).
public actor PostgresLease {
    /// The lease as the database has it now.
    public struct Holder: Sendable, Equatable {
        /// The holder's identity (host name and process).
        public var holder: String
        /// Where the holder serves its API.
        public var address: String
        /// The fencing token of its term.
        public var token: Int64
        /// Whether the lease is unexpired now.
        public var live: Bool

        public init(holder: String, address: String, token: Int64, live: Bool) {
            self.holder = holder
            self.address = address
            self.token = token
            self.live = live
        }
    }

    public nonisolated let location: PostgresLocation
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private nonisolated let logger: Logger
    private var closed = false
    /// How long one lease query may take; the holder's own clock decides when it stops leading.
    static let timeout = Duration.seconds(3)

    /// Connects and makes sure the control schema exists.
    public static func open(_ location: PostgresLocation, logger: Logger) async throws(StoreError) -> PostgresLease {
        var configuration = PostgresStore.configuration(location)
        configuration.options.maximumConnections = 2
        configuration.options.minimumConnections = 1
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let runner = Task { await client.run() }
        let lease = PostgresLease(location: location, client: client, runner: runner, logger: logger)
        do {
            try await PostgresDeadline.run(PostgresStore.openTimeout, .open, "opening \(location)") {
                try await PostgresMigrations.run(
                    prefix: location.schemaPrefix,
                    schema: location.schemaPrefix,
                    steps: [],
                    on: client,
                    logger: logger
                )
            }
        } catch {
            await lease.close()
            if let error = error as? StoreError { throw error }
            throw StoreError(
                .open,
                "cannot prepare the PostgreSQL store \(location)",
                cause: PostgresStore.reason(error)
            )
        }
        return lease
    }

    private init(location: PostgresLocation, client: PostgresClient, runner: Task<Void, Never>, logger: Logger) {
        self.location = location
        self.client = client
        self.runner = runner
        self.logger = logger
    }

    private var table: String { location.schemaPrefix + ".leadership" }

    /// Takes the lease for `duration` when nobody holds it or its holder let it expire; returns the
    /// new fencing token, or nil when another controller holds it.
    public func acquire(holder: String, address: String, duration: Duration) async throws(StoreError) -> Int64? {
        try await tokenQuery(
            """
            INSERT INTO \(table) (id, holder, address, token, acquired_at, expires_at)
            VALUES (1, $1, $2, 1, now(), now() + $3 * interval '1 millisecond')
            ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder, address = EXCLUDED.address,
                token = \(table).token + 1, acquired_at = now(), expires_at = EXCLUDED.expires_at
            WHERE \(table).expires_at <= now()
            RETURNING token
            """,
            PostgresMigrations.binds([.text(holder), .text(address), .integer(Self.milliseconds(duration))])
        )
    }

    /// Extends the lease of term `token` to `duration` from now; false when the term is over (the
    /// lease expired, or another controller holds it).
    public func renew(token: Int64, duration: Duration) async throws(StoreError) -> Bool {
        try await tokenQuery(
            """
            UPDATE \(table) SET expires_at = now() + $2 * interval '1 millisecond'
            WHERE id = 1 AND token = $1 AND expires_at > now() RETURNING token
            """,
            PostgresMigrations.binds([.integer(Int(token)), .integer(Self.milliseconds(duration))])
        ) != nil
    }

    /// Ends the term `token` now, so another controller takes over at once (a graceful stop).
    public func resign(token: Int64) async throws(StoreError) {
        _ = try await tokenQuery(
            "UPDATE \(table) SET expires_at = now() WHERE id = 1 AND token = $1 AND expires_at > now() RETURNING token",
            PostgresMigrations.binds([.integer(Int(token))])
        )
    }

    /// Who holds the lease, if anyone ever did.
    public func current() async throws(StoreError) -> Holder? {
        let (client, table, logger) = (client, table, logger)
        do {
            return try await PostgresDeadline.run(Self.timeout, .read, "reading the leadership lease") {
                let rows = try await client.query(
                    PostgresQuery(
                        unsafeSQL: "SELECT holder, address, token, expires_at > now() FROM \(table) WHERE id = 1"
                    ),
                    logger: logger
                )
                var found: Holder?
                for try await (holder, address, token, live) in rows.decode((String, String, Int64, Bool).self) {
                    found = Holder(holder: holder, address: address, token: token, live: live)
                }
                return found
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(
                .read,
                "cannot read the leadership lease in \(location)",
                cause: PostgresStore.reason(error)
            )
        }
    }

    private func tokenQuery(_ sql: String, _ binds: PostgresBindings) async throws(StoreError) -> Int64? {
        let (client, logger, query) = (client, logger, PostgresQuery(unsafeSQL: sql, binds: binds))
        do {
            return try await PostgresDeadline.run(Self.timeout, .write, "updating the leadership lease") {
                let rows = try await client.query(query, logger: logger)
                var token: Int64?
                for try await value in rows.decode(Int64.self) { token = value }
                return token
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(
                .write,
                "cannot update the leadership lease in \(location)",
                cause: PostgresStore.reason(error)
            )
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }

    /// Closes the connection.
    public func close() async {
        guard !closed else { return }
        closed = true
        runner.cancel()
        await runner.value
    }
}
