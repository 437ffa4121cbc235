/// CloudWatch Logs' shapes for log events: PutLogEvents, GetLogEvents, FilterLogEvents.
extension CloudWatchLogs {
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
}
