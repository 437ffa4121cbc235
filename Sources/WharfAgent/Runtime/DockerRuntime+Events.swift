import AsyncHTTPClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOHTTP1

extension DockerRuntime {
    /// Container events from `GET /events`, filtered by the engine to containers carrying all of
    /// `labels`.
    ///
    /// The request asks for events `since` the moment of the call, so the engine also replays an
    /// event that happened before the subscription reached it. Each event's labels are the
    /// engine's actor attributes without the ones it sets itself (`image`, `name`, `exitCode`,
    /// `signal`, ...); those are in `attributes`.
    ///
    /// The stream finishes without an error when its consumer stops (the request is cancelled
    /// with it) and when ``shutdown()`` runs; with a `RuntimeError` when the engine cannot be
    /// reached or ends the stream.
    public func events(labels: [String: String]) -> AsyncThrowingStream<ContainerEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<ContainerEvent, any Error>.makeStream()
        let since = Self.engineTimestamp(Date())
        let client = self.client
        let streams = eventStreams
        guard let key = streams.reserve() else {
            continuation.finish(throwing: RuntimeError(.unavailable, "watching container events: the Docker runtime has been shut down"))
            return stream
        }
        continuation.onTermination = { _ in streams.end(key) }
        let task = Task<Void, Never> {
            do throws(RuntimeError) {
                try await Self.readEvents(client: client, labels: labels, since: since) { continuation.yield($0) }
                continuation.finish()
            } catch {
                // A cancelled stream ends quietly, however the cancellation surfaced.
                if Task.isCancelled { continuation.finish() } else { continuation.finish(throwing: error) }
            }
        }
        streams.attach(task, to: key)
        return stream
    }

    /// Reads the event stream until it is cancelled, returning then; throws when it ends otherwise.
    private static func readEvents(
        client: DockerClient, labels: [String: String], since: String, _ yield: (ContainerEvent) -> Void
    ) async throws(RuntimeError) {
        let context = "watching container events"
        var filters = ["type": ["container"]]
        if !labels.isEmpty { filters["label"] = labelFilters(labels) }
        let query = [("since", since), ("filters", String(decoding: try DockerClient.json(filters), as: UTF8.self))]
        let response = try await client.stream(.GET, "/events", query: query, context: context)
        do {
            guard response.status == .ok else {
                let body = try await response.body.collect(upTo: DockerClient.maximumBodySize)
                throw client.failure(DockerClient.Response(status: response.status, body: body), context)
            }
            var splitter = JSONObjectSplitter()
            let decoder = JSONDecoder()
            for try await chunk in response.body {
                for object in try splitter.append(chunk.readableBytesView) {
                    guard let event = try? decoder.decode(DockerAPI.Event.self, from: Data(object)),
                          let containerEvent = ContainerEvent(event)
                    else { continue }
                    yield(containerEvent)
                }
            }
        } catch {
            throw client.transportError(error, context)
        }
        if Task.isCancelled { return }
        throw RuntimeError(.unavailable, "\(context): the Docker engine on \(client.socketPath) ended the event stream")
    }

    /// `seconds.nanoseconds` since 1970, as the engine's `since` takes it.
    static func engineTimestamp(_ date: Date) -> String {
        let nanoseconds = Int64((date.timeIntervalSince1970 * 1_000_000_000).rounded(.down))
        let fraction = String(nanoseconds % 1_000_000_000)
        return "\(nanoseconds / 1_000_000_000)." + String(repeating: "0", count: 9 - fraction.count) + fraction
    }
}

extension ContainerEvent {
    /// The event of a container that the engine reports, or nil for an event of another type.
    init?(_ event: DockerAPI.Event) {
        guard event.type == nil || event.type == "container",
              let action = event.action, let id = event.actor?.id, !id.isEmpty
        else { return nil }
        let all = event.actor?.attributes ?? [:]
        self.init(
            action: action,
            containerID: id,
            labels: all.filter { !Self.engineAttributeNames.contains($0.key) },
            attributes: all.filter { Self.engineAttributeNames.contains($0.key) }
        )
    }
}
