import Foundation

/// Runs the commands a lab is made with (`ip`, `docker`, `nsenter`, `sh`) and starts its daemons.
struct LabShell: Sendable {
    /// What a command printed, and how it ended.
    struct Result: Sendable {
        var status: Int32
        var output: String
    }

    /// Runs a command to its end; stdout and stderr together.
    @discardableResult
    func run(_ arguments: [String]) throws(LabError) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw LabError("cannot run \(arguments.joined(separator: " ")): \(error)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// Runs a command that must succeed.
    /// - Throws: `LabError` with what it printed.
    func must(_ arguments: [String], _ step: String) throws(LabError) {
        let result = try run(arguments)
        guard result.status == 0 else {
            throw LabError("\(step): \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.output)")
        }
    }

    /// Starts a daemon, its output appended to `log`; returns its process ID. Foundation starts
    /// it in a process group of its own, so a Ctrl-C at the terminal does not reach it.
    func start(_ arguments: [String], log: String, environment: [String: String] = [:]) throws(LabError) -> Int32 {
        if !FileManager.default.fileExists(atPath: log) {
            _ = FileManager.default.createFile(atPath: log, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: log) else { throw LabError("cannot write \(log)") }
        handle.seekToEndOfFile()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        do {
            try process.run()
        } catch {
            throw LabError("cannot start \(arguments.first ?? ""): \(error)")
        }
        return process.processIdentifier
    }

    /// The command line of process `pid`, its arguments joined by spaces; empty when it is gone.
    static func commandLine(_ pid: Int32) -> String {
        guard pid > 0, let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return "" }
        return String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }

    /// Whether process `pid` is alive.
    static func alive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 }

    /// Sends SIGTERM to all of them, waits up to `grace` seconds, then SIGKILLs what is left;
    /// returns once they are gone (or 5 s after the SIGKILL).
    static func stop(_ pids: [Int32], grace: Double) {
        let running = pids.filter { $0 > 0 && alive($0) }
        for pid in running { kill(pid, SIGTERM) }
        func gone() -> Bool {
            running.forEach(reap)
            return running.allSatisfy { !alive($0) }
        }
        if wait(grace, until: gone) { return }
        for pid in running where alive(pid) { kill(pid, SIGKILL) }
        _ = wait(5, until: gone)
    }

    /// Collects a child that exited (one this process started), so it does not linger.
    static func reap(_ pid: Int32) {
        var status: Int32 = 0
        _ = waitpid(pid, &status, WNOHANG)
    }

    /// Polls `condition` every 200 ms for up to `seconds`.
    static func wait(_ seconds: Double, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(200_000)
        }
        return condition()
    }
}
