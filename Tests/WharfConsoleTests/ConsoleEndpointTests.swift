import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing
import WharfAuth
@testable import WharfConsole

@Suite("The console's endpoint: sign-in, sessions, assets and the API calls it signs")
struct ConsoleEndpointTests {
    static let key = (id: "AKWHCONSOLE000000001", secret: "console-secret-0123456789abcdefghij")

    /// What the API endpoint received: the request's head and body, and whose signature it bore.
    final class Received: Sendable {
        let calls = Mutex<[(target: String?, host: String?, signedBy: String?, body: String)]>([])
    }

    /// A router with the console on it, its API endpoint verifying each call's SigV4 signature.
    static func router(_ received: Received, signatures: Bool = true) -> Router<BasicRequestContext> {
        let router = Router()
        let endpoint = ConsoleEndpoint(
            authentication: signatures ? .keys { id in id == key.id ? key.secret : nil } : .disabled,
            region: "us-east-1",
            secureCookies: true,
            maxBodyBytes: 4096
        ) { request in
            let body = (try? await request.body.collect(upTo: 1 << 20)) ?? ByteBuffer()
            var headers = request.headers.map { (name: $0.name.canonicalName, value: $0.value) }
            headers.append((name: "host", value: request.head.authority ?? ""))
            let signable = SigV4.Request(
                method: "POST",
                path: "/",
                query: "",
                headers: headers,
                payloadHash: SigV4.hexSHA256(Data(body.readableBytesView))
            )
            let signer = try? await SigV4Verifier(region: "us-east-1")
                .verify(signable, service: "ecs", now: Date()) { id in id == key.id ? key.secret : nil }
            received.calls.withLock {
                $0.append((request.headers[HTTPField.Name("X-Amz-Target")!], request.head.authority, signer, String(buffer: body)))
            }
            return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"clusterArns":[]}"#)))
        }
        endpoint.register(on: router)
        return router
    }

    static let console: HTTPFields = [ConsoleEndpoint.marker: "1"]

    static func signIn(_ client: some TestClientProtocol, secret: String = key.secret) async throws -> TestResponse {
        var headers = console
        headers[.contentType] = "application/json"
        return try await client.execute(
            uri: "/console/session",
            method: .post,
            headers: headers,
            body: ByteBuffer(string: #"{"accessKeyId":"\#(key.id)","secretAccessKey":"\#(secret)"}"#)
        )
    }

    @Test("a right pair signs in with an HttpOnly, SameSite=Strict, Secure cookie; a wrong one is refused without saying which part")
    func signIn() async throws {
        let app = Application(router: Self.router(Received()))
        try await app.test(.router) { client in
            let refused = try await Self.signIn(client, secret: "wrong")
            #expect(refused.status == .unauthorized)
            #expect(String(buffer: refused.body).contains("UnrecognizedClientException"))
            #expect(refused.headers[.setCookie] == nil)
            let accepted = try await Self.signIn(client)
            #expect(accepted.status == .ok)
            let cookie = try #require(accepted.headers[.setCookie])
            #expect(cookie.hasPrefix("wharf_console="))
            for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/console"] {
                #expect(cookie.contains(attribute), "\(cookie)")
            }
            let token = String(cookie.dropFirst("wharf_console=".count).prefix { $0 != ";" })
            #expect(token.count >= 43)
            let current = try await client.execute(uri: "/console/session", method: .get, headers: [.cookie: "wharf_console=\(token)"])
            #expect(String(buffer: current.body).contains(#""accessKeyId":"\#(Self.key.id)""#))
            // Without the console's header (a form posted from another site): refused.
            let forged = try await client.execute(uri: "/console/session", method: .post, body: ByteBuffer(string: "{}"))
            #expect(forged.status == .forbidden)
        }
    }

    @Test("an API call is signed with the session's key for the API it names and passed on; without a session it is refused")
    func api() async throws {
        let received = Received()
        let app = Application(router: Self.router(received))
        try await app.test(.router) { client in
            var call = Self.console
            call[HTTPField.Name("X-Amz-Target")!] = "AmazonEC2ContainerServiceV20141113.ListClusters"
            let anonymous = try await client.execute(uri: "/console/api", method: .post, headers: call, body: ByteBuffer(string: "{}"))
            #expect(anonymous.status == .unauthorized)
            #expect(String(buffer: anonymous.body).contains("ConsoleSessionExpired"))
            #expect(received.calls.withLock { $0.isEmpty })

            let cookie = try #require(try await Self.signIn(client).headers[.setCookie])
            call[.cookie] = String(cookie.prefix { $0 != ";" })
            let answer = try await client.execute(uri: "/console/api", method: .post, headers: call, body: ByteBuffer(string: "{}"))
            #expect(answer.status == .ok)
            #expect(String(buffer: answer.body) == #"{"clusterArns":[]}"#)
            let sent = try #require(received.calls.withLock { $0.first })
            #expect(sent.target == "AmazonEC2ContainerServiceV20141113.ListClusters")
            #expect(sent.signedBy == Self.key.id, "the call did not carry a valid signature of the session's key")
            #expect(sent.body == "{}")

            var unknown = call
            unknown[HTTPField.Name("X-Amz-Target")!] = "WharfAdmin.CreateAccessKey"
            let refused = try await client.execute(uri: "/console/api", method: .post, headers: unknown, body: ByteBuffer(string: "{}"))
            #expect(refused.status == .badRequest)
            #expect(received.calls.withLock { $0.count } == 1)

            var signOut = Self.console
            signOut[.cookie] = call[.cookie]
            let out = try await client.execute(uri: "/console/session", method: .delete, headers: signOut)
            #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
            let after = try await client.execute(uri: "/console/api", method: .post, headers: call, body: ByteBuffer(string: "{}"))
            #expect(after.status == .unauthorized, "the session outlived its sign-out")
        }
    }

    @Test("without signatures (wharf dev) no sign-in is needed and calls go on unsigned")
    func disabled() async throws {
        let received = Received()
        let app = Application(router: Self.router(received, signatures: false))
        try await app.test(.router) { client in
            let current = try await client.execute(uri: "/console/session", method: .get)
            #expect(String(buffer: current.body).contains(#""signedIn":true"#))
            var call = Self.console
            call[HTTPField.Name("X-Amz-Target")!] = "AmazonEC2ContainerServiceV20141113.ListClusters"
            let answer = try await client.execute(uri: "/console/api", method: .post, headers: call, body: ByteBuffer(string: "{}"))
            #expect(answer.status == .ok)
            #expect(received.calls.withLock { $0.first?.signedBy } == nil)
        }
    }

    @Test("the page and its modules are served from the binary with a content security policy, validators, and under 100 KB")
    func assets() async throws {
        let app = Application(router: Self.router(Received()))
        try await app.test(.router) { client in
            let page = try await client.execute(uri: "/console", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("script-src 'self'") == true)
            #expect(String(buffer: page.body).contains("/console/assets/console.js"))
            for name in ConsoleAssets.all.keys where name != "index.html" {
                let asset = try await client.execute(uri: "/console/assets/\(name)", method: .get)
                #expect(asset.status == .ok, "\(name)")
                let etag = try #require(asset.headers[.eTag])
                let again = try await client.execute(uri: "/console/assets/\(name)", method: .get, headers: [.ifNoneMatch: etag])
                #expect(again.status == .notModified, "\(name)")
            }
            let missing = try await client.execute(uri: "/console/assets/nothing.js", method: .get)
            #expect(missing.status == .notFound)
        }
        #expect(ConsoleAssets.totalBytes < 100 * 1024, "the first page loads \(ConsoleAssets.totalBytes) bytes")
    }
}

@Suite("Console sessions")
struct ConsoleSessionsTests {
    final class Clock: Sendable {
        let now = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    }

    @Test("a session lives its lifetime, ends when closed, and the oldest goes beyond the limit")
    func lifetime() {
        let clock = Clock()
        let sessions = ConsoleSessions(lifetime: 60, limit: 2) { clock.now.withLock { $0 } }
        let first = sessions.open(accessKeyId: "A")
        #expect(sessions.session(first)?.accessKeyId == "A")
        clock.now.withLock { $0 += 61 }
        #expect(sessions.session(first) == nil)
        let second = sessions.open(accessKeyId: "B")
        clock.now.withLock { $0 += 1 }
        let third = sessions.open(accessKeyId: "C")
        clock.now.withLock { $0 += 1 }
        let fourth = sessions.open(accessKeyId: "D")
        #expect(sessions.session(second) == nil, "the oldest stays beyond the limit")
        #expect(sessions.session(third)?.accessKeyId == "C")
        sessions.close(fourth)
        #expect(sessions.session(fourth) == nil)
        #expect(sessions.count == 1)
        #expect(first != second && second != third)
    }
}
