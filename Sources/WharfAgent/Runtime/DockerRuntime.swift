import AsyncHTTPClient
import Logging
import NIOHTTP1

/// The `ContainerRuntime` of a node: the Docker Engine API over the engine's unix socket, through
/// AsyncHTTPClient, never the `docker` command.
///
/// It speaks API 1.41 (Docker 20.10), or the engine's own version when that is older (down to
/// 1.40), negotiated from `GET /version` on first use. Call ``shutdown()`` once done: it ends the
/// event streams and shuts down the HTTP client the runtime created.
///
/// When no engine answers on the socket, every call fails with code `unavailable` and a message
/// that says how to start one.
public final class DockerRuntime: ContainerRuntime {
    /// Where Docker listens on Linux unless told otherwise.
    public static let defaultSocketPath = "/var/run/docker.sock"

    let client: DockerClient
    let logger: Logger
    /// The open event streams.
    let eventStreams = DockerEventStreams()

    /// A runtime for the engine on `socketPath`, with an HTTP client of its own.
    /// - Parameters:
    ///   - socketPath: The engine's unix socket.
    ///   - logger: Where requests are logged (at trace level) and background trouble.
    public init(socketPath: String = DockerRuntime.defaultSocketPath, logger: Logger = Logger(label: "wharf.agent.docker")) {
        self.client = DockerClient(socketPath: socketPath, httpClient: nil, logger: logger)
        self.logger = logger
    }

    /// A runtime for the engine on `socketPath` that sends its requests through `httpClient`,
    /// which stays the caller's to shut down.
    public init(socketPath: String = DockerRuntime.defaultSocketPath, httpClient: HTTPClient, logger: Logger = Logger(label: "wharf.agent.docker")) {
        self.client = DockerClient(socketPath: socketPath, httpClient: httpClient, logger: logger)
        self.logger = logger
    }

    /// The engine's unix socket.
    public var socketPath: String { client.socketPath }

    /// Ends every open event stream (they finish without an error) and shuts down the HTTP client
    /// if the runtime created it. Calls after the first do nothing. New event streams fail after
    /// it, and so do requests when the runtime created its HTTP client (code `unavailable`).
    public func shutdown() async {
        await eventStreams.shutDown()
        await client.shutdown()
    }

    /// The engine's version and the host's resources, from `GET /version` and `GET /info`.
    public func info() async throws(RuntimeError) -> RuntimeInfo {
        let version = try await client.engineVersion()
        let context = "asking the Docker engine for the host's resources"
        let response = try await client.request(.GET, "/info", context: context)
        guard response.status == .ok else { throw client.failure(response, context) }
        let info = try response.decode(DockerAPI.SystemInfo.self, context)
        return RuntimeInfo(
            version: version.version,
            apiVersion: version.apiVersion,
            cpus: info.cpus,
            memoryBytes: info.memoryBytes,
            osType: info.osType,
            architecture: info.architecture,
            cgroupDriver: info.cgroupDriver,
            cgroupVersion: info.cgroupVersion
        )
    }
}
