#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A JSON document read value by value from its UTF-8 bytes: the reading side of ``JSONText``, for
/// the documents read so often that `JSONDecoder`'s generic machinery showed in profiles (agents'
/// sync reports, requests, sync answers). It accepts what `JSONDecoder` accepts (RFC 8259 in UTF-8,
/// and trailing commas) and fails where it fails, with a message that says where; a reader of a
/// shape reads each member it knows and skips the others, as `Decodable` does. Unlike
/// `JSONDecoder`, it also checks the members it skips: one that is not JSON fails the document.
///
/// The reader borrows the bytes: use it inside ``read(_:_:)``, never keep it.
public struct JSONReader {
    /// Why a document could not be read, and where.
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// What is wrong.
        public var message: String
        /// The members and elements leading to the value at fault (`tasks[2].containers[0].name`);
        /// empty for the document itself.
        public var path: String

        /// A failure at `path`.
        public init(_ message: String, path: String = "") {
            self.message = message
            self.path = path
        }

        /// The failure, seen from one level up: `member` names the value it happened in.
        public func inside(_ member: String) -> Failure {
            if path.isEmpty { return Failure(message, path: member) }
            let separator = path.hasPrefix("[") ? "" : "."
            return Failure(message, path: member + separator + path)
        }

        /// The failure, seen from the array it happened in, at `index`.
        public func inside(index: Int) -> Failure {
            inside("[\(index)]")
        }

        public var description: String { path.isEmpty ? message : "\(path): \(message)" }
    }

    /// How deep arrays and objects may nest, as in `JSONDecoder`.
    public static let maximumDepth = 512

    let bytes: UnsafeRawBufferPointer
    var position = 0
    private var depth = 0

    private init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Reads the one value `bytes` holds with `body`; whitespace may surround it, nothing else.
    public static func read<Value>(
        _ bytes: UnsafeRawBufferPointer,
        _ body: (inout JSONReader) throws(Failure) -> Value
    ) throws(Failure) -> Value {
        var reader = JSONReader(bytes)
        let value = try body(&reader)
        reader.skipWhitespace()
        guard reader.position == bytes.count else {
            throw Failure("unexpected text after the document at byte \(reader.position)")
        }
        return value
    }

    // MARK: Values

    /// Reads an object, calling `member` with each member's name; `member` must read or
    /// ``skip()`` the value. A failure in a member is reported with its name in the path.
    public mutating func object(
        _ member: (inout JSONReader, JSONReader.Key) throws(Failure) -> Void
    ) throws(Failure) {
        try expectStart(UInt8(ascii: "{"), "an object")
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return
        }
        while true {
            skipWhitespace()
            if peek() == UInt8(ascii: "}") {
                // A trailing comma, which JSONDecoder accepts too.
                position += 1
                depth -= 1
                return
            }
            guard peek() == UInt8(ascii: "\"") else { throw unexpected("a member name") }
            let key = try readKey()
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw unexpected("':' after a member name") }
            position += 1
            skipWhitespace()
            do {
                try member(&self, key)
            } catch {
                throw error.inside(key.name)
            }
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","):
                position += 1
            case UInt8(ascii: "}"):
                position += 1
                depth -= 1
                return
            default:
                throw unexpected("',' or '}' in an object")
            }
        }
    }

    /// Reads an array, calling `element` for each element; a failure in one is reported with
    /// its index in the path.
    public mutating func array(_ element: (inout JSONReader) throws(Failure) -> Void) throws(Failure) {
        try expectStart(UInt8(ascii: "["), "an array")
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return
        }
        var index = 0
        while true {
            skipWhitespace()
            if index > 0, peek() == UInt8(ascii: "]") {
                // A trailing comma, which JSONDecoder accepts too.
                position += 1
                depth -= 1
                return
            }
            do {
                try element(&self)
            } catch {
                throw error.inside(index: index)
            }
            index += 1
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","):
                position += 1
            case UInt8(ascii: "]"):
                position += 1
                depth -= 1
                return
            default:
                throw unexpected("',' or ']' in an array")
            }
        }
    }

    /// Reads an array whose elements `element` reads, into an array.
    public mutating func elements<Element>(
        _ element: (inout JSONReader) throws(Failure) -> Element
    ) throws(Failure) -> [Element] {
        var elements: [Element] = []
        try array { reader throws(Failure) in elements.append(try element(&reader)) }
        return elements
    }

    /// True, having read it, when the next value is `null`; false, having read nothing, when not.
    public mutating func null() -> Bool {
        skipWhitespace()
        guard matchLiteral("null") else { return false }
        return true
    }

    /// The kinds of JSON value.
    public enum Kind: Sendable {
        case object, array, string, number, boolean, null
    }

    /// What kind of value comes next, by its first byte; nil when no value starts there.
    public mutating func nextKind() -> Kind? {
        skipWhitespace()
        guard let next = peek() else { return nil }
        switch next {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .boolean
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: return nil
        }
    }

    /// Reads `true` or `false`.
    public mutating func boolean() throws(Failure) -> Bool {
        skipWhitespace()
        if matchLiteral("true") { return true }
        if matchLiteral("false") { return false }
        throw unexpected("a boolean")
    }

    /// Reads a string.
    public mutating func string() throws(Failure) -> String {
        skipWhitespace()
        guard peek() == UInt8(ascii: "\"") else { throw unexpected("a string") }
        let (start, end, escaped) = try scanString()
        return try makeString(start, end, escaped)
    }

    /// Reads a number that is a whole number within `Int`'s range (`3`, `-7`, `1e3`, `2.0`).
    public mutating func integer() throws(Failure) -> Int {
        skipWhitespace()
        let number = try scanNumber(expecting: "an integer")
        if !number.isFraction, let value = wholeNumber(number) { return value }
        let value = doubleValue(number)
        guard number.isFraction, value.rounded(.towardZero) == value, let whole = Int(exactly: value) else {
            throw Failure(
                "integer members take whole numbers from -2^63 to 2^63-1; \(text(number.start, position)) is not one"
            )
        }
        return whole
    }

    /// Reads a number.
    public mutating func double() throws(Failure) -> Double {
        skipWhitespace()
        let number = try scanNumber(expecting: "a number")
        let value = doubleValue(number)
        guard value.isFinite, value != 0 || number.isZero else {
            throw Failure("the number \(text(number.start, position)) does not fit in a double")
        }
        return value
    }

    /// Reads the next value with `ECSJSON.decoder()`, from its own bytes: for members read too
    /// rarely to have a reader of their own.
    public mutating func decoded<Value: Decodable>(_ type: Value.Type) throws(Failure) -> Value {
        skipWhitespace()
        let start = position
        try skip()
        do {
            return try ECSJSON.decoder().decode(Value.self, from: Data(bytes[start..<position]))
        } catch {
            throw Failure("not a valid \(Value.self): \(error)")
        }
    }

    /// A required member's value, or the failure of its absence.
    public static func required<Value>(_ value: Value?, _ member: String) throws(Failure) -> Value {
        guard let value else { throw Failure("the member \(member) is missing") }
        return value
    }

    /// Reads a value of any kind and drops it: for members a shape does not know.
    public mutating func skip() throws(Failure) {
        skipWhitespace()
        guard let next = peek() else { throw unexpected("a value") }
        switch next {
        case UInt8(ascii: "{"):
            try object { reader, _ throws(Failure) in try reader.skip() }
        case UInt8(ascii: "["):
            try array { reader throws(Failure) in try reader.skip() }
        case UInt8(ascii: "\""):
            _ = try scanString()
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            _ = try boolean()
        case UInt8(ascii: "n"):
            guard null() else { throw unexpected("a value") }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            _ = try scanNumber(expecting: "a value")
        default:
            throw unexpected("a value")
        }
    }

    // MARK: Member names

    /// A member's name as the document has it, compared with the names a shape knows without
    /// making a string of it.
    public struct Key {
        /// The name's bytes when written without escapes and in ASCII (almost always), else the
        /// name read as a string.
        fileprivate enum Storage {
            case plain(UnsafeRawBufferPointer)
            case escaped(String)
        }

        fileprivate let storage: Storage

        /// The name, as a string (for messages).
        public var name: String {
            switch storage {
            case .plain(let bytes): String(decoding: bytes, as: UTF8.self)
            case .escaped(let name): name
            }
        }

        /// Whether the name is `name`.
        public static func == (key: Key, name: StaticString) -> Bool {
            name.withUTF8Buffer { expected in
                switch key.storage {
                case .plain(let bytes): bytes.count == expected.count && bytes.elementsEqual(expected)
                case .escaped(let string): string.utf8.elementsEqual(expected)
                }
            }
        }
    }

    private mutating func readKey() throws(Failure) -> Key {
        let (start, end, escaped) = try scanString()
        let plain = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        if !escaped, plain.allSatisfy({ $0 < 0x80 }) { return Key(storage: .plain(plain)) }
        return Key(storage: .escaped(try makeString(start, end, escaped)))
    }

    // MARK: Scanning

    func peek() -> UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): position += 1
            default: return
            }
        }
    }

    private mutating func expectStart(_ opening: UInt8, _ what: String) throws(Failure) {
        skipWhitespace()
        guard peek() == opening else { throw unexpected(what) }
        guard depth < Self.maximumDepth else {
            throw Failure("the document nests deeper than \(Self.maximumDepth) levels")
        }
        depth += 1
        position += 1
    }

    private mutating func matchLiteral(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - position >= count else { return false }
        let matches = literal.withUTF8Buffer { expected in
            UnsafeRawBufferPointer(rebasing: bytes[position..<position + count]).elementsEqual(expected)
        }
        if matches { position += count }
        return matches
    }

    /// The failure of finding something other than `expected` here.
    func unexpected(_ expected: String) -> Failure {
        guard let byte = peek() else { return Failure("expected \(expected), found the end of the document") }
        let found =
            switch byte {
            case UInt8(ascii: "{"): "an object"
            case UInt8(ascii: "["): "an array"
            case UInt8(ascii: "\""): "a string"
            case UInt8(ascii: "t"), UInt8(ascii: "f"): "a boolean"
            case UInt8(ascii: "n"): "null"
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): "a number"
            case 0x21...0x7E: "'\(Character(Unicode.Scalar(byte)))'"
            default: "byte \(byte)"
            }
        return Failure("expected \(expected), found \(found) at byte \(position)")
    }

    func text(_ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }
}
