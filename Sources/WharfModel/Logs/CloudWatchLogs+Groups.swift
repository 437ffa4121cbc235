/// CloudWatch Logs' shapes for log groups and their retention.
extension CloudWatchLogs {
    /// CreateLogGroup's input.
    public struct CreateLogGroupRequest: ECSShape, Equatable {
        public var logGroupName: String?
        public var kmsKeyId: String?
        public var tags: [String: String]?
        public var logGroupClass: String?
        public init(logGroupName: String? = nil) { self.logGroupName = logGroupName }
        public func validate(_ v: inout ShapeValidator, at path: String) {
            v.require(logGroupName, at: path, "logGroupName")
            checkGroupName(logGroupName, &v, at: path, "logGroupName")
            v.length(tags?.count, min: 1, max: 50, at: path, "tags")
            v.oneOf(logGroupClass, ["STANDARD", "INFREQUENT_ACCESS", "DELIVERY"], at: path, "logGroupClass")
        }
    }

    /// DeleteLogGroup's and DeleteRetentionPolicy's input.
    public struct LogGroupRequest: ECSShape, Equatable {
        public var logGroupName: String?
        public init(logGroupName: String? = nil) { self.logGroupName = logGroupName }
        public func validate(_ v: inout ShapeValidator, at path: String) {
            v.require(logGroupName, at: path, "logGroupName")
            checkGroupName(logGroupName, &v, at: path, "logGroupName")
        }
    }

    /// PutRetentionPolicy's input.
    public struct PutRetentionPolicyRequest: ECSShape, Equatable {
        public var logGroupName: String?
        public var retentionInDays: Int?
        public init(logGroupName: String? = nil, retentionInDays: Int? = nil) {
            self.logGroupName = logGroupName
            self.retentionInDays = retentionInDays
        }
        public func validate(_ v: inout ShapeValidator, at path: String) {
            v.require(logGroupName, at: path, "logGroupName")
            checkGroupName(logGroupName, &v, at: path, "logGroupName")
            v.require(retentionInDays, at: path, "retentionInDays")
            if let days = retentionInDays, !retentionDays.contains(days) {
                v.report("\(days) is not a retention period CloudWatch Logs offers; allowed: \(retentionDays.map(String.init).joined(separator: ", "))",
                         at: path, "retentionInDays")
            }
        }
    }

    /// DescribeLogGroups' input.
    public struct DescribeLogGroupsRequest: ECSShape, Equatable {
        public var logGroupNamePrefix: String?
        public var logGroupNamePattern: String?
        public var logGroupIdentifiers: [String]?
        public var nextToken: String?
        public var limit: Int?
        public init(logGroupNamePrefix: String? = nil, nextToken: String? = nil, limit: Int? = nil) {
            self.logGroupNamePrefix = logGroupNamePrefix
            self.nextToken = nextToken
            self.limit = limit
        }
        public func validate(_ v: inout ShapeValidator, at path: String) {
            checkGroupName(logGroupNamePrefix, &v, at: path, "logGroupNamePrefix")
            v.length(logGroupNamePattern?.count, min: 0, max: 512, at: path, "logGroupNamePattern")
            v.length(logGroupIdentifiers?.count, min: 1, max: 50, at: path, "logGroupIdentifiers")
            v.range(limit, min: 1, max: 50, at: path, "limit")
            if logGroupNamePrefix != nil, logGroupNamePattern != nil {
                v.report("give logGroupNamePrefix or logGroupNamePattern, not both", at: path, "logGroupNamePattern")
            }
        }
    }

    /// A log group as DescribeLogGroups answers it.
    public struct LogGroup: Codable, Equatable, Sendable {
        public var logGroupName: String
        public var creationTime: Int
        public var retentionInDays: Int?
        public var metricFilterCount: Int
        /// The ARN with `:*` at the end, as CloudWatch Logs gives it.
        public var arn: String
        public var storedBytes: Int
        public var logGroupClass: String
        /// The ARN without `:*`.
        public var logGroupArn: String
        public init(logGroupName: String, creationTime: Int, retentionInDays: Int?, arn: String, storedBytes: Int) {
            self.logGroupName = logGroupName
            self.creationTime = creationTime
            self.retentionInDays = retentionInDays
            self.metricFilterCount = 0
            self.logGroupArn = arn
            self.arn = arn + ":*"
            self.storedBytes = storedBytes
            self.logGroupClass = "STANDARD"
        }
    }

    /// DescribeLogGroups' output.
    public struct DescribeLogGroupsResponse: Codable, Equatable, Sendable {
        public var logGroups: [LogGroup]
        public var nextToken: String?
        public init(logGroups: [LogGroup], nextToken: String?) {
            self.logGroups = logGroups
            self.nextToken = nextToken
        }
    }
}
