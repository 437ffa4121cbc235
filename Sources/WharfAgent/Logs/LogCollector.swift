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
            for try await lines in runtime.logs(id: id, sinceNanos: since) {
                await buffer.append(group: source.group, stream: source.stream, createGroup: source.createGroup, lines: lines, container: id)
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
