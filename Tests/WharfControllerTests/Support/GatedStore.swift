import Synchronization
import WharfState
import WharfStore

/// A store whose commits each wait to be let through, and which records the batches it was given:
/// for tests of how the controller's writer forms its batches.
final class GatedStore: ClusterStore {
    private let stored = InMemoryStore()
    private struct Gate {
        var batches: [[StateChange]] = []
        var released = 0
        var waiting: [Int: @Sendable () -> Void] = [:]
        var refused: Set<Int> = []
    }
    private let gate = Mutex(Gate())

    /// The batches given so far, in order (those still waiting included).
    var batches: [[StateChange]] { gate.withLock { $0.batches } }

    func load() async throws(StoreError) -> StoredState { try await stored.load() }

    func apply(_ changes: [StateChange]) async throws(StoreError) {
        let number = await withCheckedContinuation { (continuation: CheckedContinuation<Int, Never>) in
            let (number, open) = gate.withLock { gate -> (Int, Bool) in
                gate.batches.append(changes)
                let number = gate.batches.count
                guard number > gate.released else { return (number, true) }
                gate.waiting[number] = { continuation.resume(returning: number) }
                return (number, false)
            }
            if open { continuation.resume(returning: number) }
        }
        if gate.withLock({ $0.refused.contains(number) }) {
            throw StoreError(.write, "the test refused batch \(number)")
        }
        try await stored.apply(changes)
    }

    /// Makes the commit of batch `number` (counting from 1) fail once it is let through.
    func refuse(_ number: Int) {
        gate.withLock { _ = $0.refused.insert(number) }
    }

    func close() async {}

    /// Lets the commits up to batch `number` (counting from 1) through.
    func release(through number: Int) {
        let opened = gate.withLock { gate -> [@Sendable () -> Void] in
            gate.released = max(gate.released, number)
            let due = gate.waiting.keys.filter { $0 <= number }
            return due.compactMap { gate.waiting.removeValue(forKey: $0) }
        }
        for open in opened { open() }
    }

    /// Waits until `count` batches have been given to the store (at most 10 s).
    func waitForBatches(_ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while batches.count < count {
            guard ContinuousClock.now < deadline else {
                throw GateTimeout(wanted: count, given: batches.count)
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}

/// A ``GatedStore`` was not given the batches a test waited for.
struct GateTimeout: Error, CustomStringConvertible {
    let wanted: Int
    let given: Int
    var description: String { "the store was given \(given) batches, not \(wanted)" }
}
