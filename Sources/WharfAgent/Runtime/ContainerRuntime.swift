/// The container engine of a node, as the task engine needs it. `DockerRuntime` speaks the Docker
/// Engine API over its unix socket; the simulator and the agent's tests use `FakeRuntime` (in
/// WharfSim, with the one shipped tool that needs it), which keeps containers in memory.
public protocol ContainerRuntime: Sendable {
    /// The engine's version and the node's resources.
    func info() async throws(RuntimeError) -> RuntimeInfo
    /// Whether an image is present locally.
    func hasImage(_ reference: String) async throws(RuntimeError) -> Bool
    /// Pulls an image, with registry credentials when given.
    /// - Throws: `RuntimeError` with code `imageNotFound` or `pullFailed` and the engine's message.
    func pullImage(_ reference: String, credentials: RegistryCredentials?) async throws(RuntimeError)
    /// Creates a container; returns its ID.
    func createContainer(_ spec: ContainerSpec) async throws(RuntimeError) -> String
    /// Starts a created container.
    func startContainer(id: String) async throws(RuntimeError)
    /// Sends SIGTERM (or the image's stop signal), then SIGKILL after `timeoutSeconds`.
    func stopContainer(id: String, timeoutSeconds: Int) async throws(RuntimeError)
    /// Removes a container and its anonymous volumes; a missing container is not an error.
    func removeContainer(id: String) async throws(RuntimeError)
    /// Removes a named volume; a missing one is not an error. - Throws: `conflict` while in use.
    func removeVolume(name: String) async throws(RuntimeError)
    /// The container's current state. - Throws: code `notFound` when it does not exist.
    func inspectContainer(id: String) async throws(RuntimeError) -> ContainerState
    /// Every container (running or not) carrying all of `labels`.
    func listContainers(labels: [String: String]) async throws(RuntimeError) -> [ContainerState]
    /// Container events (start, die, oom, health_status, destroy, ...) for containers carrying all
    /// of `labels`, streamed as they happen until the stream is cancelled or the engine goes away.
    ///
    /// Every event that happens after the call is delivered, also one that happens before the
    /// subscription reaches the engine. The stream finishes without an error when the consumer
    /// cancels it, and with a `RuntimeError` when the engine goes away; it never ends otherwise.
    func events(labels: [String: String]) -> AsyncThrowingStream<ContainerEvent, any Error>
    /// The container's output (stdout and stderr, with the engine's timestamps) written after
    /// `sinceNanos` (nanoseconds since 1970; nil: all of it), followed while the container runs,
    /// in the batches it arrives in.
    /// The stream ends once the container has stopped and everything it wrote was delivered, and
    /// with a `RuntimeError` when the engine goes away or the container does not exist.
    func logs(id: String, sinceNanos: Int64?) -> AsyncThrowingStream<[ContainerLogLine], any Error>
    /// One sample of the container's CPU time and memory. - Throws: code `notFound` when it does not exist.
    func stats(id: String) async throws(RuntimeError) -> ContainerStatsSample
    /// Makes sure the bridge network of awsvpc tasks exists with `network`'s subnet: creates it,
    /// or replaces one of that name with another subnet (which fails while containers use it).
    func ensureTaskNetwork(_ network: TaskNetworkSpec) async throws(RuntimeError)
    /// Makes an image from a tar archive of its root filesystem, run with `command`
    /// (`docker import`).
    func importImage(_ reference: String, rootfs: [UInt8], command: [String]) async throws(RuntimeError)
    /// The gateway address of a network of the engine (`bridge`: the node's address on it, which
    /// its containers reach the node at); nil when it has none.
    func networkGateway(_ name: String) async throws(RuntimeError) -> String?
    /// The engine's own statistics of a container, as it writes them (`docker stats`' JSON), for
    /// the task metadata endpoint. - Throws: code `notFound` when it does not exist.
    func statsDocument(id: String) async throws(RuntimeError) -> [UInt8]
    /// Whether ``exec(containerID:command:tty:)`` can run commands: the agent takes `wharf exec`
    /// sessions only then.
    var runsCommands: Bool { get }
    /// Starts `command` in the container `id` (`docker exec`), with a terminal when `tty`.
    func exec(containerID id: String, command: [String], tty: Bool) async throws(RuntimeError) -> ExecProcess
}

/// The bridge network a node's awsvpc tasks are attached to: its block of the task address range,
/// with the block's first address on the node's side as the tasks' gateway.
public struct TaskNetworkSpec: Equatable, Sendable {
    /// The engine's name for the network, also the name of its bridge interface.
    public var name: String
    /// The node's block, such as `10.64.3.0/24`.
    public var subnet: String
    /// The node's address on the bridge: the block's first, such as `10.64.3.1`.
    public var gateway: String

    /// A network of `name` over `subnet` with `gateway`.
    public init(name: String, subnet: String, gateway: String) {
        self.name = name
        self.subnet = subnet
        self.gateway = gateway
    }
}

/// What a container engine reports about itself and its host.
public struct RuntimeInfo: Equatable, Sendable {
    /// The engine version, such as `20.10.24`.
    public var version: String
    /// The engine API version, such as `1.41`.
    public var apiVersion: String
    /// CPU cores the engine can use.
    public var cpus: Int
    /// Memory of the host in bytes.
    public var memoryBytes: Int
    /// `linux` or `windows`.
    public var osType: String
    /// `x86_64` or `aarch64`, as the engine names it.
    public var architecture: String
    /// `cgroupfs` or `systemd`; nil when the engine does not say.
    public var cgroupDriver: String?
    /// `1` or `2`; nil when the engine does not say.
    public var cgroupVersion: String?

    /// Engine and host facts as the engine reports them.
    public init(version: String, apiVersion: String, cpus: Int, memoryBytes: Int, osType: String, architecture: String,
                cgroupDriver: String? = nil, cgroupVersion: String? = nil) {
        self.version = version
        self.apiVersion = apiVersion
        self.cpus = cpus
        self.memoryBytes = memoryBytes
        self.osType = osType
        self.architecture = architecture
        self.cgroupDriver = cgroupDriver
        self.cgroupVersion = cgroupVersion
    }
}

/// Credentials for a private registry (from a task definition's `repositoryCredentials`).
public struct RegistryCredentials: Equatable, Sendable {
    /// The registry user name.
    public var username: String
    /// The password or token.
    public var password: String
    /// Credentials for the registry that the image reference names.
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}

/// A failure of the container engine, with a code the task engine turns into ECS's reasons.
public struct RuntimeError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The engine does not answer (socket missing, daemon down).
        case unavailable
        /// The image does not exist in its registry, or the registry refused it.
        case imageNotFound
        /// The pull failed for another reason (network, authentication).
        case pullFailed
        /// The container (or image) does not exist.
        case notFound
        /// A name or port is already taken.
        case conflict
        /// The engine refused the request as invalid (bad spec).
        case invalid
        /// Anything else the engine reported.
        case engine
        /// The calling task was cancelled before the engine answered; the operation may or may
        /// not have taken effect.
        case cancelled
    }

    /// What kind of failure this is.
    public var code: Code
    /// What failed, naming the image or container, with the engine's own words where it gave any.
    public var message: String

    /// A failure with `code` and a message that names the thing and says what happened.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`, for logs.
    public var description: String { "\(code.rawValue): \(message)" }
}

extension ContainerRuntime {
    /// A runtime that cannot run commands in containers (the simulator's) says so.
    public var runsCommands: Bool { false }

    /// A runtime that cannot run commands in containers (the simulator's) refuses them.
    public func exec(containerID id: String, command: [String], tty: Bool) async throws(RuntimeError) -> ExecProcess {
        throw RuntimeError(.invalid, "this container runtime cannot run commands in containers")
    }
}
