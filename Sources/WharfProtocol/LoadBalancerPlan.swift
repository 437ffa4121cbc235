/// What a load balancer node serves: every load balancer's listeners with their rules in the order
/// they are matched, and every target group they forward to with its targets' addresses. The
/// controller sends it to the nodes started with `wharf-agent --load-balancer` when its version
/// differs from theirs; the node's HAProxy serves it.
public struct LoadBalancerPlan: Codable, Equatable, Sendable {
    /// The attribute a load balancer node registers with.
    public static let nodeAttribute = "wharf.load-balancer"

    public var version: String
    public var balancers: [Balancer]
    public var targetGroups: [TargetGroup]

    public init(version: String, balancers: [Balancer], targetGroups: [TargetGroup]) {
        self.version = version
        self.balancers = balancers
        self.targetGroups = targetGroups
    }

    /// A load balancer: `application` (HTTP) or `network` (TCP).
    public struct Balancer: Codable, Equatable, Sendable {
        public var id: String
        public var name: String
        public var type: String
        /// How long a connection may stay idle, in seconds.
        public var idleTimeoutSeconds: Int
        public var listeners: [Listener]

        public init(id: String, name: String, type: String, idleTimeoutSeconds: Int, listeners: [Listener]) {
            self.id = id
            self.name = name
            self.type = type
            self.idleTimeoutSeconds = idleTimeoutSeconds
            self.listeners = listeners
        }
    }

    /// A port and protocol with its rules, the default rule (no conditions) last.
    public struct Listener: Codable, Equatable, Sendable {
        public var id: String
        public var port: Int
        public var `protocol`: String
        public var rules: [Rule]

        public init(id: String, port: Int, protocol: String, rules: [Rule]) {
            self.id = id
            self.port = port
            self.protocol = `protocol`
            self.rules = rules
        }
    }

    /// A rule: all its conditions must match (each matching any of its values), then its action runs.
    public struct Rule: Codable, Equatable, Sendable {
        public var conditions: [Condition]
        public var action: Action

        public init(conditions: [Condition], action: Action) {
            self.conditions = conditions
            self.action = action
        }
    }

    /// A condition: `host-header`, `path-pattern` (patterns with `*` and `?`), `http-header`,
    /// `http-request-method`, `query-string` (key/value patterns), `source-ip` (CIDR blocks).
    public struct Condition: Codable, Equatable, Sendable {
        public var field: String
        public var values: [String]
        public var headerName: String?
        /// The query-string pairs: a nil key matches any key.
        public var queryPairs: [QueryPair]?

        public init(field: String, values: [String], headerName: String? = nil, queryPairs: [QueryPair]? = nil) {
            self.field = field
            self.values = values
            self.headerName = headerName
            self.queryPairs = queryPairs
        }
    }

    /// One key/value pair of a query-string condition.
    public struct QueryPair: Codable, Equatable, Sendable {
        public var key: String?
        public var value: String

        public init(key: String?, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// `forward` (to weighted target groups, by ID), `fixed-response` or `redirect`.
    public struct Action: Codable, Equatable, Sendable {
        public var kind: String
        public var targetGroups: [WeightedTargetGroup]?
        public var stickinessSeconds: Int?
        public var statusCode: String?
        public var contentType: String?
        public var messageBody: String?
        /// The redirect's parts, `#{host}` and the like standing for the request's.
        public var redirect: Redirect?

        public init(
            kind: String,
            targetGroups: [WeightedTargetGroup]? = nil,
            stickinessSeconds: Int? = nil,
            statusCode: String? = nil,
            contentType: String? = nil,
            messageBody: String? = nil,
            redirect: Redirect? = nil
        ) {
            self.kind = kind
            self.targetGroups = targetGroups
            self.stickinessSeconds = stickinessSeconds
            self.statusCode = statusCode
            self.contentType = contentType
            self.messageBody = messageBody
            self.redirect = redirect
        }
    }

    /// A target group of a forward action, with its weight.
    public struct WeightedTargetGroup: Codable, Equatable, Sendable {
        public var id: String
        public var weight: Int

        public init(id: String, weight: Int) {
            self.id = id
            self.weight = weight
        }
    }

    /// Where a redirect sends the client.
    public struct Redirect: Codable, Equatable, Sendable {
        public var `protocol`: String
        public var port: String
        public var host: String
        public var path: String
        public var query: String
        public var statusCode: String

        public init(protocol: String, port: String, host: String, path: String, query: String, statusCode: String) {
            self.protocol = `protocol`
            self.port = port
            self.host = host
            self.path = path
            self.query = query
            self.statusCode = statusCode
        }
    }

    /// A target group: how its targets are reached and checked.
    public struct TargetGroup: Codable, Equatable, Sendable {
        public var id: String
        public var name: String
        /// `HTTP`, `HTTPS`, `TCP` or `TLS`.
        public var `protocol`: String
        /// `HTTP1` or `HTTP2` for HTTP target groups.
        public var protocolVersion: String?
        public var healthCheck: HealthCheck
        /// The attributes that differ from their defaults.
        public var attributes: [String: String]
        public var targets: [Target]

        /// How long a deregistered target drains: `deregistration_delay.timeout_seconds`, 300 by
        /// default.
        public var deregistrationDelaySeconds: Int {
            attributes["deregistration_delay.timeout_seconds"].flatMap { Int($0) } ?? 300
        }

        public init(
            id: String,
            name: String,
            protocol: String,
            protocolVersion: String?,
            healthCheck: HealthCheck,
            attributes: [String: String],
            targets: [Target]
        ) {
            self.id = id
            self.name = name
            self.protocol = `protocol`
            self.protocolVersion = protocolVersion
            self.healthCheck = healthCheck
            self.attributes = attributes
            self.targets = targets
        }
    }

    /// How a target group's targets are checked.
    public struct HealthCheck: Codable, Equatable, Sendable {
        public var `protocol`: String
        /// `traffic-port` or a port number.
        public var port: String
        public var path: String?
        public var intervalSeconds: Int
        public var timeoutSeconds: Int
        public var healthyThreshold: Int
        public var unhealthyThreshold: Int
        /// `200`, `200,202` or `200-299`.
        public var httpCodes: String?

        public init(
            protocol: String,
            port: String,
            path: String?,
            intervalSeconds: Int,
            timeoutSeconds: Int,
            healthyThreshold: Int,
            unhealthyThreshold: Int,
            httpCodes: String?
        ) {
            self.protocol = `protocol`
            self.port = port
            self.path = path
            self.intervalSeconds = intervalSeconds
            self.timeoutSeconds = timeoutSeconds
            self.healthyThreshold = healthyThreshold
            self.unhealthyThreshold = unhealthyThreshold
            self.httpCodes = httpCodes
        }
    }

    /// A target: as registered (`id`, `port`) and where it is reached (`address`); a draining one
    /// gets no new connections.
    public struct Target: Codable, Equatable, Sendable {
        public var id: String
        public var port: Int
        public var address: String
        public var draining: Bool

        public init(id: String, port: Int, address: String, draining: Bool) {
            self.id = id
            self.port = port
            self.address = address
            self.draining = draining
        }
    }
}

/// What a load balancer node's HAProxy sees of one target's health.
public struct TargetHealthReport: Codable, Hashable, Sendable {
    public var targetGroupId: String
    public var id: String
    public var port: Int
    /// `healthy` or `unhealthy`.
    public var state: String
    /// HAProxy's last check result, such as `L7STS` (a status other than the matcher's) or
    /// `L4CON` (the connection was refused).
    public var detail: String?

    public init(targetGroupId: String, id: String, port: Int, state: String, detail: String? = nil) {
        self.targetGroupId = targetGroupId
        self.id = id
        self.port = port
        self.state = state
        self.detail = detail
    }
}

/// What a load balancer node's HAProxy served of one target group since it started: the requests
/// (HTTP) or connections (TCP) its targets took, a running counter the controller turns into
/// CloudWatch's per-period counts, and the mean response time of the most recent ones.
public struct TargetGroupTraffic: Codable, Hashable, Sendable {
    public var targetGroupId: String
    /// Requests served since HAProxy started (it starts again from 0 when HAProxy restarts).
    public var requests: Int
    /// The mean time to the targets' responses over HAProxy's last 1,024 requests, in milliseconds.
    public var responseTimeMs: Double?

    public init(targetGroupId: String, requests: Int, responseTimeMs: Double? = nil) {
        self.targetGroupId = targetGroupId
        self.requests = requests
        self.responseTimeMs = responseTimeMs
    }
}
