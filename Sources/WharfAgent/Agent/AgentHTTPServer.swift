#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small read-only HTTP/1.1 server for the agent's own endpoints (introspection, task
/// metadata): GET requests, answered by `answer` with a status, a content type and a body.
struct AgentHTTPServer: Sendable {
    /// What a request gets back.
    struct Answer: Sendable {
        var status: HTTPResponseStatus
        var contentType = "application/json"
        var body: [UInt8]
    }

    let host: String
    let port: Int
    let answer: @Sendable (HTTPRequestHead) async -> Answer

    /// Binds and serves until the calling task is cancelled.
    /// - Parameter onBound: told the port bound (the one asked for, or the one picked for 0).
    func serve(onBound: @Sendable (Int) async -> Void) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        await onBound(server.channel.localAddress?.port ?? port)
        let channel = server.channel
        try await withTaskCancellationHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { await serve(connection) }
                    }
                }
            }
        } onCancel: {
            channel.close(promise: nil)
        }
    }

    func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            for try await part in inbound {
                switch part {
                case .head(let request): head = request
                case .body: break
                case .end:
                    guard let request = head else { continue }
                    let reply =
                        request.method == .GET
                        ? await answer(request)
                        : Answer(status: .methodNotAllowed, body: Array(#"{"error":"only GET is served"}"#.utf8))
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: reply.contentType)
                    headers.add(name: "Content-Length", value: "\(reply.body.count)")
                    try await outbound.write(
                        .head(HTTPResponseHead(version: request.version, status: reply.status, headers: headers)))
                    try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: reply.body))))
                    try await outbound.write(.end(nil))
                    // HTTP/1.0, or `Connection: close`: the answer ends with the connection.
                    if !request.isKeepAlive { return }
                    head = nil
                }
            }
        }
    }
}
