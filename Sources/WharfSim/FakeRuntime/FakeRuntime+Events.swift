import Synchronization
import WharfAgent

extension FakeRuntime {
    /// The events of containers carrying all of `labels` from now on, until the consumer stops or
    /// a test calls ``endEvents(with:)``.
    public func events(labels: [String: String]) -> AsyncThrowingStream<ContainerEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<ContainerEvent, any Error>.makeStream()
        let key = state.withLock { state in
            state.calls.append(.events(labels))
            let key = state.nextSubscriber
            state.nextSubscriber += 1
            state.subscribers[key] = Subscriber(labels: labels, continuation: continuation)
            return key
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: key) }
        }
        return stream
    }

    /// How many event streams are open.
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Ends every open event stream with `error`, as when the engine goes away.
    public func endEvents(with error: RuntimeError) {
        let continuations = state.withLock { state in
            defer { state.subscribers = [:] }
            return state.subscribers.values.map(\.continuation)
        }
        for continuation in continuations { continuation.finish(throwing: error) }
    }
}

extension FakeRuntime.State {
    /// Sends the event to every subscriber whose labels the container carries. It yields while
    /// the state is locked, so subscribers see events in the order the changes happened; a yield
    /// never calls back into the fake.
    func emit(_ action: String, _ container: FakeRuntime.Container, _ extra: [String: String] = [:]) {
        var attributes = extra
        attributes["image"] = container.spec.image
        attributes["name"] = container.state.name
        let event = ContainerEvent(action: action, containerID: container.state.id, labels: container.state.labels, attributes: attributes)
        for subscriber in subscribers.values where container.state.labels.contains(all: subscriber.labels) {
            subscriber.continuation.yield(event)
        }
    }
}
