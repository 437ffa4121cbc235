import Foundation

/// The protocols of listeners, target groups and health checks, as Elastic Load Balancing names
/// them.
public enum LoadBalancingProtocol: String, Codable, Sendable, CaseIterable {
    case http = "HTTP"
    case https = "HTTPS"
    case tcp = "TCP"
    case tls = "TLS"
    case udp = "UDP"
    case tcpUDP = "TCP_UDP"

    /// Whether it carries HTTP (an application load balancer's protocols).
    public var isHTTP: Bool { self == .http || self == .https }
}

/// What a target group's targets are named by: an instance ID (the node's address and the port)
/// or an IP address.
public enum TargetType: String, Codable, Sendable {
    case instance
    case ip
}

/// How a target group checks its targets.
public struct HealthCheckSettings: Codable, Equatable, Sendable {
    public var enabled: Bool
    public var `protocol`: LoadBalancingProtocol
    /// `traffic-port` (the target's own port) or a port number.
    public var port: String
    /// The HTTP path checked; nil for TCP checks.
    public var path: String?
    public var intervalSeconds: Int
    public var timeoutSeconds: Int
    public var healthyThreshold: Int
    public var unhealthyThreshold: Int
    /// The HTTP codes that count as healthy (`200`, `200-299`, `200,302`); nil for TCP checks.
    public var httpCodes: String?

    /// Creates health-check settings.
    public init(
        enabled: Bool,
        protocol: LoadBalancingProtocol,
        port: String,
        path: String?,
        intervalSeconds: Int,
        timeoutSeconds: Int,
        healthyThreshold: Int,
        unhealthyThreshold: Int,
        httpCodes: String?
    ) {
        self.enabled = enabled
        self.protocol = `protocol`
        self.port = port
        self.path = path
        self.intervalSeconds = intervalSeconds
        self.timeoutSeconds = timeoutSeconds
        self.healthyThreshold = healthyThreshold
        self.unhealthyThreshold = unhealthyThreshold
        self.httpCodes = httpCodes
    }
}

/// A registered target: an instance ID or an IP address, and the port traffic goes to.
public struct TargetRecord: Codable, Equatable, Sendable {
    public var id: String
    public var port: Int
    public var availabilityZone: String?
    public var registeredAt: Date
    /// When a deregistered target stops draining and is forgotten; nil while registered.
    public var drainingUntil: Date?

    /// Creates a target.
    public init(id: String, port: Int, availabilityZone: String? = nil, registeredAt: Date, drainingUntil: Date? = nil)
    {
        self.id = id
        self.port = port
        self.availabilityZone = availabilityZone
        self.registeredAt = registeredAt
        self.drainingUntil = drainingUntil
    }
}

/// An Elastic Load Balancing target group: where a listener's traffic goes, and how the targets
/// are checked.
public struct TargetGroupRecord: Codable, Equatable, Sendable {
    /// The 16 hex digits that end its ARN.
    public var id: String
    public var name: String
    public var targetType: TargetType
    public var `protocol`: LoadBalancingProtocol
    /// `HTTP1`, `HTTP2` or `GRPC` for HTTP target groups; nil for the others.
    public var protocolVersion: String?
    public var port: Int
    public var vpcID: String?
    public var healthCheck: HealthCheckSettings
    /// Its attributes that differ from the defaults, by key (`deregistration_delay.timeout_seconds`).
    public var attributes: [String: String]
    public var tags: [Tag]
    /// Its targets, registered and draining, in the order they were registered.
    public var targets: [TargetRecord]
    public var createdAt: Date

    /// How long a deregistered target drains: `deregistration_delay.timeout_seconds`, 300 by default.
    public var deregistrationDelaySeconds: Int {
        attributes["deregistration_delay.timeout_seconds"].flatMap { Int($0) } ?? 300
    }

    /// Creates a target group.
    public init(
        id: String,
        name: String,
        targetType: TargetType,
        protocol: LoadBalancingProtocol,
        protocolVersion: String?,
        port: Int,
        vpcID: String?,
        healthCheck: HealthCheckSettings,
        attributes: [String: String] = [:],
        tags: [Tag] = [],
        targets: [TargetRecord] = [],
        createdAt: Date
    ) {
        self.id = id
        self.name = name
        self.targetType = targetType
        self.protocol = `protocol`
        self.protocolVersion = protocolVersion
        self.port = port
        self.vpcID = vpcID
        self.healthCheck = healthCheck
        self.attributes = attributes
        self.tags = tags
        self.targets = targets
        self.createdAt = createdAt
    }
}
