import Foundation
import WharfModel
#if canImport(Glibc)
import Glibc
#endif

/// What the `wharf` commands print with: tables and progress bars, colours only on a terminal
/// (and never with `NO_COLOR` set), JSON for scripts.
enum Terminal {
    /// Whether standard output is a terminal.
    static var isTTY: Bool { isatty(STDOUT_FILENO) == 1 }

    /// Whether to print colours.
    static var colours: Bool {
        let environment = ProcessInfo.processInfo.environment
        return isTTY && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
    }

    enum Colour: Int {
        case red = 31, green = 32, yellow = 33, blue = 34, magenta = 35, cyan = 36, grey = 90
    }

    /// `text` in `colour` on a terminal, else as it is.
    static func paint(_ text: String, _ colour: Colour) -> String {
        colours ? "\u{1B}[\(colour.rawValue)m\(text)\u{1B}[0m" : text
    }

    /// A status word coloured by what it means.
    static func status(_ text: String) -> String {
        switch text {
        case "ACTIVE", "RUNNING", "COMPLETED", "PRIMARY", "HEALTHY", "true": paint(text, .green)
        case "FAILED", "STOPPED", "INACTIVE", "UNHEALTHY", "false": paint(text, .red)
        case "IN_PROGRESS", "PENDING", "PROVISIONING", "DRAINING", "ACTIVATING", "DEACTIVATING", "STOPPING": paint(text, .yellow)
        default: text
        }
    }

    /// `[#####-----]` for `done` of `total`.
    static func bar(_ done: Int, of total: Int, width: Int = 20) -> String {
        let filled = total <= 0 ? width : min(width, max(0, done * width / total))
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
    }

    /// Prints `value` as JSON (``json(_:)``).
    static func printJSON(_ value: some Encodable) throws {
        let text = try json(value)
        print(text)
    }

    /// `value` as JSON for scripts: pretty, with sorted keys and unescaped slashes, dates in epoch
    /// seconds as the API answers them.
    static func json(_ value: some Encodable) throws -> String {
        let encoder = ECSJSON.encoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// How long ago epoch seconds `time` was, short: `45s`, `3m`, `2h`, `5d`.
    static func ago(_ time: Double?, now: Date = Date()) -> String {
        guard let time else { return "-" }
        let seconds = max(0, Int(now.timeIntervalSince1970 - time))
        switch seconds {
        case ..<60: return "\(seconds)s"
        case ..<3600: return "\(seconds / 60)m"
        case ..<86_400: return "\(seconds / 3600)h"
        default: return "\(seconds / 86_400)d"
        }
    }

    /// The last part of an ARN (`web:3`, a task ID).
    static func short(_ arn: String?) -> String {
        guard let arn else { return "-" }
        return arn.split(separator: "/").last.map(String.init) ?? arn
    }

    /// A number with at most one decimal.
    static func number(_ value: Double?) -> String {
        guard let value else { return "-" }
        return value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}
