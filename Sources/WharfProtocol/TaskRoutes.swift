/// The address of an awsvpc task on its node.
public struct TaskAddress: Codable, Equatable, Sendable {
    /// The task's IPv4 address, such as `10.64.3.7`.
    public var privateIPv4Address: String
    /// The node's block it is taken from, such as `10.64.3.0/24`; its first address is the
    /// task's gateway.
    public var subnet: String

    public init(privateIPv4Address: String, subnet: String) {
        self.privateIPv4Address = privateIPv4Address
        self.subnet = subnet
    }
}

/// A route to another node's task block through that node's address.
public struct TaskRoute: Codable, Hashable, Sendable {
    /// The block, such as `10.64.4.0/24`.
    public var subnet: String
    /// The node's address.
    public var via: String

    public init(subnet: String, via: String) {
        self.subnet = subnet
        self.via = via
    }
}

/// The route to every node's task block (a node leaves its own out), with a version that changes
/// with them.
public struct TaskRoutes: Codable, Equatable, Sendable {
    public var version: String
    public var routes: [TaskRoute]

    public init(version: String, routes: [TaskRoute]) {
        self.version = version
        self.routes = routes
    }
}
