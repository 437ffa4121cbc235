#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Wharf's own administrative operations, served in the AWS JSON 1.1 protocol under
/// `X-Amz-Target: WharfAdmin.<Operation>` and signed like every other call (signing name
/// `wharf`): the access keys that sign requests, in IAM's shapes and member names.
public enum WharfAdmin {
    /// The target prefix.
    public static let targetPrefix = "WharfAdmin."
    /// The SigV4 signing name.
    public static let signingName = "wharf"

    /// An access key as shown: the secret only in CreateAccessKey's answer.
    public struct AccessKey: ECSShape, Equatable {
        public var accessKeyId: String?
        public var secretAccessKey: String?
        public var description: String?
        public var status: String?
        public var createDate: Date?
        /// `stored` (created through the API) or `environment` (the bootstrap pair).
        public var source: String?
        enum CodingKeys: String, CodingKey {
            case accessKeyId = "AccessKeyId", secretAccessKey = "SecretAccessKey", description = "Description", status = "Status"
            case createDate = "CreateDate", source = "Source"
        }
        public init(accessKeyId: String? = nil, secretAccessKey: String? = nil, description: String? = nil, status: String? = nil,
                    createDate: Date? = nil, source: String? = nil) {
            self.accessKeyId = accessKeyId
            self.secretAccessKey = secretAccessKey
            self.description = description
            self.status = status
            self.createDate = createDate
            self.source = source
        }
        public func validate(_ v: inout ShapeValidator, at path: String) {}
    }

    public struct CreateAccessKeyRequest: ECSShape, Equatable {
        public var description: String?
        enum CodingKeys: String, CodingKey { case description = "Description" }
        public init(description: String? = nil) { self.description = description }
        public func validate(_ v: inout ShapeValidator, at path: String) {
            v.length(description?.count, min: 0, max: 256, at: path, "Description")
        }
    }

    public struct CreateAccessKeyResult: ECSShape, Equatable {
        public var accessKey: AccessKey?
        enum CodingKeys: String, CodingKey { case accessKey = "AccessKey" }
        public init(accessKey: AccessKey? = nil) { self.accessKey = accessKey }
        public func validate(_ v: inout ShapeValidator, at path: String) {}
    }

    public struct ListAccessKeysRequest: ECSShape, Equatable {
        public init() {}
        public func validate(_ v: inout ShapeValidator, at path: String) {}
    }

    public struct ListAccessKeysResult: ECSShape, Equatable {
        public var accessKeys: [AccessKey]?
        enum CodingKeys: String, CodingKey { case accessKeys = "AccessKeys" }
        public init(accessKeys: [AccessKey]? = nil) { self.accessKeys = accessKeys }
        public func validate(_ v: inout ShapeValidator, at path: String) {}
    }

    public struct DeleteAccessKeyRequest: ECSShape, Equatable {
        public var accessKeyId: String?
        enum CodingKeys: String, CodingKey { case accessKeyId = "AccessKeyId" }
        public init(accessKeyId: String? = nil) { self.accessKeyId = accessKeyId }
        public func validate(_ v: inout ShapeValidator, at path: String) {
            v.require(accessKeyId, at: path, "AccessKeyId")
            v.length(accessKeyId?.count, min: 1, max: 128, at: path, "AccessKeyId")
        }
    }

    public struct DeleteAccessKeyResult: ECSShape, Equatable {
        public init() {}
        public func validate(_ v: inout ShapeValidator, at path: String) {}
    }
}
