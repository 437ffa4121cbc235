import Foundation

/// What a listener or rule does with a request: forward it to target groups, answer it, or
/// redirect it.
public struct ListenerAction: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable {
        case forward
        case fixedResponse = "fixed-response"
        case redirect
    }

    /// One target group of a forward action, by ID, with its weight.
    public struct WeightedTargetGroup: Codable, Equatable, Sendable {
        public var targetGroupID: String
        public var weight: Int

        /// Creates a weighted target group.
        public init(targetGroupID: String, weight: Int) {
            self.targetGroupID = targetGroupID
            self.weight = weight
        }
    }

    /// A fixed answer: its status code, content type and body.
    public struct FixedResponse: Codable, Equatable, Sendable {
        public var statusCode: String
        public var contentType: String?
        public var messageBody: String?

        /// Creates a fixed response.
        public init(statusCode: String, contentType: String?, messageBody: String?) {
            self.statusCode = statusCode
            self.contentType = contentType
            self.messageBody = messageBody
        }
    }

    /// A redirect: each part of the new URL (`#{host}`, `#{path}`, … keep the request's), and
    /// `HTTP_301` or `HTTP_302`.
    public struct Redirect: Codable, Equatable, Sendable {
        public var `protocol`: String
        public var port: String
        public var host: String
        public var path: String
        public var query: String
        public var statusCode: String

        /// Creates a redirect.
        public init(protocol: String, port: String, host: String, path: String, query: String, statusCode: String) {
            self.protocol = `protocol`
            self.port = port
            self.host = host
            self.path = path
            self.query = query
            self.statusCode = statusCode
        }
    }

    public var kind: Kind
    /// Its place among the actions of its listener or rule (1 to 50,000).
    public var order: Int?
    /// The target groups of a forward action.
    public var targetGroups: [WeightedTargetGroup]
    /// Whether a forward action keeps a client on one target group, and for how long.
    public var stickinessSeconds: Int?
    public var fixedResponse: FixedResponse?
    public var redirect: Redirect?

    /// Creates an action.
    public init(
        kind: Kind,
        order: Int? = nil,
        targetGroups: [WeightedTargetGroup] = [],
        stickinessSeconds: Int? = nil,
        fixedResponse: FixedResponse? = nil,
        redirect: Redirect? = nil
    ) {
        self.kind = kind
        self.order = order
        self.targetGroups = targetGroups
        self.stickinessSeconds = stickinessSeconds
        self.fixedResponse = fixedResponse
        self.redirect = redirect
    }
}

/// A listener: a port and protocol on a load balancer, with its default actions. Its default
/// rule (the one every listener has, applying the default actions) is named by
/// ``defaultRuleID``.
public struct ListenerRecord: Codable, Equatable, Sendable {
    /// The 16 hex digits that end its ARN.
    public var id: String
    public var loadBalancerID: String
    public var port: Int
    public var `protocol`: LoadBalancingProtocol
    public var defaultActions: [ListenerAction]
    /// The 16 hex digits that end its default rule's ARN.
    public var defaultRuleID: String
    /// The default rule's tags.
    public var defaultRuleTags: [Tag]
    public var tags: [Tag]

    /// Creates a listener.
    public init(
        id: String,
        loadBalancerID: String,
        port: Int,
        protocol: LoadBalancingProtocol,
        defaultActions: [ListenerAction],
        defaultRuleID: String,
        defaultRuleTags: [Tag] = [],
        tags: [Tag] = []
    ) {
        self.id = id
        self.loadBalancerID = loadBalancerID
        self.port = port
        self.protocol = `protocol`
        self.defaultActions = defaultActions
        self.defaultRuleID = defaultRuleID
        self.defaultRuleTags = defaultRuleTags
        self.tags = tags
    }
}

/// What a rule matches a request on.
public struct RuleCondition: Codable, Equatable, Sendable {
    public enum Field: String, Codable, Sendable, CaseIterable {
        case hostHeader = "host-header"
        case pathPattern = "path-pattern"
        case httpHeader = "http-header"
        case httpRequestMethod = "http-request-method"
        case queryString = "query-string"
        case sourceIP = "source-ip"
    }

    /// One key/value pair of a query-string condition (a nil key matches any key).
    public struct QueryPair: Codable, Equatable, Sendable {
        public var key: String?
        public var value: String

        /// Creates a pair.
        public init(key: String?, value: String) {
            self.key = key
            self.value = value
        }
    }

    public var field: Field
    /// The patterns matched (host names, paths, header values, methods, CIDR blocks); any one
    /// matching is a match.
    public var values: [String]
    /// The header an http-header condition reads.
    public var headerName: String?
    /// The pairs a query-string condition matches.
    public var queryPairs: [QueryPair]

    /// Creates a condition.
    public init(
        field: Field,
        values: [String],
        headerName: String? = nil,
        queryPairs: [QueryPair] = []
    ) {
        self.field = field
        self.values = values
        self.headerName = headerName
        self.queryPairs = queryPairs
    }
}

/// A listener rule other than the default one: its priority (1 to 50,000, lower first), what it
/// matches and what it does.
public struct ListenerRuleRecord: Codable, Equatable, Sendable {
    /// The 16 hex digits that end its ARN.
    public var id: String
    public var listenerID: String
    public var priority: Int
    public var conditions: [RuleCondition]
    public var actions: [ListenerAction]
    public var tags: [Tag]

    /// Creates a rule.
    public init(
        id: String,
        listenerID: String,
        priority: Int,
        conditions: [RuleCondition],
        actions: [ListenerAction],
        tags: [Tag] = []
    ) {
        self.id = id
        self.listenerID = listenerID
        self.priority = priority
        self.conditions = conditions
        self.actions = actions
        self.tags = tags
    }
}
