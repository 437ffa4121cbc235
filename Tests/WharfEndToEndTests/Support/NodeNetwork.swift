import Foundation

/// Nodes on a network of their own: a bridge on this machine with an address, and one network
/// namespace per node joined to it by a veth pair, each with its own address, as separate
/// machines on a LAN would be. Created with `ip`; ``tearDown()`` removes all of it.
final class NodeNetwork: Sendable {
    let tag: String
    let subnet: Int
    let namespaces: [String]

    /// The bridge's name (at most 15 characters, as the kernel allows).
    var bridge: String { "wbr\(tag)" }
    /// This machine's address on the bridge, where the controller is reached.
    var hostAddress: String { "10.213.\(subnet).1" }
    /// The address of node `index` (0-based) in its namespace.
    func address(_ index: Int) -> String { "10.213.\(subnet).\(11 + index)" }

    private init(tag: String, subnet: Int, count: Int) {
        self.tag = tag
        self.subnet = subnet
        namespaces = (0..<count).map { "wharf-\(tag)-n\($0 + 1)" }
    }

    /// Creates the bridge and `count` namespaces; removes what it made if a step fails.
    static func create(count: Int) async throws -> NodeNetwork {
        let network = NodeNetwork(tag: String(UUID().uuidString.prefix(6).lowercased()), subnet: Int.random(in: 10...250), count: count)
        do {
            try await network.ip(["link", "add", network.bridge, "type", "bridge"])
            try await network.ip(["addr", "add", "\(network.hostAddress)/24", "dev", network.bridge])
            try await network.ip(["link", "set", network.bridge, "up"])
            for (index, namespace) in network.namespaces.enumerated() {
                let veth = "wv\(network.tag)\(index + 1)"
                try await network.ip(["netns", "add", namespace])
                try await network.ip(["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace])
                try await network.ip(["link", "set", veth, "master", network.bridge, "up"])
                try await network.ip(["netns", "exec", namespace, "ip", "addr", "add", "\(network.address(index))/24", "dev", "eth0"])
                try await network.ip(["netns", "exec", namespace, "ip", "link", "set", "eth0", "up"])
                try await network.ip(["netns", "exec", namespace, "ip", "link", "set", "lo", "up"])
            }
        } catch {
            await network.tearDown()
            throw error
        }
        return network
    }

    func ip(_ arguments: [String]) async throws {
        let result = try await DockerEngine.run(["ip"] + arguments)
        guard result.status == 0 else { throw ManagedProcess.Failure("ip \(arguments.joined(separator: " ")): \(result.stderr)") }
    }

    /// Removes the namespaces (their veth pairs go with them) and the bridge.
    func tearDown() async {
        for namespace in namespaces { _ = try? await DockerEngine.run(["ip", "netns", "del", namespace]) }
        _ = try? await DockerEngine.run(["ip", "link", "del", bridge])
    }
}
