import Foundation
import Logging
import Synchronization
import Testing
import WharfModel
import WharfState
import WharfStore
@testable import WharfController

/// Writes of one change each: account settings named `name`.
private func setting(_ name: String) -> StateChange {
    .putAccountSetting(principal: nil, name: name, value: "enabled")
}

/// A flag one task raises and another reads.
private final class Flag: Sendable {
    private let raised = Mutex(false)
    var isSet: Bool { raised.withLock { $0 } }
    func set() { raised.withLock { $0 = true } }
}

@Suite("The controller's writer")
struct WriterBatchTests {
    private static func controller(_ store: GatedStore) async throws -> Controller {
        try await Controller(store: store, context: AccountContext(), logger: Logger(label: "test"))
    }

    /// Waits until `count` writes were ever queued (at most 10 s).
    private static func queued(_ controller: Controller, _ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while controller.writesQueued < count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(controller.writesQueued == count)
    }

    @Test("a batch takes every waiting request first, then up to 256 reports; the others wait for the next batch")
    func backgroundLimit() async throws {
        let store = GatedStore()
        let controller = try await Self.controller(store)
        let first = Task { try await controller.write { _, _ in Outcome((), [setting("first")]) } }
        try await store.waitForBatches(1)
        var reports: [Task<Void, any Error>] = []
        for index in 0..<300 {
            reports.append(Task {
                try await controller.write(background: true) { _, _ in Outcome((), [setting("r\(index)")]) }
            })
        }
        try await Self.queued(controller, 301)
        let late = Task { try await controller.write { _, _ in Outcome((), [setting("late")]) } }
        try await Self.queued(controller, 302)
        store.release(through: 3)
        try await first.value
        try await late.value
        for report in reports { try await report.value }
        let batches = store.batches
        #expect(batches.map(\.count) == [1, 257, 44])
        #expect(batches.dropFirst().first?.first == setting("late"),
                "the request comes before the reports queued ahead of it")
        #expect(Set(batches.joined().map { "\($0)" }).count == 302, "every write was stored once")
    }

    @Test("reports past a batch's 2,000 changes wait for the next batch")
    func changeLimit() async throws {
        let store = GatedStore()
        let controller = try await Self.controller(store)
        let first = Task { try await controller.write { _, _ in Outcome((), [setting("first")]) } }
        try await store.waitForBatches(1)
        var reports: [Task<Void, any Error>] = []
        for (index, name) in ["a", "b", "c", "d"].enumerated() {
            let count = name == "d" ? 1 : 1500
            reports.append(Task {
                try await controller.write(background: true) { _, _ in
                    Outcome((), (0..<count).map { setting("\(name)\($0)") })
                }
            })
            try await Self.queued(controller, index + 2)
        }
        store.release(through: 10)
        try await first.value
        for report in reports { try await report.value }
        let batches = store.batches
        #expect(batches.map(\.count) == [1, 3000, 1501])
        #expect(batches.count == 3)
        if batches.count == 3 {
            #expect(batches[1].first == setting("a0") && batches[1].last == setting("b1499"))
            #expect(batches[2].first == setting("c0") && batches[2].last == setting("d0"))
        }
    }

    @Test("reports put back go ahead of those that came meanwhile; the caller that finds no batch running starts one")
    func queueOrder() {
        func write() -> QueuedWrite { QueuedWrite(compute: { _, _ in ([], {}) }, fail: { _ in }) }
        let (request, one, two, three, late) = (write(), write(), write(), write(), write())
        var pending = PendingWrites()
        let starts = [
            pending.add(request, background: false), pending.add(one, background: true),
            pending.add(two, background: true), pending.add(three, background: true),
        ]
        #expect(starts == [true, false, false, false])
        let batch = pending.next(backgroundLimit: 2)
        #expect(batch?.requests.map(\.id) == [request.id])
        #expect(batch?.background.map(\.id) == [one.id, two.id])
        let lateStarts = pending.add(late, background: true)
        #expect(!lateStarts)
        // The batch had room for one of its two reports.
        pending.putBack([two][...])
        let next = pending.next(backgroundLimit: 10)
        #expect(next?.background.map(\.id) == [two.id, three.id, late.id])
        let none = pending.next(backgroundLimit: 10)
        #expect(none == nil)
        let restarts = pending.add(write(), background: false)
        #expect(restarts, "the queue ran dry, so the next write starts a batch")
        #expect(pending.count == 6)
    }

    @Test("a write joins the queue while the actor computes a batch")
    func queuedWithoutTheActor() async throws {
        let store = GatedStore()
        store.release(through: 10)
        let controller = try await Self.controller(store)
        let computing = Flag()
        // The batch's only write holds the actor until another write has joined the queue, or 5 s
        // have passed.
        let busy = Task {
            try await controller.write(background: true) { _, _ in
                computing.set()
                let deadline = ContinuousClock.now + .seconds(5)
                while controller.writesQueued < 2, ContinuousClock.now < deadline { usleep(1000) }
                return Outcome(controller.writesQueued >= 2, [setting("busy")])
            }
        }
        while !computing.isSet { try await Task.sleep(for: .milliseconds(1)) }
        let seed = controller.nextSeed()
        let joined = Task { try await controller.write { _, _ in Outcome(seed, [setting("joined")]) } }
        #expect(try await busy.value, "the write joined the queue while the actor was busy")
        #expect(try await joined.value == seed)
    }
}
