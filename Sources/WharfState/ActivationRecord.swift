import Foundation

/// An activation as the controller keeps it: what DescribeActivations shows and the SHA-256 of its
/// code (the code itself is shown once, by CreateActivation, and never stored).
public struct ActivationRecord: Codable, Equatable, Sendable {
    public var id: String
    public var description: String?
    public var defaultInstanceName: String?
    public var iamRole: String
    public var registrationLimit: Int
    public var registrationsCount: Int
    public var expirationDate: Date
    public var createdDate: Date
    public var tags: [Tag]
    /// SHA-256 (hex) of the activation code.
    public var codeHash: String

    /// Creates a record.
    public init(
        id: String,
        description: String?,
        defaultInstanceName: String?,
        iamRole: String,
        registrationLimit: Int,
        registrationsCount: Int = 0,
        expirationDate: Date,
        createdDate: Date,
        tags: [Tag] = [],
        codeHash: String
    ) {
        self.id = id
        self.description = description
        self.defaultInstanceName = defaultInstanceName
        self.iamRole = iamRole
        self.registrationLimit = registrationLimit
        self.registrationsCount = registrationsCount
        self.expirationDate = expirationDate
        self.createdDate = createdDate
        self.tags = tags
        self.codeHash = codeHash
    }
}
