import Synchronization
import WharfAgent

extension FakeRuntime {
    /// What the container wrote after `sinceNanos`, then what it writes (``write(id:_:stream:)``)
    /// until it stops.
    public func logs(id: String, sinceNanos: Int64?) -> AsyncThrowingStream<[ContainerLogLine], any Error> {
        let (stream, continuation) = AsyncThrowingStream<[ContainerLogLine], any Error>.makeStream()
        state.withLock { state in
            let key: String
            do {
                key = try state.resolve(id, "reading the output of container \(id)")
            } catch {
                continuation.finish(throwing: error)
                return
            }
            let written = (state.output[key] ?? []).filter { line in sinceNanos.map { line.timestampNanos > $0 } ?? true }
            if !written.isEmpty { continuation.yield(written) }
            guard state.containers[key]?.state.status == .running else {
                continuation.finish()
                return
            }
            let subscriber = state.nextSubscriber
            state.nextSubscriber += 1
            state.logFollowers[subscriber] = (key, continuation)
        }
        return stream
    }

    /// The sample set with ``setStats(id:_:)``, or zero use.
    public func stats(id: String) async throws(RuntimeError) -> ContainerStatsSample {
        try state.withLock { state throws(RuntimeError) in
            let key = try state.resolve(id, "reading the stats of container \(id)")
            return state.stats[key] ?? ContainerStatsSample(cpuNanos: 0, memoryBytes: 0, readAt: state.clock)
        }
    }

    /// The running container `id` writes `lines`, stamped with `timestampNanos` (or the logical
    /// clock, one second apart).
    /// - Throws: `RuntimeError` with code `notFound` for an unknown container, `invalid` for one
    ///   that is not running.
    public func write(id: String, _ lines: [String], stream: String = "stdout", timestampNanos: Int64? = nil) throws(RuntimeError) {
        try state.withLock { state throws(RuntimeError) in
            let key = try state.runningContainer(id, "writing to container \(id)")
            let written = lines.enumerated().map { index, message in
                ContainerLogLine(timestampNanos: timestampNanos.map { $0 + Int64(index) } ?? Int64(state.tick() * 1_000_000_000),
                                 stream: stream, message: message)
            }
            state.output[key, default: []] += written
            for follower in state.logFollowers.values where follower.container == key {
                follower.continuation.yield(written)
            }
        }
    }

    /// Sets what ``stats(id:)`` answers for `id`.
    public func setStats(id: String, _ sample: ContainerStatsSample) throws(RuntimeError) {
        try state.withLock { state throws(RuntimeError) in
            let key = try state.resolve(id, "setting the stats of container \(id)")
            state.stats[key] = sample
        }
    }
}
