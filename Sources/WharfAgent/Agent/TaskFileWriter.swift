#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Dispatch
import Synchronization

/// Saves the agent's `tasks.json` on a thread of its own, the newest tasks first: each save
/// flushes the file and its directory to disk, which a busy disk makes take seconds, and the agent's
/// actor meanwhile goes on syncing. Before, the actor waited for every flush (several a second
/// while containers come and go), and so did one of the two cooperative threads of a 2-core node:
/// with each flush made 2 s longer, an agent did not start a task within 90 s.
///
/// Saves asked for while one is being written are folded: only the latest is written next. A
/// crash may lose the latest tasks, as a crash before the save would; the containers' labels are
/// the truth at the next start (``Agent/adopt(initial:)``).
final class TaskFileWriter: Sendable {
    private struct State {
        var pending: [ManagedTask]?
        var writing = false
        var encoded = AgentStateFiles.EncodedTasks()
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let files: AgentStateFiles
    private let failed: @Sendable (AgentError) -> Void
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "wharf.agent.tasks-file")

    /// - Parameter failed: told of each save that fails (the next save tries again).
    init(files: AgentStateFiles, failed: @escaping @Sendable (AgentError) -> Void) {
        self.files = files
        self.failed = failed
    }

    /// Saves `tasks` soon, in place of any save still waiting.
    func save(_ tasks: [ManagedTask]) {
        let start = state.withLock { state -> Bool in
            state.pending = tasks
            guard !state.writing else { return false }
            state.writing = true
            return true
        }
        if start { queue.async { self.drain() } }
    }

    /// Returns once every save asked for before the call is on disk (or has failed).
    func written() async {
        await withCheckedContinuation { continuation in
            let idle = state.withLock { state -> Bool in
                guard state.writing else { return true }
                state.waiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    /// What the writer does next: write these tasks, or stop and wake these waiters.
    private enum Step {
        case write([ManagedTask], AgentStateFiles.EncodedTasks)
        case done([CheckedContinuation<Void, Never>])
    }

    /// Writes the latest tasks until none wait, then wakes whoever waits for the writes. Taking the
    /// next tasks and stopping are one step under the lock, so a save never finds the writer
    /// stopping without it.
    private func drain() {
        while true {
            let step = state.withLock { state -> Step in
                if let tasks = state.pending {
                    state.pending = nil
                    return .write(tasks, state.encoded)
                }
                state.writing = false
                defer { state.waiters = [] }
                return .done(state.waiters)
            }
            switch step {
            case .write(let tasks, var encoded):
                do {
                    try files.save(tasks: tasks, reusing: &encoded)
                } catch {
                    failed(error)
                }
                state.withLock { $0.encoded = encoded }
            case .done(let waiters):
                for waiter in waiters { waiter.resume() }
                return
            }
        }
    }
}
