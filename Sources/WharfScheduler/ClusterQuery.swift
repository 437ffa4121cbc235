import WharfModel
import WharfState

/// An expression of ECS's cluster query language, as `memberOf` placement constraints and
/// ListContainerInstances' `filter` take it: `attribute:ecs.instance-type =~ t3.*`,
/// `attribute:rack in [a, b] and not(runningTasksCount > 10)`, `task:group == service:web`.
///
/// Subjects: `attribute:NAME`, `agentConnected`, `agentVersion`, `ec2InstanceId`, `registeredAt`,
/// `runningTasksCount`, `task:group`. Operators, as symbols or words: `==` `equals`, `!=`
/// `not_equals`, `>` `greater_than`, `>=` `greater_than_equal`, `<` `less_than`, `<=`
/// `less_than_equal`, `exists`, `!exists` `not_exists`, `in`, `!in` `not_in` (with a list in
/// brackets or parentheses), `=~` `matches`, `!~` `not_matches` (a regular expression that must
/// match the whole value). Expressions combine with `and` `&&`, `or` `||`, `not` `!` and
/// parentheses; `and` binds tighter than `or`. A `*` in a value of `==`, `!=`, `in` or `!in`
/// matches any run of characters.
public indirect enum ClusterQuery: Equatable, Sendable {
    /// What an expression looks at.
    public enum Subject: Equatable, Sendable {
        case attribute(String)
        case agentConnected
        case agentVersion
        case ec2InstanceId
        case registeredAt
        case runningTasksCount
        case taskGroup
    }

    /// How a subject is compared.
    public enum Operator: String, Equatable, Sendable {
        case equals, notEquals, greaterThan, greaterThanOrEqual, lessThan, lessThanOrEqual
        case exists, notExists, isIn, notIn, matches, notMatches
    }

    case compare(Subject, Operator, [String])
    case and(ClusterQuery, ClusterQuery)
    case or(ClusterQuery, ClusterQuery)
    case not(ClusterQuery)

    /// Parses `text`.
    /// - Throws: `InvalidParameterException` saying where the expression goes wrong and what was expected.
    public init(parsing text: String) throws(ECSError) {
        var parser = ClusterQueryParser(text: text)
        self = try parser.parse()
    }
}

/// What a cluster query is evaluated against: one container instance.
public struct QueryTarget: Sendable {
    public var attributes: [String: String]
    public var agentConnected: Bool
    public var agentVersion: String?
    public var ec2InstanceId: String?
    /// When it registered (epoch seconds).
    public var registeredAt: Double?
    public var runningTasksCount: Int
    /// The task groups of the tasks it runs.
    public var taskGroups: Set<String>

    /// Creates a target.
    public init(attributes: [String: String], agentConnected: Bool = true, agentVersion: String? = nil, ec2InstanceId: String? = nil,
                registeredAt: Double? = nil, runningTasksCount: Int = 0, taskGroups: Set<String> = []) {
        self.attributes = attributes
        self.agentConnected = agentConnected
        self.agentVersion = agentVersion
        self.ec2InstanceId = ec2InstanceId
        self.registeredAt = registeredAt
        self.runningTasksCount = runningTasksCount
        self.taskGroups = taskGroups
    }
}

extension PlacementCandidate {
    /// The instance as a cluster query sees it.
    public var queryTarget: QueryTarget {
        QueryTarget(attributes: attributes, agentConnected: agentConnected, agentVersion: agentVersion, ec2InstanceId: ec2InstanceId,
                    registeredAt: registeredAt, runningTasksCount: taskCount,
                    taskGroups: Set(tasksByGroup.filter { $0.value > 0 }.keys))
    }
}
