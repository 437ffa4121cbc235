import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real `wharf-controller` process on a free loopback port, for end-to-end tests.
final class ControllerProcess: @unchecked Sendable {
    // @unchecked: `process` and the file URLs are set once in init and only read afterwards;
    // Foundation's Process is safe to signal and query from any thread.
    let process: Process
    let dataDirectory: String
    let logURL: URL
    private(set) var port = 0

    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// The built `wharf-controller`, beside the test bundle in the build directory.
    static var executable: URL { built("wharf-controller") }

    /// A product of this package, beside the test bundle in the build directory.
    static func built(_ name: String) -> URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
        var directory = bundle.deletingLastPathComponent()
        if bundle.pathExtension != "xctest" {
            directory = DockerEngine.repositoryRoot.appendingPathComponent(".build/debug")
        }
        return directory.appendingPathComponent(name)
    }

    /// Starts a controller on `dataDirectory` and waits until it serves.
    /// - Parameter command: the executable and subcommand; `wharf-controller` by default.
    init(dataDirectory: String, command: [String] = ["wharf-controller"], extraArguments: [String] = []) async throws {
        self.dataDirectory = dataDirectory
        logURL = URL(fileURLWithPath: dataDirectory + ".log-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        defer { try? log.close() }
        process = Process()
        process.executableURL = Self.built(command[0])
        process.arguments = Array(command.dropFirst()) + ["--listen", "127.0.0.1:0", "--data-dir", dataDirectory] + extraArguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        port = try await waitForPort()
    }

    private func waitForPort() async throws -> Int {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let text = self.log
            if let range = text.range(of: "listening on http://127.0.0.1:") {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits) { return port }
            }
            if !process.isRunning {
                throw Failure("wharf-controller exited with status \(process.terminationStatus) before serving:\n\(text)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure("wharf-controller did not report a port within 30 s:\n\(self.log)")
    }

    /// Everything the process logged so far.
    var log: String {
        (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
    }

    /// Sends `signal` and waits for the process to exit; returns its exit status (128 + signal if killed).
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(20)) async throws -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while process.isRunning {
            if clock.now > deadline {
                kill(process.processIdentifier, SIGKILL)
                throw Failure("wharf-controller did not exit within \(timeout) of signal \(signal):\n\(self.log)")
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

/// Runs `body` with a fresh temporary data directory and a controller serving it; stops the
/// controller and removes the directory afterwards, even when `body` throws.
@discardableResult
func withController<T>(_ body: (ControllerProcess) async throws -> T) async throws -> T {
    try await withDataDirectory { directory in
        try await withController(dataDirectory: directory, body)
    }
}

/// Runs `body` with the path of a fresh temporary directory (not yet created), removed afterwards.
func withDataDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-e2e-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try await body(directory)
}

/// Runs `body` with a controller serving `dataDirectory`; stops it afterwards, even when `body` throws.
@discardableResult
func withController<T>(dataDirectory directory: String, command: [String] = ["wharf-controller"],
                       _ body: (ControllerProcess) async throws -> T) async throws -> T {
    let controller = try await ControllerProcess(dataDirectory: directory, command: command)
    do {
        let result = try await body(controller)
        try await controller.stop()
        return result
    } catch {
        _ = try? await controller.stop(signal: SIGKILL)
        throw error
    }
}

/// Runs the AWS CLI against `endpoint` with throwaway credentials and returns its JSON output.
func aws(_ arguments: [String], endpoint: String) async throws -> (status: Int32, json: [String: Any], stderr: String) {
    let result = try await DockerEngine.run(
        ["env", "AWS_ACCESS_KEY_ID=wharf", "AWS_SECRET_ACCESS_KEY=wharf", "AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=",
         "aws"] + arguments + ["--endpoint-url", endpoint, "--output", "json"])
    let json = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any]
    return (result.status, json ?? [:], result.stderr)
}
