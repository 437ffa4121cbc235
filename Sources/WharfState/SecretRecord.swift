import Foundation

/// A Secrets Manager secret: its versions with their staging labels, its tags, and when it is to be
/// deleted.
public struct SecretRecord: Codable, Equatable, Sendable {
    public var name: String
    /// Its ARN, with the six random characters Secrets Manager adds after the name.
    public var arn: String
    public var description: String?
    /// The KMS key it names (`alias/aws/secretsmanager`); Wharf seals with its own key.
    public var kmsKeyId: String?
    public var tags: [Tag]
    public var createdAt: Date
    public var changedAt: Date
    /// The day it was last read (Secrets Manager keeps only the date).
    public var accessedAt: Date?
    /// When it is deleted for good; nil unless DeleteSecret scheduled it.
    public var deletionAt: Date?
    /// Its versions, oldest first.
    public var versions: [SecretVersion]

    /// The label of the version GetSecretValue returns by default.
    public static let current = "AWSCURRENT"
    /// The label the version before the current one keeps.
    public static let previous = "AWSPREVIOUS"
    /// How many versions without a staging label are kept, as Secrets Manager keeps them.
    public static let deprecatedVersionLimit = 100

    /// Creates a secret.
    public init(
        name: String,
        arn: String,
        description: String? = nil,
        kmsKeyId: String? = nil,
        tags: [Tag] = [],
        createdAt: Date,
        changedAt: Date,
        accessedAt: Date? = nil,
        deletionAt: Date? = nil,
        versions: [SecretVersion] = []
    ) {
        self.name = name
        self.arn = arn
        self.description = description
        self.kmsKeyId = kmsKeyId
        self.tags = tags
        self.createdAt = createdAt
        self.changedAt = changedAt
        self.accessedAt = accessedAt
        self.deletionAt = deletionAt
        self.versions = versions
    }

    /// The version with this ID.
    public func version(id: String) -> SecretVersion? { versions.first { $0.id == id } }

    /// The version that carries this staging label.
    public func version(stage: String) -> SecretVersion? { versions.first { $0.stages.contains(stage) } }

    /// Adds `version` with its stages: each stage moves to it from the version that had it, and
    /// when AWSCURRENT moves, the version it leaves becomes AWSPREVIOUS. Versions left without a
    /// label beyond ``deprecatedVersionLimit`` are dropped, oldest first.
    public mutating func add(_ version: SecretVersion) {
        versions.append(version)
        move(stages: version.stages, to: version.id)
    }

    /// Moves staging labels to the version `id`, AWSCURRENT's old version becoming AWSPREVIOUS.
    public mutating func move(stages: [String], to id: String) {
        let leaving = stages.contains(Self.current) ? version(stage: Self.current)?.id : nil
        for index in versions.indices where versions[index].id != id {
            versions[index].stages.removeAll { stages.contains($0) }
        }
        if let index = versions.firstIndex(where: { $0.id == id }) {
            for stage in stages where !versions[index].stages.contains(stage) { versions[index].stages.append(stage) }
        }
        if let leaving, leaving != id {
            for index in versions.indices { versions[index].stages.removeAll { $0 == Self.previous } }
            if let index = versions.firstIndex(where: { $0.id == leaving }) {
                versions[index].stages.append(Self.previous)
            }
        }
        let unlabelled = versions.filter(\.stages.isEmpty).count
        if unlabelled > Self.deprecatedVersionLimit {
            var drop = unlabelled - Self.deprecatedVersionLimit
            versions.removeAll { version in
                guard drop > 0, version.stages.isEmpty else { return false }
                drop -= 1
                return true
            }
        }
    }
}

/// One version of a secret's value.
public struct SecretVersion: Codable, Equatable, Sendable {
    /// Its ID: the request's ClientRequestToken, or a UUID.
    public var id: String
    /// The value, sealed under the controller's key (never the plaintext); a binary value is
    /// sealed as its base64 text.
    public var sealedValue: String
    /// Whether the value is SecretBinary rather than SecretString.
    public var isBinary: Bool
    public var stages: [String]
    public var createdAt: Date

    /// Creates a version.
    public init(id: String, sealedValue: String, isBinary: Bool, stages: [String], createdAt: Date) {
        self.id = id
        self.sealedValue = sealedValue
        self.isBinary = isBinary
        self.stages = stages
        self.createdAt = createdAt
    }
}
