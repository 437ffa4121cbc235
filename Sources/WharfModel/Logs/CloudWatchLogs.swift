/// The shapes of the CloudWatch Logs operations Wharf serves (`X-Amz-Target: Logs_20140328.<Operation>`),
/// with the member names, types and constraints of botocore's `logs` model. Timestamps are
/// milliseconds since 1970, as CloudWatch Logs has them.
public enum CloudWatchLogs {
    /// The JSON 1.1 target prefix.
    public static let targetPrefix = "Logs_20140328."
    /// The SigV4 signing name.
    public static let signingName = "logs"
    /// The retention periods CloudWatch Logs accepts, in days.
    public static let retentionDays = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]

    /// Whether CloudWatch Logs takes `group` as a log group name and `stream` as a stream name.
    public static func acceptsNames(group: String, stream: String) -> Bool {
        var v = ShapeValidator()
        checkGroupName(group, &v, at: "", "logGroupName")
        checkStreamName(stream, &v, at: "", "logStreamName")
        return v.problems.isEmpty
    }

    /// Checks a log group name against the model: 1 to 512 of `.-_/#` and ASCII letters and digits.
    static func checkGroupName(_ name: String?, _ v: inout ShapeValidator, at path: String, _ key: String) {
        guard let name else { return }
        v.length(name.count, min: 1, max: 512, at: path, key)
        if let bad = name.unicodeScalars.first(where: { !($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-/#".unicodeScalars.contains($0))) }) {
            v.report("\"\(bad)\" is not allowed; a log group name holds letters, digits and . - _ / #", at: path, key)
        }
    }

    /// Checks a log stream name: 1 to 512 characters, without `:` or `*`.
    static func checkStreamName(_ name: String?, _ v: inout ShapeValidator, at path: String, _ key: String) {
        guard let name else { return }
        v.length(name.count, min: 1, max: 512, at: path, key)
        if name.contains(":") || name.contains("*") {
            v.report("a log stream name may not contain : or *", at: path, key)
        }
    }

    /// The group a request names, by `logGroupName` or `logGroupIdentifier` (a name or an ARN).
    public static func groupName(name: String?, identifier: String?) throws(ECSError) -> String {
        if let name, identifier != nil, name != identifier {
            throw ECSError(.invalidParameter, "give logGroupName or logGroupIdentifier, not both")
        }
        if let name { return name }
        guard let identifier else {
            throw ECSError(.invalidParameter, "logGroupName or logGroupIdentifier is required")
        }
        // arn:aws:logs:REGION:ACCOUNT:log-group:NAME, with an optional :* at the end.
        guard identifier.hasPrefix("arn:") else { return identifier }
        var name = identifier.split(separator: ":", maxSplits: 6, omittingEmptySubsequences: false).dropFirst(6).joined(separator: ":")
        if name.hasSuffix(":*") { name.removeLast(2) }
        guard identifier.contains(":log-group:"), !name.isEmpty else {
            throw ECSError(.invalidParameter, "logGroupIdentifier \"\(identifier)\" is not a log group ARN (arn:aws:logs:REGION:ACCOUNT:log-group:NAME)")
        }
        return name
    }

    public struct Empty: Codable, Equatable, Sendable {
        public init() {}
    }
}
