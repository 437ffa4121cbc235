import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
@testable import WharfAgent

#if canImport(Glibc)
import Glibc
#endif

/// The real Docker engine that `DockerRuntimeTests` run against, and scoped fixtures on it.
///
/// The engine, the test image and the registry come from `.ci/setup.sh` (`.ci/run` prepares them).
/// When they are missing, a test fails in CI (`CI` set) and is skipped elsewhere, saying why.
enum DockerTestEngine {
    /// The local test image: Debian's static busybox with one symlink per applet.
    static let testImage = "wharf-test/busybox:latest"
    /// The loopback registry that `.ci/setup.sh` runs and seeds with the test image.
    static let registry = ProcessInfo.processInfo.environment["WHARF_CI_REGISTRY_ADDR"] ?? "127.0.0.1:5000"
    /// The test image in the registry.
    static var registryImage: String { "\(registry)/wharf-test/busybox:latest" }

    /// Thrown in CI when what a test needs is missing: there, that is a failure, never a skip.
    struct Unavailable: Error, CustomStringConvertible {
        var reason: String
        var description: String { "no usable Docker engine in CI: \(reason)" }
    }

    /// Why the engine cannot be used, or nil when it can; asked once per test process.
    private static let engineProblem = Task<String?, Never> {
        let runtime = DockerRuntime()
        let problem: String?
        do throws(RuntimeError) {
            _ = try await runtime.info()
            problem = try await runtime.hasImage(testImage) ? nil : "the test image \(testImage) is missing"
        } catch {
            problem = error.message
        }
        await runtime.shutdown()
        return problem
    }

    /// Fails (CI) or skips (elsewhere) the current test unless the engine and test image are there.
    static func ensureAvailable() async throws {
        if let problem = await engineProblem.value { try unavailable(problem) }
    }

    /// Fails (CI) or skips (elsewhere) the current test unless the registry answers.
    static func ensureRegistry() async throws {
        do {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://\(registry)/v2/"), timeout: .seconds(5))
            if response.status != .ok { try unavailable("the registry on \(registry) answers \(response.status)") }
        } catch let error as Unavailable {
            throw error
        } catch {
            try unavailable("no registry answers on \(registry) (\(error))")
        }
    }

    private static func unavailable(_ reason: String) throws -> Never {
        if ProcessInfo.processInfo.environment["CI"] != nil { throw Unavailable(reason: reason) }
        try Test.cancel(
            "Skipped: \(reason). Run `sudo bash .ci/setup.sh` to start the engine, the registry and the test image, or `.ci/run` to test as CI does."
        )
    }

    /// Runs `body` with a runtime on the real engine, then removes every container and volume the
    /// test made (all carry the label `org.wharf.test=<scope id>`), whether `body` returns or throws.
    static func withScope<Result>(_ body: (Scope) async throws -> Result) async throws -> Result {
        try await ensureAvailable()
        let scope = Scope(runtime: DockerRuntime(), id: UUID().uuidString.lowercased())
        let result: Result
        do {
            result = try await body(scope)
        } catch {
            await scope.cleanUp()
            throw error
        }
        await scope.cleanUp()
        return result
    }

    /// A test's view of the engine: the runtime, its label, and names that do not collide.
    struct Scope: Sendable {
        let runtime: DockerRuntime
        let id: String

        /// The label every container and volume of the test carries.
        var labels: [String: String] { ["org.wharf.test": id] }

        /// A unique name for a container or volume of this test.
        func name(_ base: String) -> String { "wharf-test-\(base)-\(id.prefix(8))" }

        /// A spec from the test image with the test's label.
        func spec(_ base: String, _ command: [String], configure: (inout ContainerSpec) -> Void = { _ in }) -> ContainerSpec {
            var spec = ContainerSpec(name: name(base), image: DockerTestEngine.testImage, command: command, labels: labels)
            configure(&spec)
            return spec
        }

        /// Creates and starts a container; returns its ID.
        func run(_ spec: ContainerSpec) async throws -> String {
            let id = try await runtime.createContainer(spec)
            try await runtime.startContainer(id: id)
            return id
        }

        /// Sends a raw request to the engine, for what the runtime does not do (removing images).
        func raw(_ method: HTTPMethod, _ path: String, query: [(String, String)] = []) async throws -> DockerClient.Response {
            try await runtime.client.request(method, path, query: query, context: "test request \(method) \(path)")
        }

        fileprivate func cleanUp() async {
            do {
                for container in try await runtime.listContainers(labels: labels) {
                    try await runtime.removeContainer(id: container.id)
                }
                let filters = String(decoding: try DockerClient.json(["label": ["org.wharf.test=\(id)"]]), as: UTF8.self)
                let volumes = try await raw(.GET, "/volumes", query: [("filters", filters)])
                struct Volumes: Decodable {
                    struct Volume: Decodable { var Name: String }
                    var Volumes: [Volume]?
                }
                for volume in try volumes.decode(Volumes.self, "listing test volumes").Volumes ?? [] {
                    _ = try await raw(.DELETE, "/volumes/\(volume.Name)")
                }
            } catch {
                Issue.record("could not clean up after test \(id): \(error)")
            }
            await runtime.shutdown()
        }
    }
}

// MARK: - Helpers

/// Runs `body` with a runtime on `socketPath` and shuts the runtime down however `body` ends: a
/// runtime dropped without its shutdown stops the whole test process (AsyncHTTPClient checks it).
func withRuntime<Result>(
    socketPath: String = DockerRuntime.defaultSocketPath, _ body: (DockerRuntime) async throws -> Result
) async throws -> Result {
    let runtime = DockerRuntime(socketPath: socketPath)
    let result: Result
    do {
        result = try await body(runtime)
    } catch {
        await runtime.shutdown()
        throw error
    }
    await runtime.shutdown()
    return result
}

/// Polls `condition` every 200 ms until it holds or `seconds` pass; returns whether it held.
func eventually(within seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(200))
    }
    return try await condition()
}

/// What `withTimeout` throws when the time is up.
struct TimedOut: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out: \(what)" }
}

/// Runs `body`, failing with `TimedOut` when it takes longer than `seconds`.
func withTimeout<T: Sendable>(_ seconds: Double, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw TimedOut(what: what)
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw TimedOut(what: what) }
        return first
    }
}

/// A TCP port that nothing listens on right now.
func freeTCPPort() throws -> Int {
    struct NoPort: Error {}
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw NoPort() }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = INADDR_ANY
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
        }
    }
    guard bound else { throw NoPort() }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// The body of `GET http://127.0.0.1:<port>/`, or nil when nothing answers.
func httpGet(port: Int) async -> String? {
    do {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/"), timeout: .seconds(2))
        let body = try await response.body.collect(upTo: 1 << 20)
        return response.status == .ok ? String(buffer: body) : nil
    } catch {
        return nil
    }
}
