import Foundation

/// `wharf exec`'s wire: a command run in a task's container, its input and output relayed by the
/// controller between the client (which opened the session with ECS's ExecuteCommand and holds its
/// token) and the agent of the task's node (which runs it through its Docker engine). Both sides
/// poll with JSON POSTs: each long poll is answered as soon as there is something new, or after
/// ``longPollSeconds``. Bytes travel base64 encoded, with offsets, so a retried call repeats
/// nothing.
public enum ExecProtocol {
    /// Where the agent asks for sessions to start (``ExecPollRequest``).
    public static let agentPollPath = "/agent/v1/exec/poll"
    /// Where the agent sends output and the exit code (``ExecOutputRequest``).
    public static let agentOutputPath = "/agent/v1/exec/output"
    /// Where the agent waits for input (``ExecInputRequest``).
    public static let agentInputPath = "/agent/v1/exec/input"
    /// Where the client attaches (``ExecAttachRequest``).
    public static let attachPath = "/exec/v1/attach"
    /// Where the client sends input (``ExecClientInputRequest``).
    public static let clientInputPath = "/exec/v1/input"
    /// Where the client waits for output (``ExecClientOutputRequest``).
    public static let clientOutputPath = "/exec/v1/output"
    /// How long a poll is held when there is nothing new.
    public static let longPollSeconds = 20
    /// The output stream numbers of a frame, as Docker's multiplexed streams number them.
    public static let stdout: UInt8 = 1
    public static let stderr: UInt8 = 2
}

/// A command an agent is to run: its session, the task's container and the terminal wanted.
public struct ExecStart: Codable, Equatable, Sendable {
    public var sessionId: String
    public var taskArn: String
    public var containerName: String
    /// The container's ID in the node's engine.
    public var runtimeId: String
    public var command: [String]
    /// Whether the command gets a terminal (its output then comes as one stream).
    public var tty: Bool
    public var rows: Int?
    public var columns: Int?

    public init(
        sessionId: String,
        taskArn: String,
        containerName: String,
        runtimeId: String,
        command: [String],
        tty: Bool,
        rows: Int? = nil,
        columns: Int? = nil
    ) {
        self.sessionId = sessionId
        self.taskArn = taskArn
        self.containerName = containerName
        self.runtimeId = runtimeId
        self.command = command
        self.tty = tty
        self.rows = rows
        self.columns = columns
    }
}

/// An agent's long poll for sessions to start on its node.
public struct ExecPollRequest: Codable, Equatable, Sendable {
    public var protocolVersion: Int
    public var containerInstanceArn: String
    public var credential: String

    public init(containerInstanceArn: String, credential: String) {
        self.protocolVersion = AgentProtocol.version
        self.containerInstanceArn = containerInstanceArn
        self.credential = credential
    }
}

/// The sessions an agent is to start (none when the poll timed out).
public struct ExecPollResponse: Codable, Equatable, Sendable {
    public var sessions: [ExecStart]

    public init(sessions: [ExecStart]) { self.sessions = sessions }
}

/// Output of a session's command from the agent: frames (a stream byte, three zero bytes and a
/// big-endian length, then the bytes, as Docker multiplexes them) from `offset` on, and the exit
/// code once the command has ended.
public struct ExecOutputRequest: Codable, Equatable, Sendable {
    public var protocolVersion: Int
    public var containerInstanceArn: String
    public var credential: String
    public var sessionId: String
    public var offset: Int
    public var data: Data
    public var exitCode: Int?
    /// Why the command could not run, when it could not.
    public var failure: String?

    public init(
        containerInstanceArn: String,
        credential: String,
        sessionId: String,
        offset: Int,
        data: Data,
        exitCode: Int? = nil,
        failure: String? = nil
    ) {
        self.protocolVersion = AgentProtocol.version
        self.containerInstanceArn = containerInstanceArn
        self.credential = credential
        self.sessionId = sessionId
        self.offset = offset
        self.data = data
        self.exitCode = exitCode
        self.failure = failure
    }
}

/// What the controller holds of a session's output: how much it has, so a sender knows what to
/// send next, and whether the client has gone (the agent then stops the command).
public struct ExecOutputResponse: Codable, Equatable, Sendable {
    public var received: Int
    public var closed: Bool

    public init(received: Int, closed: Bool) {
        self.received = received
        self.closed = closed
    }
}

/// An agent's long poll for a session's input from `offset` on.
public struct ExecInputRequest: Codable, Equatable, Sendable {
    public var protocolVersion: Int
    public var containerInstanceArn: String
    public var credential: String
    public var sessionId: String
    public var offset: Int

    public init(containerInstanceArn: String, credential: String, sessionId: String, offset: Int) {
        self.protocolVersion = AgentProtocol.version
        self.containerInstanceArn = containerInstanceArn
        self.credential = credential
        self.sessionId = sessionId
        self.offset = offset
    }
}

/// Input bytes from `offset` on; `eof` once the client closed its input; `closed` once the client
/// has gone.
public struct ExecInputResponse: Codable, Equatable, Sendable {
    public var offset: Int
    public var data: Data
    public var eof: Bool
    public var closed: Bool

    public init(offset: Int, data: Data, eof: Bool, closed: Bool) {
        self.offset = offset
        self.data = data
        self.eof = eof
        self.closed = closed
    }
}

/// The client's first call: the session's token, and the terminal it wants.
public struct ExecAttachRequest: Codable, Equatable, Sendable {
    public var sessionId: String
    public var token: String
    public var tty: Bool
    public var rows: Int?
    public var columns: Int?

    public init(sessionId: String, token: String, tty: Bool, rows: Int? = nil, columns: Int? = nil) {
        self.sessionId = sessionId
        self.token = token
        self.tty = tty
        self.rows = rows
        self.columns = columns
    }
}

/// Input from the client: bytes at `offset`, and `eof` when there is no more.
public struct ExecClientInputRequest: Codable, Equatable, Sendable {
    public var sessionId: String
    public var token: String
    public var offset: Int
    public var data: Data
    public var eof: Bool

    public init(sessionId: String, token: String, offset: Int, data: Data, eof: Bool) {
        self.sessionId = sessionId
        self.token = token
        self.offset = offset
        self.data = data
        self.eof = eof
    }
}

/// The client's long poll for output from `offset` on.
public struct ExecClientOutputRequest: Codable, Equatable, Sendable {
    public var sessionId: String
    public var token: String
    public var offset: Int

    public init(sessionId: String, token: String, offset: Int) {
        self.sessionId = sessionId
        self.token = token
        self.offset = offset
    }
}

/// Output frames from `offset` on, and once all of it has been read, the command's exit code (or
/// why it could not run).
public struct ExecClientOutputResponse: Codable, Equatable, Sendable {
    public var offset: Int
    public var data: Data
    public var exitCode: Int?
    public var failure: String?

    public init(offset: Int, data: Data, exitCode: Int? = nil, failure: String? = nil) {
        self.offset = offset
        self.data = data
        self.exitCode = exitCode
        self.failure = failure
    }
}

/// The frames of Docker's multiplexed stream format, which exec output travels in.
public enum ExecFrames {
    /// `bytes` as one frame of `stream`.
    public static func frame(_ bytes: some Collection<UInt8>, stream: UInt8) -> [UInt8] {
        let count = UInt32(bytes.count)
        return [
            stream, 0, 0, 0, UInt8(count >> 24), UInt8((count >> 16) & 0xFF), UInt8((count >> 8) & 0xFF),
            UInt8(count & 0xFF),
        ] + bytes
    }

    /// Splits whole frames off the front of `buffer`, leaving a partial frame in it.
    public static func split(_ buffer: inout [UInt8]) -> [(stream: UInt8, bytes: [UInt8])] {
        var frames: [(UInt8, [UInt8])] = []
        var start = 0
        while buffer.count - start >= 8 {
            let length =
                Int(buffer[start + 4]) << 24 | Int(buffer[start + 5]) << 16 | Int(buffer[start + 6]) << 8
                | Int(buffer[start + 7])
            guard buffer.count - start - 8 >= length else { break }
            frames.append((buffer[start], Array(buffer[(start + 8)..<(start + 8 + length)])))
            start += 8 + length
        }
        buffer.removeFirst(start)
        return frames
    }
}
