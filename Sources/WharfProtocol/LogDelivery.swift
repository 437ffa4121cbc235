/// One event of a container's output: milliseconds since 1970 and the line, without its newline.
public struct LogEventRecord: Codable, Equatable, Sendable {
    public var timestamp: Int
    public var message: String

    public init(timestamp: Int, message: String) {
        self.timestamp = timestamp
        self.message = message
    }
}

/// Events for one log stream, as a container's `awslogs` configuration names it.
public struct LogStreamEvents: Codable, Equatable, Sendable {
    /// `awslogs-group`.
    public var logGroup: String
    /// `prefix/container-name/task-id`, as ECS names awslogs streams.
    public var logStream: String
    /// `awslogs-create-group`: create the group when it does not exist.
    public var createGroup: Bool
    public var events: [LogEventRecord]

    public init(logGroup: String, logStream: String, createGroup: Bool, events: [LogEventRecord]) {
        self.logGroup = logGroup
        self.logStream = logStream
        self.createGroup = createGroup
        self.events = events
    }
}

/// `logs`: containers' output, shipped from the agent's on-disk buffer. Every event has a
/// sequence number, `firstSequence` for the first and one more for each after it across
/// `streams`, so a batch sent again after a lost answer is stored once.
public struct LogDeliveryRequest: Codable, Equatable, Sendable {
    public var protocolVersion: Int
    public var containerInstanceArn: String
    public var credential: String
    public var firstSequence: Int
    public var streams: [LogStreamEvents]

    public init(
        protocolVersion: Int = AgentProtocol.version,
        containerInstanceArn: String,
        credential: String,
        firstSequence: Int,
        streams: [LogStreamEvents]
    ) {
        self.protocolVersion = protocolVersion
        self.containerInstanceArn = containerInstanceArn
        self.credential = credential
        self.firstSequence = firstSequence
        self.streams = streams
    }
}

/// The controller's answer to a log delivery.
public struct LogDeliveryResponse: Codable, Equatable, Sendable {
    public var protocolVersion: Int
    /// The highest sequence number stored from this agent; the agent may drop what it buffers up
    /// to here.
    public var lastSequence: Int
    /// Groups whose events were dropped because they do not exist and the container did not ask
    /// for them to be created (`awslogs-create-group`).
    public var missingGroups: [String]

    public init(protocolVersion: Int = AgentProtocol.version, lastSequence: Int, missingGroups: [String]) {
        self.protocolVersion = protocolVersion
        self.lastSequence = lastSequence
        self.missingGroups = missingGroups
    }
}
