import Foundation

/// What a RunTask with a client token did, kept for 24 hours so a retry with the same token and
/// the same parameters answers with the same tasks instead of starting them again.
public struct RunTaskToken: Codable, Equatable, Sendable {
    /// The cluster's name: a token is unique within its cluster.
    public var cluster: String
    public var token: String
    /// A digest of the request's other members: a retry must match it.
    public var fingerprint: String
    /// The tasks it started.
    public var tasks: [TaskID]
    /// The instances placement could not use, and why (RunTask's `failures`).
    public var failures: [RunTaskFailure]
    public var createdAt: Date

    /// How long a token is kept, as ECS keeps RunTask's.
    public static let lifetime: TimeInterval = 24 * 3600

    /// Creates a record.
    public init(
        cluster: String,
        token: String,
        fingerprint: String,
        tasks: [TaskID],
        failures: [RunTaskFailure],
        createdAt: Date
    ) {
        self.cluster = cluster
        self.token = token
        self.fingerprint = fingerprint
        self.tasks = tasks
        self.failures = failures
        self.createdAt = createdAt
    }

    /// Its key among the tokens: cluster and token.
    public var key: String { Self.key(cluster: cluster, token: token) }

    /// The key of `token` in `cluster`.
    public static func key(cluster: String, token: String) -> String { cluster + "\u{1f}" + token }
}

/// One failure of a RunTask: an instance (or none) and the reason.
public struct RunTaskFailure: Codable, Equatable, Sendable {
    public var arn: String?
    public var reason: String

    /// Creates one.
    public init(arn: String?, reason: String) {
        self.arn = arn
        self.reason = reason
    }
}

/// The client tokens of recent RunTask calls, by cluster and token.
public struct RunTaskTokens: Sendable {
    private var records: [String: RunTaskToken] = [:]

    /// No tokens.
    public init() {}

    /// The record of `token` in `cluster`.
    public func record(cluster: String, token: String) -> RunTaskToken? {
        records[RunTaskToken.key(cluster: cluster, token: token)]
    }

    /// Every record, in no particular order.
    public var all: Dictionary<String, RunTaskToken>.Values { records.values }

    @discardableResult
    mutating func put(_ record: RunTaskToken) -> RunTaskToken? {
        records.updateValue(record, forKey: record.key)
    }

    @discardableResult
    mutating func remove(_ key: String) -> RunTaskToken? {
        records.removeValue(forKey: key)
    }
}
