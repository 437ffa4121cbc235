#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOHTTP1

extension DockerAPI {
    /// The answer to `GET /networks/{id}`, as far as the agent needs it.
    struct Network: Decodable, Sendable {
        struct IPAM: Decodable, Sendable {
            struct Config: Decodable, Sendable {
                var subnet: String?
                var gateway: String?
                enum CodingKeys: String, CodingKey { case subnet = "Subnet", gateway = "Gateway" }
            }
            var config: [Config]?
            enum CodingKeys: String, CodingKey { case config = "Config" }
        }
        var id: String
        var ipam: IPAM?
        enum CodingKeys: String, CodingKey { case id = "Id", ipam = "IPAM" }
    }

    /// The body of `POST /networks/create` for a bridge network with one subnet.
    struct NetworkCreate: Encodable, Sendable {
        struct IPAM: Encodable, Sendable {
            struct Config: Encodable, Sendable {
                var subnet: String
                var gateway: String
                enum CodingKeys: String, CodingKey { case subnet = "Subnet", gateway = "Gateway" }
            }
            var driver = "default"
            var config: [Config]
            enum CodingKeys: String, CodingKey { case driver = "Driver", config = "Config" }
        }
        var name: String
        var driver = "bridge"
        var checkDuplicate = true
        var ipam: IPAM
        var options: [String: String]
        var labels: [String: String]
        enum CodingKeys: String, CodingKey {
            case name = "Name", driver = "Driver", checkDuplicate = "CheckDuplicate", ipam = "IPAM"
            case options = "Options", labels = "Labels"
        }
    }
}

extension DockerRuntime {
    /// Creates the awsvpc tasks' bridge network, or replaces one of its name over another subnet.
    /// The engine does not masquerade its traffic: the agent gives the node's address only to
    /// traffic that leaves the task address range (``HostNetwork``), so tasks reach each other
    /// with their own addresses.
    public func ensureTaskNetwork(_ network: TaskNetworkSpec) async throws(RuntimeError) {
        let context = "setting up network \"\(network.name)\" for awsvpc tasks"
        let path = "/networks/\(DockerClient.escapePath(network.name))"
        let found = try await client.request(.GET, path, context: context)
        switch found.status {
        case .ok:
            let existing = try found.decode(DockerAPI.Network.self, context)
            if existing.ipam?.config?.contains(where: { $0.subnet == network.subnet }) == true { return }
            let removed = try await client.request(.DELETE, "/networks/\(existing.id)", context: context)
            guard removed.status == .noContent || removed.status == .notFound else {
                throw client.failure(removed, context + " (it has another subnet and could not be removed)")
            }
        case .notFound:
            break
        default:
            throw client.failure(found, context)
        }
        let body = DockerAPI.NetworkCreate(
            name: network.name,
            ipam: .init(config: [.init(subnet: network.subnet, gateway: network.gateway)]),
            options: [
                "com.docker.network.bridge.name": network.name,
                "com.docker.network.bridge.enable_ip_masquerade": "false",
            ],
            labels: ["org.wharf.task-network": network.subnet]
        )
        let created = try await client.request(
            .POST, "/networks/create", body: try DockerClient.json(body), context: context
        )
        guard created.status == .created else { throw client.failure(created, context) }
    }

    /// The first gateway of the network's address configuration, from `GET /networks/{name}`.
    public func networkGateway(_ name: String) async throws(RuntimeError) -> String? {
        let context = "inspecting network \"\(name)\""
        let response = try await client.request(.GET, "/networks/\(DockerClient.escapePath(name))", context: context)
        guard response.status == .ok else { throw client.failure(response, context) }
        let network = try response.decode(DockerAPI.Network.self, context)
        return network.ipam?.config?.compactMap(\.gateway).first
    }

    /// `GET /containers/{id}/stats?stream=false`, as the engine writes it.
    public func statsDocument(id: String) async throws(RuntimeError) -> [UInt8] {
        let context = "reading the stats of container \(id)"
        let response = try await client.request(
            .GET, "/containers/\(DockerClient.escapePath(id))/stats", query: [("stream", "false")], context: context)
        guard response.status == .ok else { throw client.failure(response, context) }
        return Array(response.body.readableBytesView)
    }

    /// `POST /images/create?fromSrc=-` with the archive as the body: the engine's `docker import`.
    public func importImage(_ reference: String, rootfs: [UInt8], command: [String]) async throws(RuntimeError) {
        let image = try ImageReference(parsing: reference)
        let context = "importing image \"\(reference)\""
        let change = "CMD " + String(decoding: try DockerClient.json(command), as: UTF8.self)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/x-tar")
        let response = try await client.request(
            .POST, "/images/create",
            query: [("fromSrc", "-"), ("repo", image.repository), ("tag", image.tagOrDigest), ("changes", change)],
            body: Data(rootfs), headers: headers, context: context
        )
        guard response.status == .ok else { throw client.failure(response, context) }
        var splitter = JSONObjectSplitter()
        let objects = (try? splitter.append(Array(response.body.readableBytesView))) ?? []
        for object in objects {
            let line = try? JSONDecoder().decode(DockerAPI.ProgressMessage.self, from: Data(object))
            if let failure = line?.failure { throw RuntimeError(.engine, "\(context): \(failure)") }
        }
    }
}
