import Synchronization
import WharfAgent

extension FakeRuntime {
    /// Starts the container (event `start`), allocating its host ports; one that runs is fine. With
    /// a run time, it exits on its own that long after (code 0).
    /// Fails with `conflict` when a static host port is held by a running container.
    public func startContainer(id: String) async throws(RuntimeError) {
        if startDelay > .zero {
            do {
                try await Task.sleep(for: startDelay)
            } catch {
                throw RuntimeError(.cancelled, "starting container \(id): cancelled")
            }
        }
        if startFailureRate > 0, Double.random(in: 0..<1) < startFailureRate {
            throw RuntimeError(.engine, "starting container \(id): simulated failure (the fake engine fails \(Int(startFailureRate * 100)) % of starts)")
        }
        try state.withLock { state throws(RuntimeError) in
            try state.record(.startContainer(id), .startContainer)
            let key = try state.resolve(id, "starting container \(id)")
            guard var container = state.containers[key], container.state.status != .running else { return }
            container.state.bindings = try state.allocatePorts(for: container, "starting container \(id)")
            container.state.status = .running
            container.state.exitCode = nil
            container.state.oomKilled = false
            container.state.error = nil
            container.state.health = container.spec.healthCheck == nil ? nil : "starting"
            container.state.startedAt = state.tick()
            container.state.finishedAt = nil
            state.containers[key] = container
            state.emit("start", container)
        }
        if let runTime {
            Task {
                try? await Task.sleep(for: runTime)
                // Stopped or removed meanwhile: nothing left to exit.
                try? self.exit(id: id, code: 0)
            }
        }
    }

    /// Records the timeout and ends a running container at once with `stopExitCode` (events `die`,
    /// `stop`); one that is not running is fine.
    public func stopContainer(id: String, timeoutSeconds: Int) async throws(RuntimeError) {
        try state.withLock { state throws(RuntimeError) in
            try state.record(.stopContainer(id, timeoutSeconds: timeoutSeconds), .stopContainer)
            let key = try state.resolve(id, "stopping container \(id)")
            guard state.containers[key]?.state.status == .running else { return }
            state.finish(key, exitCode: stopExitCode, oomKilled: false)
            if let container = state.containers[key] { state.emit("stop", container) }
        }
    }

    /// Removes the container (events `die` if it ran, then `destroy`); an unknown one is fine.
    public func removeVolume(name: String) async throws(RuntimeError) {
        try state.withLock { state throws(RuntimeError) in try state.record(.removeVolume(name), .removeVolume) }
    }

    public func removeContainer(id: String) async throws(RuntimeError) {
        try state.withLock { state throws(RuntimeError) in
            try state.record(.removeContainer(id), .removeContainer)
            guard let key = try? state.resolve(id, "") else { return }
            if state.containers[key]?.state.status == .running {
                state.finish(key, exitCode: 137, oomKilled: false)
            }
            guard let removed = state.containers.removeValue(forKey: key) else { return }
            state.creationOrder.removeAll { $0 == key }
            state.emit("destroy", removed)
        }
    }

    /// The container's state, by ID, name or unique ID prefix.
    public func inspectContainer(id: String) async throws(RuntimeError) -> ContainerState {
        try state.withLock { state throws(RuntimeError) in
            try state.record(.inspectContainer(id), .inspectContainer)
            let key = try state.resolve(id, "inspecting container \(id)")
            guard let container = state.containers[key] else {
                throw RuntimeError(.notFound, "inspecting container \(id): No such container: \(id)")
            }
            return container.state
        }
    }

    /// The containers carrying all of `labels`, oldest first.
    public func listContainers(labels: [String: String]) async throws(RuntimeError) -> [ContainerState] {
        let (found, after) = try state.withLock { state throws(RuntimeError) in
            try state.record(.listContainers(labels), .listContainers)
            let after = state.afterListing
            state.afterListing = nil
            let found = state.creationOrder.compactMap { state.containers[$0]?.state }
            return (found.filter { $0.labels.contains(all: labels) }, after)
        }
        if let after { await after() }
        return found
    }
}

extension FakeRuntime.State {
    /// Logs the call, then throws the failure queued for `operation`, if any.
    mutating func record(_ call: FakeRuntime.Call, _ operation: FakeRuntime.Operation) throws(RuntimeError) {
        if recordsCalls { calls.append(call) }
        if var queued = failures[operation], !queued.isEmpty {
            let failure = queued.removeFirst()
            failures[operation] = queued
            throw failure
        }
    }

    /// The ID of the container that `id` names: its ID, its name or a unique prefix of its ID.
    func resolve(_ id: String, _ context: String) throws(RuntimeError) -> String {
        if containers[id] != nil { return id }
        if let named = containers.first(where: { $0.value.state.name == id }) { return named.key }
        let prefixed = containers.keys.filter { !id.isEmpty && $0.hasPrefix(id) }
        guard prefixed.count == 1, let only = prefixed.first else {
            throw RuntimeError(.notFound, "\(context): No such container: \(id)")
        }
        return only
    }

    /// The logical clock's next reading.
    mutating func tick() -> Double {
        clock += 1
        return clock
    }

    /// Host ports for `container`, or a `conflict` when a static one is held by a running container.
    mutating func allocatePorts(for container: FakeRuntime.Container, _ context: String) throws(RuntimeError) -> [ContainerState.Binding] {
        let mode = container.spec.networkMode
        guard mode != "host", mode != "none", !mode.hasPrefix("container:") else { return [] }
        let taken = Set(containers.values.filter { $0.state.status == .running }.flatMap(\.state.bindings).map { "\($0.hostPort)/\($0.transport)" })
        for port in container.spec.ports {
            if let hostPort = port.hostPort, hostPort > 0, taken.contains("\(hostPort)/\(port.transport)") {
                throw RuntimeError(.conflict, "\(context): Bind for 0.0.0.0:\(hostPort) failed: port is already allocated")
            }
        }
        return container.spec.ports.map { port in
            var hostPort = port.hostPort ?? 0
            if hostPort <= 0 {
                hostPort = nextPort
                nextPort += 1
            }
            return ContainerState.Binding(containerPort: port.containerPort, hostPort: hostPort, hostIP: "0.0.0.0", transport: port.transport)
        }
    }

    /// Ends the container with `exitCode` and emits `die`.
    mutating func finish(_ key: String, exitCode: Int, oomKilled: Bool) {
        guard var container = containers[key] else { return }
        container.state.status = .exited
        container.state.exitCode = exitCode
        container.state.oomKilled = oomKilled
        container.state.finishedAt = tick()
        container.state.bindings = []
        containers[key] = container
        emit("die", container, ["exitCode": String(exitCode)])
        for (subscriber, follower) in logFollowers where follower.container == key {
            follower.continuation.finish()
            logFollowers[subscriber] = nil
        }
    }
}

extension Dictionary where Key == String, Value == String {
    /// Whether every key of `labels` is here with the same value.
    func contains(all labels: [String: String]) -> Bool {
        labels.allSatisfy { self[$0.key] == $0.value }
    }
}
