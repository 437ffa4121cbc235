import Foundation

/// Signs requests with AWS Signature Version 4, as the AWS CLI does: for Wharf's own clients
/// (`wharf keys`, `wharf activation`) and tests.
public struct SigV4Signer: Sendable {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var region: String

    /// Creates a signer.
    public init(accessKeyId: String, secretAccessKey: String, region: String) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.region = region
    }

    /// The headers to add to a request: `X-Amz-Date` and `Authorization`. `headers` must hold
    /// `host` and whatever else should be signed (all of them are).
    public func sign(method: String, path: String, query: String = "", headers: [(name: String, value: String)],
                     body: Data, service: String, date: Date = Date()) -> [(name: String, value: String)] {
        let amzDate = SigV4.amzDate(date)
        var all = headers
        all.append(("x-amz-date", amzDate))
        let request = SigV4.Request(method: method, path: path, query: query, headers: all, payloadHash: SigV4.hexSHA256(body))
        let signed = Array(Set(all.map { $0.name.lowercased() })).sorted()
        let scope = SigV4.Scope(date: String(amzDate.prefix(8)), region: region, service: service)
        let canonical = SigV4.canonicalRequest(request, signedHeaders: signed)
        let signature = SigV4.signature(secret: secretAccessKey, scope: scope,
                                        stringToSign: SigV4.stringToSign(canonicalRequest: canonical, amzDate: amzDate, scope: scope))
        return [("X-Amz-Date", amzDate),
                ("Authorization", "\(SigV4.algorithm) Credential=\(accessKeyId)/\(scope.text), SignedHeaders=\(signed.joined(separator: ";")), Signature=\(signature)")]
    }
}
