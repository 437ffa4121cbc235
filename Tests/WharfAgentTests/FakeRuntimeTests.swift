import Testing
import WharfAgent
import WharfSim

@Suite("Fake runtime")
struct FakeRuntimeTests {
    static let image = "registry.example/app:1"

    static func spec(_ name: String, ports: [ContainerSpec.Port] = [], health: Bool = false) -> ContainerSpec {
        ContainerSpec(
            name: name, image: image, labels: ["org.wharf.task": "t1", "name": name], ports: ports,
            healthCheck: health ? .init(test: ["CMD-SHELL", "true"], intervalSeconds: 5, timeoutSeconds: 2, retries: 3, startPeriodSeconds: 0) : nil
        )
    }

    /// Reads events from `stream` until it has `count` of them.
    static func take(_ count: Int, from stream: AsyncThrowingStream<ContainerEvent, any Error>) async throws -> [ContainerEvent] {
        var events: [ContainerEvent] = []
        for try await event in stream {
            events.append(event)
            if events.count == count { break }
        }
        return events
    }

    @Test("images: present ones are there, pullable ones arrive with a pull, missing and failing ones say why")
    func images() async throws {
        let fake = FakeRuntime(images: [
            "present:1": .present, "pullable:1": .pullable, "gone:1": .missing, "refused:1": .failing("unauthorized"),
        ])
        #expect(try await fake.hasImage("present:1"))
        #expect(try await !fake.hasImage("pullable:1"))
        try await fake.pullImage("pullable:1", credentials: RegistryCredentials(username: "u", password: "p"))
        #expect(try await fake.hasImage("pullable:1"))
        await #expect(throws: RuntimeError(.imageNotFound, "pulling image \"gone:1\": manifest unknown")) {
            try await fake.pullImage("gone:1", credentials: nil)
        }
        await #expect(throws: RuntimeError(.imageNotFound, "pulling image \"never-heard-of:1\": manifest unknown")) {
            try await fake.pullImage("never-heard-of:1", credentials: nil)
        }
        await #expect(throws: RuntimeError(.pullFailed, "pulling image \"refused:1\": unauthorized")) {
            try await fake.pullImage("refused:1", credentials: nil)
        }
        #expect(fake.calls.contains(.pullImage("pullable:1", credentials: RegistryCredentials(username: "u", password: "p"))))
    }

    @Test("a container runs through create, start, exit and remove, with events in order")
    func lifecycle() async throws {
        let fake = FakeRuntime(images: [Self.image: .present], startTime: 100)
        let events = fake.events(labels: ["org.wharf.task": "t1"])
        let id = try await fake.createContainer(Self.spec("web"))
        #expect(id == String(repeating: "0", count: 63) + "1")
        #expect(try await fake.inspectContainer(id: "web").status == .created)
        try await fake.startContainer(id: id)
        let running = try await fake.inspectContainer(id: id)
        #expect(running.status == .running && running.startedAt == 101 && running.exitCode == nil)
        try fake.exit(id: id, code: 3)
        let exited = try await fake.inspectContainer(id: id)
        #expect(exited.status == .exited && exited.exitCode == 3 && exited.finishedAt == 102)
        try await fake.removeContainer(id: id)
        try await fake.removeContainer(id: id)
        await #expect(throws: RuntimeError.self) { try await fake.inspectContainer(id: id) }

        let received = try await Self.take(4, from: events)
        #expect(received.map(\.action) == ["create", "start", "die", "destroy"])
        #expect(received[2].exitCode == 3)
        #expect(received[2].attributes["name"] == "web")
        #expect(received[0].labels == ["org.wharf.task": "t1", "name": "web"])
    }

    @Test("dynamic host ports count up, static ones conflict while held, and exit releases them")
    func ports() async throws {
        let fake = FakeRuntime(images: [Self.image: .present], firstDynamicPort: 40000)
        let first = try await fake.createContainer(Self.spec("a", ports: [.init(containerPort: 80, hostPort: 8080), .init(containerPort: 81, hostPort: nil)]))
        try await fake.startContainer(id: first)
        #expect(try await fake.inspectContainer(id: first).bindings.map(\.hostPort) == [8080, 40000])

        let second = try await fake.createContainer(Self.spec("b", ports: [.init(containerPort: 80, hostPort: 8080)]))
        await #expect(throws: RuntimeError(.conflict, "starting container \(second): Bind for 0.0.0.0:8080 failed: port is already allocated")) {
            try await fake.startContainer(id: second)
        }
        try await fake.stopContainer(id: first, timeoutSeconds: 30)
        try await fake.startContainer(id: second)
        #expect(try await fake.inspectContainer(id: second).bindings.map(\.hostPort) == [8080])
        #expect(try await fake.inspectContainer(id: first).bindings.isEmpty)
        #expect(fake.calls.contains(.stopContainer(first, timeoutSeconds: 30)))
        #expect(try await fake.inspectContainer(id: first).exitCode == 143)
    }

    @Test("OOM and health changes show in inspect and as events")
    func oomAndHealth() async throws {
        let fake = FakeRuntime(images: [Self.image: .present])
        let id = try await fake.createContainer(Self.spec("db", health: true))
        let events = fake.events(labels: [:])
        try await fake.startContainer(id: id)
        #expect(try await fake.inspectContainer(id: id).health == "starting")
        try fake.setHealth(id: id, healthy: true)
        #expect(try await fake.inspectContainer(id: id).health == "healthy")
        try fake.oom(id: id)
        let state = try await fake.inspectContainer(id: id)
        #expect(state.oomKilled && state.exitCode == 137 && state.status == .exited)
        #expect(try await Self.take(4, from: events).map(\.action) == ["start", "health_status: healthy", "oom", "die"])
        #expect(throws: RuntimeError.self) { try fake.setHealth(id: id, healthy: false) }
    }

    @Test("queued failures, name conflicts, label filters and the call log")
    func failuresAndQueries() async throws {
        let fake = FakeRuntime(images: [Self.image: .present])
        fake.failNext(.createContainer, with: RuntimeError(.unavailable, "engine down"))
        await #expect(throws: RuntimeError(.unavailable, "engine down")) { try await fake.createContainer(Self.spec("x")) }
        let id = try await fake.createContainer(Self.spec("x"))
        await #expect(throws: RuntimeError.self) { try await fake.createContainer(Self.spec("x")) }
        var other = Self.spec("y")
        other.labels = ["org.wharf.task": "t2"]
        _ = try await fake.createContainer(other)
        #expect(try await fake.listContainers(labels: ["org.wharf.task": "t1"]).map(\.id) == [id])
        #expect(try await fake.listContainers(labels: [:]).count == 2)
        #expect(fake.calls.prefix(2) == [.createContainer(Self.spec("x")), .createContainer(Self.spec("x"))])
    }

    @Test("event streams end when the engine goes away, and a cancelled one unsubscribes")
    func eventStreamsEnd() async throws {
        let fake = FakeRuntime()
        let cancelled = Task { for try await _ in fake.events(labels: [:]) {} }
        let failing = fake.events(labels: [:])
        while fake.subscriberCount < 2 { await Task.yield() }
        cancelled.cancel()
        try await cancelled.value
        #expect(fake.subscriberCount == 1)
        fake.endEvents(with: RuntimeError(.unavailable, "gone"))
        await #expect(throws: RuntimeError(.unavailable, "gone")) { for try await _ in failing {} }
        #expect(fake.subscriberCount == 0)
    }
}
