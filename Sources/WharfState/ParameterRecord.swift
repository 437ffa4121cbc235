import Foundation

/// A Parameter Store parameter's type.
public enum ParameterType: String, Codable, Sendable {
    case string = "String"
    case stringList = "StringList"
    /// Stored sealed: the value is encrypted at rest and revealed only when asked with decryption.
    case secureString = "SecureString"
}

/// A parameter's tier: how large its value may be.
public enum ParameterTier: String, Codable, Sendable {
    case standard = "Standard"
    case advanced = "Advanced"
    case intelligentTiering = "Intelligent-Tiering"
}

/// A Systems Manager Parameter Store parameter: its versions, oldest first, and its tags.
public struct ParameterRecord: Codable, Equatable, Sendable {
    /// Its name: `name`, or a path of up to 15 levels such as `/prod/db/password`.
    public var name: String
    /// Its versions, oldest first; the last is the current one. At most ``versionLimit``.
    public var versions: [ParameterVersion]
    public var tags: [Tag]

    /// How many versions a parameter keeps, as Parameter Store does.
    public static let versionLimit = 100

    /// Creates a parameter.
    public init(name: String, versions: [ParameterVersion], tags: [Tag] = []) {
        self.name = name
        self.versions = versions
        self.tags = tags
    }

    /// Its current version.
    public var current: ParameterVersion? { versions.last }

    /// The version with this number.
    public func version(_ number: Int) -> ParameterVersion? {
        versions.first { $0.version == number }
    }

    /// The version that carries this label.
    public func version(labelled label: String) -> ParameterVersion? {
        versions.first { $0.labels.contains(label) }
    }
}

/// One version of a parameter.
public struct ParameterVersion: Codable, Equatable, Sendable {
    public var version: Int
    public var type: ParameterType
    /// The value; for a SecureString, sealed under the controller's key (never the plaintext).
    public var value: String
    public var description: String?
    public var allowedPattern: String?
    public var tier: ParameterTier
    /// `text`, as Parameter Store's default data type.
    public var dataType: String
    /// The KMS key a SecureString names (`alias/aws/ssm`); Wharf seals with its own key.
    public var keyId: String?
    public var labels: [String]
    public var modifiedAt: Date
    /// The principal that wrote it.
    public var modifiedBy: String

    /// Creates a version.
    public init(
        version: Int,
        type: ParameterType,
        value: String,
        description: String? = nil,
        allowedPattern: String? = nil,
        tier: ParameterTier = .standard,
        dataType: String = "text",
        keyId: String? = nil,
        labels: [String] = [],
        modifiedAt: Date,
        modifiedBy: String
    ) {
        self.version = version
        self.type = type
        self.value = value
        self.description = description
        self.allowedPattern = allowedPattern
        self.tier = tier
        self.dataType = dataType
        self.keyId = keyId
        self.labels = labels
        self.modifiedAt = modifiedAt
        self.modifiedBy = modifiedBy
    }
}
