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

    @Test("a batch takes up to 256 reports; the others wait for the next batch")
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
        store.release(through: 3)
        try await first.value
        for report in reports { try await report.value }
        let batches = store.batches
        #expect(batches.map(\.count) == [1, 256, 44])
        #expect(Set(batches.joined().map { "\($0)" }).count == 301, "every write was stored once")
    }

    @Test("reports fill a batch up to 1,000 changes, and up to 250 beside a request; the rest wait for the next batch")
    func changeLimit() async throws {
        let store = GatedStore()
        let controller = try await Self.controller(store)
        let first = Task { try await controller.write { _, _ in Outcome((), [setting("first")]) } }
        try await store.waitForBatches(1)
        var writes: [Task<Void, any Error>] = []
        for (index, name) in ["a", "b", "c", "d", "e"].enumerated() {
            let count = name == "e" ? 1 : 600
            writes.append(Task {
                try await controller.write(background: true) { _, _ in
                    Outcome((), (0..<count).map { setting("\(name)\($0)") })
                }
            })
            try await Self.queued(controller, index + 2)
        }
        writes.append(Task { try await controller.write { _, _ in Outcome((), [setting("late")]) } })
        try await Self.queued(controller, 7)
        store.release(through: 10)
        try await first.value
        for write in writes { try await write.value }
        let batches = store.batches
        #expect(batches.map(\.count) == [1, 601, 1200, 601])
        if batches.count == 4 {
            #expect(batches[1].first == setting("late") && batches[1].last == setting("a599"),
                    "beside the request, one report: its 600 changes passed 250")
            #expect(batches[2].first == setting("b0") && batches[2].last == setting("c599"))
            #expect(batches[3].first == setting("d0") && batches[3].last == setting("e0"))
        }
    }

    @Test("a round waits for the requests queued before it and for at most one batch of reports; after two batches it goes first")
    func roundLane() {
        func write() -> QueuedWrite { QueuedWrite(compute: { _, _ in ([], {}) }, fail: { _ in }) }
        var pending = PendingWrites()
        let (request, report, round, report2) = (write(), write(), write(), write())
        _ = pending.add(request, lane: .request)
        _ = pending.add(report, lane: .background)
        _ = pending.add(round, lane: .scheduler)
        let first = pending.next(backgroundLimit: 10)
        #expect(first?.requests.map(\.id) == [request.id] && first?.background.map(\.id) == [report.id])
        _ = pending.add(report2, lane: .background)
        let second = pending.next(backgroundLimit: 10)
        #expect(second?.requests.map(\.id) == [round.id] && second?.background.isEmpty == true,
                "passed over once, the round goes before the reports, alone")
        let third = pending.next(backgroundLimit: 10)
        #expect(third?.background.map(\.id) == [report2.id])
        // A steady stream of requests passes a round over twice at most.
        let (late, one, two, three) = (write(), write(), write(), write())
        _ = pending.add(late, lane: .scheduler)
        var order: [UUID] = []
        for request in [one, two, three] {
            _ = pending.add(request, lane: .request)
            order += pending.next(backgroundLimit: 10)?.requests.map(\.id) ?? []
        }
        order += pending.next(backgroundLimit: 10)?.requests.map(\.id) ?? []
        #expect(order == [one.id, two.id, late.id, three.id])
        #expect(pending.next(backgroundLimit: 10) == nil)
    }

    @Test("reports put back go ahead of those that came meanwhile; the caller that finds no batch running starts one")
    func queueOrder() {
        func write() -> QueuedWrite { QueuedWrite(compute: { _, _ in ([], {}) }, fail: { _ in }) }
        let (request, one, two, three, late) = (write(), write(), write(), write(), write())
        var pending = PendingWrites()
        let starts = [
            pending.add(request, lane: .request), pending.add(one, lane: .background),
            pending.add(two, lane: .background), pending.add(three, lane: .background),
        ]
        #expect(starts == [true, false, false, false])
        let batch = pending.next(backgroundLimit: 2)
        #expect(batch?.requests.map(\.id) == [request.id])
        #expect(batch?.background.map(\.id) == [one.id, two.id])
        let lateStarts = pending.add(late, lane: .background)
        #expect(!lateStarts)
        // The batch had room for one of its two reports.
        pending.putBack([two][...])
        let next = pending.next(backgroundLimit: 10)
        #expect(next?.background.map(\.id) == [two.id, three.id, late.id])
        let none = pending.next(backgroundLimit: 10)
        #expect(none == nil)
        let restarts = pending.add(write(), lane: .request)
        #expect(restarts, "the queue ran dry, so the next write starts a batch")
        #expect(pending.count == 6)
    }

    /// Whether account setting `name` is in the state, read as an answer (which waits for the
    /// commit of what it saw).
    private static func has(_ controller: Controller, _ name: String) async -> Bool {
        await controller.read { $0.accountSettings[AccountSettingKey(principal: nil, name: name)] != nil }
    }

    /// Waits until `flag` is set (at most 5 s).
    private static func wait(for flag: Flag) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while !flag.isSet, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
    }

    /// A write in flight (its commit held), then a round and a request queued behind it: the
    /// request's batch comes next, then the round's. `computed` is raised when the round is computed.
    private static func roundBehindRequest() async throws -> (
        store: GatedStore, controller: Controller, computed: Flag,
        first: Task<Void, any Error>, round: Task<Void, any Error>, request: Task<Void, any Error>
    ) {
        let store = GatedStore()
        let controller = try await Self.controller(store)
        let first = Task { try await controller.write { _, _ in Outcome((), [setting("first")]) } }
        try await store.waitForBatches(1)
        let computed = Flag()
        let round = Task {
            try await controller.write(lane: .scheduler) { _, _ in
                computed.set()
                return Outcome((), [setting("round")])
            }
        }
        try await Self.queued(controller, 2)
        let request = Task { try await controller.write { _, _ in Outcome((), [setting("request")]) } }
        try await Self.queued(controller, 3)
        return (store, controller, computed, first, round, request)
    }

    @Test("the next batch is computed while the one before commits; its commit and its answer wait for that commit")
    func pipelined() async throws {
        let (store, controller, computed, first, round, request) = try await Self.roundBehindRequest()
        // The request's batch commits (held); the round's batch is computed meanwhile.
        store.release(through: 1)
        try await store.waitForBatches(2)
        try await Self.wait(for: computed)
        #expect(computed.isSet, "the round was computed while the request's batch was committing")
        #expect(store.batches.count == 2, "the round's commit waits for the request's")
        let readDone = Flag()
        let read = Task {
            let found = await Self.has(controller, "round")
            readDone.set()
            return found
        }
        store.release(through: 2)
        try await request.value
        try await store.waitForBatches(3)
        try await Task.sleep(for: .milliseconds(50))
        #expect(!readDone.isSet, "the read that saw the round's batch waits for its commit, not the request's")
        store.release(through: 3)
        try await first.value
        try await round.value
        #expect(await read.value, "a read that saw the round's batch answered once it was stored")
        #expect(store.batches.map(\.first) == [setting("first"), setting("request"), setting("round")])
    }

    @Test("when a commit fails, the batch computed on top of it is undone and fails too")
    func pipelinedFailure() async throws {
        let (store, controller, computed, first, round, request) = try await Self.roundBehindRequest()
        store.refuse(2)
        store.release(through: 1)
        try await Self.wait(for: computed)
        let read = Task { await Self.has(controller, "round") }
        store.release(through: 10)
        try await first.value
        await #expect(throws: ECSError.self) { try await request.value }
        await #expect(throws: ECSError.self) { try await round.value }
        #expect(await read.value == false, "the read that saw the undone round was computed again")
        #expect(await Self.has(controller, "first"))
        #expect(await !Self.has(controller, "request"))
        #expect(store.batches.count == 2, "the round's batch never reached the store")
        // The writer goes on.
        try await controller.write { _, _ in Outcome((), [setting("after")]) }
        #expect(await Self.has(controller, "after"))
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
