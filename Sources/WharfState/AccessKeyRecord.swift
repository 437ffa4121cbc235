import Foundation

/// An access key as the controller stores it: the secret sealed (AES-GCM) under the data
/// directory's secrets key, never in the clear.
public struct AccessKeyRecord: Codable, Equatable, Sendable {
    /// The access key ID (`AKWH...`).
    public var accessKeyId: String
    /// The secret, sealed: base64 of AES-GCM's nonce, ciphertext and tag.
    public var sealedSecret: String
    public var description: String?
    public var createDate: Date

    /// Creates a record.
    public init(accessKeyId: String, sealedSecret: String, description: String?, createDate: Date) {
        self.accessKeyId = accessKeyId
        self.sealedSecret = sealedSecret
        self.description = description
        self.createDate = createDate
    }
}
