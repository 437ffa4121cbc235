import Crypto
import Foundation
import Synchronization

/// Checks a request's AWS Signature Version 4 in its Authorization header: the algorithm, the
/// credential scope (this controller's region, the service the operation belongs to), the
/// X-Amz-Date within the clock-skew window, the signed headers, the payload hash and the
/// signature itself. Pure: the secret lookup and the clock are given.
public struct SigV4Verifier: Sendable {
    /// The regions a credential scope may name.
    public var regions: Set<String>
    /// How far the request's X-Amz-Date may be from the controller's clock, either way (AWS: 15 minutes).
    public var allowedSkew: TimeInterval
    /// Signing keys derived already, by key, secret and scope: a client signs with one scope all
    /// day, and deriving the key is four HMACs on every request.
    private let signingKeys = SigningKeys()

    /// Creates a verifier for credentials scoped to `region`.
    public init(region: String, allowedSkew: TimeInterval = 15 * 60) {
        self.init(regions: [region], allowedSkew: allowedSkew)
    }

    /// Creates a verifier for credentials scoped to any of `regions`.
    public init(regions: Set<String>, allowedSkew: TimeInterval = 15 * 60) {
        self.regions = regions
        self.allowedSkew = allowedSkew
    }

    /// The parts of an Authorization header.
    public struct Authorization: Equatable, Sendable {
        public var accessKeyId: String
        public var scope: SigV4.Scope
        public var signedHeaders: [String]
        public var signature: String
    }

    /// Verifies `request` for `service` (the signing name: `ecs`, `ssm`, ...).
    /// - Parameters:
    ///   - secret: the secret of an access key ID, or nil when the controller knows no such key.
    /// - Returns: the access key ID that signed it.
    public func verify(_ request: SigV4.Request, service: String, now: Date,
                       secret: (String) async -> String?) async throws(AuthError) -> String {
        let authorization = try Self.parse(request)
        let scope = authorization.scope
        guard regions.contains(scope.region) else {
            throw AuthError(.invalidSignature, "Credential should be scoped to a valid region.")
        }
        guard scope.service == service else {
            throw AuthError(.invalidSignature, "Credential should be scoped to correct service: '\(service)', not '\(scope.service)'")
        }
        guard let dateText = request.values("x-amz-date").first else {
            throw AuthError(.incompleteSignature, "Authorization header requires existence of a 'X-Amz-Date' header, signed")
        }
        guard let date = SigV4.parseAmzDate(dateText) else {
            throw AuthError(.incompleteSignature, "X-Amz-Date '\(dateText)' is not an ISO 8601 basic date-time such as 20261201T120000Z")
        }
        guard dateText.hasPrefix(scope.date) else {
            throw AuthError(.invalidSignature, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '\(scope.date)' != '\(dateText.prefix(8))'")
        }
        let minutes = Int(allowedSkew / 60)
        if date < now.addingTimeInterval(-allowedSkew) {
            throw AuthError(.invalidSignature, "Signature expired: \(dateText) is now earlier than \(SigV4.amzDate(now.addingTimeInterval(-allowedSkew))) (\(SigV4.amzDate(now)) - \(minutes) min.); check this machine's clock")
        }
        if date > now.addingTimeInterval(allowedSkew) {
            throw AuthError(.invalidSignature, "Signature not yet current: \(dateText) is still later than \(SigV4.amzDate(now.addingTimeInterval(allowedSkew))) (\(SigV4.amzDate(now)) + \(minutes) min.); check this machine's clock")
        }
        // X-Amz-Target names the operation: unsigned, it could be swapped in transit.
        let required = ["host", "x-amz-date"] + (request.values("x-amz-target").isEmpty ? [] : ["x-amz-target"])
        for name in required where !authorization.signedHeaders.contains(name) {
            throw AuthError(.incompleteSignature, "'\(name)' must be a 'SignedHeader' in the AWS Authorization")
        }
        for name in authorization.signedHeaders where request.values(name).isEmpty {
            throw AuthError(.incompleteSignature, "the signed header '\(name)' is not in the request")
        }
        if let declared = request.values("x-amz-content-sha256").first, declared != request.payloadHash {
            throw AuthError(.invalidSignature, "x-amz-content-sha256 does not match the body sent (unsigned payloads are not accepted)")
        }
        guard let key = await secret(authorization.accessKeyId) else {
            throw AuthError(.unrecognizedClient, "The security token included in the request is invalid: this controller has no access key \(authorization.accessKeyId) (wharf keys list shows the keys it has)")
        }
        let canonical = SigV4.canonicalRequest(request, signedHeaders: authorization.signedHeaders)
        let signingKey = signingKeys.key(accessKeyId: authorization.accessKeyId, secret: key, scope: scope)
        let expected = SigV4.signature(signingKey: signingKey,
                                       stringToSign: SigV4.stringToSign(canonicalRequest: canonical, amzDate: dateText, scope: scope))
        guard Self.constantTimeEqual(expected, authorization.signature.lowercased()) else {
            throw AuthError(.invalidSignature, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.")
        }
        return authorization.accessKeyId
    }

    /// Reads the Authorization header.
    public static func parse(_ request: SigV4.Request) throws(AuthError) -> Authorization {
        guard let header = request.values("authorization").first else {
            if request.query.contains("X-Amz-Signature=") || request.query.contains("X-Amz-Credential=") {
                throw AuthError(.incompleteSignature, "query-string (presigned) authentication is not served; sign with the Authorization header")
            }
            throw AuthError(.missingAuthenticationToken, "Missing Authentication Token: sign the request with AWS Signature Version 4, using an access key of this controller (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
        }
        // Byte by byte: the header is ASCII when well formed, and Character-level splitting and
        // trimming of it cost more than the signature's HMAC.
        let bytes = Array(header.utf8)
        var start = 0
        while start < bytes.count, bytes[start] == UInt8(ascii: " ") { start += 1 }
        let prefix = Array((SigV4.algorithm + " ").utf8)
        guard bytes.count - start >= prefix.count, bytes[start..<(start + prefix.count)].elementsEqual(prefix) else {
            let given = String(decoding: bytes[start...].prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self)
            throw AuthError(.incompleteSignature, "Unsupported AWS 'algorithm': '\(given)'; only \(SigV4.algorithm) (Signature Version 4) is accepted")
        }
        var fields: [String: String] = [:]
        for part in bytes[(start + prefix.count)...].split(separator: UInt8(ascii: ",")) {
            let item = Self.trimmed(part)
            guard let equals = item.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let name = String(decoding: item[..<equals], as: UTF8.self)
            fields[name] = String(decoding: item[(equals + 1)...], as: UTF8.self)
        }
        let missing = ["Credential", "SignedHeaders", "Signature"].filter { fields[$0]?.isEmpty ?? true }
        guard missing.isEmpty else {
            throw AuthError(.incompleteSignature, missing.map { "Authorization header requires '\($0)' parameter." }.joined(separator: " ")
                            + " Authorization=\(SigV4.algorithm) Credential=...")
        }
        let credential = fields["Credential"]!.utf8
            .split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        guard credential.count == 5, !credential[0].isEmpty else {
            throw AuthError(.incompleteSignature, "Credential should be ACCESS_KEY_ID/yyyyMMdd/region/service/aws4_request, not '\(fields["Credential"]!)'")
        }
        guard credential[4] == "aws4_request" else {
            throw AuthError(.incompleteSignature, "Credential should be scoped with a valid terminator: 'aws4_request', not '\(credential[4])'")
        }
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        guard credential[1].utf8.count == 8, credential[1].utf8.allSatisfy({ digits.contains($0) }) else {
            throw AuthError(.incompleteSignature, "Credential's date '\(credential[1])' is not yyyyMMdd")
        }
        let signedHeaders = fields["SignedHeaders"]!.utf8.split(separator: UInt8(ascii: ";")).map { name in
            let capitals = UInt8(ascii: "A")...UInt8(ascii: "Z")
            return String(decoding: name.map { capitals.contains($0) ? $0 + 32 : $0 }, as: UTF8.self)
        }
        return Authorization(accessKeyId: credential[0], scope: SigV4.Scope(date: credential[1], region: credential[2], service: credential[3]),
                             signedHeaders: signedHeaders, signature: fields["Signature"]!)
    }

    /// `text` without spaces and tabs at either end.
    static func trimmed(_ text: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var start = text.startIndex
        var end = text.endIndex
        while start < end, text[start] == UInt8(ascii: " ") || text[start] == UInt8(ascii: "\t") { start += 1 }
        while end > start, text[end - 1] == UInt8(ascii: " ") || text[end - 1] == UInt8(ascii: "\t") { end -= 1 }
        return text[start..<end]
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}

/// Signing keys already derived, bounded (it starts afresh past 256 entries).
final class SigningKeys: Sendable {
    private struct Entry: Hashable {
        var accessKeyId: String
        var secret: String
        var scope: String
    }

    private let keys = Mutex<[Entry: SymmetricKey]>([:])

    /// The signing key of `secret` for `scope`, derived once.
    func key(accessKeyId: String, secret: String, scope: SigV4.Scope) -> SymmetricKey {
        let entry = Entry(accessKeyId: accessKeyId, secret: secret, scope: scope.text)
        return keys.withLock { keys in
            if let known = keys[entry] { return known }
            if keys.count >= 256 { keys.removeAll() }
            let derived = SigV4.signingKey(secret: secret, scope: scope)
            keys[entry] = derived
            return derived
        }
    }
}
