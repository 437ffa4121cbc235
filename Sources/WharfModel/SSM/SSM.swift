#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The shapes of the AWS Systems Manager operations that ECS Anywhere users run to join nodes
/// (`aws ssm create-activation`, `describe-activations`, `delete-activation`), with the member
/// names, types and constraints of botocore's SSM model. Served under `X-Amz-Target: AmazonSSM.`.
public enum SSM {
    /// A tag of an activation.
    public struct Tag: ECSShape, Equatable {
        public var key: String?
        public var value: String?
        enum CodingKeys: String, CodingKey { case key = "Key", value = "Value" }
        public init(key: String? = nil, value: String? = nil) {
            self.key = key
            self.value = value
        }
        public func validate(_ v: inout ShapeValidator, at path: String) {
            v.require(key, at: path, "Key")
            v.require(value, at: path, "Value")
            v.length(key?.count, min: 1, max: 128, at: path, "Key")
            v.length(value?.count, min: 0, max: 256, at: path, "Value")
        }
    }

    /// Metadata given with an activation (stored and ignored).
    public struct RegistrationMetadataItem: ECSShape, Equatable {
        public var key: String?
        public var value: String?
        enum CodingKeys: String, CodingKey { case key = "Key", value = "Value" }
        public func validate(_ v: inout ShapeValidator, at path: String) {
            v.require(key, at: path, "Key")
            v.require(value, at: path, "Value")
            v.length(key?.count, min: 1, max: 128, at: path, "Key")
            v.length(value?.count, min: 1, max: 2048, at: path, "Value")
        }
    }

    /// CreateActivation's input.
    public struct CreateActivationRequest: ECSShape, Equatable {
        public var description: String?
        public var defaultInstanceName: String?
        public var iamRole: String?
        public var registrationLimit: Int?
        public var expirationDate: Date?
        public var tags: [Tag]?
        public var registrationMetadata: [RegistrationMetadataItem]?
        enum CodingKeys: String, CodingKey {
            case description = "Description", defaultInstanceName = "DefaultInstanceName", iamRole = "IamRole"
            case registrationLimit = "RegistrationLimit", expirationDate = "ExpirationDate", tags = "Tags"
            case registrationMetadata = "RegistrationMetadata"
        }
        public init(description: String? = nil, defaultInstanceName: String? = nil, iamRole: String? = nil, registrationLimit: Int? = nil,
                    expirationDate: Date? = nil, tags: [Tag]? = nil) {
            self.description = description
            self.defaultInstanceName = defaultInstanceName
            self.iamRole = iamRole
            self.registrationLimit = registrationLimit
            self.expirationDate = expirationDate
            self.tags = tags
        }
        public func validate(_ v: inout ShapeValidator, at path: String) {
            v.require(iamRole, at: path, "IamRole")
            v.length(description?.count, min: 0, max: 256, at: path, "Description")
            v.length(defaultInstanceName?.count, min: 0, max: 256, at: path, "DefaultInstanceName")
            v.length(iamRole?.count, min: 0, max: 64, at: path, "IamRole")
            v.range(registrationLimit, min: 1, max: 1000, at: path, "RegistrationLimit")
            v.length(tags?.count, min: 0, max: 1000, at: path, "Tags")
            v.each(tags, at: path, "Tags")
            v.each(registrationMetadata, at: path, "RegistrationMetadata")
        }
    }

    /// CreateActivation's output: the ID and the code, shown this once.
    public struct CreateActivationResult: Codable, Equatable, Sendable {
        public var activationId: String?
        public var activationCode: String?
        enum CodingKeys: String, CodingKey { case activationId = "ActivationId", activationCode = "ActivationCode" }
        public init(activationId: String, activationCode: String) {
            self.activationId = activationId
            self.activationCode = activationCode
        }
    }

    /// A filter of DescribeActivations.
    public struct DescribeActivationsFilter: ECSShape, Equatable {
        public var filterKey: String?
        public var filterValues: [String]?
        enum CodingKeys: String, CodingKey { case filterKey = "FilterKey", filterValues = "FilterValues" }
        public init(filterKey: String? = nil, filterValues: [String]? = nil) {
            self.filterKey = filterKey
            self.filterValues = filterValues
        }
        public func validate(_ v: inout ShapeValidator, at path: String) {
            v.oneOf(filterKey, ["ActivationIds", "DefaultInstanceName", "IamRole"], at: path, "FilterKey")
        }
    }

    /// DescribeActivations' input.
    public struct DescribeActivationsRequest: ECSShape, Equatable {
        public var filters: [DescribeActivationsFilter]?
        public var maxResults: Int?
        public var nextToken: String?
        enum CodingKeys: String, CodingKey { case filters = "Filters", maxResults = "MaxResults", nextToken = "NextToken" }
        public init(filters: [DescribeActivationsFilter]? = nil, maxResults: Int? = nil, nextToken: String? = nil) {
            self.filters = filters
            self.maxResults = maxResults
            self.nextToken = nextToken
        }
        public func validate(_ v: inout ShapeValidator, at path: String) {
            v.range(maxResults, min: 1, max: 50, at: path, "MaxResults")
            v.each(filters, at: path, "Filters")
        }
    }

    /// An activation as DescribeActivations shows it (never with its code).
    public struct Activation: Codable, Equatable, Sendable {
        public var activationId: String?
        public var description: String?
        public var defaultInstanceName: String?
        public var iamRole: String?
        public var registrationLimit: Int?
        public var registrationsCount: Int?
        public var expirationDate: Date?
        public var expired: Bool?
        public var createdDate: Date?
        public var tags: [Tag]?
        enum CodingKeys: String, CodingKey {
            case activationId = "ActivationId", description = "Description", defaultInstanceName = "DefaultInstanceName"
            case iamRole = "IamRole", registrationLimit = "RegistrationLimit", registrationsCount = "RegistrationsCount"
            case expirationDate = "ExpirationDate", expired = "Expired", createdDate = "CreatedDate", tags = "Tags"
        }
        public init(activationId: String? = nil, description: String? = nil, defaultInstanceName: String? = nil, iamRole: String? = nil,
                    registrationLimit: Int? = nil, registrationsCount: Int? = nil, expirationDate: Date? = nil, expired: Bool? = nil,
                    createdDate: Date? = nil, tags: [Tag]? = nil) {
            self.activationId = activationId
            self.description = description
            self.defaultInstanceName = defaultInstanceName
            self.iamRole = iamRole
            self.registrationLimit = registrationLimit
            self.registrationsCount = registrationsCount
            self.expirationDate = expirationDate
            self.expired = expired
            self.createdDate = createdDate
            self.tags = tags
        }
    }

    /// DescribeActivations' output.
    public struct DescribeActivationsResult: Codable, Equatable, Sendable {
        public var activationList: [Activation]?
        public var nextToken: String?
        enum CodingKeys: String, CodingKey { case activationList = "ActivationList", nextToken = "NextToken" }
        public init(activationList: [Activation], nextToken: String?) {
            self.activationList = activationList
            self.nextToken = nextToken
        }
    }

    /// DeleteActivation's input.
    public struct DeleteActivationRequest: ECSShape, Equatable {
        public var activationId: String?
        enum CodingKeys: String, CodingKey { case activationId = "ActivationId" }
        public init(activationId: String? = nil) {
            self.activationId = activationId
        }
        public func validate(_ v: inout ShapeValidator, at path: String) {
            v.require(activationId, at: path, "ActivationId")
        }
    }

    /// DeleteActivation's output: empty.
    public struct DeleteActivationResult: Codable, Equatable, Sendable {
        public init() {}
    }
}
