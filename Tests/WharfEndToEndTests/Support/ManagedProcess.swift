import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A daemon of this package (controller or agent) run as a real process for a test, its output in
/// a log file. Killed with SIGKILL when dropped, so a failing test leaves no process behind.
final class ManagedProcess: @unchecked Sendable {
    // @unchecked: every stored property is set once in init and only read afterwards; Foundation's
    // Process is safe to signal and query from any thread.
    let process: Process
    let logURL: URL

    /// A product of this package, beside the test bundle in the build directory.
    static func built(_ name: String) -> URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
        var directory = bundle.deletingLastPathComponent()
        if bundle.pathExtension != "xctest" {
            directory = DockerEngine.repositoryRoot.appendingPathComponent(".build/debug")
        }
        return directory.appendingPathComponent(name)
    }

    /// Starts `executable` (a product name, or the program at `path`) with `arguments`.
    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], path: String? = nil) throws {
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-e2e-\(executable)-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        defer { try? log.close() }
        process = Process()
        process.executableURL = path.map { URL(fileURLWithPath: $0) } ?? Self.built(executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    /// Everything the process logged so far.
    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Waits until the log contains something `match` finds (returning it), or fails with the log.
    func waitFor<T>(_ what: String, timeout: Duration = .seconds(30), _ match: (String) -> T?) async throws -> T {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            if let found = match(log) { return found }
            if !process.isRunning {
                throw Failure("\(process.executableURL?.lastPathComponent ?? "process") exited with status \(process.terminationStatus) before \(what):\n\(log)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure("\(process.executableURL?.lastPathComponent ?? "process") did not reach \(what) within \(timeout):\n\(log)")
    }

    /// Sends `signal` and waits for the exit; returns the status (128 + signal if killed by one).
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(20)) async throws -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while process.isRunning {
            if clock.now > deadline {
                kill(process.processIdentifier, SIGKILL)
                throw Failure("process did not exit within \(timeout) of signal \(signal):\n\(log)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: logURL)
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
