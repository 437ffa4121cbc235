#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import WharfProtocol

/// Runs the `wharf exec` sessions the controller hands this node: each command in its task's
/// container through the engine, its output sent to the controller as it comes, the client's
/// input written to it, and at the end its exit code. Only containers of the node's own tasks are
/// entered.
struct ExecRunner: Sendable {
    let agent: Agent
    let runtime: any ContainerRuntime
    let logger: Logger

    /// Polls for sessions until cancelled, running each beside the others.
    func run() async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                guard let identity = await agent.shippingIdentity() else {
                    try? await Task.sleep(for: .seconds(1))
                    continue
                }
                do {
                    let polled = try await agent.client.pollExec(
                        ExecPollRequest(containerInstanceArn: identity.arn, credential: identity.credential)
                    )
                    for start in polled.sessions {
                        group.addTask { await serve(start, identity: identity) }
                    }
                } catch {
                    if Task.isCancelled { break }
                    logger.debug("exec poll failed", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(5))
                }
            }
        }
    }

    /// Runs one session to its end.
    func serve(_ start: ExecStart, identity: (arn: String, credential: String)) async {
        let client = agent.client
        var sent = 0
        /// Sends `data` from offset `sent` on until the controller holds all of it; false once the
        /// client has gone, or the controller has not taken it for a minute.
        func send(_ data: [UInt8], exitCode: Int? = nil, failure: String? = nil) async -> Bool {
            var rest = data
            var failures = 0
            while true {
                let request = ExecOutputRequest(
                    containerInstanceArn: identity.arn,
                    credential: identity.credential,
                    sessionId: start.sessionId,
                    offset: sent,
                    data: Data(rest),
                    exitCode: exitCode,
                    failure: failure
                )
                let answer: ExecOutputResponse
                do {
                    answer = try await client.sendExecOutput(request)
                } catch {
                    // The session is gone; else the same offset again: the controller takes nothing twice.
                    failures += 1
                    if error.code != .serverError || failures >= 60 || Task.isCancelled { return false }
                    try? await Task.sleep(for: .seconds(1))
                    continue
                }
                failures = 0
                let taken = answer.received - sent
                sent = answer.received
                rest.removeFirst(min(max(0, taken), rest.count))
                if answer.closed { return false }
                if rest.isEmpty { return true }
                // The client reads slower than the command writes: wait for room.
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        guard await agent.runs(container: start.runtimeId, ofTask: start.taskArn) else {
            _ = await send([], failure: "the container \(start.containerName) of \(start.taskArn) does not run here")
            return
        }
        let process: ExecProcess
        do {
            process = try await runtime.exec(containerID: start.runtimeId, command: start.command, tty: start.tty)
        } catch {
            _ = await send([], failure: "cannot run \(start.command.joined(separator: " ")): \(error.message)")
            return
        }
        if start.tty, let rows = start.rows, let columns = start.columns {
            await process.resize(rows: rows, columns: columns)
        }
        logger.info(
            "exec session started",
            metadata: [
                "session": "\(start.sessionId)", "task": "\(start.taskArn)", "container": "\(start.containerName)",
            ]
        )
        // The client gone (or the controller stopping): the command is ended, as closing Session
        // Manager's channel ends ECS Exec's.
        let input = Task {
            if await pumpInput(start, identity: identity, into: process) { await process.terminate() }
        }
        var open = true
        do {
            for try await chunk in process.output {
                open = await send(start.tty ? ExecFrames.frame(chunk, stream: ExecProtocol.stdout) : chunk)
                if !open { break }
            }
        } catch {
            logger.warning("exec output ended", metadata: ["session": "\(start.sessionId)", "error": "\(error)"])
        }
        input.cancel()
        guard open else {
            await process.terminate()
            logger.info("exec session closed by its client", metadata: ["session": "\(start.sessionId)"])
            return
        }
        process.closeInput()
        do {
            _ = await send([], exitCode: try await process.exitCode())
        } catch {
            _ = await send([], failure: error.message)
        }
        logger.info("exec session ended", metadata: ["session": "\(start.sessionId)"])
    }

    /// Writes the client's input to the command, then waits on; true once the client has gone
    /// (false when cancelled: the command ended).
    func pumpInput(
        _ start: ExecStart,
        identity: (arn: String, credential: String),
        into process: ExecProcess
    ) async -> Bool {
        var offset = 0
        var ended = false
        while !Task.isCancelled {
            let request = ExecInputRequest(
                containerInstanceArn: identity.arn,
                credential: identity.credential,
                sessionId: start.sessionId,
                offset: offset
            )
            guard let answer = try? await agent.client.receiveExecInput(request) else {
                if Task.isCancelled { return false }
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            if !answer.data.isEmpty, !ended {
                // A command that stopped reading loses the rest; the session goes on.
                do { try await process.write(Array(answer.data)) } catch { ended = true }
            }
            offset = answer.offset + answer.data.count
            if answer.closed { return true }
            if answer.eof, !ended {
                process.closeInput()
                ended = true
            }
        }
        return false
    }
}

extension Agent {
    /// Whether `runtimeId` is a container of the node's task `taskArn`.
    func runs(container runtimeId: String, ofTask taskArn: String) -> Bool {
        tasks[taskArn]?.containers.contains { $0.runtimeId == runtimeId } ?? false
    }
}
