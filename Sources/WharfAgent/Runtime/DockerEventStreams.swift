import Synchronization

/// The tasks that feed ``DockerRuntime``'s open event streams, so that a stream's end cancels its
/// request and ``DockerRuntime/shutdown()`` can end them all.
final class DockerEventStreams: Sendable {
    private struct State {
        var next = 0
        /// Open streams by key; nil until the stream's task exists.
        var running: [Int: Task<Void, Never>?] = [:]
        var isShutDown = false
    }

    private let state = Mutex(State())

    /// A key for a new stream, or nil after shutdown. Reserved before the task exists, so a
    /// stream that ends at once cannot leave its task behind.
    func reserve() -> Int? {
        state.withLock { state in
            guard !state.isShutDown else { return nil }
            let key = state.next
            state.next += 1
            state.running[key] = .some(nil)
            return key
        }
    }

    /// Records the task of the stream `key`; cancels it if the stream has already ended.
    func attach(_ task: Task<Void, Never>, to key: Int) {
        let open = state.withLock { state -> Bool in
            guard state.running[key] != nil else { return false }
            state.running[key] = task
            return true
        }
        if !open { task.cancel() }
    }

    /// Forgets the stream `key` and cancels its task: its consumer is gone.
    func end(_ key: Int) {
        let task = state.withLock { $0.running.removeValue(forKey: key) }
        task??.cancel()
    }

    /// Refuses new streams, cancels every open one and waits for their tasks to finish.
    func shutDown() async {
        let tasks = state.withLock { state -> [Task<Void, Never>] in
            state.isShutDown = true
            defer { state.running = [:] }
            return state.running.values.compactMap { $0 }
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }
}
