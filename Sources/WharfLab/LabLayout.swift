/// Where everything of one lab is: its bridge and addresses, each node's network namespace,
/// directories and engine socket, and the controller's. Pure: `wharf lab` computes it from the
/// name, the node count, the subnet and the directory, and nothing else.
public struct LabLayout: Codable, Equatable, Sendable {
    /// The most nodes a lab has (addresses .10 to .209 of its /24).
    public static let maxNodes = 200

    /// 1 to 8 lowercase letters and digits, starting with a letter: it names the bridge, the
    /// namespaces and the veth pairs, which the kernel limits to 15 characters.
    public var name: String
    public var nodes: Int
    /// The first three octets of the lab's /24, such as `[10, 250, 0]`.
    public var prefix: [Int]
    /// The directory that holds everything the lab writes.
    public var root: String
    /// The controller's port on the bridge address.
    public var port: Int
    /// How many nodes, from node 1 on, serve the load balancers (`wharf-agent --load-balancer`);
    /// nil in a lab made before there were any (none).
    public var loadBalancerNodes: Int?

    /// A layout, checked.
    /// - Parameter subnet: a /24 such as `10.250.0.0/24`.
    public init(
        name: String,
        nodes: Int,
        subnet: String,
        root: String,
        port: Int,
        loadBalancerNodes: Int = 1
    ) throws(LabError) {
        guard let first = name.first, first.isLetter, (1...8).contains(name.count),
            name.allSatisfy({ ($0.isLetter && $0.isLowercase && $0.isASCII) || $0.isNumber })
        else {
            throw LabError("--name \(name) must be 1 to 8 lowercase letters and digits, starting with a letter")
        }
        guard (1...Self.maxNodes).contains(nodes) else {
            throw LabError("--nodes \(nodes) must be 1 to \(Self.maxNodes)")
        }
        let parts = subnet.split(separator: "/", omittingEmptySubsequences: false)
        let octets = parts.first?.split(separator: ".", omittingEmptySubsequences: false).compactMap { Int($0) } ?? []
        guard parts.count == 2, parts[1] == "24", octets.count == 4, octets.allSatisfy({ (0...255).contains($0) }),
            octets[3] == 0
        else {
            throw LabError("--subnet \(subnet) must be a /24 such as 10.250.0.0/24")
        }
        guard (1...65535).contains(port) else { throw LabError("--port \(port) must be 1 to 65535") }
        guard (0...nodes).contains(loadBalancerNodes) else {
            throw LabError("--load-balancers \(loadBalancerNodes) must be 0 to the number of nodes (\(nodes))")
        }
        self.loadBalancerNodes = loadBalancerNodes
        guard root.hasPrefix("/") else { throw LabError("--dir \(root) must be an absolute path") }
        self.name = name
        self.nodes = nodes
        self.prefix = Array(octets.prefix(3))
        self.root = root
        self.port = port
    }

    /// Whether node `index` serves the load balancers.
    public func servesLoadBalancers(_ index: Int) -> Bool { index <= (loadBalancerNodes ?? 0) }

    /// The bridge every node's veth joins, on this machine.
    public var bridge: String { "wl-\(name)" }
    /// This machine's address on the bridge, where the controller listens.
    public var hostAddress: String { address(1) }
    /// The controller's URL, as the nodes and the API's clients reach it.
    public var endpoint: String { "https://\(hostAddress):\(port)" }
    /// The controller's data directory.
    public var controllerDirectory: String { "\(root)/controller" }
    /// The controller's CA, which the agents and clients trust.
    public var caFile: String { "\(controllerDirectory)/tls/ca.pem" }
    /// The file that records the lab: its layout and what runs.
    public var stateFile: String { "\(root)/lab.json" }

    /// Node `index` (1-based): its namespace, veth (this machine's end), address and directory.
    public func namespace(_ index: Int) -> String { "wharf-\(name)-n\(index)" }
    public func veth(_ index: Int) -> String { "wv\(name)\(index)" }
    public func nodeAddress(_ index: Int) -> String { address(9 + index) }
    public func nodeDirectory(_ index: Int) -> String { "\(root)/node-\(index)" }
    public func dockerSocket(_ index: Int) -> String { "\(nodeDirectory(index))/docker.sock" }
    /// The cgroup the node's engine puts its containers under.
    public func cgroupParent(_ index: Int) -> String { "wharf-lab-\(name)-n\(index)" }

    private func address(_ last: Int) -> String { (prefix + [last]).map(String.init).joined(separator: ".") }
}
