/// Cuts a byte stream of concatenated JSON objects, as the engine sends pull progress and events,
/// into one complete object each, wherever the chunks of the stream happen to split them.
///
/// It tracks nesting and strings (with escapes), so it neither relies on newlines between objects
/// nor is fooled by braces inside strings. Bytes between top-level objects are skipped.
struct JSONObjectSplitter: Sendable {
    /// The largest object it buffers; the engine's objects are a few KiB.
    static let maximumObjectSize = 8 << 20

    private var current: [UInt8] = []
    private var depth = 0
    private var inString = false
    private var escaped = false

    /// Whether a started object still waits for its end.
    var hasPartialObject: Bool { depth > 0 }

    /// Feeds `bytes` and returns the objects they complete, in order.
    /// - Throws: `RuntimeError` with code `engine` when one object grows beyond
    ///   ``maximumObjectSize``.
    mutating func append(_ bytes: some Sequence<UInt8>) throws(RuntimeError) -> [[UInt8]] {
        var objects: [[UInt8]] = []
        for byte in bytes {
            if depth == 0 {
                if byte == UInt8(ascii: "{") {
                    depth = 1
                    current = [byte]
                }
                continue
            }
            current.append(byte)
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 {
                    objects.append(current)
                    current = []
                }
            default:
                break
            }
            if current.count > Self.maximumObjectSize {
                throw RuntimeError(.engine, "the Docker engine sent a JSON object larger than \(Self.maximumObjectSize) bytes in a stream")
            }
        }
        return objects
    }
}
