import Logging
import WharfStore

/// What the keeper needs of a lease: ``PostgresLease`` in the controller, a fake in tests.
public protocol RenewableLease: Sendable {
    /// Extends term `token` by `duration`; false when the term is over.
    func renew(token: Int64, duration: Duration) async throws(StoreError) -> Bool
    /// Ends term `token` now.
    func resign(token: Int64) async throws(StoreError)
}

extension PostgresLease: RenewableLease {}

/// Keeps a leader's lease: renews it every ``ControllerConfiguration/LeadershipSettings/renewInterval``,
/// and ends the term on this machine's clock, whatever the database says or how long it takes to
/// say it: once no renewal has succeeded for three quarters of the lease, counted from the moment
/// the last successful one was sent. The database's expiry is at least the whole lease after that
/// moment, so this controller stops leading before any other can start.
public actor LeaseKeeper {
    public nonisolated let token: Int64
    private let lease: any RenewableLease
    private let settings: ControllerConfiguration.LeadershipSettings
    private let logger: Logger
    private let lost: @Sendable (String) -> Void
    private var lastRenewal: ContinuousClock.Instant
    private var tasks: [Task<Void, Never>] = []
    private var over = false

    /// - Parameters:
    ///   - acquiredAt: when the request that took the lease was sent.
    ///   - lost: called once, when the term ends other than by ``resign()``, with the reason.
    public init(
        lease: any RenewableLease,
        token: Int64,
        acquiredAt: ContinuousClock.Instant,
        settings: ControllerConfiguration.LeadershipSettings,
        logger: Logger,
        lost: @escaping @Sendable (String) -> Void
    ) {
        self.lease = lease
        self.token = token
        self.lastRenewal = acquiredAt
        self.settings = settings
        self.logger = logger
        self.lost = lost
    }

    /// How long after the last successful renewal was sent the term ends here.
    public nonisolated var deadline: Duration { settings.lease * 3 / 4 }

    /// Starts renewing and watching the deadline.
    public func start() {
        guard tasks.isEmpty, !over else { return }
        tasks = [Task { await self.renewals() }, Task { await self.watch() }]
    }

    /// Whether the term is still this controller's, as far as it knows.
    public var leads: Bool { !over }

    private func renewals() async {
        while !over {
            try? await Task.sleep(for: settings.renewInterval)
            guard !over, !Task.isCancelled else { return }
            let sent = ContinuousClock.now
            do {
                if try await lease.renew(token: token, duration: settings.lease) {
                    if !over { lastRenewal = max(lastRenewal, sent) }
                } else {
                    end("the lease (token \(token)) expired or passed to another controller")
                }
            } catch {
                logger.warning("cannot renew the leadership lease; trying again", metadata: ["error": "\(error)"])
            }
        }
    }

    private func watch() async {
        while !over {
            try? await Task.sleep(for: min(.milliseconds(100), settings.renewInterval))
            guard !over, !Task.isCancelled else { return }
            if ContinuousClock.now - lastRenewal > deadline {
                end("no renewal of the leadership lease succeeded for \(deadline)")
            }
        }
    }

    private func end(_ reason: String) {
        guard !over else { return }
        over = true
        for task in tasks { task.cancel() }
        lost(reason)
    }

    /// Ends the term now so another controller takes over at once (a graceful stop).
    public func resign() async {
        guard !over else { return }
        over = true
        for task in tasks { task.cancel() }
        do {
            try await lease.resign(token: token)
        } catch {
            logger.warning(
                "cannot hand the leadership lease back; it expires by itself",
                metadata: ["error": "\(error)"]
            )
        }
    }
}
