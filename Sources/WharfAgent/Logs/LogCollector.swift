import Logging

/// Reads the output of every container that logs through `awslogs` from the engine and appends it
/// to the ``LogBuffer``, resuming after the last line it buffered, so a restarted agent or a
/// broken stream neither loses nor repeats lines. The container never waits on this: the engine
/// keeps its output (json-file) and the collector reads it from there.
public actor LogCollector {
    let runtime: any ContainerRuntime
    let buffer: LogBuffer
    let logger: Logger
    private var followers: [String: (token: Int, task: Task<Void, Never>)] = [:]
    private var nextToken = 0
    private let began = ContinuousClock.now
    /// Containers whose stream ended with the container stopped: read to the end.
    private var finished: Set<String> = []

    public init(runtime: any ContainerRuntime, buffer: LogBuffer, logger: Logger) {
        self.runtime = runtime
        self.buffer = buffer
        self.logger = logger
    }

    /// Follows what `sources` lists, asking again every `interval`, until cancelled.
    public func run(interval: Duration = .milliseconds(500), sources: @escaping @Sendable () async -> [LogSource]) async {
        while !Task.isCancelled {
            await update(await sources())
            try? await Task.sleep(for: interval)
        }
        for follower in followers.values { follower.task.cancel() }
        followers = [:]
    }

    /// Starts following new sources and stops following those that are gone.
    func update(_ sources: [LogSource]) async {
        let listed = Set(sources.map(\.containerID))
        for (id, follower) in followers where !listed.contains(id) {
            follower.task.cancel()
            followers[id] = nil
        }
        for id in finished where !listed.contains(id) {
            finished.remove(id)
            await buffer.forget(container: id)
        }
        for source in sources where followers[source.containerID] == nil {
            // A container read to its end is followed again only if it runs again.
            if finished.contains(source.containerID), !source.running { continue }
            finished.remove(source.containerID)
            nextToken += 1
            let token = nextToken
            followers[source.containerID] = (token, Task { await self.follow(source, token: token) })
        }
    }

    /// The ID of every container followed now.
    public var following: [String] { followers.keys.sorted() }

    /// What the reader of a multiline source waits for: lines, or a second gone by (to send an
    /// event that no further line completes).
    private enum Input: Sendable {
        case lines([ContainerLogLine])
        case tick
    }

    /// Follows a source whose lines join into events; every append happens here, in order.
    private func followJoining(_ source: LogSource, since: Int64?, joiner: inout LogEventJoiner) async throws {
        let (inputs, continuation) = AsyncThrowingStream<Input, any Error>.makeStream()
        let logs = runtime.logs(id: source.containerID, sinceNanos: since)
        let reader = Task {
            do {
                for try await lines in logs { continuation.yield(.lines(lines)) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                continuation.yield(.tick)
            }
        }
        continuation.onTermination = { _ in
            reader.cancel()
            ticker.cancel()
        }
        func append(_ events: [ContainerLogLine], cursor: Int64?) async {
            await buffer.append(group: source.group, stream: source.stream, createGroup: source.createGroup,
                                lines: events, container: source.containerID, cursor: cursor)
        }
        for try await input in inputs {
            let now = clock()
            switch input {
            case .lines(let lines):
                let (events, cursor) = joiner.add(lines, now: now)
                await append(events, cursor: cursor)
            case .tick:
                if let flushed = joiner.flush(now: now) { await append([flushed.event], cursor: flushed.cursor) }
            }
        }
        if !Task.isCancelled, let flushed = joiner.flush(now: clock(), force: true) {
            await append([flushed.event], cursor: flushed.cursor)
        }
    }

    /// Seconds since the collector began, for the joiner's flush.
    private func clock() -> Double {
        let elapsed = began.duration(to: .now).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }

    /// Forgets the follower `token` of a container (not a newer one that replaced it).
    private func ended(_ source: LogSource, token: Int, completely: Bool) {
        guard followers[source.containerID]?.token == token else { return }
        followers[source.containerID] = nil
        if completely { finished.insert(source.containerID) }
    }

    private func follow(_ source: LogSource, token: Int) async {
        let id = source.containerID
        do {
            let since = await buffer.cursor(for: id)
            if let pattern = source.eventStart, var joiner = LogEventJoiner(pattern: pattern) {
                try await followJoining(source, since: since, joiner: &joiner)
            } else {
                for try await lines in runtime.logs(id: id, sinceNanos: since) {
                    await buffer.append(
                        group: source.group,
                        stream: source.stream,
                        createGroup: source.createGroup,
                        lines: lines,
                        container: id
                    )
                }
            }
            // Cancelled (the container is gone from the list): not read to its end.
            ended(source, token: token, completely: !Task.isCancelled)
        } catch let error as RuntimeError where error.code == .notFound {
            // Removed behind the agent's back: there is nothing more to read.
            ended(source, token: token, completely: true)
        } catch {
            if !Task.isCancelled {
                logger.warning("cannot read a container's output; trying again", metadata: ["container.id": "\(id)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
            ended(source, token: token, completely: false)
        }
    }
}
