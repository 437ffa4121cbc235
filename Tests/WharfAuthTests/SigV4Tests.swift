import Foundation
import Testing
@testable import WharfAuth

/// Requests botocore signed (the AWS CLI's and boto3's signer), with their signatures, so Wharf's
/// canonical forms are checked against the real client's rather than against themselves.
enum Botocore {
    static let key = "AKIDEXAMPLE"
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let date = "20261201T090530Z"
    static var now: Date { SigV4.parseAmzDate(date)! }

    /// `aws ecs create-cluster --cluster-name web` as boto3 sends it to http://127.0.0.1:8080.
    static func createCluster(signature: String = "c59ae67ac01a1e40cba6e0166207ff5aeb878ec7c26860eed1a6de5972bdaffc",
                              body: String = #"{"clusterName":"web"}"#, extra: [(String, String)] = []) -> SigV4.Request {
        SigV4.Request(method: "POST", path: "/", headers: [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.CreateCluster"),
            ("X-Amz-Date", date), ("Host", "127.0.0.1:8080"),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261201/us-east-1/ecs/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=\(signature)"),
        ] + extra, payloadHash: SigV4.hexSHA256(Data(body.utf8)))
    }
}

@Suite("AWS Signature Version 4")
struct SigV4Tests {
    let verifier = SigV4Verifier(region: "us-east-1")

    func verify(_ request: SigV4.Request, service: String = "ecs", now: Date = Botocore.now,
                keys: [String: String] = [Botocore.key: Botocore.secret]) async throws(AuthError) -> String {
        try await verifier.verify(request, service: service, now: now) { keys[$0] }
    }

    @Test("a request botocore signed verifies; so does one with an encoded path and a query it sorted")
    func botocoreRequests() async throws {
        #expect(try await verify(Botocore.createCluster()) == Botocore.key)
        let query = SigV4.Request(method: "GET", path: "/a%20b/c", query: "b=2&a=1&a=0&sp=x%20y", headers: [
            ("X-Amz-Date", Botocore.date), ("Host", "example.amazonaws.com"),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261201/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=c560d566b704e1ae7c11fdf836e20b858de8ef872d65b5e9366942c2e0f83b8e"),
        ], payloadHash: SigV4.emptyPayloadHash)
        #expect(try await verify(query, service: "service") == Botocore.key)
    }

    @Test("Wharf's signer produces what botocore produced for the same request and time")
    func signerMatchesBotocore() {
        let signer = SigV4Signer(accessKeyId: Botocore.key, secretAccessKey: Botocore.secret, region: "us-east-1")
        let headers = signer.sign(method: "POST", path: "/", headers: [
            ("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.CreateCluster"),
            ("Host", "127.0.0.1:8080"),
        ], body: Data(#"{"clusterName":"web"}"#.utf8), service: "ecs", date: Botocore.now)
        let authorization = headers.first { $0.name == "Authorization" }?.value
        let expected = Botocore.createCluster().values("authorization").first
        #expect(authorization == expected)
        #expect(headers.first { $0.name == "X-Amz-Date" }?.value == Botocore.date)
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        let name: String
        let request: SigV4.Request
        let code: AuthError.Code
        let fragment: String
        var service = "ecs"
        var now = Botocore.now
        var testDescription: String { name }
    }

    static func replacing(_ name: String, with value: String?, in request: SigV4.Request) -> SigV4.Request {
        var copy = request
        copy.headers.removeAll { $0.name.lowercased() == name }
        if let value { copy.headers.append((name, value)) }
        return copy
    }

    static let refusals: [Refusal] = {
        let good = Botocore.createCluster()
        let authorization = good.values("authorization")[0]
        return [
            Refusal(name: "unsigned", request: replacing("authorization", with: nil, in: good),
                    code: .missingAuthenticationToken, fragment: "Missing Authentication Token"),
            Refusal(name: "presigned query", request: SigV4.Request(method: "POST", path: "/", query: "X-Amz-Signature=ab", headers: [], payloadHash: ""),
                    code: .incompleteSignature, fragment: "presigned"),
            Refusal(name: "Signature Version 2", request: replacing("authorization", with: "AWS AKIDEXAMPLE:abc", in: good),
                    code: .incompleteSignature, fragment: "Unsupported AWS 'algorithm'"),
            Refusal(name: "no Signature part", request: replacing("authorization", with: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261201/us-east-1/ecs/aws4_request, SignedHeaders=host;x-amz-date", in: good),
                    code: .incompleteSignature, fragment: "requires 'Signature' parameter"),
            Refusal(name: "short credential", request: replacing("authorization", with: authorization.replacingOccurrences(of: "/us-east-1/ecs", with: ""), in: good),
                    code: .incompleteSignature, fragment: "Credential should be ACCESS_KEY_ID/yyyyMMdd/region/service/aws4_request"),
            Refusal(name: "bad terminator", request: replacing("authorization", with: authorization.replacingOccurrences(of: "aws4_request", with: "aws5_request"), in: good),
                    code: .incompleteSignature, fragment: "valid terminator"),
            Refusal(name: "unknown key", request: replacing("authorization", with: authorization.replacingOccurrences(of: "AKIDEXAMPLE", with: "AKIDUNKNOWN"), in: good),
                    code: .unrecognizedClient, fragment: "The security token included in the request is invalid"),
            Refusal(name: "wrong signature", request: Botocore.createCluster(signature: String(repeating: "0", count: 64)),
                    code: .invalidSignature, fragment: "does not match the signature you provided"),
            Refusal(name: "body changed after signing", request: Botocore.createCluster(body: #"{"clusterName":"evil"}"#),
                    code: .invalidSignature, fragment: "does not match the signature you provided"),
            Refusal(name: "signed header changed", request: replacing("x-amz-target", with: "AmazonEC2ContainerServiceV20141113.DeleteCluster", in: good),
                    code: .invalidSignature, fragment: "does not match"),
            Refusal(name: "content hash that is not the body's", request: Botocore.createCluster(extra: [("x-amz-content-sha256", "UNSIGNED-PAYLOAD")]),
                    code: .invalidSignature, fragment: "x-amz-content-sha256"),
            Refusal(name: "other region", request: replacing("authorization", with: authorization.replacingOccurrences(of: "us-east-1", with: "eu-west-1"), in: good),
                    code: .invalidSignature, fragment: "Credential should be scoped to a valid region."),
            Refusal(name: "other service", request: good, code: .invalidSignature, fragment: "correct service: 'ssm', not 'ecs'", service: "ssm"),
            Refusal(name: "no X-Amz-Date", request: replacing("x-amz-date", with: nil, in: good),
                    code: .incompleteSignature, fragment: "X-Amz-Date"),
            Refusal(name: "malformed X-Amz-Date", request: replacing("x-amz-date", with: "2026-12-01T09:05:30Z", in: good),
                    code: .incompleteSignature, fragment: "not an ISO 8601 basic date-time"),
            Refusal(name: "16 minutes old", request: good, code: .invalidSignature, fragment: "Signature expired: 20261201T090530Z is now earlier than 20261201T090630Z (20261201T092130Z - 15 min.)",
                    now: Botocore.now.addingTimeInterval(16 * 60)),
            Refusal(name: "16 minutes ahead", request: good, code: .invalidSignature, fragment: "Signature not yet current",
                    now: Botocore.now.addingTimeInterval(-16 * 60)),
            Refusal(name: "X-Amz-Target not signed", request: replacing("authorization", with: authorization.replacingOccurrences(of: "x-amz-date;x-amz-target", with: "x-amz-date"), in: good),
                    code: .incompleteSignature, fragment: "'x-amz-target' must be a 'SignedHeader'"),
            Refusal(name: "host not signed", request: replacing("authorization", with: authorization.replacingOccurrences(of: "content-type;host;", with: "content-type;"), in: good),
                    code: .incompleteSignature, fragment: "'host' must be a 'SignedHeader'"),
        ]
    }()

    @Test("refused with AWS's error type and a message that says why", arguments: refusals)
    func refused(_ refusal: Refusal) async throws {
        do {
            let key = try await verify(refusal.request, service: refusal.service, now: refusal.now)
            Issue.record("accepted as \(key)")
        } catch {
            #expect(error.code == refusal.code, "\(error)")
            #expect(error.message.contains(refusal.fragment), "\(error.message)")
        }
    }

    @Test("14 minutes either way is inside the window")
    func skewWindow() async throws {
        for offset in [-14.0 * 60, 14.0 * 60] {
            #expect(try await verify(Botocore.createCluster(), now: Botocore.now.addingTimeInterval(offset)) == Botocore.key)
        }
    }

    @Test("X-Amz-Date round-trips, and impossible dates are refused")
    func dates() {
        #expect(SigV4.amzDate(Botocore.now) == Botocore.date)
        for bad in ["20261301T000000Z", "20261232T000000Z", "20261201T250000Z", "20261201 090530Z", "2026120T1090530Z", "20261201T090530"] {
            #expect(SigV4.parseAmzDate(bad) == nil, "\(bad)")
        }
        #expect(SigV4.parseAmzDate("20260229T000000Z") == nil, "2026 is not a leap year")
    }

    @Test("X-Amz-Date's calendar arithmetic agrees with Foundation's Calendar, leap days and centuries included")
    func dateArithmetic() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        // Every 7 hours 13 minutes from 1899 to 2101: each hour of day and every day of month met.
        var seconds = -2_240_524_800.0
        while seconds < 4_133_980_800 {
            let date = Date(timeIntervalSince1970: seconds)
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let text = String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
            #expect(SigV4.amzDate(date) == text)
            #expect(SigV4.parseAmzDate(text) == date)
            seconds += 7 * 3600 + 13 * 60 + 7
        }
        for leap in ["20240229T000000Z", "20000229T120000Z"] { #expect(SigV4.parseAmzDate(leap) != nil) }
        for impossible in ["20230229T000000Z", "19000229T000000Z", "20260431T000000Z", "20261301T000000Z", "20261201T240000Z"] {
            #expect(SigV4.parseAmzDate(impossible) == nil, "\(impossible)")
        }
    }

    @Test("URI encoding keeps only RFC 3986 unreserved characters")
    func encoding() {
        #expect(SigV4.uriEncode("a b/c~d_e.f-g*+é") == "a%20b%2Fc~d_e.f-g%2A%2B%C3%A9")
        #expect(SigV4.uriEncode("/a b/", keepSlash: true) == "/a%20b/")
        #expect(SigV4.canonicalQuery("b=2&a=1&a=0&sp=x%20y&e") == "a=0&a=1&b=2&e=&sp=x%20y")
        #expect(SigV4.canonicalQuery("a=%FF") != SigV4.canonicalQuery("a=%FE"), "invalid UTF-8 stays distinct")
        #expect(SigV4.canonicalQuery("a=%zz&b=%4") == "a=%25zz&b=%254", "a stray % is kept, encoded")
    }
}
