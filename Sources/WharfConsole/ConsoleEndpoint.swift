import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import WharfAuth
import WharfModel

/// The web console at `/console`: its page and assets, sign-in and sign-out, and `POST
/// /console/api`, through which the page calls the same public APIs the AWS CLI calls. The
/// controller signs each of those calls with the session's access key (SigV4, as the CLI would)
/// and hands it to its API endpoint, so the console can do nothing a key's owner could not do
/// with the CLI, and every answer and error is the API's own.
///
/// A call must carry `X-Wharf-Console: 1`, which a page of another site cannot send without a CORS
/// preflight the controller never grants; the session cookie is `SameSite=Strict` as well.
public struct ConsoleEndpoint: Sendable {
    /// How sign-in is checked.
    public enum Authentication: Sendable {
        /// The controller checks no signatures (`wharf dev`, loopback only): no sign-in.
        case disabled
        /// Access keys: `secret` gives the secret of a key ID, nil when there is no such key.
        case keys(secret: @Sendable (String) async -> String?)
    }

    /// The cookie that carries the session's token.
    public static let cookie = "wharf_console"
    /// The header every console call carries.
    public static let marker = HTTPField.Name("X-Wharf-Console")!

    /// The APIs the console calls: target prefix, SigV4 signing name, content type.
    static let services: [(prefix: String, signingName: String, contentType: String)] = [
        ("AmazonEC2ContainerServiceV20141113.", "ecs", "application/x-amz-json-1.1"),
        ("AmazonSSM.", "ssm", "application/x-amz-json-1.1"),
        ("secretsmanager.", "secretsmanager", "application/x-amz-json-1.1"),
        (ServiceDiscovery.targetPrefix, ServiceDiscovery.signingName, "application/x-amz-json-1.1"),
        (CloudWatchLogs.targetPrefix, CloudWatchLogs.signingName, "application/x-amz-json-1.1"),
        (ApplicationAutoScaling.targetPrefix, ApplicationAutoScaling.signingName, "application/x-amz-json-1.1"),
        (CloudWatch.targetPrefix, CloudWatch.signingName, CloudWatch.contentType),
    ]

    let authentication: Authentication
    let region: String
    let secureCookies: Bool
    let sessions: ConsoleSessions
    let maxBodyBytes: Int
    let dispatch: @Sendable (Request) async -> Response

    /// - Parameters:
    ///   - region: the region the calls are signed for (the controller's own).
    ///   - secureCookies: whether the controller serves HTTPS (the cookie is then `Secure`).
    ///   - dispatch: the controller's API endpoint (`POST /`).
    public init(
        authentication: Authentication,
        region: String,
        secureCookies: Bool,
        sessions: ConsoleSessions = ConsoleSessions(),
        maxBodyBytes: Int,
        dispatch: @escaping @Sendable (Request) async -> Response
    ) {
        self.authentication = authentication
        self.region = region
        self.secureCookies = secureCookies
        self.sessions = sessions
        self.maxBodyBytes = maxBodyBytes
        self.dispatch = dispatch
    }

    /// Adds the console's routes to `router`.
    public func register(on router: Router<BasicRequestContext>) {
        let console = self
        router.get("/console") { request, _ in console.page(request) }
        router.get("/console/assets/:name") { request, context in
            // The route matches only with a name; `require` never throws here.
            console.asset(try context.parameters.require("name"), request: request)
        }
        router.get("/console/session") { request, _ in console.current(request) }
        router.post("/console/session") { request, _ in await console.signIn(request) }
        router.delete("/console/session") { request, _ in console.signOut(request) }
        router.post("/console/api") { request, _ in await console.api(request) }
    }

    // MARK: - Page and assets

    func page(_ request: Request) -> Response {
        asset("index.html", request: request)
    }

    func asset(_ name: String, request: Request) -> Response {
        guard let asset = ConsoleAssets.all[name] else {
            return Self.json(.notFound, ["message": "no such console asset: \(name)"])
        }
        var headers: HTTPFields = [
            .contentType: asset.contentType,
            .cacheControl: "no-cache",
            .eTag: asset.etag,
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        ]
        if name == "index.html" {
            headers[HTTPField.Name("Content-Security-Policy")!] =
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
            headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        }
        if request.headers[.ifNoneMatch] == asset.etag {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }

    // MARK: - Sessions

    /// `GET /console/session`: who is signed in, and whether signing in is needed at all.
    func current(_ request: Request) -> Response {
        if case .disabled = authentication {
            return Self.json(.ok, SessionAnswer(signedIn: true, accessKeyId: nil, region: region, signatures: false))
        }
        guard let token = Self.token(request), let session = sessions.session(token) else {
            return Self.json(.ok, SessionAnswer(signedIn: false, accessKeyId: nil, region: region, signatures: true))
        }
        return Self.json(
            .ok,
            SessionAnswer(signedIn: true, accessKeyId: session.accessKeyId, region: region, signatures: true)
        )
    }

    /// `POST /console/session` with `{"accessKeyId": …, "secretAccessKey": …}`.
    func signIn(_ request: Request) async -> Response {
        guard request.headers[Self.marker] == "1" else { return Self.refusal(.forbidden, "MissingConsoleHeader") }
        guard case .keys(let secret) = authentication else {
            return Self.json(.ok, SessionAnswer(signedIn: true, accessKeyId: nil, region: region, signatures: false))
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: 16 * 1024)
        } catch {
            return Self.refusal(.badRequest, "ValidationException", "the sign-in request is too large")
        }
        guard let pair = try? JSONDecoder().decode(SignIn.self, from: Data(body.readableBytesView)),
            !pair.accessKeyId.isEmpty, !pair.secretAccessKey.isEmpty
        else {
            return Self.refusal(.badRequest, "ValidationException", "give an access key ID and its secret access key")
        }
        guard let known = await secret(pair.accessKeyId), Self.constantTimeEqual(known, pair.secretAccessKey) else {
            // One answer for an unknown key and a wrong secret: which key IDs exist is not told.
            return Self.refusal(
                .unauthorized,
                "UnrecognizedClientException",
                "The access key ID or the secret access key is not valid. Use a pair this controller knows: "
                    + "the bootstrap pair of controller.env, or one made with wharf keys create."
            )
        }
        let token = sessions.open(accessKeyId: pair.accessKeyId)
        var response = Self.json(
            .ok,
            SessionAnswer(signedIn: true, accessKeyId: pair.accessKeyId, region: region, signatures: true)
        )
        response.headers[.setCookie] = cookie(token, maxAge: Int(sessions.lifetime))
        return response
    }

    /// `DELETE /console/session`: signs out.
    func signOut(_ request: Request) -> Response {
        guard request.headers[Self.marker] == "1" else { return Self.refusal(.forbidden, "MissingConsoleHeader") }
        if let token = Self.token(request) { sessions.close(token) }
        var response = Self.json(.ok, ["signedIn": false])
        response.headers[.setCookie] = cookie("", maxAge: 0)
        return response
    }

    func cookie(_ token: String, maxAge: Int) -> String {
        "\(Self.cookie)=\(token); Path=/console; Max-Age=\(maxAge); HttpOnly; SameSite=Strict"
            + (secureCookies ? "; Secure" : "")
    }

    /// The session token in the request's cookies.
    static func token(_ request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == cookie {
                    let token = parts[1].trimmingCharacters(in: .whitespaces)
                    return token.isEmpty ? nil : token
                }
            }
        }
        return nil
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        var difference = UInt8(left.count == right.count ? 0 : 1)
        for index in 0..<max(left.count, right.count) {
            difference |= (index < left.count ? left[index] : 0) ^ (index < right.count ? right[index] : 0)
        }
        return difference == 0
    }

    // MARK: - Answers

    struct SignIn: Decodable {
        var accessKeyId: String
        var secretAccessKey: String
    }

    struct SessionAnswer: Encodable {
        var signedIn: Bool
        var accessKeyId: String?
        var region: String
        /// Whether the controller checks signatures (false under `wharf dev`).
        var signatures: Bool
    }

    struct Refusal: Encodable {
        var type: String
        var message: String

        enum CodingKeys: String, CodingKey {
            case type = "__type"
            case message
        }
    }

    static func refusal(_ status: HTTPResponse.Status, _ type: String, _ message: String? = nil) -> Response {
        let text = message ?? "console calls carry the header X-Wharf-Console: 1"
        return json(status, Refusal(type: type, message: text))
    }

    static func json(_ status: HTTPResponse.Status, _ body: some Encodable) -> Response {
        let data = (try? JSONEncoder().encode(body)) ?? Data("{}".utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}
