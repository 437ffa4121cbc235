import Foundation
import ServiceLifecycle
import WharfModel
import WharfProtocol

/// Why an exec session call was refused.
struct ExecError: Error, Equatable {
    enum Kind: Equatable {
        /// No such session (never made, or ended and forgotten).
        case notFound
        /// The wrong token, or an agent that is not the task's.
        case forbidden
        /// An offset that does not follow what was received.
        case invalid
    }

    var kind: Kind
    var message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}

/// The sessions of `wharf exec` (ECS's ExecuteCommand), held in memory: a session is made by
/// ExecuteCommand, attached by the client with its token, handed to the agent of the task's node
/// at its next poll, and relays input and output between them until the command exits and the
/// client has read everything. A session nobody attaches, that no agent starts, or whose client
/// stops polling is dropped; a controller restart drops them all (the command then ends with its
/// input closed).
actor ExecSessions {
    struct Session {
        let token: String
        let instanceArn: String
        var start: ExecStart
        let created: Date
        var attached = false
        var attachedAt: Date?
        var handedOut = false
        /// Input not yet taken by the agent, and the offset of its first byte.
        var input: [UInt8] = []
        var inputBase = 0
        var inputEOF = false
        /// Whether the agent has been told the input ended (it then waits only for the client to go).
        var eofSent = false
        /// The agent's last call about this session, once it has it.
        var lastAgent: Date?
        /// Output not yet read by the client, and the offset of its first byte.
        var output: [UInt8] = []
        var outputBase = 0
        var exitCode: Int?
        var failure: String?
        /// The client's last call.
        var lastClient: Date
        /// Set when the client is gone: the agent stops the command.
        var closed = false
        var finishedAt: Date?

        var inputEnd: Int { inputBase + input.count }
        var outputEnd: Int { outputBase + output.count }
        var ended: Bool { exitCode != nil || failure != nil }
    }

    /// How long ExecuteCommand's session waits for its client to attach.
    static let attachWithin: TimeInterval = 60
    /// How long an attached session waits for the agent to start its command.
    static let startWithin: TimeInterval = 30
    /// How long a client may stay silent before its session is closed.
    static let clientSilence: TimeInterval = 60
    /// How long the agent running a command may stay silent before the session fails (it polls
    /// for input at least every long poll).
    static let agentSilence: TimeInterval = 60
    /// How long an ended session is kept for its client's last reads.
    static let keepEnded: TimeInterval = 30
    /// Output held unread at most; the agent sends the rest as the client reads.
    static let outputLimit = 1 << 20
    /// Input held untaken at most.
    static let inputLimit = 1 << 16
    /// The most bytes one answer carries.
    static let chunk = 256 << 10

    private var sessions: [String: Session] = [:]
    /// Set once the controller stops: every poll is answered at once, and sessions end.
    private var closing = false
    private var waiters: [UUID: Waiter] = [:]

    /// A held poll: what it waits on, how to wake it, and the timer that ends it.
    private struct Waiter {
        var key: String
        var continuation: CheckedContinuation<Void, Never>
        var timer: Task<Void, Never>?
    }
    private let now: @Sendable () -> Date
    private let longPoll: Duration

    /// Sessions timed by `now`, whose polls are held at most `longPoll`.
    init(now: @escaping @Sendable () -> Date = { Date() }, longPoll: Duration = .seconds(ExecProtocol.longPollSeconds))
    {
        self.now = now
        self.longPoll = longPoll
    }

    /// Makes a session for `start` on the node `instanceArn`; its ID and token.
    func create(_ start: ExecStart, instanceArn: String) -> (id: String, token: String) {
        sweep()
        var start = start
        let id = "ecs-execute-command-" + Self.hex(8)
        start.sessionId = id
        let token = Self.hex(32)
        let moment = now()
        sessions[id] = Session(
            token: token,
            instanceArn: instanceArn,
            start: start,
            created: moment,
            lastClient: moment
        )
        return (id, token)
    }

    /// The client attaches with the terminal it wants; the agent is woken to start the command.
    func attach(_ request: ExecAttachRequest) throws(ExecError) {
        var session = try client(request.sessionId, token: request.token)
        if !session.attached {
            session.attached = true
            session.attachedAt = now()
            session.start.tty = request.tty
            session.start.rows = request.rows
            session.start.columns = request.columns
        }
        sessions[request.sessionId] = session
        notify(session.instanceArn)
    }

    /// The sessions attached for `instanceArn` that its agent has not been given yet, waiting
    /// until there is one or the long poll ends.
    func poll(instanceArn: String) async -> [ExecStart] {
        for attempt in 0..<2 {
            sweep()
            var found: [ExecStart] = []
            for (id, session) in sessions.sorted(by: { $0.key < $1.key })
            where session.instanceArn == instanceArn && session.attached && !session.handedOut && !session.ended {
                sessions[id]?.handedOut = true
                sessions[id]?.lastAgent = now()
                found.append(session.start)
            }
            if !found.isEmpty || attempt == 1 || closing { return found }
            await wait(instanceArn)
        }
        return []
    }

    /// Output (frames from `offset` on) and, at the end, the exit code or failure, from the agent.
    func agentOutput(_ request: ExecOutputRequest) throws(ExecError) -> ExecOutputResponse {
        var session = try agent(request.sessionId, instanceArn: request.containerInstanceArn)
        guard request.offset >= 0, request.offset <= session.outputEnd else {
            throw ExecError(
                .invalid,
                "output offset \(request.offset) is outside the \(session.outputEnd) bytes received"
            )
        }
        let fresh = Array(request.data.dropFirst(session.outputEnd - request.offset))
        let room = max(0, Self.outputLimit - session.output.count)
        let taken = fresh.prefix(room)
        session.output += taken
        let complete = taken.count == fresh.count
        if complete, request.exitCode != nil || request.failure != nil, !session.ended {
            session.exitCode = request.exitCode
            session.failure = request.failure
            session.finishedAt = now()
        }
        sessions[request.sessionId] = session
        notify(request.sessionId)
        return ExecOutputResponse(received: session.outputEnd, closed: session.closed)
    }

    /// Input from `offset` on for the agent, waiting until there is some (or the end of input, or
    /// the client's departure) or the long poll ends.
    func agentInput(_ request: ExecInputRequest) async throws(ExecError) -> ExecInputResponse {
        for attempt in 0..<2 {
            var session = try agent(request.sessionId, instanceArn: request.containerInstanceArn)
            guard request.offset >= 0, request.offset <= session.inputEnd else {
                throw ExecError(
                    .invalid,
                    "input offset \(request.offset) is outside the \(session.inputEnd) bytes sent"
                )
            }
            // What the agent asks from has been written: forget what comes before.
            Self.forget(&session.input, base: &session.inputBase, before: request.offset)
            sessions[request.sessionId] = session
            let data = Array(session.input.prefix(Self.chunk))
            let eof = session.inputEOF && data.count == session.input.count
            // Once told of the end of input, the agent waits on for the client's departure.
            if !data.isEmpty || (eof && !session.eofSent) || session.closed || closing || attempt == 1 {
                sessions[request.sessionId]?.eofSent = session.eofSent || eof
                return ExecInputResponse(
                    offset: session.inputBase,
                    data: Data(data),
                    eof: eof,
                    closed: session.closed || closing
                )
            }
            await wait(request.sessionId)
        }
        throw ExecError(.notFound, "the session \(request.sessionId) has ended")
    }

    /// Input from the client at `offset`; how much of it is now held.
    func clientInput(_ request: ExecClientInputRequest) throws(ExecError) -> Int {
        var session = try client(request.sessionId, token: request.token)
        guard request.offset >= 0, request.offset <= session.inputEnd else {
            throw ExecError(
                .invalid,
                "input offset \(request.offset) is outside the \(session.inputEnd) bytes sent"
            )
        }
        let fresh = Array(request.data.dropFirst(session.inputEnd - request.offset))
        let taken = fresh.prefix(max(0, Self.inputLimit - session.input.count))
        session.input += taken
        if request.eof, taken.count == fresh.count { session.inputEOF = true }
        sessions[request.sessionId] = session
        notify(request.sessionId)
        return session.inputEnd
    }

    /// Output from `offset` on for the client, waiting until there is some (or the end) or the
    /// long poll ends; the exit code comes once everything was read.
    func clientOutput(_ request: ExecClientOutputRequest) async throws(ExecError) -> ExecClientOutputResponse {
        for attempt in 0..<2 {
            var session = try client(request.sessionId, token: request.token)
            guard request.offset >= 0, request.offset <= session.outputEnd else {
                throw ExecError(
                    .invalid,
                    "output offset \(request.offset) is outside the \(session.outputEnd) bytes sent"
                )
            }
            let consumed = Self.forget(&session.output, base: &session.outputBase, before: request.offset)
            sessions[request.sessionId] = session
            if consumed > 0 { notify(request.sessionId) }
            let data = Array(session.output.prefix(Self.chunk))
            let all = data.count == session.output.count
            if !data.isEmpty || session.ended || closing || attempt == 1 {
                let stopping = closing && !session.ended ? "the controller is shutting down" : nil
                return ExecClientOutputResponse(
                    offset: session.outputBase,
                    data: Data(data),
                    exitCode: all ? session.exitCode : nil,
                    failure: all ? session.failure ?? stopping : nil
                )
            }
            await wait(request.sessionId)
        }
        throw ExecError(.notFound, "the session \(request.sessionId) has ended")
    }

    /// How many sessions are held.
    var count: Int { sessions.count }

    /// Ends every session as the controller stops: waiting polls are answered at once (an agent's
    /// with its session closed, a client's with the reason), so that HTTP can finish its requests.
    func close() {
        closing = true
        for id in waiters.keys { wake(id) }
    }

    /// The session of a client call, its token checked, its last call noted.
    private func client(_ id: String, token: String) throws(ExecError) -> Session {
        sweep()
        guard var session = sessions[id] else {
            throw ExecError(.notFound, "The session \(id) does not exist or has ended.")
        }
        guard Self.same(session.token, token) else { throw ExecError(.forbidden, "The session token is not valid.") }
        session.lastClient = now()
        sessions[id] = session
        return session
    }

    /// The session of an agent call, which must be the node's; its last call noted.
    private func agent(_ id: String, instanceArn: String) throws(ExecError) -> Session {
        sweep()
        guard var session = sessions[id] else {
            throw ExecError(.notFound, "The session \(id) does not exist or has ended.")
        }
        guard session.instanceArn == instanceArn else {
            throw ExecError(.forbidden, "The session \(id) is not for this container instance.")
        }
        session.lastAgent = now()
        sessions[id] = session
        return session
    }

    /// Drops or fails the sessions whose time is up.
    private func sweep() {
        let moment = now()
        for (id, session) in sessions {
            if let finished = session.finishedAt {
                if moment.timeIntervalSince(finished) > Self.keepEnded { sessions[id] = nil }
                continue
            }
            if !session.attached, moment.timeIntervalSince(session.created) > Self.attachWithin {
                sessions[id] = nil
            } else if let attached = session.attachedAt, !session.handedOut,
                moment.timeIntervalSince(attached) > Self.startWithin
            {
                sessions[id]?.failure = "the agent of the task's container instance did not start the command"
                sessions[id]?.finishedAt = moment
                notify(id)
            } else if !session.closed, moment.timeIntervalSince(session.lastClient) > Self.clientSilence {
                sessions[id]?.closed = true
                sessions[id]?.finishedAt = moment
                notify(id)
            } else if let heard = session.lastAgent, moment.timeIntervalSince(heard) > Self.agentSilence {
                // Should the agent come back, it is told to end the command.
                sessions[id]?.failure = "the agent of the task's container instance stopped answering"
                sessions[id]?.closed = true
                sessions[id]?.finishedAt = moment
                notify(id)
            }
        }
    }

    /// Waits until `key` is notified or the long poll ends.
    private func wait(_ key: String) async {
        let id = UUID()
        let timeout = longPoll
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            waiters[id] = Waiter(key: key, continuation: continuation)
            waiters[id]?.timer = Task {
                try? await Task.sleep(for: timeout)
                self.wake(id)
            }
        }
    }

    private func wake(_ id: UUID) {
        guard let waiter = waiters.removeValue(forKey: id) else { return }
        waiter.timer?.cancel()
        waiter.continuation.resume()
    }

    /// Wakes every wait on `key`.
    private func notify(_ key: String) {
        for (id, waiter) in waiters where waiter.key == key { wake(id) }
    }

    /// Drops the bytes of `buffer` (whose first is at offset `base`) before `offset`, which the
    /// reader has; how many were dropped.
    @discardableResult
    static func forget(_ buffer: inout [UInt8], base: inout Int, before offset: Int) -> Int {
        let consumed = min(max(0, offset - base), buffer.count)
        buffer.removeFirst(consumed)
        base += consumed
        return consumed
    }

    /// `count` random bytes in hex.
    static func hex(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// Whether two tokens are the same, in time that does not depend on where they differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// Closes the exec sessions at graceful shutdown, before HTTP stops, so that no long poll holds it.
struct ExecSessionsService: Service {
    let sessions: ExecSessions

    func run() async throws {
        try? await gracefulShutdown()
        await sessions.close()
    }
}
