import Synchronization
import WharfAgent

/// A `ContainerRuntime` that keeps images and containers in memory, for tests of the task engine.
///
/// It is deterministic: container IDs count up (`000…001`), dynamic host ports are handed out from
/// `firstDynamicPort` upwards, and timestamps come from a logical clock that advances one second
/// per state change from `startTime`. Nothing happens on its own: a test makes containers exit,
/// run out of memory or change health (see `FakeRuntime+Control.swift`), and each change is
/// emitted to event subscribers the way the engine would: `create`, `start`, `die` (with
/// `exitCode`), `oom`, `stop`, `health_status: healthy|unhealthy` and `destroy`.
///
/// Like the engine, it allocates host ports at start and releases them when the container exits,
/// when its bindings disappear. `stopContainer` does not wait: the container exits at once with
/// `stopExitCode`, and the timeout asked for is recorded in ``calls``.
public final class FakeRuntime: ContainerRuntime {
    /// What the fake knows about an image reference; a reference it has not been told about is
    /// ``missing``.
    public enum Image: Equatable, Sendable {
        /// Present locally.
        case present
        /// In its registry: a pull makes it present.
        case pullable
        /// Nowhere: a pull fails with `imageNotFound`.
        case missing
        /// A pull fails with `pullFailed` and this message (a registry that refuses, a network down).
        case failing(String)
    }

    /// A call the fake received, in order, with its arguments.
    public enum Call: Equatable, Sendable {
        /// `info()`.
        case info
        /// `hasImage(_:)` with the reference.
        case hasImage(String)
        /// `pullImage(_:credentials:)`.
        case pullImage(String, credentials: RegistryCredentials?)
        /// `createContainer(_:)` with the whole spec.
        case createContainer(ContainerSpec)
        /// `startContainer(id:)`.
        case startContainer(String)
        /// `stopContainer(id:timeoutSeconds:)`, with the timeout asked for.
        case stopContainer(String, timeoutSeconds: Int)
        /// `removeContainer(id:)`.
        case removeContainer(String)
        /// `removeVolume(name:)`.
        case removeVolume(String)
        /// `inspectContainer(id:)`.
        case inspectContainer(String)
        /// `listContainers(labels:)`.
        case listContainers([String: String])
        /// `events(labels:)`.
        case events([String: String])
        /// `ensureTaskNetwork(_:)`.
        case ensureTaskNetwork(TaskNetworkSpec)
        /// `importImage(_:rootfs:command:)`, with the reference and command.
        case importImage(String, command: [String])
    }

    /// The runtime operations that ``failNext(_:with:)`` can make fail, named after the methods.
    public enum Operation: Hashable, Sendable {
        /// `info()`.
        case info
        /// `hasImage(_:)`.
        case hasImage
        /// `pullImage(_:credentials:)`.
        case pullImage
        /// `createContainer(_:)`.
        case createContainer
        /// `startContainer(id:)`.
        case startContainer
        /// `stopContainer(id:timeoutSeconds:)`.
        case stopContainer
        /// `removeContainer(id:)`.
        case removeContainer
        /// `removeVolume(name:)`.
        case removeVolume
        /// `inspectContainer(id:)`.
        case inspectContainer
        /// `listContainers(labels:)`.
        case listContainers
        /// `ensureTaskNetwork(_:)`.
        case ensureTaskNetwork
        /// `importImage(_:rootfs:command:)`.
        case importImage
    }

    struct Container {
        var spec: ContainerSpec
        var state: ContainerState
    }

    struct Subscriber {
        var labels: [String: String]
        var continuation: AsyncThrowingStream<ContainerEvent, any Error>.Continuation
    }

    struct State {
        var images: [String: Image]
        var containers: [String: Container] = [:]
        var creationOrder: [String] = []
        var nextContainer = 1
        var nextPort: Int
        var clock: Double
        var calls: [Call] = []
        var failures: [Operation: [RuntimeError]] = [:]
        var subscribers: [Int: Subscriber] = [:]
        var nextSubscriber = 0
        var recordsCalls = true
        /// What an image not in `images` is.
        var otherImages: Image = .missing
        /// What each container wrote, by full ID, and who follows it.
        var output: [String: [ContainerLogLine]] = [:]
        var logFollowers: [Int: (container: String, continuation: AsyncThrowingStream<[ContainerLogLine], any Error>.Continuation)] = [:]
        /// What ``stats(id:)`` answers, by full ID.
        var stats: [String: ContainerStatsSample] = [:]
        /// The networks made by ``ensureTaskNetwork(_:)``, by name.
        var networks: [String: TaskNetworkSpec] = [:]
        /// Run once by the next ``listContainers(labels:)`` (``afterNextListing(_:)``).
        var afterListing: (@Sendable () async -> Void)?
    }

    let runtimeInfo: RuntimeInfo
    let stopExitCode: Int
    let state: Mutex<State>
    /// How long a start takes, as an engine's does (the fleet simulator's containers start late).
    let startDelay: Duration
    /// The share of starts that fail with an engine error, 0 to 1.
    let startFailureRate: Double
    /// How long a started container runs before it exits on its own (code 0); nil: until stopped.
    let runTime: Duration?

    /// A fake engine.
    /// - Parameters:
    ///   - info: What ``info()`` answers.
    ///   - images: The images it knows about.
    ///   - firstDynamicPort: The first host port it hands out for a port without one.
    ///   - startTime: The logical clock's start, in seconds since 1970.
    ///   - stopExitCode: The exit code of a container that ``stopContainer(id:timeoutSeconds:)``
    ///     stops (143: ended by SIGTERM).
    ///   - startDelay: How long each start takes.
    ///   - startFailureRate: The share of starts that fail (0 to 1).
    ///   - runTime: How long each started container runs before it exits with code 0; nil runs it
    ///     until it is stopped.
    ///   - recordsCalls: Whether ``calls`` keeps every call (off for long runs with many containers).
    ///   - otherImages: What every image not in `images` is (``Image/missing`` unless given).
    public init(
        info: RuntimeInfo = RuntimeInfo(
            version: "20.10.24-fake", apiVersion: "1.41", cpus: 4, memoryBytes: 8 << 30, osType: "linux", architecture: "x86_64"
        ),
        images: [String: Image] = [:], firstDynamicPort: Int = 49153, startTime: Double = 1_700_000_000,
        stopExitCode: Int = 143, startDelay: Duration = .zero, startFailureRate: Double = 0, runTime: Duration? = nil,
        recordsCalls: Bool = true, otherImages: Image = .missing
    ) {
        self.runtimeInfo = info
        self.stopExitCode = stopExitCode
        self.startDelay = startDelay
        self.startFailureRate = startFailureRate
        self.runTime = runTime
        var state = State(images: images, nextPort: firstDynamicPort, clock: startTime)
        state.recordsCalls = recordsCalls
        state.otherImages = otherImages
        self.state = Mutex(state)
    }

    /// How many containers run now.
    public var runningCount: Int { state.withLock { $0.containers.values.filter { $0.state.status == .running }.count } }

    /// Every call so far, oldest first.
    public var calls: [Call] { state.withLock { $0.calls } }

    /// The `info` given at init.
    public func info() async throws(RuntimeError) -> RuntimeInfo {
        try state.withLock { state throws(RuntimeError) in
            try state.record(.info, .info)
            return runtimeInfo
        }
    }

    /// Whether the image is ``Image/present``.
    public func hasImage(_ reference: String) async throws(RuntimeError) -> Bool {
        try state.withLock { state throws(RuntimeError) in
            try state.record(.hasImage(reference), .hasImage)
            return (state.images[reference] ?? state.otherImages) == .present
        }
    }

    /// Makes a ``Image/pullable`` image present; fails for a ``Image/missing`` (or unknown) or
    /// ``Image/failing(_:)`` one as the engine would.
    public func pullImage(_ reference: String, credentials: RegistryCredentials?) async throws(RuntimeError) {
        try state.withLock { state throws(RuntimeError) in
            try state.record(.pullImage(reference, credentials: credentials), .pullImage)
            switch state.images[reference] ?? state.otherImages {
            case .present:
                return
            case .pullable:
                state.images[reference] = .present
            case .missing:
                throw RuntimeError(.imageNotFound, "pulling image \"\(reference)\": manifest unknown")
            case .failing(let message):
                throw RuntimeError(.pullFailed, "pulling image \"\(reference)\": \(message)")
            }
        }
    }

    /// Creates a container in state `created` (event `create`). Fails like the engine: `notFound`
    /// for an image that is not present, `conflict` for a name in use, `invalid` under 6 MiB.
    public func createContainer(_ spec: ContainerSpec) async throws(RuntimeError) -> String {
        try state.withLock { state throws(RuntimeError) in
            try state.record(.createContainer(spec), .createContainer)
            guard (state.images[spec.image] ?? state.otherImages) == .present else {
                throw RuntimeError(.notFound, "creating container \"\(spec.name)\": No such image: \(spec.image)")
            }
            if let memory = spec.memoryMiB, memory < 6 {
                throw RuntimeError(.invalid, "creating container \"\(spec.name)\": Minimum memory limit allowed is 6MB")
            }
            guard !state.containers.values.contains(where: { $0.state.name == spec.name }) else {
                throw RuntimeError(.conflict, "creating container \"\(spec.name)\": the name is already in use")
            }
            let id = String(state.nextContainer, radix: 16)
            let paddedID = String(repeating: "0", count: 64 - id.count) + id
            state.nextContainer += 1
            var container = Container(
                spec: spec, state: ContainerState(id: paddedID, name: spec.name, labels: spec.labels, status: .created)
            )
            if let address = spec.ipv4Address {
                guard state.networks[spec.networkMode] != nil else {
                    throw RuntimeError(
                        .notFound, "creating container \"\(spec.name)\": network \(spec.networkMode) not found")
                }
                let taken = state.containers.values.contains { $0.spec.ipv4Address == address }
                guard !taken else {
                    throw RuntimeError(.conflict, "creating container \"\(spec.name)\": Address already in use")
                }
                let mac = "02:42:" + address.split(separator: ".").map { byte in
                    let hex = String(Int(byte) ?? 0, radix: 16)
                    return hex.count == 1 ? "0" + hex : hex
                }.joined(separator: ":")
                container.state.networks[spec.networkMode] = ContainerState.Endpoint(
                    ipv4Address: address, macAddress: mac)
            }
            state.containers[paddedID] = container
            state.creationOrder.append(paddedID)
            state.emit("create", container)
            return paddedID
        }
    }
}
