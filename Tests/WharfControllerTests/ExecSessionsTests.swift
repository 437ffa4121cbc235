import Foundation
import Testing
import WharfModel
import WharfProtocol
import WharfState

@testable import WharfController

/// The relay of `wharf exec` sessions, without HTTP: tokens, the node's own sessions, offsets that
/// make retries harmless, long polls woken by what they wait for, and sessions that time out.
@Suite("Exec sessions: the relay between wharf exec and the agent")
struct ExecSessionsTests {
    let node = "arn:aws:ecs:us-east-1:000000000000:container-instance/lab/1"
    let start = ExecStart(
        sessionId: "",
        taskArn: "arn:aws:ecs:us-east-1:000000000000:task/lab/1",
        containerName: "app",
        runtimeId: "c0ffee",
        command: ["sh"],
        tty: false
    )

    @Test("attach hands the command to the node's agent once; input and output relay by offset; the exit ends it")
    func relay() async throws {
        let sessions = ExecSessions(longPoll: .milliseconds(50))
        let (id, token) = await sessions.create(start, instanceArn: node)
        #expect(id.hasPrefix("ecs-execute-command-"))
        #expect(await sessions.poll(instanceArn: node).isEmpty, "not attached yet")
        try await sessions.attach(ExecAttachRequest(sessionId: id, token: token, tty: true, rows: 24, columns: 80))
        let handed = await sessions.poll(instanceArn: node)
        #expect(handed.map(\.sessionId) == [id])
        #expect(handed.first?.tty == true && handed.first?.rows == 24)
        #expect(await sessions.poll(instanceArn: node).isEmpty, "handed out once")
        #expect(await sessions.poll(instanceArn: "arn:other").isEmpty)

        let sent = Data("hi\n".utf8)
        #expect(
            try await sessions.clientInput(.init(sessionId: id, token: token, offset: 0, data: sent, eof: false)) == 3
        )
        #expect(
            try await sessions.clientInput(
                .init(sessionId: id, token: token, offset: 1, data: Data("i\n!".utf8), eof: true)
            )
                == 4,
            "a retry from an earlier offset adds only what is new"
        )
        let input = try await sessions.agentInput(
            .init(containerInstanceArn: node, credential: "", sessionId: id, offset: 0)
        )
        #expect(input.data == Data("hi\n!".utf8) && input.eof && !input.closed)

        let frame = Data(ExecFrames.frame(Array("out".utf8), stream: ExecProtocol.stdout))
        let request = ExecOutputRequest(
            containerInstanceArn: node,
            credential: "",
            sessionId: id,
            offset: 0,
            data: frame
        )
        #expect(try await sessions.agentOutput(request).received == frame.count)
        #expect(try await sessions.agentOutput(request).received == frame.count, "sent again: nothing doubled")
        var output = try await sessions.clientOutput(.init(sessionId: id, token: token, offset: 0))
        #expect(output.data == frame && output.exitCode == nil)
        var done = request
        done.offset = frame.count
        done.data = Data()
        done.exitCode = 3
        _ = try await sessions.agentOutput(done)
        output = try await sessions.clientOutput(.init(sessionId: id, token: token, offset: frame.count))
        #expect(output.data.isEmpty && output.exitCode == 3)
    }

    @Test("a wrong token, another node's agent, an unknown session and an offset past the end are refused")
    func refusals() async throws {
        let sessions = ExecSessions(longPoll: .milliseconds(50))
        let (id, token) = await sessions.create(start, instanceArn: node)
        await #expect(throws: ExecError(.forbidden, "The session token is not valid.")) {
            try await sessions.attach(ExecAttachRequest(sessionId: id, token: token + "x", tty: false))
        }
        await #expect(throws: ExecError.self) {
            _ = try await sessions.agentInput(
                .init(containerInstanceArn: "arn:other", credential: "", sessionId: id, offset: 0)
            )
        }
        await #expect(throws: ExecError.self) {
            _ = try await sessions.clientOutput(.init(sessionId: "ecs-execute-command-nope", token: token, offset: 0))
        }
        await #expect(throws: ExecError.self) {
            _ = try await sessions.clientInput(.init(sessionId: id, token: token, offset: 5, data: Data(), eof: false))
        }
    }

    @Test("a long poll is answered as soon as what it waits for comes")
    func wakes() async throws {
        let sessions = ExecSessions(longPoll: .seconds(30))
        let (id, token) = await sessions.create(start, instanceArn: node)
        let started = ContinuousClock.now
        async let handed = sessions.poll(instanceArn: node)
        try await Task.sleep(for: .milliseconds(100))
        try await sessions.attach(ExecAttachRequest(sessionId: id, token: token, tty: false))
        #expect(await handed.map(\.sessionId) == [id])
        #expect(ContinuousClock.now - started < .seconds(10), "woken by the attach, not by the poll's end")
    }

    @Test("closing (the controller stopping) answers every held poll at once and ends the sessions")
    func close() async throws {
        let sessions = ExecSessions(longPoll: .seconds(30))
        let (id, token) = await sessions.create(start, instanceArn: node)
        try await sessions.attach(ExecAttachRequest(sessionId: id, token: token, tty: false))
        _ = await sessions.poll(instanceArn: node)
        let started = ContinuousClock.now
        async let output = sessions.clientOutput(.init(sessionId: id, token: token, offset: 0))
        async let input = sessions.agentInput(
            .init(containerInstanceArn: node, credential: "", sessionId: id, offset: 0)
        )
        async let polled = sessions.poll(instanceArn: node)
        try await Task.sleep(for: .milliseconds(100))
        await sessions.close()
        #expect(try await output.failure == "the controller is shutting down")
        #expect(try await input.closed)
        #expect(await polled.isEmpty)
        #expect(ContinuousClock.now - started < .seconds(10), "answered at the close, not after the long poll")
    }

    @Test("an unattached session is dropped after a minute; a silent client's is closed for the agent")
    func expiry() async throws {
        let clock = ManualClock()
        let sessions = ExecSessions(now: { clock.now() }, longPoll: .milliseconds(10))
        let (dropped, _) = await sessions.create(start, instanceArn: node)
        let (silent, token) = await sessions.create(start, instanceArn: node)
        try await sessions.attach(ExecAttachRequest(sessionId: silent, token: token, tty: false))
        _ = await sessions.poll(instanceArn: node)
        clock.advance(ExecSessions.attachWithin + 1)
        await #expect(throws: ExecError.self) {
            _ = try await sessions.clientOutput(.init(sessionId: dropped, token: "", offset: 0))
        }
        let input = try await sessions.agentInput(
            .init(containerInstanceArn: node, credential: "", sessionId: silent, offset: 0)
        )
        #expect(input.closed, "the client has been silent past a minute: the agent stops")
    }

    @Test("ExecuteCommand's command is split into words as a shell would, without running one")
    func words() throws {
        #expect(try ClusterState.commandWords("ls -la /tmp") == ["ls", "-la", "/tmp"])
        #expect(try ClusterState.commandWords("sh -c 'echo a b; exit 3'") == ["sh", "-c", "echo a b; exit 3"])
        #expect(try ClusterState.commandWords(#"echo "it's" a\ b ''"#) == ["echo", "it's", "a b", ""])
        #expect(throws: ECSError.self) { try ClusterState.commandWords("echo 'open") }
    }

    @Test("a negative offset is refused, not trapped on; an agent silent past a minute fails the session")
    func hostileAndSilent() async throws {
        let clock = ManualClock()
        let sessions = ExecSessions(now: { clock.now() }, longPoll: .milliseconds(10))
        let (id, token) = await sessions.create(start, instanceArn: node)
        await #expect(throws: ExecError.self) {
            _ = try await sessions.clientInput(
                .init(sessionId: id, token: token, offset: Int.min, data: Data(), eof: false)
            )
        }
        await #expect(throws: ExecError.self) {
            _ = try await sessions.agentOutput(
                ExecOutputRequest(containerInstanceArn: node, credential: "", sessionId: id, offset: -1, data: Data())
            )
        }
        try await sessions.attach(ExecAttachRequest(sessionId: id, token: token, tty: false))
        _ = await sessions.poll(instanceArn: node)
        _ = try await sessions.clientInput(.init(sessionId: id, token: token, offset: 0, data: Data(), eof: true))
        let told = try await sessions.agentInput(
            .init(containerInstanceArn: node, credential: "", sessionId: id, offset: 0)
        )
        #expect(told.eof)
        let started = ContinuousClock.now
        let waited = try await sessions.agentInput(
            .init(containerInstanceArn: node, credential: "", sessionId: id, offset: 0)
        )
        #expect(!waited.closed && ContinuousClock.now - started >= .milliseconds(10), "after the end of input it waits")
        clock.advance(ExecSessions.agentSilence - 1)
        _ = try await sessions.clientOutput(.init(sessionId: id, token: token, offset: 0))
        clock.advance(2)
        let output = try await sessions.clientOutput(.init(sessionId: id, token: token, offset: 0))
        #expect(output.failure == "the agent of the task's container instance stopped answering")
    }
}
