import Synchronization
import WharfAgent

/// What a test does to the fake engine: the things that happen to containers on their own on a
/// real node.
extension FakeRuntime {
    /// Sets what the fake knows about `reference`.
    public func setImage(_ reference: String, _ image: Image) {
        state.withLock { $0.images[reference] = image }
    }

    /// Makes the next call of `operation` fail with `error` (the call is still recorded). Queued
    /// failures are used in order, one per call.
    public func failNext(_ operation: Operation, with error: RuntimeError) {
        state.withLock { $0.failures[operation, default: []].append(error) }
    }

    /// Runs `body` in the next ``listContainers(labels:)``, after the listing is taken and before
    /// it is answered: what happens on the node while the engine's answer is on its way.
    public func afterNextListing(_ body: @escaping @Sendable () async -> Void) {
        state.withLock { $0.afterListing = body }
    }

    /// Forgets the calls recorded so far.
    public func clearCalls() {
        state.withLock { $0.calls = [] }
    }

    /// The running container `id` exits with `code` (event `die`).
    /// - Throws: `RuntimeError` with code `notFound` for an unknown container, `invalid` for one
    ///   that is not running.
    public func exit(id: String, code: Int) throws(RuntimeError) {
        try state.withLock { state throws(RuntimeError) in
            let key = try state.runningContainer(id, "making container \(id) exit")
            state.finish(key, exitCode: code, oomKilled: false)
        }
    }

    /// The kernel's OOM killer ends the running container `id`: events `oom`, then `die` with
    /// exit code 137, and `oomKilled` set.
    /// - Throws: As ``exit(id:code:)``.
    public func oom(id: String) throws(RuntimeError) {
        try state.withLock { state throws(RuntimeError) in
            let key = try state.runningContainer(id, "making container \(id) run out of memory")
            if let container = state.containers[key] { state.emit("oom", container) }
            state.finish(key, exitCode: 137, oomKilled: true)
        }
    }

    /// The kernel's OOM killer ends the running container `id`, and the engine says so late, as
    /// Docker 20.10 may under load: event `die` with exit code 137 and `oomKilled` not set; then,
    /// at ``reportOOM(id:)``, event `oom`, `oomKilled` still not set.
    /// - Throws: As ``exit(id:code:)``.
    public func oomReportedLate(id: String) throws(RuntimeError) {
        try exit(id: id, code: 137)
    }

    /// The engine's late word that the OOM killer ended the exited container `id`
    /// (``oomReportedLate(id:)``): event `oom` alone.
    /// - Throws: `notFound` for an unknown container, `invalid` for one that has not exited.
    public func reportOOM(id: String) throws(RuntimeError) {
        try state.withLock { state throws(RuntimeError) in
            let key = try state.resolve(id, "reporting that container \(id) ran out of memory")
            guard let container = state.containers[key], container.state.status == .exited else {
                throw RuntimeError(.invalid, "reporting that container \(id) ran out of memory: it has not exited")
            }
            state.emit("oom", container)
        }
    }

    /// The health check of the running container `id` reports `healthy` or `unhealthy` (event
    /// `health_status: healthy|unhealthy`).
    /// - Throws: As ``exit(id:code:)``, and `invalid` for a container without a health check.
    public func setHealth(id: String, healthy: Bool) throws(RuntimeError) {
        try state.withLock { state throws(RuntimeError) in
            let key = try state.runningContainer(id, "changing the health of container \(id)")
            guard var container = state.containers[key], container.spec.healthCheck != nil else {
                throw RuntimeError(.invalid, "changing the health of container \(id): it has no health check")
            }
            let health = healthy ? "healthy" : "unhealthy"
            container.state.health = health
            state.containers[key] = container
            state.emit("health_status: \(health)", container)
        }
    }
}

extension FakeRuntime.State {
    func runningContainer(_ id: String, _ context: String) throws(RuntimeError) -> String {
        let key = try resolve(id, context)
        guard containers[key]?.state.status == .running else {
            throw RuntimeError(.invalid, "\(context): it is not running")
        }
        return key
    }
}
