import Foundation
import WharfModel
import WharfStore

/// The CloudWatch Logs operations the controller serves (`X-Amz-Target: Logs_20140328.<Operation>`)
/// over the ``LogStore``, so `aws logs get-log-events`, `filter-log-events` and `tail` read
/// the containers' output as they would in AWS.
struct LogsOperations: Sendable {
    private(set) var handlers: [String: ECSOperations.Handler] = [:]

    /// How far ahead of now and how far back PutLogEvents accepts events, as CloudWatch Logs has it.
    static let futureLimitMillis = 2 * 3_600_000
    static let pastLimitMillis = 14 * 86_400_000
    /// The most one GetLogEvents or FilterLogEvents answer carries, as in CloudWatch Logs.
    static let maxResponseBytes = 1_048_576

    init(store: LogStore, context: AccountContext, now: @escaping @Sendable () -> Date) {
        let clock = { @Sendable in Int((now().timeIntervalSince1970 * 1000).rounded(.down)) }
        let arn = { @Sendable (group: String) in "arn:aws:logs:\(context.region):\(context.accountID):log-group:\(group)" }

        on("CreateLogGroup") { (request: CloudWatchLogs.CreateLogGroupRequest) in
            try await Self.storing { try await store.createGroup(request.logGroupName ?? "", now: clock()) }
            return CloudWatchLogs.Empty()
        }
        on("DeleteLogGroup") { (request: CloudWatchLogs.LogGroupRequest) in
            try await Self.storing { try await store.deleteGroup(request.logGroupName ?? "") }
            return CloudWatchLogs.Empty()
        }
        on("PutRetentionPolicy") { (request: CloudWatchLogs.PutRetentionPolicyRequest) in
            try await Self.storing { try await store.setRetention(request.logGroupName ?? "", days: request.retentionInDays, now: clock()) }
            return CloudWatchLogs.Empty()
        }
        on("DeleteRetentionPolicy") { (request: CloudWatchLogs.LogGroupRequest) in
            try await Self.storing { try await store.setRetention(request.logGroupName ?? "", days: nil, now: clock()) }
            return CloudWatchLogs.Empty()
        }
        on("DescribeLogGroups") { (request: CloudWatchLogs.DescribeLogGroupsRequest) in
            var groups = try await Self.storing { try await store.groups() }
            if let prefix = request.logGroupNamePrefix { groups = groups.filter { $0.name.hasPrefix(prefix) } }
            if let pattern = request.logGroupNamePattern?.lowercased(), !pattern.isEmpty {
                groups = groups.filter { $0.name.lowercased().contains(pattern) }
            }
            if let identifiers = request.logGroupIdentifiers {
                let names = try Set(identifiers.map { identifier throws(ECSError) in try CloudWatchLogs.groupName(name: nil, identifier: identifier) })
                groups = groups.filter { names.contains($0.name) }
            }
            let page = try PageToken.page(groups, key: \.name, size: request.limit ?? 50, after: request.nextToken, scope: "logGroups")
            return CloudWatchLogs.DescribeLogGroupsResponse(logGroups: page.items.map { group in
                CloudWatchLogs.LogGroup(logGroupName: group.name, creationTime: group.creationTime, retentionInDays: group.retentionInDays,
                                        arn: arn(group.name), storedBytes: group.storedBytes)
            }, nextToken: page.nextToken)
        }

        on("CreateLogStream") { (request: CloudWatchLogs.LogStreamRequest) in
            try await Self.storing { try await store.createStream(group: request.logGroupName ?? "", stream: request.logStreamName ?? "", now: clock()) }
            return CloudWatchLogs.Empty()
        }
        on("DeleteLogStream") { (request: CloudWatchLogs.LogStreamRequest) in
            try await Self.storing { try await store.deleteStream(group: request.logGroupName ?? "", stream: request.logStreamName ?? "") }
            return CloudWatchLogs.Empty()
        }
        on("DescribeLogStreams") { (request: CloudWatchLogs.DescribeLogStreamsRequest) in
            let group = try CloudWatchLogs.groupName(name: request.logGroupName, identifier: request.logGroupIdentifier)
            var streams = try await Self.storing { try await store.streams(group: group) }
            if let prefix = request.logStreamNamePrefix { streams = streams.filter { $0.name.hasPrefix(prefix) } }
            let byTime = request.orderBy == "LastEventTime"
            let descending = request.descending ?? false
            let key = { (stream: LogStore.Stream) -> String in
                byTime ? Self.sortable(stream.lastEventTimestamp ?? 0) + "\n" + stream.name : stream.name
            }
            streams.sort { descending ? key($0) > key($1) : key($0) < key($1) }
            let page = try PageToken.page(streams, key: key, ascending: !descending, size: request.limit ?? 50, after: request.nextToken,
                                          scope: "logStreams\n\(group)\n\(byTime)\n\(descending)")
            return CloudWatchLogs.DescribeLogStreamsResponse(logStreams: page.items.map { stream in
                CloudWatchLogs.LogStream(logStreamName: stream.name, creationTime: stream.creationTime, firstEventTimestamp: stream.firstEventTimestamp,
                                         lastEventTimestamp: stream.lastEventTimestamp, lastIngestionTime: stream.lastIngestionTime,
                                         uploadSequenceToken: Self.sequenceToken(stream.lastEventID),
                                         arn: arn(group) + ":log-stream:" + stream.name, storedBytes: stream.storedBytes)
            }, nextToken: page.nextToken)
        }

        on("PutLogEvents") { (request: CloudWatchLogs.PutLogEventsRequest) in
            let group = request.logGroupName ?? ""
            // Typed once: validation has required each event's timestamp and message.
            let events = (request.logEvents ?? []).compactMap { event in
                event.timestamp.flatMap { timestamp in
                    event.message.map { LogStore.NewEvent(timestamp: timestamp, message: $0) }
                }
            }
            let timestamps = events.map(\.timestamp)
            guard zip(timestamps, timestamps.dropFirst()).allSatisfy({ $0 <= $1 }) else {
                throw ECSError(.invalidParameter, "logEvents: the events of one PutLogEvents request must be in chronological order of timestamp")
            }
            if let first = timestamps.first, let last = timestamps.last, last.subtractingReportingOverflow(first).partialValue > 86_400_000 {
                throw ECSError(.invalidParameter, "logEvents: the events of one PutLogEvents request may not span more than 24 hours")
            }
            let now = clock()
            let retention = try await Self.storing { try await store.group(group) }?.retentionInDays
            var rejected = CloudWatchLogs.RejectedLogEventsInfo()
            var accepted: [LogStore.NewEvent] = []
            for (index, event) in events.enumerated() {
                let timestamp = event.timestamp
                if timestamp > now + Self.futureLimitMillis {
                    rejected.tooNewLogEventStartIndex = rejected.tooNewLogEventStartIndex ?? index
                } else if timestamp < now - Self.pastLimitMillis {
                    rejected.tooOldLogEventEndIndex = index
                } else if let retention, timestamp < now - retention * 86_400_000 {
                    rejected.expiredLogEventEndIndex = index
                } else {
                    accepted.append(event)
                }
            }
            let lastID = try await Self.storing { try await store.put(group: group, stream: request.logStreamName ?? "", events: accepted, now: now) }
            return CloudWatchLogs.PutLogEventsResponse(nextSequenceToken: Self.sequenceToken(lastID),
                                                       rejectedLogEventsInfo: rejected == .init() ? nil : rejected)
        }

        on("GetLogEvents") { (request: CloudWatchLogs.GetLogEventsRequest) in
            let group = try CloudWatchLogs.groupName(name: request.logGroupName, identifier: request.logGroupIdentifier)
            let stream = request.logStreamName ?? ""
            let position: LogStore.Position
            if let token = request.nextToken {
                position = try Self.position(token)
            } else {
                position = request.startFromHead == true ? .head : .tail
            }
            var events = try await Self.storing {
                try await store.events(group: group, stream: stream, start: request.startTime, end: request.endTime, from: position,
                                       limit: request.limit ?? 10_000)
            }
            // At most 1 MiB, keeping the events nearest where the read started.
            var bytes = 0
            let keepNewest = position == .tail || { if case .before = position { true } else { false } }()
            let ordered = keepNewest ? Array(events.reversed()) : events
            var kept = 0
            for event in ordered {
                bytes += LogStore.size(event.message)
                if bytes > Self.maxResponseBytes, kept > 0 { break }
                kept += 1
            }
            if kept < events.count { events = keepNewest ? Array(events.suffix(kept)) : Array(events.prefix(kept)) }

            let forward: String
            let backward: String
            if let first = events.first, let last = events.last {
                forward = "f/\(last.timestamp)/\(last.id)"
                backward = "b/\(first.timestamp)/\(first.id)"
            } else {
                // Nothing here: the same token again, as CloudWatch Logs answers at either end; going
                // forward from the start of an empty backward read reaches what comes after it.
                let start = max(0, request.startTime ?? 0)
                switch position {
                case .after: forward = request.nextToken ?? "f/\(start - 1)/0"
                case .before(let timestamp, let id): forward = "f/\(timestamp)/\(id - 1)"
                default: forward = "f/\(start - 1)/0"
                }
                backward = request.nextToken.flatMap { $0.hasPrefix("b/") ? $0 : nil } ?? "b/\(start)/0"
            }
            return CloudWatchLogs.GetLogEventsResponse(
                events: events.map { CloudWatchLogs.OutputLogEvent(timestamp: $0.timestamp, message: $0.message, ingestionTime: $0.ingestionTime) },
                nextForwardToken: forward, nextBackwardToken: backward)
        }

        on("FilterLogEvents") { (request: CloudWatchLogs.FilterLogEventsRequest) in
            let group = try CloudWatchLogs.groupName(name: request.logGroupName, identifier: request.logGroupIdentifier)
            let pattern = try LogFilterPattern(request.filterPattern)
            var after: (timestamp: Int, id: Int)?
            if let token = request.nextToken {
                guard case .after(let timestamp, let id) = try Self.position(token) else { throw Self.badToken }
                after = (timestamp, id)
            }
            let limit = request.limit ?? 10_000
            var events = try await Self.storing {
                try await store.filter(group: group, streams: request.logStreamNames, streamPrefix: request.logStreamNamePrefix,
                                       start: request.startTime, end: request.endTime, required: pattern.required, anyOf: pattern.anyOf,
                                       excluded: pattern.excluded, after: after, limit: limit + 1)
            }
            var more = events.count > limit
            if more { events.removeLast() }
            var bytes = 0
            if let cut = events.firstIndex(where: { event in
                bytes += LogStore.size(event.message)
                return bytes > Self.maxResponseBytes
            }), cut > 0 {
                events.removeSubrange(cut...)
                more = true
            }
            let nextToken = more ? events.last.map { "f/\($0.timestamp)/\($0.id)" } : nil
            let streams = try await Self.storing { try await store.streams(group: group) }.map(\.name).filter { name in
                (request.logStreamNames?.contains(name) ?? true) && (request.logStreamNamePrefix.map { name.hasPrefix($0) } ?? true)
            }
            return CloudWatchLogs.FilterLogEventsResponse(
                events: events.map { event in
                    CloudWatchLogs.FilteredLogEvent(logStreamName: event.streamName, timestamp: event.timestamp, message: event.message,
                                                    ingestionTime: event.ingestionTime, eventId: String(event.id))
                },
                searchedLogStreams: streams.map { CloudWatchLogs.SearchedLogStream(logStreamName: $0, searchedCompletely: !more) },
                nextToken: nextToken)
        }
    }

    /// Registers an operation that decodes `Request` and answers `Response`.
    private mutating func on<Request: ECSShape, Response: Encodable & Sendable>(_ name: String, _ body: @escaping @Sendable (Request) async throws -> Response) {
        handlers[name] = { (data: Data) async throws -> Data in
            let request: Request = try ECSWire.decode(data)
            return try ECSWire.encode(try await body(request))
        }
    }

    /// Runs a store call, turning its errors into CloudWatch Logs' exceptions.
    static func storing<T>(_ work: () async throws -> T) async throws(ECSError) -> T {
        do {
            return try await work()
        } catch let error as ECSError {
            throw error
        } catch {
            guard let error = error as? StoreError else { throw ECSError(.server, "the log store failed: \(error)") }
            switch error.code {
            case .notFound: throw ECSError(.resourceNotFound, error.message)
            case .alreadyExists: throw ECSError(.resourceAlreadyExists, error.message)
            default: throw ECSError(.server, "the log store failed: \(error)")
            }
        }
    }

    static let badToken = ECSError(.invalidParameter, "nextToken is not valid; pass a token from an earlier answer for the same log stream, unchanged")

    /// The position a `f/TIMESTAMP/ID` or `b/TIMESTAMP/ID` token names.
    static func position(_ token: String) throws(ECSError) -> LogStore.Position {
        let parts = token.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, let timestamp = Int(parts[1]), let id = Int(parts[2]) else { throw badToken }
        switch parts[0] {
        case "f": return .after(timestamp: timestamp, id: id)
        case "b": return .before(timestamp: timestamp, id: id)
        default: throw badToken
        }
    }

    /// A number as text that sorts as the number does (non-negative values).
    static func sortable(_ value: Int) -> String {
        let digits = String(max(0, value))
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    /// CloudWatch Logs' upload sequence token: a long decimal number, ignored by PutLogEvents now.
    static func sequenceToken(_ lastEventID: Int) -> String {
        "4963" + sortable(lastEventID)
    }
}
