import Foundation
import Hummingbird
import Logging
import WharfAuth
import WharfModel
import WharfState

/// An access key ID and its secret, as the AWS CLI takes them.
public struct AccessKeyPair: Sendable, Equatable {
    public var accessKeyId: String
    public var secretAccessKey: String

    /// Creates a pair.
    public init(accessKeyId: String, secretAccessKey: String) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
    }
}

/// How the controller authenticates ECS, SSM and admin API calls.
public enum APIAuthentication: Sendable, Equatable {
    /// None: `wharf dev`, which serves on loopback only and says so at start.
    case disabled
    /// AWS Signature Version 4 against the stored access keys and, when given, the bootstrap
    /// pair from `WHARF_ADMIN_ACCESS_KEY_ID` / `WHARF_ADMIN_SECRET_ACCESS_KEY`.
    case sigV4(bootstrap: AccessKeyPair?)

    /// The bootstrap key's ID, if there is one.
    var bootstrapKeyId: String? {
        if case .sigV4(let bootstrap?) = self { return bootstrap.accessKeyId }
        return nil
    }
}

/// Verifies the SigV4 signature of an API request against the keys the controller knows: the
/// bootstrap pair, then the stored keys (their secrets unsealed as needed). A revoked key is
/// refused from the next request on, since the lookup reads the current state.
struct APIAuthenticator: Sendable {
    let mode: APIAuthentication
    let verifier: SigV4Verifier
    let controller: Controller
    let sealer: SecretSealer
    let logger: Logger

    /// Refuses even a request whose signature checks out: for the endpoints that only word the
    /// refusal of a request for a region not opened yet (see ``RegionRouter``).
    var refuseVerified = false

    /// - Parameters:
    ///   - regions: the regions a credential scope may name.
    ///   - controller: the controller of the controller's own region, which holds the access keys.
    init(mode: APIAuthentication, regions: Set<String>, controller: Controller, sealer: SecretSealer, logger: Logger) {
        self.mode = mode
        self.verifier = SigV4Verifier(regions: regions)
        self.controller = controller
        self.sealer = sealer
        self.logger = logger
    }

    /// Checks `request` (whose body is `body`) for the API whose SigV4 signing name is `service`.
    /// - Returns: the access key ID that signed it; nil when authentication is disabled.
    func authenticate(_ request: Request, body: Data, service: String) async throws(ECSError) -> String? {
        guard case .sigV4 = mode else {
            // No signatures: answer only requests addressed to loopback by name, so a web page on
            // a rebinding DNS name cannot drive the API through the browser.
            let host = Self.hostName(request.head.authority ?? request.headers[values: .init("Host")!].first ?? "")
            guard ControllerConfiguration.isLoopback(host) else {
                throw ECSError(.missingAuthenticationToken, "this controller checks no signatures (wharf dev), so it answers only requests to localhost or 127.0.0.1, not to \"\(host)\"")
            }
            guard !refuseVerified else {
                throw ECSError(.server, "the region named in the credential scope is being opened; try again")
            }
            return nil
        }
        var headers = request.headers.map { (name: $0.name.canonicalName, value: $0.value) }
        // HTTP/1.1's Host header arrives as the :authority pseudo-header; a second Host stays a
        // header field, and a request with two is refused rather than verified against either.
        let hostFields = headers.filter { SigV4.equalsIgnoringCase($0.name, "host") }.count
        if let authority = request.head.authority {
            guard hostFields == 0 else {
                throw ECSError(.incompleteSignature, "the request has more than one Host header")
            }
            headers.append((name: "host", value: authority))
        } else if hostFields > 1 {
            throw ECSError(.incompleteSignature, "the request has more than one Host header")
        }
        let target = request.head.path ?? "/"
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let signable = SigV4.Request(method: request.method.rawValue, path: String(path[0]), query: path.count > 1 ? String(path[1]) : "",
                                     headers: headers, payloadHash: SigV4.hexSHA256(body))
        let accessKeyId: String
        do {
            accessKeyId = try await verifier.verify(signable, service: service, now: controller.now()) { id in
                await secret(for: id)
            }
        } catch {
            // Unsigned requests are what scanners send: debug. The others are a client misconfigured.
            logger.log(level: error.code == .missingAuthenticationToken ? .debug : .notice,
                       "request refused: \(error.code.rawValue)", metadata: ["reason": "\(error.message)"])
            throw ECSError(ECSError.Code(rawValue: error.code.rawValue), error.message)
        }
        guard !refuseVerified else {
            throw ECSError(.server, "the region named in the credential scope is being opened; try again")
        }
        return accessKeyId
    }

    /// The secret of access key `id`: the bootstrap pair's, or a stored key's unsealed; nil when
    /// there is no such key (or signatures are not checked).
    func secret(for id: String) async -> String? {
        guard case .sigV4(let bootstrap) = mode else { return nil }
        if let bootstrap, bootstrap.accessKeyId == id { return bootstrap.secretAccessKey }
        // The controller's own check, not an answer: no need to wait for a batch in flight
        // (a key's secret reaches its owner only once the key is stored).
        guard let record = await controller.inspect({ $0.credentials.accessKey(id) }) else { return nil }
        guard let secret = sealer.open(record.sealedSecret, context: id) else {
            logger.error(
                "a stored access key cannot be unsealed: secrets.key is not the one it was sealed with",
                metadata: ["access.key.id": "\(id)"]
            )
            return nil
        }
        return secret
    }

    /// The host part of an authority (`host`, `host:port`, `[v6]:port`).
    static func hostName(_ authority: String) -> String {
        if authority.hasPrefix("["), let end = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<end])
        }
        if authority.filter({ $0 == ":" }).count == 1, let colon = authority.firstIndex(of: ":") {
            return String(authority[..<colon])
        }
        return authority
    }
}
