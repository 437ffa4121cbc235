import Foundation
import Testing

/// The Docker engine that the end-to-end tests run against.
///
/// The engine and the test image come from `.ci/setup.sh`, the same script `.ci/run` uses, so a
/// test run on a developer's machine prepares it exactly as CI does. When no engine can be made
/// usable, a test that asks for one fails in CI (`CI` set) and is skipped locally, with a message
/// that says why.
enum DockerEngine {
    /// The local image the end-to-end tests run: Debian's static busybox, one symlink per applet.
    static let testImage = "wharf-test/busybox:latest"

    /// What the fixture learned about the engine.
    struct Info: Sendable, Equatable {
        /// The engine's version, as `docker version` reports it (`20.10.24+dfsg1`).
        var serverVersion: String
    }

    /// The outcome of preparing the engine, computed once per test process.
    enum Availability: Sendable {
        case usable(Info)
        case unavailable(reason: String)
    }

    /// Thrown in CI when no engine is usable: there, a missing engine is a failure, never a skip.
    struct Unavailable: Error, CustomStringConvertible {
        var reason: String
        var description: String { "no usable Docker engine in CI: \(reason)" }
    }

    /// The repository root, found from this file's place in it.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // WharfEndToEndTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    /// True when the tests run in CI, where a missing engine must fail the run.
    static var isRunningInCI: Bool { ProcessInfo.processInfo.environment["CI"] != nil }

    /// Prepares the engine the first time anyone asks and keeps the answer for the process.
    private static let availability = Task<Availability, Never> { await prepare() }

    /// Whether an engine answers and the test image is in place (prepares them on first use).
    static var isUsable: Bool {
        get async {
            if case .usable = await availability.value { true } else { false }
        }
    }

    /// Returns the engine the current test can use.
    ///
    /// Call it first in every test that needs Docker.
    /// - Throws: ``Unavailable`` in CI when no engine is usable, failing the test. Elsewhere the
    ///   test is cancelled, which Swift Testing reports as skipped, with the reason and the fix.
    @discardableResult
    static func ensureAvailable() async throws -> Info {
        switch await availability.value {
        case .usable(let info):
            return info
        case .unavailable(let reason):
            if isRunningInCI { throw Unavailable(reason: reason) }
            try Test.cancel(
                """
                Skipped: no usable Docker engine (\(reason)). Run `sudo bash .ci/setup.sh` to install \
                and start one, or `.ci/run` to test as CI does.
                """
            )
        }
    }

    private static func prepare() async -> Availability {
        do {
            if try await serverVersion() == nil {
                if let failure = try await runSetup("ensure-docker") { return .unavailable(reason: failure) }
            }
            guard let version = try await serverVersion() else {
                return .unavailable(reason: "`docker version` does not reach an engine after .ci/setup.sh ensure-docker")
            }
            if let failure = try await runSetup("ensure-test-image") { return .unavailable(reason: failure) }
            return .usable(Info(serverVersion: version))
        } catch {
            return .unavailable(reason: "could not run a command: \(error)")
        }
    }

    /// The engine's version, or nil when `docker version` does not reach one.
    private static func serverVersion() async throws -> String? {
        let result = try await run(["docker", "version", "--format", "{{.Server.Version}}"])
        return result.status == 0 && !result.trimmedStdout.isEmpty ? result.trimmedStdout : nil
    }

    /// Runs one step of `.ci/setup.sh`; returns why it failed, or nil when it succeeded.
    private static func runSetup(_ step: String) async throws -> String? {
        let script = repositoryRoot.appendingPathComponent(".ci/setup.sh").path
        let result = try await run(["bash", script, step])
        guard result.status != 0 else { return nil }
        let tail = result.stderr.split(separator: "\n").suffix(5).joined(separator: " / ")
        return "`bash .ci/setup.sh \(step)` exited with status \(result.status): \(tail)"
    }
}

// MARK: - Running commands

extension DockerEngine {
    /// What a finished command left behind.
    struct CommandResult: Sendable, Equatable {
        /// The exit status; 128 + the signal number when a signal ended the command, as in a shell.
        var status: Int32
        var stdout: String
        var stderr: String

        /// Standard output without surrounding whitespace and newlines.
        var trimmedStdout: String { stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// Runs `arguments` (looked up on `PATH`) and waits for it to exit.
    ///
    /// Output goes to temporary files rather than pipes: a command with large output cannot block
    /// on a full pipe, and a daemon the command leaves running (dockerd started by setup.sh) cannot
    /// hold a pipe open and keep the caller waiting for end-of-file.
    /// - Throws: When the command cannot be started or its output cannot be read.
    static func run(_ arguments: [String]) async throws -> CommandResult {
        let files = FileManager.default
        let base = files.temporaryDirectory.appendingPathComponent("wharf-e2e-\(UUID().uuidString)")
        let stdoutURL = base.appendingPathExtension("stdout")
        let stderrURL = base.appendingPathExtension("stderr")
        defer {
            try? files.removeItem(at: stdoutURL)
            try? files.removeItem(at: stderrURL)
        }
        _ = files.createFile(atPath: stdoutURL.path, contents: nil)
        _ = files.createFile(atPath: stderrURL.path, contents: nil)
        let stdoutHandle = try FileHandle(forWritingTo: stdoutURL)
        let stderrHandle = try FileHandle(forWritingTo: stderrURL)
        defer {
            try? stdoutHandle.close()
            try? stderrHandle.close()
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdoutHandle
        process.standardError = stderrHandle
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in
                let signalled = finished.terminationReason == .uncaughtSignal
                continuation.resume(returning: signalled ? 128 + finished.terminationStatus : finished.terminationStatus)
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        return CommandResult(
            status: status,
            stdout: String(decoding: try Data(contentsOf: stdoutURL), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: stderrURL), as: UTF8.self)
        )
    }
}

// MARK: - Scoped containers

extension DockerEngine {
    /// A container that ``withContainer(name:_:isolation:_:)`` started.
    struct Container: Sendable, Equatable {
        var id: String
        var name: String
    }

    /// A command that exited with a status other than zero.
    struct CommandFailed: Error, CustomStringConvertible {
        var arguments: [String]
        var result: CommandResult
        var description: String {
            "`\(arguments.joined(separator: " "))` exited with status \(result.status): \(result.stderr)"
        }
    }

    /// Starts a container with `docker run --detach`, passes it to `body`, and removes it with
    /// `docker rm -f` afterwards, whether `body` returns or throws.
    ///
    /// - Parameters:
    ///   - name: The container's name; unique by default.
    ///   - runArguments: What follows `docker run --detach --name NAME`: options, image, command.
    ///   - body: The work to do while the container exists.
    /// - Returns: What `body` returns.
    /// - Throws: ``CommandFailed`` when the container does not start, or what `body` throws.
    ///   A container that cannot be removed is recorded as an issue.
    static func withContainer<Result>(
        name: String = "wharf-e2e-\(UUID().uuidString.prefix(8).lowercased())",
        _ runArguments: [String],
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Container) async throws -> Result
    ) async throws -> Result {
        let arguments = ["docker", "run", "--detach", "--name", name, "--label", "org.wharf.e2e=true"] + runArguments
        let started = try await run(arguments)
        guard started.status == 0 else {
            // `docker run` can create the container and then fail to start it.
            await remove(name)
            throw CommandFailed(arguments: arguments, result: started)
        }
        let container = Container(id: started.trimmedStdout, name: name)
        let result: Result
        do {
            result = try await body(container)
        } catch {
            await remove(name)
            throw error
        }
        await remove(name)
        return result
    }

    private static func remove(_ name: String) async {
        do {
            let result = try await run(["docker", "rm", "--force", "--volumes", name])
            if result.status != 0 && !result.stderr.contains("No such container") {
                Issue.record("could not remove container \(name): \(result.stderr)")
            }
        } catch {
            Issue.record("could not run `docker rm --force \(name)`: \(error)")
        }
    }
}
