/// One line a container wrote, as the engine recorded it.
public struct ContainerLogLine: Equatable, Sendable {
    /// When the engine received it, nanoseconds since 1970.
    public var timestampNanos: Int64
    /// `stdout` or `stderr`.
    public var stream: String
    /// The line without its newline.
    public var message: String

    public init(timestampNanos: Int64, stream: String, message: String) {
        self.timestampNanos = timestampNanos
        self.stream = stream
        self.message = message
    }
}

/// A container's CPU and memory at one moment, from the engine's stats.
public struct ContainerStatsSample: Equatable, Sendable {
    /// CPU time the container has used, nanoseconds.
    public var cpuNanos: UInt64
    /// Memory in use without the page cache that can be reclaimed, bytes (as `docker stats`).
    public var memoryBytes: UInt64
    /// When the engine took the sample, seconds since 1970.
    public var readAt: Double

    public init(cpuNanos: UInt64, memoryBytes: UInt64, readAt: Double) {
        self.cpuNanos = cpuNanos
        self.memoryBytes = memoryBytes
        self.readAt = readAt
    }
}

/// Splits the engine's log stream into lines: frames of an 8-byte header (stream 1 = stdout,
/// 2 = stderr; a big-endian length) and a payload of lines, each beginning with the RFC 3339
/// timestamp the `timestamps` option adds. A frame may arrive in pieces, and a line longer than
/// the engine's 16 KiB buffer arrives as several frames, the last one ending in a newline.
/// A container with a terminal (`pseudoTerminal`) has no frames: its stream is the lines
/// themselves, all on stdout. Which one a stream is shows in its first byte: a frame header
/// begins with 0, 1 or 2, a timestamp with a digit.
struct DockerLogDemuxer {
    /// Whether the stream is unframed (a terminal's), once its first byte has said.
    private var raw: Bool?
    /// The longest line kept whole (as the awslogs driver splits events); a longer one is cut into
    /// lines of this size.
    static let maxLineBytes = 256 * 1024
    private var pending: [UInt8] = []
    /// A line's start per stream while it arrives in more than one frame.
    private var partial: [UInt8: (timestamp: Int64, text: [UInt8])] = [:]

    /// Appends bytes from the stream; returns the lines they complete.
    mutating func append(_ bytes: some Collection<UInt8>) -> [ContainerLogLine] {
        pending.append(contentsOf: bytes)
        if raw == nil, let first = pending.first { raw = first > 2 }
        if raw == true {
            let lines = frame(1, pending[...])
            pending.removeAll(keepingCapacity: true)
            return lines
        }
        var lines: [ContainerLogLine] = []
        var offset = 0
        while pending.count - offset >= 8 {
            let type = pending[offset]
            let size = pending[(offset + 4)..<(offset + 8)].reduce(0) { $0 << 8 | Int($1) }
            guard pending.count - offset - 8 >= size else { break }
            let payload = pending[(offset + 8)..<(offset + 8 + size)]
            offset += 8 + size
            lines += frame(type, payload)
        }
        pending.removeFirst(offset)
        return lines
    }

    private mutating func frame(_ type: UInt8, _ payload: ArraySlice<UInt8>) -> [ContainerLogLine] {
        let stream = type == 2 ? "stderr" : "stdout"
        var lines: [ContainerLogLine] = []
        var rest = payload
        while !rest.isEmpty {
            let newline = rest.firstIndex(of: UInt8(ascii: "\n"))
            let piece = rest[..<(newline ?? rest.endIndex)]
            rest = newline.map { rest[rest.index(after: $0)...] } ?? []
            // "TIMESTAMP text"
            let space = piece.firstIndex(of: UInt8(ascii: " ")) ?? piece.endIndex
            let stamp = Self.nanoseconds(String(decoding: piece[..<space], as: UTF8.self))
            let text = space < piece.endIndex ? Array(piece[piece.index(after: space)...]) : []
            var line: (timestamp: Int64, text: [UInt8])
            if var started = partial.removeValue(forKey: type) {
                started.text += stamp == nil ? Array(piece) : text
                line = started
            } else {
                line = (stamp ?? 0, stamp == nil ? Array(piece) : text)
            }
            while line.text.count > Self.maxLineBytes {
                lines.append(ContainerLogLine(timestampNanos: line.timestamp, stream: stream,
                                              message: String(decoding: line.text.prefix(Self.maxLineBytes), as: UTF8.self)))
                line.text.removeFirst(Self.maxLineBytes)
            }
            if newline == nil {
                partial[type] = line
            } else {
                if line.text.last == UInt8(ascii: "\r") { line.text.removeLast() }
                lines.append(ContainerLogLine(timestampNanos: line.timestamp, stream: stream, message: String(decoding: line.text, as: UTF8.self)))
            }
        }
        return lines
    }

    /// Nanoseconds since 1970 for an RFC 3339 timestamp with up to nine fractional digits.
    static func nanoseconds(_ text: String) -> Int64? {
        guard let dot = text.firstIndex(of: ".") else {
            return DockerTimestamp.secondsSince1970(text).map { Int64($0) * 1_000_000_000 }
        }
        let zone = text[dot...].firstIndex { !$0.isNumber && $0 != "." } ?? text.endIndex
        let digits = text[text.index(after: dot)..<zone]
        guard let seconds = DockerTimestamp.secondsSince1970(String(text[..<dot]) + String(text[zone...])),
              !digits.isEmpty, digits.count <= 9, let fraction = Int64(digits) else { return nil }
        var scale: Int64 = 1
        for _ in 0..<(9 - digits.count) { scale *= 10 }
        return Int64(seconds) * 1_000_000_000 + fraction * scale
    }
}
