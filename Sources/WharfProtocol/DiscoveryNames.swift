/// The names Wharf's DNS answers on every node: the Cloud Map private DNS namespaces' services,
/// as records. The controller sends them to every node when their version differs from the one
/// the node holds.
public struct DiscoveryNames: Codable, Equatable, Sendable {
    public var version: String
    /// The namespaces' names (`internal`): a name under one that has no record is answered as
    /// not existing, any other name is asked of the node's resolver.
    public var zones: [String]
    public var records: [DiscoveryRecord]

    public init(version: String, zones: [String], records: [DiscoveryRecord]) {
        self.version = version
        self.zones = zones
        self.records = records
    }
}

/// The records of one name and type: `A` with IPv4 addresses, or `SRV` with
/// `priority weight port target` values.
public struct DiscoveryRecord: Codable, Equatable, Sendable {
    /// Lowercase, without a trailing dot: `web.internal`.
    public var name: String
    public var type: String
    public var ttl: Int
    public var values: [String]

    public init(name: String, type: String, ttl: Int, values: [String]) {
        self.name = name
        self.type = type
        self.ttl = ttl
        self.values = values
    }
}
