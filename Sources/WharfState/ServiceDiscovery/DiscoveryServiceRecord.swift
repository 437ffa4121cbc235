import Foundation

/// A Cloud Map service: a name in a namespace, the DNS records each of its instances answers
/// with, and its instances.
public struct DiscoveryServiceRecord: Codable, Equatable, Sendable {
    /// A DNS record type the service's instances answer with.
    public enum RecordType: String, Codable, Sendable {
        case a = "A"
        case aaaa = "AAAA"
        case srv = "SRV"
        case cname = "CNAME"
    }

    /// One DNS record of each instance: its type and TTL in seconds.
    public struct DNSRecord: Codable, Equatable, Sendable {
        public var type: RecordType
        public var ttl: Int

        /// Creates a record setting.
        public init(type: RecordType, ttl: Int) {
            self.type = type
            self.ttl = ttl
        }
    }

    /// `srv-` and 16 lowercase letters and digits.
    public var id: String
    public var name: String
    public var namespaceID: String
    public var description: String?
    /// The DNS records of each instance; empty for a service found only through the API.
    public var dnsRecords: [DNSRecord]
    /// `MULTIVALUE` or `WEIGHTED`; nil without DNS records.
    public var routingPolicy: String?
    /// With custom health checks: how many failures Cloud Map waits for (kept; Wharf applies a
    /// status as soon as it is given).
    public var customHealthFailureThreshold: Int?
    public var hasCustomHealth: Bool
    public var creatorRequestId: String?
    public var tags: [Tag]
    public var createdAt: Date
    /// Its instances, in the order they were registered.
    public var instances: [DiscoveryInstanceRecord]
    /// Raised with every change to its instances (DiscoverInstances' `InstancesRevision`).
    public var instancesRevision: Int

    /// Creates a service.
    public init(
        id: String,
        name: String,
        namespaceID: String,
        description: String? = nil,
        dnsRecords: [DNSRecord] = [],
        routingPolicy: String? = nil,
        customHealthFailureThreshold: Int? = nil,
        hasCustomHealth: Bool = false,
        creatorRequestId: String? = nil,
        tags: [Tag] = [],
        createdAt: Date,
        instances: [DiscoveryInstanceRecord] = [],
        instancesRevision: Int = 1
    ) {
        self.id = id
        self.name = name
        self.namespaceID = namespaceID
        self.description = description
        self.dnsRecords = dnsRecords
        self.routingPolicy = routingPolicy
        self.customHealthFailureThreshold = customHealthFailureThreshold
        self.hasCustomHealth = hasCustomHealth
        self.creatorRequestId = creatorRequestId
        self.tags = tags
        self.createdAt = createdAt
        self.instances = instances
        self.instancesRevision = instancesRevision
    }
}

/// An instance of a Cloud Map service: its ID and attributes (`AWS_INSTANCE_IPV4`,
/// `AWS_INSTANCE_PORT`, ...), and, with custom health checks, whether it is healthy.
public struct DiscoveryInstanceRecord: Codable, Equatable, Sendable {
    public var id: String
    public var attributes: [String: String]
    public var creatorRequestId: String?
    /// The last custom health status given; nil for healthy by default.
    public var unhealthy: Bool?

    /// Creates an instance.
    public init(id: String, attributes: [String: String], creatorRequestId: String? = nil, unhealthy: Bool? = nil) {
        self.id = id
        self.attributes = attributes
        self.creatorRequestId = creatorRequestId
        self.unhealthy = unhealthy
    }
}

/// A Cloud Map operation: what a change did, for GetOperation and ListOperations. Wharf carries
/// out each change at once, so every operation has SUCCEEDED.
public struct CloudMapOperationRecord: Codable, Equatable, Sendable {
    public var id: String
    /// `CREATE_NAMESPACE`, `DELETE_NAMESPACE`, `REGISTER_INSTANCE`, `DEREGISTER_INSTANCE`.
    public var type: String
    /// `NAMESPACE`, `SERVICE` and `INSTANCE` to the IDs concerned.
    public var targets: [String: String]
    public var createdAt: Date

    /// Creates an operation record.
    public init(id: String, type: String, targets: [String: String], createdAt: Date) {
        self.id = id
        self.type = type
        self.targets = targets
        self.createdAt = createdAt
    }
}
