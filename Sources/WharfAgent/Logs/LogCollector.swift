import Logging

/// Reads the output of every container that logs through `awslogs` from the engine and appends it
/// to the ``LogBuffer``, resuming after the last line it buffered, so a restarted agent or a
/// broken stream neither loses nor repeats lines. The container never waits on this: the engine
/// keeps its output (json-file) and the collector reads it from there.
public actor LogCollector {
    let runtime: any ContainerRuntime
    let buffer: LogBuffer
    let logger: Logger
    private var followers: [String: Task<Void, Never>] = [:]
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
        for follower in followers.values { follower.cancel() }
        followers = [:]
    }

    /// Starts following new sources and stops following those that are gone.
    func update(_ sources: [LogSource]) async {
        let listed = Set(sources.map(\.containerID))
        for (id, follower) in followers where !listed.contains(id) {
            follower.cancel()
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
            followers[source.containerID] = Task { await self.follow(source) }
        }
    }

    /// The ID of every container followed now.
    public var following: [String] { followers.keys.sorted() }

    private func ended(_ source: LogSource, completely: Bool) {
        followers[source.containerID] = nil
        if completely { finished.insert(source.containerID) }
    }

    private func follow(_ source: LogSource) async {
        let id = source.containerID
        do {
            let since = await buffer.cursor(for: id)
            for try await lines in runtime.logs(id: id, sinceNanos: since) {
                await buffer.append(group: source.group, stream: source.stream, createGroup: source.createGroup, lines: lines, container: id)
            }
            ended(source, completely: true)
        } catch {
            if !Task.isCancelled {
                logger.warning("cannot read a container's output; trying again", metadata: ["container.id": "\(id)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
            ended(source, completely: false)
        }
    }
}
