import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing
@testable import WharfController

@Suite("A follower passes requests on to the leader")
struct LeaderForwarderTests {
    /// What the leader saw of a request, sent back as JSON.
    struct Seen: Codable {
        var method: String
        var uri: String
        var host: String?
        var authorization: String?
        var forwardedBy: String?
        var keepAlive: String?
        var body: String
    }

    /// A leader that answers every request with what it saw, status 207 and a header of its own.
    static func withLeader(_ body: @Sendable @escaping (Int) async throws -> Void) async throws {
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let seen = Seen(
                method: request.method.rawValue,
                uri: request.uri.string,
                host: request.head.authority,
                authorization: request.headers[.authorization],
                forwardedBy: request.headers[LeaderForwarder.forwardedHeader],
                keepAlive: HTTPField.Name("Keep-Alive").flatMap { request.headers[$0] },
                body: String(buffer: bytes)
            )
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            headers[HTTPField.Name("X-Leader")!] = "yes"
            return Response(
                status: .init(code: 207),
                headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(seen)))
            )
        }
        let app = Application(responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body(try #require(client.port))
        }
    }

    static func request(headers extra: HTTPFields = [:]) -> Request {
        var fields: HTTPFields = [.authorization: "AWS4-HMAC-SHA256 Credential=AKID/20261206/us-east-1/ecs/aws4_request"]
        fields[HTTPField.Name("Keep-Alive")!] = "timeout=5"
        fields[.contentType] = "application/x-amz-json-1.1"
        fields.append(contentsOf: extra)
        let head = HTTPRequest(method: .post, scheme: "http", authority: "wharf.lan:8443", path: "/?a=b", headerFields: fields)
        return Request(head: head, body: RequestBody(buffer: ByteBuffer(string: #"{"clusterName":"web"}"#)))
    }

    @Test("method, path, query, Host, signature and body arrive as sent; the answer comes back as the leader gave it")
    func passesOn() async throws {
        try await Self.withForwarder { forwarder in
            try await Self.withLeader { port in
                let answer = try #require(await forwarder.forward(Self.request(), to: "http://127.0.0.1:\(port)"))
                #expect(answer.status.code == 207)
                #expect(answer.headers[HTTPField.Name("X-Leader")!] == "yes")
                let body = Collected()
                try await answer.body.write(CollectingWriter(into: body))
                let seen = try JSONDecoder().decode(Seen.self, from: Data(body.text.utf8))
                #expect(seen.method == "POST")
                #expect(seen.uri == "/?a=b")
                #expect(seen.host == "wharf.lan:8443")
                #expect(seen.authorization == "AWS4-HMAC-SHA256 Credential=AKID/20261206/us-east-1/ecs/aws4_request")
                #expect(seen.forwardedBy == "ctl-2")
                #expect(seen.keepAlive == nil, "a hop-by-hop header was passed on")
                #expect(seen.body == #"{"clusterName":"web"}"#)
            }
        }
    }

    @Test("a request forwarded once is not forwarded again, and a leader that does not answer gives nil (a 503)")
    func refuses() async throws {
        try await Self.withForwarder { forwarder in
            try await Self.withLeader { port in
                let twice = Self.request(headers: [LeaderForwarder.forwardedHeader: "ctl-3"])
                #expect(await forwarder.forward(twice, to: "http://127.0.0.1:\(port)") == nil)
            }
            // Nothing listens on port 1: the connection is refused.
            #expect(await forwarder.forward(Self.request(), to: "http://127.0.0.1:1") == nil)
            #expect(await forwarder.forward(Self.request(), to: "not a url") == nil)
        }
    }

    /// Runs `body` with a forwarder and shuts it down however `body` ends: a forwarder dropped
    /// without its shutdown stops the whole test process (AsyncHTTPClient checks it).
    static func withForwarder(_ body: (LeaderForwarder) async throws -> Void) async throws {
        let forwarder = LeaderForwarder(identity: "ctl-2", caPEM: nil, logger: Logger(label: "test"))
        do {
            try await body(forwarder)
        } catch {
            await forwarder.shutdown()
            throw error
        }
        await forwarder.shutdown()
    }
}

/// Collects a response body.
final class Collected: Sendable {
    let bytes = Mutex(ByteBuffer())

    var text: String { bytes.withLock { String(buffer: $0) } }
}

struct CollectingWriter: ResponseBodyWriter {
    let into: Collected

    mutating func write(_ part: ByteBuffer) async throws {
        into.bytes.withLock {
            var part = part
            $0.writeBuffer(&part)
        }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
