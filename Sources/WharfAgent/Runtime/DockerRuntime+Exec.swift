#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import WharfProtocol

/// A command running in a container (`docker exec`): its input and output on one connection to
/// the engine, taken over from HTTP (Docker's "hijacked" stream).
public final class ExecProcess: Sendable {
    /// Output as the engine sends it: multiplexed frames without a terminal, raw bytes with one.
    public let output: AsyncThrowingStream<[UInt8], any Error>
    /// Whether the command has a terminal.
    public let tty: Bool
    private let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let exit: @Sendable () async throws(RuntimeError) -> Int
    private let resizer: @Sendable (Int, Int) async -> Void
    private let killer: @Sendable () async -> Void

    init(
        output: AsyncThrowingStream<[UInt8], any Error>,
        tty: Bool,
        writer: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        exit: @escaping @Sendable () async throws(RuntimeError) -> Int,
        resize: @escaping @Sendable (Int, Int) async -> Void,
        kill: @escaping @Sendable () async -> Void
    ) {
        self.output = output
        self.tty = tty
        self.writer = writer
        self.exit = exit
        self.resizer = resize
        self.killer = kill
    }

    /// Ends the command (SIGKILL to its process; the engine has no call for it) and its input.
    public func terminate() async {
        await killer()
        writer.finish()
    }

    /// Sends `bytes` to the command's input.
    public func write(_ bytes: [UInt8]) async throws {
        try await writer.write(ByteBuffer(bytes: bytes))
    }

    /// Closes the command's input (it reads end of file).
    public func closeInput() {
        writer.finish()
    }

    /// The command's exit code, once its output has ended.
    public func exitCode() async throws(RuntimeError) -> Int { try await exit() }

    /// Sets the terminal's size.
    public func resize(rows: Int, columns: Int) async { await resizer(rows, columns) }
}

extension DockerRuntime {
    /// The engine's exec API runs commands in containers.
    public var runsCommands: Bool { true }

    /// Starts `command` in the container `id`, with a terminal when `tty`.
    public func exec(containerID id: String, command: [String], tty: Bool) async throws(RuntimeError) -> ExecProcess {
        struct Created: Decodable { var Id: String }
        struct Inspected: Decodable {
            var Running: Bool
            var ExitCode: Int?
            var Pid: Int?
        }
        let context = "running a command in container \(id.prefix(12))"
        let body = try DockerClient.json(
            DockerAPI.ExecConfig(
                AttachStdin: true,
                AttachStdout: true,
                AttachStderr: true,
                Tty: tty,
                Cmd: command
            )
        )
        let created = try await client.request(
            .POST,
            "/containers/\(DockerClient.escapePath(id))/exec",
            body: body,
            context: context
        )
        guard created.status == .created else { throw client.failure(created, context) }
        let exec = try created.decode(Created.self, context).Id
        let version = try await client.apiVersion()
        let start = String(decoding: try DockerClient.json(DockerAPI.ExecStart(Detach: false, Tty: tty)), as: UTF8.self)
        let head =
            "POST /v\(version)/exec/\(exec)/start HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
            + "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: \(start.utf8.count)\r\n\r\n" + start
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.allowRemoteHalfClosure, value: true)
                .connect(unixDomainSocketPath: client.socketPath) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true)
                        )
                    }
                }
        } catch {
            throw RuntimeError(.engine, "\(context): cannot reach the Docker engine at \(client.socketPath): \(error)")
        }
        let (stream, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let (writerStream, writerContinuation) = AsyncStream<NIOAsyncChannelOutboundWriter<ByteBuffer>>.makeStream()
        // The connection is used inside its own task until the engine closes it.
        Task {
            do {
                try await channel.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(string: head))
                    var pending: [UInt8] = []
                    var answered = false
                    for try await buffer in inbound {
                        if answered {
                            continuation.yield(Array(buffer.readableBytesView))
                            continue
                        }
                        pending += buffer.readableBytesView
                        guard let end = Self.headEnd(pending) else { continue }
                        let status = String(decoding: pending[..<end], as: UTF8.self)
                        guard status.hasPrefix("HTTP/1.1 101") || status.hasPrefix("HTTP/1.1 200") else {
                            let line = status.split(separator: "\r\n").first.map(String.init) ?? status
                            throw RuntimeError(.engine, "\(context): the engine answered \(line)")
                        }
                        answered = true
                        writerContinuation.yield(outbound)
                        writerContinuation.finish()
                        let rest = Array(pending[(end + 4)...])
                        if !rest.isEmpty { continuation.yield(rest) }
                    }
                    continuation.finish()
                }
            } catch {
                continuation.finish(throwing: error)
            }
            writerContinuation.finish()
        }
        var iterator = writerStream.makeAsyncIterator()
        guard let writer = await iterator.next() else {
            // The engine refused before taking the stream over: its answer is the error.
            do {
                for try await _ in stream {}
            } catch let error as RuntimeError {
                throw error
            } catch {
                throw RuntimeError(.engine, "\(context): \(error)")
            }
            throw RuntimeError(.engine, "\(context): the engine closed the connection")
        }
        let client = self.client
        return ExecProcess(
            output: stream,
            tty: tty,
            writer: writer,
            exit: { () async throws(RuntimeError) -> Int in
                // The stream ends as the command does; the engine notes its exit code a moment later.
                for _ in 0..<50 {
                    let inspected = try await client.request(.GET, "/exec/\(exec)/json", context: context)
                    guard inspected.status == .ok else { throw client.failure(inspected, context) }
                    let state = try inspected.decode(Inspected.self, context)
                    if !state.Running, let code = state.ExitCode { return code }
                    try? await Task.sleep(for: .milliseconds(100))
                }
                throw RuntimeError(.engine, "\(context): the engine did not report the command's exit code")
            },
            resize: { rows, columns in
                _ = try? await client.request(
                    .POST,
                    "/exec/\(exec)/resize",
                    query: [("h", String(rows)), ("w", String(columns))],
                    context: context
                )
            },
            kill: {
                guard let inspected = try? await client.request(.GET, "/exec/\(exec)/json", context: context),
                    let state = try? inspected.decode(Inspected.self, context), state.Running, let pid = state.Pid,
                    pid > 1
                else { return }
                _ = Glibc.kill(pid_t(pid), SIGKILL)
            }
        )
    }

    /// Where an HTTP answer's head ends (the index of its blank line), if it has arrived.
    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }
}

extension DockerAPI {
    /// `POST /containers/{id}/exec`'s body.
    struct ExecConfig: Encodable {
        var AttachStdin: Bool
        var AttachStdout: Bool
        var AttachStderr: Bool
        var Tty: Bool
        var Cmd: [String]
    }

    /// `POST /exec/{id}/start`'s body.
    struct ExecStart: Encodable {
        var Detach: Bool
        var Tty: Bool
    }
}
