/// A CloudWatch Logs filter pattern for unstructured events: terms an event must contain
/// (`ERROR timeout`), quoted phrases (`"connection refused"`), terms of which one must appear
/// (`?ERROR ?WARN`) and terms that must not (`-DEBUG`). Matching is case-sensitive, as CloudWatch
/// Logs has it; an empty pattern matches every event.
public struct LogFilterPattern: Equatable, Sendable {
    /// Every one of these must appear.
    public var required: [String] = []
    /// At least one of these must appear, when there are any.
    public var anyOf: [String] = []
    /// None of these may appear.
    public var excluded: [String] = []

    /// Parses a pattern.
    /// - Throws: `InvalidParameterException` for a JSON or space-delimited pattern, which Wharf
    ///   does not evaluate, and for an unterminated quote.
    public init(_ pattern: String?) throws(ECSError) {
        let text = (pattern ?? "").trimmingWhitespace()
        if text.hasPrefix("{") || text.hasPrefix("[") {
            throw ECSError(.invalidParameter, "filterPattern: JSON ({ $.key = value }) and space-delimited ([a, b]) patterns are not supported; use terms, \"quoted phrases\", ?any-of and -excluded terms")
        }
        var chars = Substring(text)
        while let first = chars.first {
            if first == " " || first == "\t" {
                chars.removeFirst()
                continue
            }
            var kind: Character = " "
            if first == "?" || first == "-" {
                kind = first
                chars.removeFirst()
            }
            let term: String
            if chars.first == "\"" {
                chars.removeFirst()
                guard let end = chars.firstIndex(of: "\"") else {
                    throw ECSError(.invalidParameter, "filterPattern: a quoted phrase has no closing \"")
                }
                term = String(chars[..<end])
                chars = chars[chars.index(after: end)...]
            } else {
                let end = chars.firstIndex { $0 == " " || $0 == "\t" } ?? chars.endIndex
                term = String(chars[..<end])
                chars = chars[end...]
            }
            guard !term.isEmpty else { continue }
            switch kind {
            case "?": anyOf.append(term)
            case "-": excluded.append(term)
            default: required.append(term)
            }
        }
    }

    /// Whether the pattern matches everything.
    public var matchesAll: Bool { required.isEmpty && anyOf.isEmpty && excluded.isEmpty }

    /// Whether `message` matches.
    public func matches(_ message: String) -> Bool {
        required.allSatisfy { message.contains($0) } && (anyOf.isEmpty || anyOf.contains { message.contains($0) })
            && !excluded.contains { message.contains($0) }
    }
}
