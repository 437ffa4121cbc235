/// A value bound into a log or metric store's query, or read from one: the same on SQLite and on
/// PostgreSQL, so the stores' SQL and their reading of rows are written once.
public enum SQLValue: Sendable, Equatable {
    case integer(Int)
    case float(Double)
    case text(String)
    case null

    /// The value as an integer; nil for null and for text that is not a number.
    public var integer: Int? {
        switch self {
        case .integer(let value): value
        case .float(let value): Int(exactly: value.rounded(.towardZero))
        case .text(let value): Int(value)
        case .null: nil
        }
    }

    /// The value as a double; nil for null and for text that is not a number.
    public var double: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .float(let value): value
        case .text(let value): Double(value)
        case .null: nil
        }
    }

    /// The value as text; nil for null.
    public var string: String? {
        switch self {
        case .integer(let value): String(value)
        case .float(let value): String(value)
        case .text(let value): value
        case .null: nil
        }
    }
}

extension SQLValue {
    /// `text` as both databases keep it: U+0000 (a container may print one) becomes U+FFFD, the
    /// replacement character, since PostgreSQL's `text` cannot hold it and SQLite's comes back
    /// cut short at it.
    static func storable(_ text: String) -> String {
        guard text.utf8.contains(0) else { return text }
        return String(text.unicodeScalars.map { $0 == "\u{0}" ? "\u{FFFD}" : Character($0) })
    }
}

/// One row a query returned: its values by column name.
public struct SQLRow: Sendable {
    /// The columns' names, shared by every row of one result.
    let names: [String]
    let values: [SQLValue]

    init(names: [String], values: [SQLValue]) {
        self.names = names
        self.values = values
    }

    /// The value of the column `name`; nil when the row has no such column.
    public func column(_ name: String) -> SQLValue? {
        names.firstIndex(of: name).map { values[$0] }
    }
}
