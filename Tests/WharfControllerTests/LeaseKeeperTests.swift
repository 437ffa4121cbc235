import Logging
import Synchronization
import Testing
import WharfController
import WharfStore

/// A lease whose renewals succeed, fail, refuse or hang as the test says.
final class ScriptedLease: RenewableLease {
    enum Renewal: Sendable {
        case ok, refused, failing, hanging
    }

    let next = Mutex(Renewal.ok)
    let renewals = Mutex(0)
    let resigned = Mutex<[Int64]>([])

    func renew(token: Int64, duration: Duration) async throws(StoreError) -> Bool {
        renewals.withLock { $0 += 1 }
        switch next.withLock({ $0 }) {
        case .ok: return true
        case .refused: return false
        case .failing: throw StoreError(.write, "connection reset")
        case .hanging:
            try? await Task.sleep(for: .seconds(3600))
            return true
        }
    }

    func resign(token: Int64) async throws(StoreError) {
        resigned.withLock { $0.append(token) }
    }
}

/// The reasons a keeper gave for losing its term.
final class Losses: Sendable {
    let reasons = Mutex<[String]>([])

    func withLock<T>(_ body: (inout [String]) -> T) -> T { reasons.withLock { body(&$0) } }
}

@Suite("The leader's lease keeper")
struct LeaseKeeperTests {
    func keeper(_ lease: ScriptedLease, lost: Losses) -> LeaseKeeper {
        var settings = ControllerConfiguration.LeadershipSettings()
        // Longer than the default, so the keeper's deadline (9 s) outlasts the stalls of a machine
        // whose two cores also run the end-to-end suites; the rules are the same for any length.
        settings.lease = .seconds(12)
        return LeaseKeeper(
            lease: lease,
            token: 7,
            acquiredAt: .now,
            settings: settings,
            logger: Logger(label: "test")
        ) { reason in lost.withLock { $0.append(reason) } }
    }

    func waitUntil(_ condition: () -> Bool) async throws {
        let started = ContinuousClock.now
        while !condition() {
            guard ContinuousClock.now - started < .seconds(40) else { return }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test("renewals that succeed keep the term; a hung database ends it on this machine's clock, once")
    func hanging() async throws {
        let lease = ScriptedLease()
        let lost = Losses()
        let keeper = keeper(lease, lost: lost)
        await keeper.start()
        try await waitUntil { lease.renewals.withLock { $0 } >= 3 }
        #expect(lost.withLock { $0 }.isEmpty)
        #expect(await keeper.leads)
        lease.next.withLock { $0 = .hanging }
        let hung = ContinuousClock.now
        try await waitUntil { !lost.withLock { $0 }.isEmpty }
        let after = ContinuousClock.now - hung
        #expect(lost.withLock { $0 }.count == 1)
        #expect(lost.withLock { $0 }.first?.contains("no renewal of the leadership lease succeeded") == true)
        // Three quarters of the lease after the last success was sent, before the database's expiry.
        #expect(after < .seconds(12), "stepped down after \(after)")
        #expect(await keeper.leads == false)
        try await Task.sleep(for: .milliseconds(500))
        #expect(lost.withLock { $0 }.count == 1)
    }

    @Test("a renewal refused (another controller took over) ends the term at once; errors alone end it at the deadline")
    func refused() async throws {
        let lease = ScriptedLease()
        let lost = Losses()
        let keeper = keeper(lease, lost: lost)
        await keeper.start()
        lease.next.withLock { $0 = .failing }
        try await waitUntil { lease.renewals.withLock { $0 } >= 2 }
        try await waitUntil { !lost.withLock { $0 }.isEmpty }
        #expect(lost.withLock { $0 }.first?.contains("no renewal") == true)

        let other = ScriptedLease()
        let lostToo = Losses()
        let second = self.keeper(other, lost: lostToo)
        await second.start()
        other.next.withLock { $0 = .refused }
        try await waitUntil { !lostToo.withLock { $0 }.isEmpty }
        #expect(lostToo.withLock { $0 }.first?.contains("expired or passed to another controller") == true)
    }

    @Test("resigning hands the lease back and is not a loss")
    func resign() async throws {
        let lease = ScriptedLease()
        let lost = Losses()
        let keeper = keeper(lease, lost: lost)
        await keeper.start()
        await keeper.resign()
        #expect(lease.resigned.withLock { $0 } == [7])
        try await Task.sleep(for: .seconds(10))
        #expect(lost.withLock { $0 }.isEmpty)
        #expect(await keeper.leads == false)
    }
}
