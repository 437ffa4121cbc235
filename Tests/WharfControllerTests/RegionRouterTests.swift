import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import WharfModel
import WharfProtocol
import WharfState
import WharfStore
@testable import WharfController

@Suite("Regions: each request goes to the region its signature names", .serialized)
struct RegionRouterTests {
    /// Runs `body` against a controller whose own region is us-east-1, with the other regions kept
    /// under a fresh data directory (their databases closed afterwards).
    static func run(
        served: Set<String>? = nil,
        _ body: @Sendable (ControllerRegions, String, any TestClientProtocol) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("wharf-regions-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let controller = try await Controller(
            store: InMemoryStore(),
            context: AccountContext(),
            logger: Logger(label: "test"),
            now: { SignedEndpoint.now }
        )
        var configuration = ControllerConfiguration(
            dataDirectory: directory,
            authentication: .sigV4(bootstrap: SignedEndpoint.admin)
        )
        configuration.maxBodyBytes = 4096
        configuration.servedRegions = served
        let parts = RegionEndpoints.Parts.home(
            controller,
            configuration: configuration,
            sealer: SecretSealer(),
            tls: false,
            logs: nil,
            metricStore: nil,
            metrics: ControllerMetrics(),
            logger: Logger(label: "test")
        )
        let regions = ControllerRegions(parts: parts, logger: Logger(label: "test"))
        let app = try ControllerServer.makeApplication(parts, regions: regions, tls: nil) { _ in }
        do {
            try await app.test(.router) { client in try await body(regions, directory, client) }
        } catch {
            await regions.closeAll()
            throw error
        }
        await regions.closeAll()
    }

    @Test(
        "a cluster made in eu-west-1 is listed there with its region in the ARN, and neither at home nor in us-east-2"
    )
    func separate() async throws {
        try await Self.run { regions, directory, client in
            let key = SignedEndpoint.admin
            let ecs = "AmazonEC2ContainerServiceV20141113"
            let created = try await client.signed(
                ecs,
                "CreateCluster",
                #"{"clusterName":"web"}"#,
                key: key,
                region: "eu-west-1"
            )
            #expect(created.status == 200, "\(created.json)")
            let cluster = created.json["cluster"] as? [String: Any]
            #expect(cluster?["clusterArn"] as? String == "arn:aws:ecs:eu-west-1:000000000000:cluster/web")
            for (region, expected) in [
                ("eu-west-1", ["arn:aws:ecs:eu-west-1:000000000000:cluster/web"]), ("us-east-1", []), ("us-east-2", []),
            ] {
                let listed = try await client.signed(ecs, "ListClusters", "{}", key: key, region: region)
                #expect(listed.json["clusterArns"] as? [String] == expected, "\(region): \(listed.json)")
            }
            #expect(await regions.names == ["eu-west-1", "us-east-2"])
            let stored = try FileManager.default.contentsOfDirectory(atPath: directory + "/regions/eu-west-1")
            #expect(stored.contains("wharf.db"))
            // The admin API (access keys, shared by every region) answers at home only.
            let admin = try await client.signed(
                "WharfAdmin",
                "ListAccessKeys",
                "{}",
                key: key,
                service: "wharf",
                region: "eu-west-1"
            )
            #expect(
                admin.status == 400 && (admin.json["message"] as? String)?.contains("own region, us-east-1") == true
            )
        }
    }

    @Test("a region AWS does not have is refused; a badly signed or unsigned request for a new region opens nothing")
    func refusals() async throws {
        try await Self.run { regions, directory, client in
            let ecs = "AmazonEC2ContainerServiceV20141113"
            let unknown = try await client.signed(
                ecs,
                "ListClusters",
                "{}",
                key: SignedEndpoint.admin,
                region: "xx-nowhere-1"
            )
            #expect(unknown.status == 400)
            #expect(unknown.json["message"] as? String == "Credential should be scoped to a valid region.")
            let wrong = AccessKeyPair(accessKeyId: SignedEndpoint.admin.accessKeyId, secretAccessKey: "not-the-secret")
            let forged = try await client.signed(
                ecs,
                "CreateCluster",
                #"{"clusterName":"x"}"#,
                key: wrong,
                region: "ap-south-1"
            )
            #expect(
                forged.status == 400 && forged.json["__type"] as? String == "InvalidSignatureException",
                "\(forged.json)"
            )
            let stranger = AccessKeyPair(accessKeyId: "AKWHSTRANGER00000001", secretAccessKey: "whatever-secret")
            let unknownKey = try await client.signed(ecs, "ListClusters", "{}", key: stranger, region: "ap-south-1")
            #expect(unknownKey.status == 400 && unknownKey.json["__type"] as? String == "UnrecognizedClientException")
            #expect(await regions.names == [])
            #expect(!FileManager.default.fileExists(atPath: directory + "/regions/ap-south-1"))
        }
    }

    @Test("a body over the limit is refused with the limit named, for an API call to a new region and for an agent")
    func oversized() async throws {
        try await Self.run { regions, _, client in
            let large = #"{"clusterName":""# + String(repeating: "a", count: 5000) + #""}"#
            let api = try await client.signed(
                "AmazonEC2ContainerServiceV20141113",
                "CreateCluster",
                large,
                key: SignedEndpoint.admin,
                region: "eu-west-1"
            )
            #expect(
                api.status == 400 && (api.json["message"] as? String)?.contains("4096 bytes") == true,
                "\(api.json)"
            )
            #expect(await regions.names == [])
            for path in AgentEndpoint.paths {
                let agent = try await client.execute(uri: path, method: .post, body: ByteBuffer(string: large)) {
                    (Int($0.status.code), String(buffer: $0.body))
                }
                #expect(agent.0 == 400 && agent.1.contains("exceeds 4096 bytes"), "\(path): \(agent.1)")
            }
        }
    }

    @Test("with --regions, a region left out is refused as one AWS does not have; the ones named are served")
    func allowList() async throws {
        try await Self.run(served: ["eu-west-1"]) { regions, _, client in
            let ecs = "AmazonEC2ContainerServiceV20141113"
            let other = try await client.signed(
                ecs,
                "ListClusters",
                "{}",
                key: SignedEndpoint.admin,
                region: "us-east-2"
            )
            #expect(other.json["message"] as? String == "Credential should be scoped to a valid region.")
            let named = try await client.signed(
                ecs,
                "ListClusters",
                "{}",
                key: SignedEndpoint.admin,
                region: "eu-west-1"
            )
            #expect(named.status == 200)
            let home = try await client.signed(
                ecs,
                "ListClusters",
                "{}",
                key: SignedEndpoint.admin,
                region: "us-east-1"
            )
            #expect(home.status == 200)
            #expect(await regions.names == ["eu-west-1"])
        }
    }

    @Test("a node that names another region is refused by a controller's state for its own region")
    func registerElsewhere() async throws {
        let controller = try await Controller(
            store: InMemoryStore(),
            context: AccountContext(),
            logger: Logger(label: "test"),
            openRegistration: true
        )
        var refused: AgentProtocolError?
        do {
            _ = try await controller.register(
                RegisterRequest(
                    cluster: "default",
                    hostname: "node-1",
                    resources: NodeResources(cpu: 1024, memoryMiB: 1024, reservedTCPPorts: [], reservedUDPPorts: []),
                    attributes: [],
                    versionInfo: ECS.VersionInfo(agentVersion: "0.1.0"),
                    region: "eu-west-1"
                )
            )
        } catch {
            refused = error
        }
        #expect(refused?.code == .clusterNotFound)
        #expect(await controller.read { $0.clusters.all.isEmpty }, "nothing written")
    }

    @Test("regions found on disk open at start; a directory that names no region is left alone")
    func reopen() async throws {
        try await Self.run { regions, directory, _ in
            for name in ["eu-west-1", "not-a-region", "us-east-1"] {
                try FileManager.default.createDirectory(
                    atPath: directory + "/regions/" + name,
                    withIntermediateDirectories: true
                )
            }
            try await regions.openStored()
            #expect(await regions.names == ["eu-west-1"])
        }
    }

    @Test("an agent request goes to the region of its container instance ARN, else its cluster ARN, else the one named")
    func agentRegion() throws {
        func region(_ json: String) throws -> String? {
            try ECSJSON.decoder().decode(AgentRegionProbe.self, from: Data(json.utf8)).region
        }
        let instance = "arn:aws:ecs:eu-west-1:000000000000:container-instance/web/0123"
        #expect(
            try region(#"{"containerInstanceArn":"\#(instance)","cluster":"web","region":"us-east-2"}"#) == "eu-west-1"
        )
        #expect(
            try region(#"{"cluster":"arn:aws:ecs:ap-south-1:000000000000:cluster/web","region":"us-east-2"}"#)
                == "ap-south-1"
        )
        #expect(try region(#"{"cluster":"web","region":"us-east-2"}"#) == "us-east-2")
        #expect(try region(#"{"cluster":"web"}"#) == nil)
    }
}
