import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import WharfAuth
import WharfModel
import WharfStore
import WharfState
@testable import WharfController

/// The controller with SigV4 on, a fixed clock and the bootstrap pair `admin`.
struct SignedEndpoint {
    static let admin = AccessKeyPair(accessKeyId: "AKWHBOOTSTRAP0000001", secretAccessKey: "bootstrap-secret-0123456789")
    static let now = Date(timeIntervalSince1970: 1_796_115_600) // 2026-12-01T09:00:00Z

    let controller: Controller
    let store: InMemoryStore
    let sealer: SecretSealer

    static func run(bootstrap: AccessKeyPair? = admin, _ body: @Sendable (SignedEndpoint, any TestClientProtocol) async throws -> Void) async throws {
        let store = InMemoryStore()
        let controller = try await Controller(store: store, context: AccountContext(), logger: Logger(label: "test"), now: { now })
        let configuration = ControllerConfiguration(dataDirectory: "/unused", authentication: .sigV4(bootstrap: bootstrap))
        let sealer = SecretSealer()
        let app = try ControllerServer.makeApplication(controller: controller, configuration: configuration, sealer: sealer, logger: Logger(label: "test"))
        let endpoint = SignedEndpoint(controller: controller, store: store, sealer: sealer)
        try await app.test(.router) { client in try await body(endpoint, client) }
    }
}

extension TestClientProtocol {
    /// Calls `target.operation` signed with `key` (as the AWS CLI would) at `date`; unsigned when `key` is nil.
    /// The router test client sends every request with the authority `localhost`, as HTTP/1.1's
    /// Host header arrives; the signature covers it.
    func signed(_ target: String, _ operation: String, _ body: String, key: AccessKeyPair?, service: String = "ecs",
                date: Date = SignedEndpoint.now, region: String = "us-east-1", extra: HTTPFields = [:],
                unsigned: Set<String> = []) async throws -> WireResponse {
        var headers: HTTPFields = [.contentType: "application/x-amz-json-1.1", .amzTarget: "\(target).\(operation)"]
        if let key {
            let signer = SigV4Signer(accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, region: region)
            let covered = headers.filter { !unsigned.contains($0.name.canonicalName.lowercased()) }.map { ($0.name.canonicalName, $0.value) }
            for (name, value) in signer.sign(method: "POST", path: "/", headers: covered + [("host", "localhost")],
                                             body: Data(body.utf8), service: service, date: date) {
                headers[HTTPField.Name(name)!] = value
            }
        }
        headers.append(contentsOf: extra)
        return try await execute(uri: "/", method: .post, headers: headers, body: ByteBuffer(string: body)) { response in
            let object = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any]
            return WireResponse(status: Int(response.status.code), headers: response.headers, json: object ?? [:])
        }
    }

    func ecsSigned(_ operation: String, _ body: String = "{}", key: AccessKeyPair?, date: Date = SignedEndpoint.now) async throws -> WireResponse {
        try await signed("AmazonEC2ContainerServiceV20141113", operation, body, key: key, date: date)
    }

    func admin(_ operation: String, _ body: String = "{}", key: AccessKeyPair? = SignedEndpoint.admin) async throws -> WireResponse {
        try await signed("WharfAdmin", operation, body, key: key, service: "wharf")
    }
}

@Suite("API authentication: SigV4 and access keys")
struct APIAuthenticationTests {
    @Test("signed with the bootstrap pair works; unsigned, wrong secret, unknown key, too old and wrong region are refused with AWS's errors")
    func refusals() async throws {
        try await SignedEndpoint.run { _, client in
            let ok = try await client.ecsSigned("CreateCluster", #"{"clusterName":"web"}"#, key: SignedEndpoint.admin)
            #expect(ok.status == 200, "\(ok.json)")
            let cases: [(String, WireResponse, Int, String)] = [
                ("unsigned", try await client.ecsSigned("ListClusters", key: nil), 403, "MissingAuthenticationTokenException"),
                ("unsigned, unknown operation", try await client.ecsSigned("Frobnicate", key: nil), 403, "MissingAuthenticationTokenException"),
                ("wrong secret", try await client.ecsSigned("ListClusters", key: AccessKeyPair(accessKeyId: SignedEndpoint.admin.accessKeyId, secretAccessKey: "not-the-secret-at-all")), 400, "InvalidSignatureException"),
                ("unknown key", try await client.ecsSigned("ListClusters", key: AccessKeyPair(accessKeyId: "AKWHNOBODY", secretAccessKey: "whatever-secret-123")), 400, "UnrecognizedClientException"),
                ("16 minutes old", try await client.ecsSigned("ListClusters", key: SignedEndpoint.admin, date: SignedEndpoint.now.addingTimeInterval(-16 * 60)), 400, "InvalidSignatureException"),
                ("wrong region", try await client.signed("AmazonEC2ContainerServiceV20141113", "ListClusters", "{}", key: SignedEndpoint.admin, region: "xx-nowhere-1"), 400, "InvalidSignatureException"),
                ("SSM signed as ecs", try await client.signed("AmazonSSM", "DescribeActivations", "{}", key: SignedEndpoint.admin, service: "ecs"), 400, "InvalidSignatureException"),
                ("X-Amz-Target not signed", try await client.signed("AmazonEC2ContainerServiceV20141113", "ListClusters", "{}", key: SignedEndpoint.admin,
                                                                    unsigned: ["x-amz-target"]), 400, "IncompleteSignatureException"),
                ("a second Host header", try await client.signed("AmazonEC2ContainerServiceV20141113", "ListClusters", "{}", key: SignedEndpoint.admin,
                                                                 extra: [HTTPField.Name("Host")!: "localhost"]), 400, "IncompleteSignatureException"),
            ]
            for (name, response, status, type) in cases {
                #expect(response.status == status && response.json["__type"] as? String == type, "\(name): \(response.status) \(response.json)")
                #expect(response.headers[.amznErrorType] == type, "\(name)")
            }
            let old = cases[4].1.json["message"] as? String ?? ""
            #expect(old.contains("Signature expired"), "\(old)")
            // Refused calls changed nothing.
            let listed = try await client.ecsSigned("ListClusters", key: SignedEndpoint.admin)
            #expect((listed.json["clusterArns"] as? [String])?.count == 1)
            let ssm = try await client.signed("AmazonSSM", "DescribeActivations", "{}", key: SignedEndpoint.admin, service: "ssm")
            #expect(ssm.status == 200, "\(ssm.json)")
        }
    }

    @Test("a created key signs at once and its secret is stored sealed; a revoked key is refused on the next call")
    func keyLifecycle() async throws {
        try await SignedEndpoint.run { endpoint, client in
            let created = try await client.admin("CreateAccessKey", #"{"Description":"ci runner"}"#)
            #expect(created.status == 200, "\(created.json)")
            let key = try #require(created.json["AccessKey"] as? [String: Any])
            let id = try #require(key["AccessKeyId"] as? String)
            let secret = try #require(key["SecretAccessKey"] as? String)
            #expect(id.hasPrefix("AKWH") && id.count == 20 && secret.count == 40)
            let pair = AccessKeyPair(accessKeyId: id, secretAccessKey: secret)
            #expect(try await client.ecsSigned("ListClusters", key: pair).status == 200)

            let stored = try #require(try await endpoint.store.load().accessKeys.first { $0.accessKeyId == id })
            #expect(stored.description == "ci runner")
            #expect(Data(base64Encoded: stored.sealedSecret).map { !String(decoding: $0, as: UTF8.self).contains(secret) } == true)

            let listed = try await client.admin("ListAccessKeys", key: pair)
            let keys = listed.json["AccessKeys"] as? [[String: Any]] ?? []
            #expect(keys.compactMap { $0["AccessKeyId"] as? String } == [SignedEndpoint.admin.accessKeyId, id])
            #expect(keys.allSatisfy { $0["SecretAccessKey"] == nil })
            #expect(keys.first?["Source"] as? String == "environment")

            let bootstrap = try await client.admin("DeleteAccessKey", #"{"AccessKeyId":"\#(SignedEndpoint.admin.accessKeyId)"}"#)
            #expect(bootstrap.status == 400 && (bootstrap.json["message"] as? String ?? "").contains("bootstrap pair"), "\(bootstrap.json)")
            let unknown = try await client.admin("DeleteAccessKey", #"{"AccessKeyId":"AKWHNOTHERE"}"#)
            #expect(unknown.json["__type"] as? String == "NoSuchEntityException")
            let missing = try await client.admin("DeleteAccessKey", "{}")
            #expect(missing.json["__type"] as? String == "InvalidParameterException" && (missing.json["message"] as? String ?? "").contains("AccessKeyId"), "\(missing.json)")

            #expect(try await client.admin("DeleteAccessKey", #"{"AccessKeyId":"\#(id)"}"#).status == 200)
            let revoked = try await client.ecsSigned("ListClusters", key: pair)
            #expect(revoked.json["__type"] as? String == "UnrecognizedClientException", "\(revoked.json)")
        }
    }

    @Test("without a bootstrap pair the last stored key cannot be revoked")
    func lastKey() async throws {
        try await SignedEndpoint.run(bootstrap: nil) { endpoint, client in
            // One stored key, as CreateAccessKey makes it.
            let only = AccessKeyPair(accessKeyId: "AKWHONLYKEY000000001", secretAccessKey: "only-key-secret-0123456789abcdefghijklmn")
            let sealed = try endpoint.sealer.seal(only.secretAccessKey, context: only.accessKeyId)
            _ = try await endpoint.controller.write { state, now in
                try state.createAccessKey(.init(description: "the only one"), now: now, id: only.accessKeyId, sealedSecret: sealed)
            }
            #expect(try await client.admin("ListAccessKeys", key: nil).status == 403)
            #expect(try await client.admin("ListAccessKeys", key: SignedEndpoint.admin).json["__type"] as? String == "UnrecognizedClientException",
                    "no bootstrap pair is configured, so its ID is unknown")
            let refused = try await client.admin("DeleteAccessKey", #"{"AccessKeyId":"\#(only.accessKeyId)"}"#, key: only)
            #expect(refused.status == 400 && (refused.json["message"] as? String ?? "").contains("lock everyone out"), "\(refused.json)")
            #expect(try await client.ecsSigned("ListClusters", key: only).status == 200, "the key still works")
        }
    }
}
