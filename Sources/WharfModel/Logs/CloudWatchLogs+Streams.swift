/// CloudWatch Logs' shapes for log streams.
extension CloudWatchLogs {
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
}
