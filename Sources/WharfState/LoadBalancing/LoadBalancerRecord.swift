import Foundation

/// What kind of load balancer: layer 7 (HTTP) or layer 4 (TCP).
public enum LoadBalancerType: String, Codable, Sendable {
    case application
    case network

    /// The ARN segment of the type: `app` or `net`.
    public var arnSegment: String { self == .application ? "app" : "net" }
}

/// Whether a load balancer is meant to be reached from outside the network or only inside it.
public enum LoadBalancerScheme: String, Codable, Sendable {
    case internetFacing = "internet-facing"
    case `internal`
}

/// An Elastic Load Balancing load balancer: its listeners and their rules are records of their
/// own, which name it by ``id``.
public struct LoadBalancerRecord: Codable, Equatable, Sendable {
    /// The 16 hex digits that end its ARN.
    public var id: String
    public var name: String
    public var type: LoadBalancerType
    public var scheme: LoadBalancerScheme
    /// The subnets it was created in, as given (Wharf has no VPCs; they name its zones).
    public var subnets: [String]
    /// The security groups it was given (recorded and shown; Wharf applies no security groups).
    public var securityGroups: [String]
    /// Its attributes that differ from the defaults, by key (`idle_timeout.timeout_seconds`).
    public var attributes: [String: String]
    public var tags: [Tag]
    public var createdAt: Date

    /// How long a connection may stay idle: `idle_timeout.timeout_seconds` on an application load
    /// balancer (60 by default); 350 on a network one, as Elastic Load Balancing has it.
    public var idleTimeoutSeconds: Int {
        type == .network ? 350 : attributes["idle_timeout.timeout_seconds"].flatMap { Int($0) } ?? 60
    }

    /// Creates a load balancer.
    public init(
        id: String,
        name: String,
        type: LoadBalancerType,
        scheme: LoadBalancerScheme,
        subnets: [String],
        securityGroups: [String] = [],
        attributes: [String: String] = [:],
        tags: [Tag] = [],
        createdAt: Date
    ) {
        self.id = id
        self.name = name
        self.type = type
        self.scheme = scheme
        self.subnets = subnets
        self.securityGroups = securityGroups
        self.attributes = attributes
        self.tags = tags
        self.createdAt = createdAt
    }
}
