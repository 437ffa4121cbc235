import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import WharfModel
import WharfStore
import WharfState
@testable import WharfController

/// A response as a client sees it: status, headers and the JSON object of the body.
struct WireResponse {
    let status: Int
    let headers: HTTPFields
    let json: [String: Any]
}

/// Runs `body` against an in-process controller on an in-memory store.
func withEndpoint(maxBodyBytes: Int = 64 * 1024, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
    let controller = try await Controller(store: InMemoryStore(), context: AccountContext(), logger: Logger(label: "test"))
    let configuration = ControllerConfiguration(dataDirectory: "/unused", maxBodyBytes: maxBodyBytes, authentication: .disabled)
    let app = try ControllerServer.makeApplication(controller: controller, configuration: configuration, logger: Logger(label: "test"))
    try await app.test(.router, body)
}

extension TestClientProtocol {
    func ecs(_ operation: String?, body: String, headers extra: HTTPFields = [:]) async throws -> WireResponse {
        var headers = extra
        headers[.contentType] = "application/x-amz-json-1.1"
        if let operation { headers[.amzTarget] = "AmazonEC2ContainerServiceV20141113.\(operation)" }
        return try await execute(uri: "/", method: .post, headers: headers, body: ByteBuffer(string: body)) { response in
            let object = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any]
            return WireResponse(status: Int(response.status.code), headers: response.headers, json: object ?? [:])
        }
    }
}

@Suite("ECS JSON 1.1 endpoint")
struct ECSEndpointTests {
    @Test("a call answers JSON 1.1 with a request ID and epoch-second timestamps")
    func success() async throws {
        try await withEndpoint { client in
            let created = try await client.ecs("CreateCluster", body: #"{"clusterName":"web"}"#)
            #expect(created.status == 200)
            #expect(created.headers[.contentType] == "application/x-amz-json-1.1")
            #expect(created.headers[.amznRequestID]?.isEmpty == false)
            #expect((created.json["cluster"] as? [String: Any])?["clusterName"] as? String == "web")
            let registered = try await client.ecs("RegisterTaskDefinition", body: #"{"family":"web","containerDefinitions":[{"name":"a","image":"nginx","memory":64}]}"#)
            let definition = try #require(registered.json["taskDefinition"] as? [String: Any])
            #expect(definition["registeredAt"] is NSNumber)
            #expect(definition["revision"] as? Int == 1)
        }
    }

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        let name: String
        let operation: String?
        let body: String
        let type: String
        let fragment: String
        var testDescription: String { name }
    }

    static let errorCases: [ErrorCase] = [
        ErrorCase(name: "unknown operation", operation: "Frobnicate", body: "{}", type: "UnknownOperationException", fragment: "Frobnicate"),
        ErrorCase(name: "operation not served yet", operation: "CreateDaemon", body: "{}", type: "UnknownOperationException", fragment: "does not serve"),
        ErrorCase(name: "no target header", operation: nil, body: "{}", type: "UnknownOperationException", fragment: "no X-Amz-Target"),
        ErrorCase(name: "body not JSON", operation: "CreateCluster", body: "clusterName=web", type: "SerializationException", fragment: "not valid JSON"),
        ErrorCase(name: "body a JSON list", operation: "CreateCluster", body: "[1]", type: "SerializationException", fragment: "expected an object"),
        ErrorCase(name: "member of the wrong type", operation: "CreateCluster", body: #"{"clusterName":5}"#, type: "SerializationException", fragment: "clusterName: expected a string"),
        ErrorCase(name: "nested member of the wrong type", operation: "RegisterTaskDefinition",
                  body: #"{"family":"f","containerDefinitions":[{"name":"a","image":"i","memory":"lots"}]}"#,
                  type: "SerializationException", fragment: "containerDefinitions[0].memory: expected an integer"),
        ErrorCase(name: "fraction for an integer member", operation: "ListClusters", body: #"{"maxResults":2.5}"#,
                  type: "SerializationException", fragment: "integer members take whole numbers"),
        ErrorCase(name: "enum value outside the model", operation: "ListTaskDefinitions", body: #"{"sort":"UP"}"#, type: "InvalidParameterException", fragment: "sort: \"UP\" is not valid"),
        ErrorCase(name: "missing required member", operation: "TagResource", body: #"{"resourceArn":"x"}"#, type: "InvalidParameterException", fragment: "tags: is required"),
        ErrorCase(name: "invalid cluster name", operation: "CreateCluster", body: #"{"clusterName":"a b"}"#, type: "InvalidParameterException", fragment: "clusterName"),
        ErrorCase(name: "unknown cluster", operation: "DeleteCluster", body: #"{"cluster":"ghost"}"#, type: "ClusterNotFoundException", fragment: "Cluster not found."),
        ErrorCase(name: "no containers", operation: "RegisterTaskDefinition", body: #"{"family":"f","containerDefinitions":[]}"#, type: "ClientException", fragment: "Container list cannot be empty."),
        ErrorCase(name: "maxResults out of range", operation: "ListClusters", body: #"{"maxResults":1000}"#, type: "InvalidParameterException", fragment: "maxResults"),
        ErrorCase(name: "forged nextToken", operation: "ListClusters", body: #"{"nextToken":"abc"}"#, type: "InvalidParameterException", fragment: "nextToken"),
    ]

    @Test("where AWS has a fixed message, the answer carries it word for word; no empty tags where AWS has none")
    func awsMessages() async throws {
        try await withEndpoint { client in
            let web = #"{"name":"app","image":"busybox","memory":16}"#
            #expect(try await client.ecs("CreateCluster", body: #"{"clusterName":"m"}"#).json["cluster"] != nil)
            _ = try await client.ecs(
                "RegisterTaskDefinition",
                body: #"{"family":"web","containerDefinitions":[\#(web)]}"#
            )
            _ = try await client.ecs(
                "CreateService",
                body: #"{"cluster":"m","serviceName":"s","taskDefinition":"web","desiredCount":1}"#
            )
            let cases: [(String, String, String, String)] = [
                ("DeleteCluster", #"{"cluster":"ghost"}"#, "ClusterNotFoundException", "Cluster not found."),
                (
                    "DescribeContainerInstances", #"{"cluster":"m","containerInstances":[]}"#,
                    "InvalidParameterException", "Container Instances cannot be empty."
                ),
                ("DeregisterTaskDefinition", #"{"taskDefinition":"web"}"#, "ClientException", "Revision is missing."),
                (
                    "RegisterTaskDefinition", #"{"family":"f","containerDefinitions":[{"image":"b","memory":16}]}"#,
                    "ClientException", "Container.name should not be null or empty."
                ),
                (
                    "RegisterTaskDefinition", #"{"family":"f","containerDefinitions":[{"name":"app","memory":16}]}"#,
                    "ClientException", "Container.image should not be null or empty."
                ),
                (
                    "RegisterTaskDefinition", #"{"family":"f","containerDefinitions":[{"name":"app","image":"b"}]}"#,
                    "ClientException",
                    "Invalid setting for container 'app'. At least one of 'memory' or 'memoryReservation' must be "
                        + "specified."
                ),
                (
                    "DeleteService", #"{"cluster":"m","service":"s"}"#, "InvalidParameterException",
                    "The service cannot be stopped while it is scaled above 0."
                ),
            ]
            for (operation, body, type, message) in cases {
                let response = try await client.ecs(operation, body: body)
                #expect(response.json["__type"] as? String == type, "\(operation) \(body)")
                #expect(response.json["message"] as? String == message, "\(operation) \(body)")
            }
            let created = try await client.ecs("CreateCluster", body: #"{"clusterName":"n"}"#)
            #expect((created.json["cluster"] as? [String: Any])?.keys.contains("tags") == false, "\(created.json)")
            let described = try await client.ecs("DescribeClusters", body: #"{"clusters":["n"],"include":["TAGS"]}"#)
            let cluster = (described.json["clusters"] as? [[String: Any]])?.first
            #expect(cluster?["clusterName"] as? String == "n" && cluster?.keys.contains("tags") == false)
        }
    }

    @Test("DiscoverPollEndpoint names the controller for an existing cluster and a registered instance")
    func discoverPollEndpoint() async throws {
        try await withEndpoint { client in
            _ = try await client.ecs("CreateCluster", body: #"{"clusterName":"m"}"#)
            // The test client sends no Host (AWSCLITests checks the address a real client used).
            let found = try await client.ecs("DiscoverPollEndpoint", body: #"{"cluster":"m"}"#)
            #expect(found.status == 200, "\(found.json)")
            let endpoint = found.json["endpoint"] as? String ?? ""
            #expect(endpoint.hasPrefix("http://"), "\(endpoint)")
            #expect(found.json["telemetryEndpoint"] as? String == endpoint)
            #expect(found.json["serviceConnectEndpoint"] as? String == endpoint)
            let ghost = try await client.ecs("DiscoverPollEndpoint", body: #"{"cluster":"ghost"}"#)
            #expect(ghost.json["__type"] as? String == "ClusterNotFoundException")
            let instance = try await client.ecs(
                "DiscoverPollEndpoint",
                body: #"{"cluster":"m","containerInstance":"0123456789abcdef0123456789abcdef"}"#
            )
            #expect(instance.json["__type"] as? String == "InvalidParameterException")
        }
    }

    @Test("bad requests get a typed 400 naming what is wrong, and the server keeps serving", arguments: errorCases)
    func errors(_ errorCase: ErrorCase) async throws {
        try await withEndpoint { client in
            let response = try await client.ecs(errorCase.operation, body: errorCase.body)
            #expect(response.status == 400)
            #expect(response.json["__type"] as? String == errorCase.type)
            let message = response.json["message"] as? String ?? ""
            #expect(message.contains(errorCase.fragment), "message was: \(message)")
            #expect(response.headers[.amznRequestID] != nil)
            let after = try await client.ecs("ListClusters", body: "{}")
            #expect(after.status == 200)
        }
    }

    @Test("an oversized body is refused with the limit in the message")
    func oversized() async throws {
        try await withEndpoint(maxBodyBytes: 2048) { client in
            let big = #"{"clusterName":"x","tags":[{"key":"k","value":""#
                + String(repeating: "v", count: 10_000) + #""}]}"#
            let response = try await client.ecs("CreateCluster", body: big)
            #expect(response.status == 400)
            #expect(response.json["__type"] as? String == "ClientException")
            #expect((response.json["message"] as? String)?.contains("2048 bytes") == true)
            let listed = try await client.ecs("ListClusters", body: "{}")
            #expect((listed.json["clusterArns"] as? [String]) == [])
        }
    }

    @Test("GET /healthz answers 200")
    func health() async throws {
        try await withEndpoint { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }
}
