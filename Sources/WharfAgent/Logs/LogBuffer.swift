#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import WharfFiles
import WharfModel
import WharfProtocol

/// The agent's on-disk queue of container output on its way to the controller, under
/// `<data>/log-buffer/`: segment files of one JSON record per line, each record numbered in
/// order, and the number of the last record the controller acknowledged. Collecting never waits
/// for the controller: while it cannot be reached records pile up here, and past `maxBytes` the
/// oldest segment is deleted and its records counted as dropped. A crash loses at most a torn last
/// line; shipping again after a lost answer is harmless, since the controller skips numbers it has.
public actor LogBuffer {
    /// One buffered event.
    struct Record: Codable, Equatable {
        var s: Int  // sequence number
        var g: String  // log group
        var t: String  // log stream
        var c: Bool  // create the group
        var ts: Int  // milliseconds since 1970
        var m: String
    }

    /// What has gone through the buffer since the agent started.
    public struct Counters: Equatable, Sendable {
        public var bufferedEvents = 0
        public var shippedEvents = 0
        public var shippedBytes = 0
        public var droppedEvents = 0
        public var droppedBytes = 0
        /// Writes of the buffer's bookkeeping (`acknowledged`, `cursors.json`) that failed, and why
        /// the last one did. A failed write of `acknowledged` means lines shipped again after a
        /// restart, not lines lost.
        public var stateWriteFailures = 0
        public var lastStateWriteError: String?
    }

    /// A batch to ship: its events in sequence from `firstSequence`, and where reading resumes.
    public struct Batch: Sendable {
        public var firstSequence: Int
        public var lastSequence: Int
        public var streams: [LogStreamEvents]
        public var bytes: Int
        let resume: (segment: Int, offset: Int)
    }

    public let directory: String
    public let maxBytes: Int
    let segmentBytes: Int
    /// Segments by their first sequence number, with their sizes.
    private var segments: [(first: Int, size: Int)] = []
    private var nextSequence = 1
    private(set) var acknowledged = 0
    private var descriptor: Int32 = -1
    private var readCursor: (segment: Int, offset: Int)?
    /// The engine timestamp of the last line buffered from each container.
    private var cursors: [String: Int64] = [:]
    private(set) var counters = Counters()
    private let signal: AsyncStream<Void>.Continuation
    /// Yields whenever records are added.
    public nonisolated let additions: AsyncStream<Void>

    /// Opens the buffer in `directory`, creating it, and finds where it stands.
    /// - Parameter maxBytes: the most the segments may take on disk.
    public init(directory: String, maxBytes: Int) throws(AgentError) {
        self.directory = directory
        self.maxBytes = max(maxBytes, 64 * 1024)
        self.segmentBytes = max(self.maxBytes / 8, 16 * 1024)
        (additions, signal) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw AgentError(.state, "cannot create the log buffer \(directory): \(error)")
        }
        let file = { (name: String) in directory + "/" + name }
        acknowledged = Self.readNumber(file("acknowledged")) ?? 0
        if let data = FileManager.default.contents(atPath: file("cursors.json")), let saved = try? JSONDecoder().decode([String: Int64].self, from: data) {
            cursors = saved
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasSuffix(".seg") {
            guard let first = Int(name.dropLast(4)) else { continue }
            let size = (try? FileManager.default.attributesOfItem(atPath: file(name))[.size] as? Int) ?? 0
            segments.append((first, size))
        }
        segments.sort { $0.first < $1.first }
        var last = acknowledged
        if let newest = segments.last {
            let records = Self.records(in: file(Self.segmentName(newest.first)), from: 0, limit: Int.max)
            // Cut a line torn by a crash, so appends start on a line of their own.
            if records.end < newest.size {
                _ = truncate(file(Self.segmentName(newest.first)), off_t(records.end))
                segments[segments.count - 1].size = records.end
            }
            last = max(last, records.items.last?.s ?? newest.first - 1)
        }
        nextSequence = last + 1
        counters.bufferedEvents = max(0, last - acknowledged)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// The engine timestamp of the last line buffered from `container`.
    public func cursor(for container: String) -> Int64? { cursors[container] }

    /// Forgets a container that is gone.
    public func forget(container: String) {
        guard cursors.removeValue(forKey: container) != nil else { return }
        saveCursors()
    }

    /// What the buffer holds on disk now, in bytes.
    public var storedBytes: Int { segments.reduce(0) { $0 + $1.size } }

    /// The counters since start.
    public var snapshot: Counters { counters }

    /// Appends a container's lines to `stream` of `group`, and records how far that container's
    /// output has been read: to `cursor` when given (the last line joined into these events), else
    /// to the last line's timestamp.
    public func append(group: String, stream: String, createGroup: Bool, lines: [ContainerLogLine], container: String,
                       cursor: Int64? = nil) {
        guard !lines.isEmpty else { return }
        let encoder = JSONEncoder()
        var bytes: [UInt8] = []
        var count = 0
        for line in lines {
            let record = Record(s: nextSequence, g: group, t: stream, c: createGroup, ts: Int(line.timestampNanos / 1_000_000), m: line.message)
            guard let data = try? encoder.encode(record) else { continue }
            nextSequence += 1
            count += 1
            bytes += data
            bytes.append(UInt8(ascii: "\n"))
        }
        if let last = lines.last { cursors[container] = cursor ?? last.timestampNanos }
        guard write(bytes, firstSequence: nextSequence - count) else {
            // The disk refused them (full, or the directory is gone): lost, and counted so.
            nextSequence -= count
            counters.droppedEvents += count
            counters.droppedBytes += bytes.count
            saveCursors()
            return
        }
        counters.bufferedEvents += count
        saveCursors()
        trimToBound()
        signal.yield()
    }

    /// The next events to ship, oldest first, at most `maxEvents` and about `maxBytes` of
    /// messages; nil when everything was acknowledged.
    public func nextBatch(maxEvents: Int = 2_000, maxBytes: Int = 512 * 1024) -> Batch? {
        guard acknowledged + 1 < nextSequence else { return nil }
        let start = acknowledged + 1
        // The cursor only while its segment is there; else from the segment holding `start`.
        var position: (segment: Int, offset: Int) = readCursor.flatMap { cursor in segments.contains { $0.first == cursor.segment } ? cursor : nil }
            ?? (segment: segments.last { $0.first <= start }?.first ?? segments.first?.first ?? start, offset: 0)
        var records: [Record] = []
        var bytes = 0
        while records.count < maxEvents, bytes < maxBytes, let index = segments.firstIndex(where: { $0.first == position.segment }) {
            let found = Self.records(in: path(Self.segmentName(position.segment)), from: position.offset, limit: maxEvents - records.count,
                                     maxBytes: maxBytes - bytes, from: start)
            for record in found.items {
                records.append(record)
                bytes += record.m.utf8.count
            }
            position.offset = found.end
            // Past the end of a full segment: go on in the next one.
            if found.end >= segments[index].size, index + 1 < segments.count {
                position = (segments[index + 1].first, 0)
            } else {
                break
            }
        }
        guard let first = records.first, let last = records.last else { return nil }
        var streams: [LogStreamEvents] = []
        for record in records {
            let event = LogEventRecord(timestamp: record.ts, message: record.m)
            if let open = streams.last, open.logGroup == record.g, open.logStream == record.t, open.createGroup == record.c {
                streams[streams.count - 1].events.append(event)
            } else {
                streams.append(LogStreamEvents(logGroup: record.g, logStream: record.t, createGroup: record.c, events: [event]))
            }
        }
        return Batch(firstSequence: first.s, lastSequence: last.s, streams: streams, bytes: bytes, resume: position)
    }

    /// Drops `batch` unshipped (the controller refused it as it is), counting it as dropped.
    public func discard(_ batch: Batch) {
        let count = batch.lastSequence - max(acknowledged, batch.firstSequence - 1)
        acknowledge(batch)
        counters.shippedEvents -= count
        counters.shippedBytes -= batch.bytes
        counters.droppedEvents += count
        counters.droppedBytes += batch.bytes
    }

    /// Records that the controller holds everything through `batch`, and deletes the segments
    /// that holds entirely.
    public func acknowledge(_ batch: Batch) {
        guard batch.lastSequence > acknowledged else { return }
        let count = batch.lastSequence - max(acknowledged, batch.firstSequence - 1)
        counters.shippedEvents += count
        counters.shippedBytes += batch.bytes
        counters.bufferedEvents = max(0, counters.bufferedEvents - count)
        acknowledged = batch.lastSequence
        readCursor = batch.resume
        save(Array("\(acknowledged)\n".utf8), to: path("acknowledged"))
        while segments.count > 1, segments[1].first <= acknowledged + 1 {
            let done = segments.removeFirst()
            unlink(path(Self.segmentName(done.first)))
        }
        if let cursor = readCursor, !segments.contains(where: { $0.first == cursor.segment }) { readCursor = nil }
    }

    // MARK: Files

    private nonisolated func path(_ name: String) -> String { directory + "/" + name }

    static func segmentName(_ first: Int) -> String {
        let digits = String(first)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits + ".seg"
    }

    /// Appends bytes to the newest segment, starting a new one when it is full. Returns false
    /// when they could not all be written; what was written of them is cut off again.
    private func write(_ bytes: [UInt8], firstSequence: Int) -> Bool {
        if segments.isEmpty || segments[segments.count - 1].size >= segmentBytes {
            if descriptor >= 0 { close(descriptor) }
            descriptor = -1
            segments.append((firstSequence, 0))
        }
        let file = path(Self.segmentName(segments[segments.count - 1].first))
        if descriptor < 0 {
            descriptor = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        }
        guard descriptor >= 0 else {
            if segments[segments.count - 1].size == 0 { segments.removeLast() }
            return false
        }
        var written = 0
        bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let result = Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if result <= 0 { break }
                written += result
            }
        }
        guard written == bytes.count else {
            _ = ftruncate(descriptor, off_t(segments[segments.count - 1].size))
            return false
        }
        segments[segments.count - 1].size += written
        return true
    }

    /// Deletes the oldest segments while the buffer is over its bound, counting what they held
    /// that was never shipped.
    private func trimToBound() {
        while storedBytes > maxBytes, segments.count > 1 {
            let oldest = segments.removeFirst()
            let next = segments[0].first
            let lost = max(0, next - max(oldest.first, acknowledged + 1))
            if lost > 0 {
                let held = max(1, next - oldest.first)
                counters.droppedEvents += lost
                counters.droppedBytes += oldest.size * lost / held
                counters.bufferedEvents = max(0, counters.bufferedEvents - lost)
            }
            unlink(path(Self.segmentName(oldest.first)))
            if readCursor?.segment == oldest.first { readCursor = nil }
            if acknowledged < next - 1 {
                acknowledged = next - 1
                save(Array("\(acknowledged)\n".utf8), to: path("acknowledged"))
            }
        }
    }

    private func saveCursors() {
        guard let data = try? JSONEncoder().encode(cursors) else { return }
        save(Array(data), to: path("cursors.json"))
    }

    /// The whole records of a segment from byte `offset` numbered `first` or more, at most `limit`
    /// of them and about `maxBytes` of messages, and the offset after the last one read. Records
    /// below `first` are passed over without counting toward the limits.
    static func records(in path: String, from offset: Int, limit: Int, maxBytes: Int = Int.max, from first: Int = 0) -> (items: [Record], end: Int) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return ([], offset) }
        defer { close(descriptor) }
        var items: [Record] = []
        var end = offset
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        var readAt = offset
        var bytes = 0
        let decoder = JSONDecoder()
        reading: while items.count < limit, bytes < maxBytes {
            let count = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(readAt)) }
            guard count > 0 else { break }
            readAt += count
            pending += chunk[0..<count]
            var lineStart = 0
            while let newline = pending[lineStart...].firstIndex(of: UInt8(ascii: "\n")) {
                if let record = try? decoder.decode(Record.self, from: Data(pending[lineStart..<newline])), record.s >= first {
                    items.append(record)
                    bytes += record.m.utf8.count
                }
                end += newline - lineStart + 1
                lineStart = newline + 1
                if items.count >= limit || bytes >= maxBytes { break reading }
            }
            pending.removeFirst(lineStart)
        }
        return (items, end)
    }

    static func readNumber(_ path: String) -> Int? {
        FileManager.default.contents(atPath: path).flatMap { Int(String(decoding: $0, as: UTF8.self).trimmingWhitespace()) }
    }

    /// Writes a bookkeeping file whole and durably (``DurableFile``); a failure is counted and
    /// kept for the shipper to report.
    private func save(_ bytes: [UInt8], to path: String) {
        do {
            try DurableFile.write(bytes, to: path)
        } catch {
            counters.stateWriteFailures += 1
            counters.lastStateWriteError = error.description
        }
    }
}
