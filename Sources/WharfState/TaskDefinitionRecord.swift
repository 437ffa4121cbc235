import Foundation
import WharfModel

/// A task definition revision: `family:revision`.
public struct TaskDefinitionKey: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public var family: String
    public var revision: Int

    /// Creates a key.
    public init(family: String, revision: Int) {
        self.family = family
        self.revision = revision
    }

    /// Parses the end of a task definition ARN or `family:revision`.
    public init?(_ text: some StringProtocol) {
        let whole = String(text)
        let resource = whole.lastIndex(of: "/").map { whole[whole.index(after: $0)...] } ?? whole[...]
        guard let colon = resource.lastIndex(of: ":"), let revision = Int(resource[resource.index(after: colon)...]),
            revision > 0
        else { return nil }
        self.init(family: String(resource[..<colon]), revision: revision)
    }

    /// `family:revision`.
    public var description: String { "\(family):\(revision)" }

    /// By family, then revision in numeric order.
    public static func < (left: TaskDefinitionKey, right: TaskDefinitionKey) -> Bool {
        (left.family, left.revision) < (right.family, right.revision)
    }
}

/// What a task definition revision is in: ACTIVE until deregistered, then INACTIVE, then
/// DELETE_IN_PROGRESS once DeleteTaskDefinitions asked while tasks still use it.
public enum TaskDefinitionStatus: String, Codable, Sendable {
    case active = "ACTIVE"
    case inactive = "INACTIVE"
    case deleteInProgress = "DELETE_IN_PROGRESS"
}

/// One task definition revision as the controller keeps it: its status and times, its tags, and
/// the definition as registered (`spec`), which is the user's document: it is returned as given and
/// handed to the agents that run it. Its status and times live in the record alone, and answers
/// are made with them (``definition``).
public struct TaskDefinitionRecord: Codable, Equatable, Sendable {
    public var key: TaskDefinitionKey
    public var status: TaskDefinitionStatus
    public var registeredAt: Date?
    public var registeredBy: String?
    public var deregisteredAt: Date?
    public var deleteRequestedAt: Date?
    public var tags: [Tag]
    /// The definition as registered.
    public var spec: ECS.TaskDefinition

    /// Creates a record.
    public init(
        key: TaskDefinitionKey,
        status: TaskDefinitionStatus = .active,
        registeredAt: Date?,
        registeredBy: String?,
        deregisteredAt: Date? = nil,
        deleteRequestedAt: Date? = nil,
        tags: [Tag] = [],
        spec: ECS.TaskDefinition
    ) {
        self.key = key
        self.status = status
        self.registeredAt = registeredAt
        self.registeredBy = registeredBy
        self.deregisteredAt = deregisteredAt
        self.deleteRequestedAt = deleteRequestedAt
        self.tags = tags
        // The record's status and times are the only ones kept.
        var spec = spec
        spec.status = nil
        spec.registeredAt = nil
        spec.registeredBy = nil
        spec.deregisteredAt = nil
        spec.deleteRequestedAt = nil
        self.spec = spec
    }

    /// The definition as DescribeTaskDefinition returns it: the registered one with its current
    /// status and times.
    public var definition: ECS.TaskDefinition {
        var definition = spec
        definition.status = status.rawValue
        definition.registeredAt = registeredAt
        definition.registeredBy = registeredBy
        definition.deregisteredAt = deregisteredAt
        definition.deleteRequestedAt = deleteRequestedAt
        return definition
    }

    /// Whether any container defines a health check (then a RUNNING task is healthy only once they pass).
    public var hasHealthChecks: Bool {
        spec.containerDefinitions?.contains { $0.healthCheck != nil } ?? false
    }
}
