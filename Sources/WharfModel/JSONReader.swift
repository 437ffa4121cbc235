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

    private let bytes: UnsafeRawBufferPointer
    private var position = 0
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
        /// The name's bytes, when written without escapes (almost always).
        fileprivate let plain: UnsafeRawBufferPointer?
        /// The name, when it had escapes.
        fileprivate let escaped: String?

        /// The name, as a string (for messages).
        public var name: String {
            if let plain { return String(decoding: plain, as: UTF8.self) }
            return escaped ?? ""
        }

        /// Whether the name is `name`.
        public static func == (key: Key, name: StaticString) -> Bool {
            name.withUTF8Buffer { expected in
                if let plain = key.plain {
                    return plain.count == expected.count && plain.elementsEqual(expected)
                }
                return key.escaped.map { $0.utf8.elementsEqual(expected) } ?? false
            }
        }
    }

    private mutating func readKey() throws(Failure) -> Key {
        let (start, end, escaped) = try scanString()
        let plain = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        if !escaped, plain.allSatisfy({ $0 < 0x80 }) { return Key(plain: plain, escaped: nil) }
        return Key(plain: nil, escaped: try makeString(start, end, escaped))
    }

    // MARK: Scanning

    private func peek() -> UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    private mutating func skipWhitespace() {
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
    private func unexpected(_ expected: String) -> Failure {
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

    private func text(_ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }
}

// MARK: - Strings

extension JSONReader {
    /// Moves past a string, returning where its content lies and whether it has escapes.
    fileprivate mutating func scanString() throws(Failure) -> (start: Int, end: Int, escaped: Bool) {
        position += 1
        let start = position
        var escaped = false
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return (start, position - 1, escaped)
            case UInt8(ascii: "\\"):
                escaped = true
                position += 2
            case ..<0x20:
                throw Failure("a string holds the control character \(byte) unescaped at byte \(position)")
            default:
                position += 1
            }
        }
        throw Failure("a string starting at byte \(start - 1) is not closed")
    }

    /// The string between `start` and `end`, its escapes resolved and its UTF-8 checked.
    fileprivate func makeString(_ start: Int, _ end: Int, _ escaped: Bool) throws(Failure) -> String {
        let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        if !escaped {
            guard let string = String(validating: raw, as: UTF8.self) else {
                throw Failure("the string at byte \(start - 1) is not valid UTF-8")
            }
            return string
        }
        var units: [UInt8] = []
        units.reserveCapacity(raw.count)
        var index = start
        while index < end {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "\\") else {
                units.append(byte)
                index += 1
                continue
            }
            let code = bytes[index + 1]
            index += 2
            switch code {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): units.append(code)
            case UInt8(ascii: "b"): units.append(0x08)
            case UInt8(ascii: "f"): units.append(0x0C)
            case UInt8(ascii: "n"): units.append(0x0A)
            case UInt8(ascii: "r"): units.append(0x0D)
            case UInt8(ascii: "t"): units.append(0x09)
            case UInt8(ascii: "u"):
                UTF8.encode(try unicodeEscape(&index, end)) { units.append($0) }
            default:
                throw Failure("the string at byte \(start - 1) has an invalid escape '\\\(Unicode.Scalar(code))'")
            }
        }
        guard let string = String(validating: units, as: UTF8.self) else {
            throw Failure("the string at byte \(start - 1) is not valid UTF-8")
        }
        return string
    }

    /// The scalar of a `\uXXXX` escape (a pair of them for a surrogate pair), `index` just past `\u`.
    private func unicodeEscape(_ index: inout Int, _ end: Int) throws(Failure) -> Unicode.Scalar {
        let high = try hexQuad(&index, end)
        if (0xD800..<0xDC00).contains(high) {
            guard index + 1 < end, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                throw Failure("a string has an unpaired surrogate \\u\(String(high, radix: 16)) at byte \(index - 6)")
            }
            index += 2
            let low = try hexQuad(&index, end)
            guard (0xDC00..<0xE000).contains(low) else {
                throw Failure("a string has an unpaired surrogate \\u\(String(high, radix: 16)) at byte \(index - 12)")
            }
            let value = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            if let scalar = Unicode.Scalar(value) { return scalar }
        } else if let scalar = Unicode.Scalar(high) {
            return scalar
        }
        throw Failure("a string has an unpaired surrogate \\u\(String(high, radix: 16)) at byte \(index - 6)")
    }

    private func hexQuad(_ index: inout Int, _ end: Int) throws(Failure) -> UInt32 {
        guard end - index >= 4 else { throw Failure("a string has a short \\u escape at byte \(index - 2)") }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = bytes[index + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Failure("a string has an invalid \\u escape at byte \(index - 2)")
            }
            value = value << 4 | UInt32(digit)
        }
        index += 4
        return value
    }
}

// MARK: - Numbers

extension JSONReader {
    /// Where a number lies, as JSON's grammar reads it.
    fileprivate struct Number {
        var start: Int
        /// Whether it has a fraction or an exponent.
        var isFraction: Bool
        /// Its digits as an integer, when there are at most 18 of them.
        var significand: UInt64?
        /// The power of ten to multiply ``significand`` by.
        var exponent: Int
        var negative: Bool
        /// Whether a digit other than 0 was seen (a number that reads as 0 without being 0 is too
        /// small for a double, and `JSONDecoder` refuses it).
        var isZero = true
    }

    /// Moves past a number, checking it against JSON's grammar.
    fileprivate mutating func scanNumber(expecting expected: String) throws(Failure) -> Number {
        let start = position
        var number = Number(start: start, isFraction: false, significand: 0, exponent: 0, negative: false)
        var digits = 0
        func addDigit(_ byte: UInt8) {
            if byte != UInt8(ascii: "0") { number.isZero = false }
            digits += 1
            if digits > 18 {
                number.significand = nil
            } else if let significand = number.significand {
                number.significand = significand * 10 + UInt64(byte - UInt8(ascii: "0"))
            }
        }
        if peek() == UInt8(ascii: "-") {
            number.negative = true
            position += 1
        }
        guard let first = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            if number.negative { throw Failure("a number has no digits at byte \(start)") }
            throw unexpected(expected)
        }
        if first == UInt8(ascii: "0") {
            position += 1
        } else {
            while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                addDigit(byte)
                position += 1
            }
        }
        if peek() == UInt8(ascii: ".") {
            number.isFraction = true
            position += 1
            var fractionDigits = 0
            while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                addDigit(byte)
                fractionDigits += 1
                position += 1
            }
            guard fractionDigits > 0 else { throw Failure("a number has no digits after '.' at byte \(start)") }
            number.exponent -= fractionDigits
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            number.isFraction = true
            position += 1
            var negativeExponent = false
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") {
                negativeExponent = peek() == UInt8(ascii: "-")
                position += 1
            }
            var exponent = 0
            var exponentDigits = 0
            while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                exponent = min(exponent * 10 + Int(byte - UInt8(ascii: "0")), 100_000)
                exponentDigits += 1
                position += 1
            }
            guard exponentDigits > 0 else { throw Failure("a number has no digits in its exponent at byte \(start)") }
            number.exponent += negativeExponent ? -exponent : exponent
        }
        return number
    }

    /// A number without fraction or exponent as an `Int`, or nil when out of range.
    fileprivate func wholeNumber(_ number: Number) -> Int? {
        guard let significand = number.significand else { return Int(text(number.start, position)) }
        return number.negative ? -Int(significand) : Int(significand)
    }

    /// The nearest double to a number: at once when its digits and its power of ten are exact
    /// doubles (Clinger's fast path, one correctly rounded operation), else by the standard library.
    fileprivate func doubleValue(_ number: Number) -> Double {
        if let significand = number.significand, significand < 1 << 53, abs(number.exponent) <= 22 {
            let magnitude = Double(significand)
            let scaled =
                number.exponent < 0
                ? magnitude / Self.powersOfTen[-number.exponent] : magnitude * Self.powersOfTen[number.exponent]
            return number.negative ? -scaled : scaled
        }
        return Double(text(number.start, position)) ?? .nan
    }

    /// 10⁰ … 10²², each exact in a double.
    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }
}
