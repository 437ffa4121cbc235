import ArgumentParser
import Foundation
import WharfModel
import WharfProtocol
#if canImport(Glibc)
import Glibc
#endif

/// `wharf exec TASK [--container C] -- COMMAND…`: runs a command in a running task's container,
/// as ECS Exec does, through the controller and the task's agent: ECS's ExecuteCommand opens the
/// session (so the task needs `enableExecuteCommand`), then this relays standard input, output and
/// error, with a terminal when standard input is one, and exits with the command's exit code.
struct ExecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run a command (default /bin/sh) in a task's container, as ECS Exec does.",
        discussion: """
            The task must have been run with enableExecuteCommand (RunTask, or the service's CreateService or \
            UpdateService with forceNewDeployment). With a terminal on standard input the command gets one too; \
            otherwise input is passed on until its end, and output and errors come back apart.
            """
    )

    @OptionGroup var connection: ControllerConnection
    @OptionGroup var cluster: ClusterOption

    @Option(help: "The container to run it in (needed when the task has several).")
    var container: String?

    @Flag(name: .shortAndLong, help: "Give the command a terminal even when standard input is not one.")
    var tty = false

    @Flag(name: .customLong("no-tty"), help: "Give the command no terminal even when standard input is one.")
    var noTTY = false

    @Argument(help: "The task, by ID or ARN.")
    var task: String

    @Argument(parsing: .postTerminator, help: "The command and its arguments, after --.")
    var command: [String] = []

    func run() async throws {
        let code = try await APISession.with(connection) { session in try await relay(session) }
        throw ExitCode(Int32(truncatingIfNeeded: code))
    }

    /// Opens the session, relays it to the end; the command's exit code.
    func relay(_ session: APISession) async throws -> Int {
        let words = command.isEmpty ? ["/bin/sh"] : command
        let opened = try await session.ecs(
            "ExecuteCommand",
            ECS.ExecuteCommandRequest(
                cluster: cluster.name,
                container: container,
                command: words.map(Self.quoted).joined(separator: " "),
                interactive: true,
                task: task
            ),
            as: ECS.ExecuteCommandResponse.self
        )
        guard let id = opened.session?.sessionId, let token = opened.session?.tokenValue else {
            throw ValidationError("ExecuteCommand answered without a session")
        }
        let terminal = !noTTY && (tty || isatty(STDIN_FILENO) == 1)
        let size = terminal ? Self.windowSize() : nil
        _ = try await session.execStream(
            ExecProtocol.attachPath,
            ExecAttachRequest(sessionId: id, token: token, tty: terminal, rows: size?.rows, columns: size?.columns),
            as: [String: String].self
        )
        let raw = terminal && isatty(STDIN_FILENO) == 1 ? RawTerminal() : nil
        defer { raw?.restore() }
        let input = Task.detached { try await Self.sendInput(session, id: id, token: token) }
        defer { input.cancel() }
        return try await Self.receiveOutput(session, id: id, token: token)
    }

    /// Relays output until the command ends; its exit code.
    static func receiveOutput(_ session: APISession, id: String, token: String) async throws -> Int {
        var offset = 0
        var pending: [UInt8] = []
        while true {
            let answer = try await session.execStream(
                ExecProtocol.clientOutputPath,
                ExecClientOutputRequest(sessionId: id, token: token, offset: offset),
                as: ExecClientOutputResponse.self
            )
            offset = answer.offset + answer.data.count
            pending += answer.data
            for frame in ExecFrames.split(&pending) {
                let handle = frame.stream == ExecProtocol.stderr ? FileHandle.standardError : FileHandle.standardOutput
                handle.write(Data(frame.bytes))
            }
            if let failure = answer.failure { throw ValidationError("the command could not run: \(failure)") }
            if let code = answer.exitCode { return code }
        }
    }

    /// Relays standard input until its end.
    static func sendInput(_ session: APISession, id: String, token: String) async throws {
        var offset = 0
        func send(_ data: [UInt8], eof: Bool) async throws {
            var chunk = data
            repeat {
                let received =
                    try await session.execStream(
                        ExecProtocol.clientInputPath,
                        ExecClientInputRequest(
                            sessionId: id,
                            token: token,
                            offset: offset,
                            data: Data(chunk),
                            eof: eof
                        ),
                        as: [String: Int].self
                    )["received"] ?? offset
                chunk.removeFirst(min(chunk.count, max(0, received - offset)))
                offset = received
                if !chunk.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
            } while !chunk.isEmpty
        }
        for await chunk in standardInput() { try await send(chunk, eof: false) }
        try await send([], eof: true)
    }

    /// Standard input's chunks, read on a thread of its own: a blocking read must not hold one of
    /// the few threads Swift's tasks share (on one core, the only one).
    static func standardInput() -> AsyncStream<[UInt8]> {
        AsyncStream { continuation in
            let thread = Thread {
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let count = read(STDIN_FILENO, &buffer, buffer.count)
                    if count < 0, errno == EINTR { continue }
                    guard count > 0 else { break }
                    continuation.yield(Array(buffer[0..<count]))
                }
                continuation.finish()
            }
            thread.start()
        }
    }

    /// `word` as ExecuteCommand's command splits it back: single-quoted when it has to be.
    static func quoted(_ word: String) -> String {
        let plain = !word.isEmpty && word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,@%+".contains($0) }
        return plain ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The terminal's size, when standard output is one.
    static func windowSize() -> (rows: Int, columns: Int)? {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 else { return nil }
        return (Int(size.ws_row), Int(size.ws_col))
    }
}

/// Standard input in raw mode (each key as it is typed, no local echo) until restored.
final class RawTerminal {
    private var saved = termios()
    private var active = false

    init() {
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { return }
        var raw = saved
        cfmakeraw(&raw)
        active = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0
    }

    /// Puts the terminal back as it was.
    func restore() {
        guard active else { return }
        var original = saved
        _ = tcsetattr(STDIN_FILENO, TCSANOW, &original)
        active = false
    }
}
