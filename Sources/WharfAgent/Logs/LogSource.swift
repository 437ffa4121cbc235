import WharfModel

/// A container whose output the agent ships, as its `awslogs` log configuration says.
public struct LogSource: Hashable, Sendable {
    /// The engine's container ID.
    public var containerID: String
    /// `awslogs-group`.
    public var group: String
    /// `awslogs-stream-prefix/container-name/task-id`, or the container ID without a prefix, as
    /// ECS names awslogs streams.
    public var stream: String
    /// `awslogs-create-group` is `true`.
    public var createGroup: Bool
    /// Whether the container runs (a stopped one is read to its end once).
    public var running: Bool
    /// The pattern a line that starts a log event matches (`awslogs-multiline-pattern`, or
    /// `awslogs-datetime-format` as a pattern); nil for one event per line.
    public var eventStart: String?

    public init(containerID: String, group: String, stream: String, createGroup: Bool, running: Bool,
                eventStart: String? = nil) {
        self.containerID = containerID
        self.group = group
        self.stream = stream
        self.createGroup = createGroup
        self.running = running
        self.eventStart = eventStart
    }
}

extension ManagedTask {
    /// The containers of this task that log through `awslogs`.
    var logSources: [LogSource] {
        let taskID = id
        return containers.compactMap { container in
            // Not while it is only created: following a container that has not started yet ends at
            // once, and it would count as read.
            guard container.phase != .pending, container.started,
                  let id = container.runtimeId, let configuration = definition(of: container.name)?.logConfiguration,
                  configuration.logDriver == "awslogs", let group = configuration.options?["awslogs-group"], !group.isEmpty
            else { return nil }
            let options = configuration.options ?? [:]
            let stream = options["awslogs-stream-prefix"].map { "\($0)/\(container.name)/\(taskID)" } ?? id
            return LogSource(containerID: id, group: group, stream: stream, createGroup: options["awslogs-create-group"]?.lowercased() == "true",
                             running: container.phase == .running,
                             eventStart: AwslogsEvents.pattern(options))
        }
    }
}
