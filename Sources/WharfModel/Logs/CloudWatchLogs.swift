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

    // MARK: Groups

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

    // MARK: Streams

    /// CreateLogStream's and DeleteLogStream's input.
    public struct LogStreamRequest: ECSShape, Equatable {
        public var logGroupName: String?
        public var logStreamName: String?
        public init(logGroupName: String? = nil, logStreamName: String? = nil) {
            self.logGroupName = logGroupName
            self.logStreamName = logStreamName
        }
        public func validate(_ v: inout ShapeValidator, at path: String) {
            v.require(logGroupName, at: path, "logGroupName")
            checkGroupName(logGroupName, &v, at: path, "logGroupName")
            v.require(logStreamName, at: path, "logStreamName")
            checkStreamName(logStreamName, &v, at: path, "logStreamName")
        }
    }

    /// DescribeLogStreams' input.
    public struct DescribeLogStreamsRequest: ECSShape, Equatable {
        public var logGroupName: String?
        public var logGroupIdentifier: String?
        public var logStreamNamePrefix: String?
        /// `LogStreamName` (the default) or `LastEventTime`.
        public var orderBy: String?
        public var descending: Bool?
        public var nextToken: String?
        public var limit: Int?
        public init(logGroupName: String? = nil, logStreamNamePrefix: String? = nil, orderBy: String? = nil, descending: Bool? = nil,
                    nextToken: String? = nil, limit: Int? = nil) {
            self.logGroupName = logGroupName
            self.logStreamNamePrefix = logStreamNamePrefix
            self.orderBy = orderBy
            self.descending = descending
            self.nextToken = nextToken
            self.limit = limit
        }
        public func validate(_ v: inout ShapeValidator, at path: String) {
            checkGroupName(logGroupName, &v, at: path, "logGroupName")
            v.length(logGroupIdentifier?.count, min: 1, max: 2048, at: path, "logGroupIdentifier")
            checkStreamName(logStreamNamePrefix, &v, at: path, "logStreamNamePrefix")
            v.oneOf(orderBy, ["LogStreamName", "LastEventTime"], at: path, "orderBy")
            v.range(limit, min: 1, max: 50, at: path, "limit")
            if orderBy == "LastEventTime", logStreamNamePrefix != nil {
                v.report("cannot order by LastEventTime together with a logStreamNamePrefix", at: path, "orderBy")
            }
        }
    }

    /// A log stream as DescribeLogStreams answers it.
    public struct LogStream: Codable, Equatable, Sendable {
        public var logStreamName: String
        public var creationTime: Int
        public var firstEventTimestamp: Int?
        public var lastEventTimestamp: Int?
        public var lastIngestionTime: Int?
        public var uploadSequenceToken: String
        public var arn: String
        public var storedBytes: Int
        public init(logStreamName: String, creationTime: Int, firstEventTimestamp: Int?, lastEventTimestamp: Int?,
                    lastIngestionTime: Int?, uploadSequenceToken: String, arn: String, storedBytes: Int) {
            self.logStreamName = logStreamName
            self.creationTime = creationTime
            self.firstEventTimestamp = firstEventTimestamp
            self.lastEventTimestamp = lastEventTimestamp
            self.lastIngestionTime = lastIngestionTime
            self.uploadSequenceToken = uploadSequenceToken
            self.arn = arn
            self.storedBytes = storedBytes
        }
    }

    /// DescribeLogStreams' output.
    public struct DescribeLogStreamsResponse: Codable, Equatable, Sendable {
        public var logStreams: [LogStream]
        public var nextToken: String?
        public init(logStreams: [LogStream], nextToken: String?) {
            self.logStreams = logStreams
            self.nextToken = nextToken
        }
    }

    // MARK: Events

    /// One event as PutLogEvents takes it.
    public struct InputLogEvent: ECSShape, Equatable {
        public var timestamp: Int?
        public var message: String?
        public init(timestamp: Int, message: String) {
            self.timestamp = timestamp
            self.message = message
        }
        public func validate(_ v: inout ShapeValidator, at path: String) {
            v.require(timestamp, at: path, "timestamp")
            v.range(timestamp, min: 0, max: Int.max, at: path, "timestamp")
            v.require(message, at: path, "message")
            v.length(message?.utf8.count, min: 1, max: PutLogEventsRequest.maxEventBytes, at: path, "message")
        }
    }

    /// PutLogEvents' input.
    public struct PutLogEventsRequest: ECSShape, Equatable {
        /// An event's largest message, in bytes (CloudWatch Logs' 1 MiB, less its 26 bytes of overhead).
        public static let maxEventBytes = 1_048_550
        /// A batch's largest size: the messages' UTF-8 bytes plus 26 bytes per event.
        public static let maxBatchBytes = 1_048_576
        public var logGroupName: String?
        public var logStreamName: String?
        public var logEvents: [InputLogEvent]?
        /// Ignored, as CloudWatch Logs now ignores it.
        public var sequenceToken: String?
        public init(logGroupName: String? = nil, logStreamName: String? = nil, logEvents: [InputLogEvent]? = nil) {
            self.logGroupName = logGroupName
            self.logStreamName = logStreamName
            self.logEvents = logEvents
        }
        public func validate(_ v: inout ShapeValidator, at path: String) {
            v.require(logGroupName, at: path, "logGroupName")
            checkGroupName(logGroupName, &v, at: path, "logGroupName")
            v.require(logStreamName, at: path, "logStreamName")
            checkStreamName(logStreamName, &v, at: path, "logStreamName")
            v.require(logEvents, at: path, "logEvents")
            v.length(logEvents?.count, min: 1, max: 10_000, at: path, "logEvents")
            v.each(logEvents, at: path, "logEvents")
            let bytes = (logEvents ?? []).reduce(0) { $0 + ($1.message?.utf8.count ?? 0) + 26 }
            if bytes > Self.maxBatchBytes {
                v.report("the batch is \(bytes) bytes (messages plus 26 bytes per event); the limit is \(Self.maxBatchBytes)", at: path, "logEvents")
            }
        }
    }

    /// Which events of a PutLogEvents batch were refused, by index.
    public struct RejectedLogEventsInfo: Codable, Equatable, Sendable {
        public var tooNewLogEventStartIndex: Int?
        public var tooOldLogEventEndIndex: Int?
        public var expiredLogEventEndIndex: Int?
        public init(tooNewLogEventStartIndex: Int? = nil, tooOldLogEventEndIndex: Int? = nil, expiredLogEventEndIndex: Int? = nil) {
            self.tooNewLogEventStartIndex = tooNewLogEventStartIndex
            self.tooOldLogEventEndIndex = tooOldLogEventEndIndex
            self.expiredLogEventEndIndex = expiredLogEventEndIndex
        }
    }

    /// PutLogEvents' output.
    public struct PutLogEventsResponse: Codable, Equatable, Sendable {
        public var nextSequenceToken: String?
        public var rejectedLogEventsInfo: RejectedLogEventsInfo?
        public init(nextSequenceToken: String?, rejectedLogEventsInfo: RejectedLogEventsInfo?) {
            self.nextSequenceToken = nextSequenceToken
            self.rejectedLogEventsInfo = rejectedLogEventsInfo
        }
    }

    /// GetLogEvents' input.
    public struct GetLogEventsRequest: ECSShape, Equatable {
        public var logGroupName: String?
        public var logGroupIdentifier: String?
        public var logStreamName: String?
        public var startTime: Int?
        public var endTime: Int?
        public var nextToken: String?
        public var limit: Int?
        public var startFromHead: Bool?
        public init(logGroupName: String? = nil, logStreamName: String? = nil, startTime: Int? = nil, endTime: Int? = nil,
                    nextToken: String? = nil, limit: Int? = nil, startFromHead: Bool? = nil) {
            self.logGroupName = logGroupName
            self.logStreamName = logStreamName
            self.startTime = startTime
            self.endTime = endTime
            self.nextToken = nextToken
            self.limit = limit
            self.startFromHead = startFromHead
        }
        public func validate(_ v: inout ShapeValidator, at path: String) {
            checkGroupName(logGroupName, &v, at: path, "logGroupName")
            v.length(logGroupIdentifier?.count, min: 1, max: 2048, at: path, "logGroupIdentifier")
            v.require(logStreamName, at: path, "logStreamName")
            checkStreamName(logStreamName, &v, at: path, "logStreamName")
            v.range(startTime, min: 0, max: Int.max, at: path, "startTime")
            v.range(endTime, min: 0, max: Int.max, at: path, "endTime")
            v.range(limit, min: 1, max: 10_000, at: path, "limit")
        }
    }

    /// One event as GetLogEvents answers it.
    public struct OutputLogEvent: Codable, Equatable, Sendable {
        public var timestamp: Int
        public var message: String
        public var ingestionTime: Int
        public init(timestamp: Int, message: String, ingestionTime: Int) {
            self.timestamp = timestamp
            self.message = message
            self.ingestionTime = ingestionTime
        }
    }

    /// GetLogEvents' output.
    public struct GetLogEventsResponse: Codable, Equatable, Sendable {
        public var events: [OutputLogEvent]
        public var nextForwardToken: String
        public var nextBackwardToken: String
        public init(events: [OutputLogEvent], nextForwardToken: String, nextBackwardToken: String) {
            self.events = events
            self.nextForwardToken = nextForwardToken
            self.nextBackwardToken = nextBackwardToken
        }
    }

    /// FilterLogEvents' input.
    public struct FilterLogEventsRequest: ECSShape, Equatable {
        public var logGroupName: String?
        public var logGroupIdentifier: String?
        public var logStreamNames: [String]?
        public var logStreamNamePrefix: String?
        public var startTime: Int?
        public var endTime: Int?
        public var filterPattern: String?
        public var nextToken: String?
        public var limit: Int?
        /// Deprecated in CloudWatch Logs; events always come interleaved by time.
        public var interleaved: Bool?
        public init(logGroupName: String? = nil, logStreamNames: [String]? = nil, logStreamNamePrefix: String? = nil, startTime: Int? = nil,
                    endTime: Int? = nil, filterPattern: String? = nil, nextToken: String? = nil, limit: Int? = nil) {
            self.logGroupName = logGroupName
            self.logStreamNames = logStreamNames
            self.logStreamNamePrefix = logStreamNamePrefix
            self.startTime = startTime
            self.endTime = endTime
            self.filterPattern = filterPattern
            self.nextToken = nextToken
            self.limit = limit
        }
        public func validate(_ v: inout ShapeValidator, at path: String) {
            checkGroupName(logGroupName, &v, at: path, "logGroupName")
            v.length(logGroupIdentifier?.count, min: 1, max: 2048, at: path, "logGroupIdentifier")
            v.length(logStreamNames?.count, min: 1, max: 100, at: path, "logStreamNames")
            for (index, name) in (logStreamNames ?? []).enumerated() {
                checkStreamName(name, &v, at: path, "logStreamNames[\(index)]")
            }
            checkStreamName(logStreamNamePrefix, &v, at: path, "logStreamNamePrefix")
            if logStreamNames != nil, logStreamNamePrefix != nil {
                v.report("give logStreamNames or logStreamNamePrefix, not both", at: path, "logStreamNamePrefix")
            }
            v.range(startTime, min: 0, max: Int.max, at: path, "startTime")
            v.range(endTime, min: 0, max: Int.max, at: path, "endTime")
            v.length(filterPattern?.count, min: 0, max: 1024, at: path, "filterPattern")
            v.range(limit, min: 1, max: 10_000, at: path, "limit")
        }
    }

    /// One event as FilterLogEvents answers it.
    public struct FilteredLogEvent: Codable, Equatable, Sendable {
        public var logStreamName: String
        public var timestamp: Int
        public var message: String
        public var ingestionTime: Int
        public var eventId: String
        public init(logStreamName: String, timestamp: Int, message: String, ingestionTime: Int, eventId: String) {
            self.logStreamName = logStreamName
            self.timestamp = timestamp
            self.message = message
            self.ingestionTime = ingestionTime
            self.eventId = eventId
        }
    }

    /// A stream FilterLogEvents looked at (a deprecated member, still filled in).
    public struct SearchedLogStream: Codable, Equatable, Sendable {
        public var logStreamName: String
        public var searchedCompletely: Bool
        public init(logStreamName: String, searchedCompletely: Bool) {
            self.logStreamName = logStreamName
            self.searchedCompletely = searchedCompletely
        }
    }

    /// FilterLogEvents' output.
    public struct FilterLogEventsResponse: Codable, Equatable, Sendable {
        public var events: [FilteredLogEvent]
        public var searchedLogStreams: [SearchedLogStream]
        public var nextToken: String?
        public init(events: [FilteredLogEvent], searchedLogStreams: [SearchedLogStream], nextToken: String?) {
            self.events = events
            self.searchedLogStreams = searchedLogStreams
            self.nextToken = nextToken
        }
    }

    /// The empty answer of operations that return nothing.
    public struct Empty: Codable, Equatable, Sendable {
        public init() {}
    }
}
