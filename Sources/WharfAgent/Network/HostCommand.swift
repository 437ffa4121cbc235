import Dispatch
import WharfModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a program of the node (`ip`, `iptables`) and reads what it prints. The agent links no
/// full Foundation, so this spawns with `posix_spawnp` itself; each run blocks a dispatch thread,
/// not the agent's tasks.
public struct HostCommand: Sendable {
    /// How a run ended.
    public struct Result: Equatable, Sendable {
        /// The exit status; -1 when it ended on a signal.
        public var status: Int32
        /// Its standard output and error, together.
        public var output: String
    }

    /// Runs `arguments` (the first found on `PATH`) and waits for it to end.
    /// - Throws: `RuntimeError` `unavailable` when the program cannot be started.
    public static func run(_ arguments: [String]) async throws(RuntimeError) -> Result {
        let outcome: Swift.Result<Result, RuntimeError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: runBlocking(arguments)) }
        }
        return try outcome.get()
    }

    /// Runs a command and throws its output when it fails.
    /// - Throws: `RuntimeError` `engine` naming the command and what it printed.
    @discardableResult
    public static func check(_ arguments: [String]) async throws(RuntimeError) -> String {
        let result = try await run(arguments)
        guard result.status == 0 else {
            let said = result.output.trimmingWhitespace()
            throw RuntimeError(
                .engine,
                "`\(arguments.joined(separator: " "))` failed (status \(result.status))"
                    + (said.isEmpty ? "" : ": \(said)")
            )
        }
        return result.output
    }

    static func runBlocking(_ arguments: [String]) -> Swift.Result<Result, RuntimeError> {
        guard let program = arguments.first else { return .failure(RuntimeError(.invalid, "no command to run")) }
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else {
            return .failure(RuntimeError(.unavailable, "cannot run \(program): no pipe (errno \(errno))"))
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
        posix_spawn_file_actions_addclose(&actions, pipeEnds[1])
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let environment = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"]
        let envp = environment.map { strdup($0) } + [nil]
        defer { for pointer in envp { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, program, &actions, nil, argv, envp)
        close(pipeEnds[1])
        guard spawned == 0 else {
            close(pipeEnds[0])
            return .failure(
                RuntimeError(.unavailable, "cannot run \(program): \(String(cString: strerror(spawned)))")
            )
        }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(pipeEnds[0], $0.baseAddress, 4096) }
            if count > 0 {
                output += buffer[0..<count]
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        close(pipeEnds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS, which Swift does not import as macros.
        let exited = status & 0x7F == 0
        let text = String(decoding: output, as: UTF8.self)
        return .success(Result(status: exited ? (status >> 8) & 0xFF : -1, output: text))
    }
}
