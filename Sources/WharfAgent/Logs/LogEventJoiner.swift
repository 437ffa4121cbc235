import WharfModel

/// Groups a container's lines into log events as `awslogs-multiline-pattern` and
/// `awslogs-datetime-format` ask: a line that matches the pattern starts an event, and the lines
/// after it join that event (with newlines) until the next match. The event being gathered goes out
/// when the next one starts, when it would pass an event's largest size, when no line came for
/// ``flushAfter`` seconds, or when the stream ends. An event has the timestamp and stream of its
/// first line.
struct LogEventJoiner {
    /// Seconds without a new line after which the event being gathered goes out (Docker's awslogs
    /// driver publishes every 5 s).
    static let flushAfter = 5.0

    private let start: Regex<AnyRegexOutput>
    private var pending: (first: ContainerLogLine, text: String, lastTimestamp: Int64)?
    private var lastArrival = 0.0

    /// Joins by `pattern`; nil when it does not compile (registration refuses such patterns).
    init?(pattern: String) {
        guard let start = try? Regex(pattern) else { return nil }
        self.start = start
    }

    /// Takes lines that arrived at `now` (seconds); returns the events they complete and the
    /// timestamp of the last line those events hold (where reading resumes after a restart).
    mutating func add(_ lines: [ContainerLogLine], now: Double) -> (events: [ContainerLogLine], cursor: Int64?) {
        var events: [ContainerLogLine] = []
        var cursor: Int64?
        for line in lines {
            let starts = (try? start.firstMatch(in: line.message)) != nil
            if let current = pending,
                starts || current.text.utf8.count + 1 + line.message.utf8.count > DockerLogDemuxer.maxLineBytes
            {
                events.append(event(current))
                cursor = current.lastTimestamp
                pending = nil
            }
            if let current = pending {
                pending = (current.first, current.text + "\n" + line.message, line.timestampNanos)
            } else {
                pending = (line, line.message, line.timestampNanos)
            }
        }
        if !lines.isEmpty { lastArrival = now }
        return (events, cursor)
    }

    /// The event being gathered, when no line came for ``flushAfter`` seconds before `now` (or
    /// at once with `force`), with its last line's timestamp.
    mutating func flush(now: Double, force: Bool = false) -> (event: ContainerLogLine, cursor: Int64)? {
        guard let current = pending, force || now - lastArrival >= Self.flushAfter else { return nil }
        pending = nil
        return (event(current), current.lastTimestamp)
    }

    private func event(_ pending: (first: ContainerLogLine, text: String, lastTimestamp: Int64)) -> ContainerLogLine {
        ContainerLogLine(
            timestampNanos: pending.first.timestampNanos,
            stream: pending.first.stream,
            message: pending.text
        )
    }
}
