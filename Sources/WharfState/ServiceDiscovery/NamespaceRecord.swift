import Foundation

/// What a Cloud Map namespace serves: names in Wharf's DNS and the API (private DNS), or the API only.
public enum NamespaceType: String, Codable, Sendable {
    case dnsPrivate = "DNS_PRIVATE"
    case http = "HTTP"
}

/// A Cloud Map namespace.
public struct NamespaceRecord: Codable, Equatable, Sendable {
    /// `ns-` and 16 lowercase letters and digits.
    public var id: String
    public var name: String
    public var type: NamespaceType
    public var description: String?
    /// The VPC it was created for, as given (Wharf has no VPCs: every node answers its names).
    public var vpc: String?
    /// The TTL of the namespace's SOA record, in seconds (private DNS namespaces).
    public var soaTTL: Int?
    public var creatorRequestId: String?
    public var tags: [Tag]
    public var createdAt: Date

    /// Creates a namespace.
    public init(
        id: String,
        name: String,
        type: NamespaceType,
        description: String? = nil,
        vpc: String? = nil,
        soaTTL: Int? = nil,
        creatorRequestId: String? = nil,
        tags: [Tag] = [],
        createdAt: Date
    ) {
        self.id = id
        self.name = name
        self.type = type
        self.description = description
        self.vpc = vpc
        self.soaTTL = soaTTL
        self.creatorRequestId = creatorRequestId
        self.tags = tags
        self.createdAt = createdAt
    }
}
