#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Decodes a request shape from the parameters of an AWS Query protocol request, as botocore
/// writes them: a structure's members as `Prefix.Member`, a list's elements as
/// `Prefix.member.1`, `Prefix.member.2`, … (an empty list as `Prefix=`), a map's entries as
/// `Prefix.entry.N.key` and `Prefix.entry.N.value`; numbers, booleans (`true`, `false`) and
/// timestamps (ISO 8601) as text.
///
/// A parameter the shape has no member for is refused by name rather than dropped, so nothing a
/// caller sends is silently ignored.
public enum QueryDecoder {
    /// Decodes `type` from `parameters`, leaving out the names in `envelope` (`Action`, `Version`).
    /// - Throws: `ValidationError` naming a parameter that is not recognized or not of its
    ///   member's type.
    public static func decode<T: Decodable>(
        _ type: T.Type,
        from parameters: [String: String],
        envelope: Set<String> = ["Action", "Version"]
    ) throws(ECSError) -> T {
        let root = QueryNode()
        for (name, value) in parameters where !envelope.contains(name) {
            var node = root
            for part in name.split(separator: ".", omittingEmptySubsequences: false) {
                node = node.child(String(part))
            }
            node.value = value
        }
        let result: T
        do {
            result = try T(from: QueryNodeDecoder(node: root, codingPath: []))
        } catch let error as ECSError {
            throw error
        } catch let error as DecodingError {
            throw ECSError(.validationError, describe(error))
        } catch {
            throw ECSError(.validationError, "the request's parameters could not be read: \(error)")
        }
        if let unused = root.unused(path: "").first {
            throw ECSError(.validationError, "The parameter \(unused) is not recognized")
        }
        return result
    }

    /// Reads an `application/x-www-form-urlencoded` body into its parameters.
    /// - Throws: `ValidationError` for a parameter given twice or text that is not UTF-8.
    public static func parameters(form body: [UInt8]) throws(ECSError) -> [String: String] {
        var parameters: [String: String] = [:]
        for pair in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = percentDecoded(parts[0]), !name.isEmpty,
                let value = parts.count > 1 ? percentDecoded(parts[1]) : ""
            else {
                throw ECSError(.validationError, "the request body is not a valid form: a parameter is not UTF-8")
            }
            guard parameters.updateValue(value, forKey: name) == nil else {
                throw ECSError(.validationError, "The parameter \(name) is given more than once")
            }
        }
        return parameters
    }

    /// `+` as a space and `%XY` as the byte it names; nil when the bytes are not UTF-8.
    static func percentDecoded(_ bytes: ArraySlice<UInt8>) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.endIndex,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// A decoding error in words, naming the parameter as the caller wrote it.
    static func describe(_ error: DecodingError) -> String {
        func name(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "The parameter \(name(context)) \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "The parameter \((context.codingPath + [key]).map(\.stringValue).joined(separator: ".")) is missing"
        @unknown default:
            return "the request's parameters do not match the operation's input"
        }
    }
}

/// One segment of the parameters' names, with the value given for exactly this name and whether
/// the decoding read it.
final class QueryNode {
    var value: String?
    var children: [String: QueryNode] = [:]
    var used = false

    func child(_ name: String) -> QueryNode {
        if let existing = children[name] { return existing }
        let node = QueryNode()
        children[name] = node
        return node
    }

    /// The names of the values nobody read, in order.
    func unused(path: String) -> [String] {
        var names: [String] = []
        if value != nil, !used { names.append(path) }
        for (name, node) in children.sorted(by: { $0.key < $1.key }) {
            names += node.unused(path: path.isEmpty ? name : "\(path).\(name)")
        }
        return names
    }

    /// The elements of a list: `member.1` … `member.N`, stopping at the first missing index.
    func listElements() -> [QueryNode] {
        used = true
        guard let members = children["member"] else { return [] }
        members.used = true
        var elements: [QueryNode] = []
        while let element = members.children[String(elements.count + 1)] {
            elements.append(element)
        }
        return elements
    }

    /// A map's entries (`entry.N.key`, `entry.N.value`) as children named by their keys; any
    /// other node as it is.
    func keyedView() -> QueryNode {
        used = true
        guard children.count == 1, let entries = children["entry"] else { return self }
        let view = QueryNode()
        view.used = true
        entries.used = true
        var index = 1
        while let entry = entries.children[String(index)], let key = entry.children["key"]?.value {
            entry.used = true
            entry.children["key"]?.used = true
            view.children[key] = entry.children["value"] ?? QueryNode()
            index += 1
        }
        return view
    }
}

struct QueryCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        stringValue = "member.\(intValue + 1)"
        self.intValue = intValue
    }
}

struct QueryNodeDecoder: Decoder {
    let node: QueryNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(QueryKeyedContainer<Key>(node: node.keyedView(), codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        QueryUnkeyedContainer(elements: node.listElements(), codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        QuerySingleValue(node: node, codingPath: codingPath)
    }

    /// Decodes a value, reading timestamps as ISO 8601 (or epoch seconds).
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == Date.self {
            let text = try QuerySingleValue(node: node, codingPath: codingPath).text()
            guard let date = QueryDecoder.date(text) as? T else {
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "is not a timestamp"))
            }
            return date
        }
        return try T(from: self)
    }
}

extension QueryDecoder {
    /// A timestamp as botocore writes one: ISO 8601, or seconds since 1970.
    static func date(_ text: String) -> Date? {
        if let seconds = Double(text) { return Date(timeIntervalSince1970: seconds) }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

struct QueryKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let node: QueryNode
    let codingPath: [any CodingKey]

    var allKeys: [Key] { node.children.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { node.children[key.stringValue] != nil }

    func decodeNil(forKey key: Key) throws -> Bool { node.children[key.stringValue] == nil }

    private func decoder(for key: Key) throws -> QueryNodeDecoder {
        guard let child = node.children[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "is missing"))
        }
        return QueryNodeDecoder(node: child, codingPath: codingPath + [key])
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder(for: key).decode(type)
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type,
        forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder(for: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder(for: key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { QueryNodeDecoder(node: node, codingPath: codingPath) }

    func superDecoder(forKey key: Key) throws -> any Decoder { try decoder(for: key) }
}

struct QueryUnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [QueryNode]
    let codingPath: [any CodingKey]
    var currentIndex = 0

    init(elements: [QueryNode], codingPath: [any CodingKey]) {
        self.elements = elements
        self.codingPath = codingPath
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private mutating func next() throws -> QueryNodeDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                Any.self,
                .init(codingPath: codingPath, debugDescription: "has no more elements")
            )
        }
        defer { currentIndex += 1 }
        return QueryNodeDecoder(
            node: elements[currentIndex],
            codingPath: codingPath + [QueryCodingKey(intValue: currentIndex)]
        )
    }

    mutating func decodeNil() throws -> Bool { false }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decode(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { try next() }
}

struct QuerySingleValue: SingleValueDecodingContainer {
    let node: QueryNode
    let codingPath: [any CodingKey]

    func text() throws -> String {
        node.used = true
        guard let value = node.value else {
            throw DecodingError.typeMismatch(
                String.self,
                .init(codingPath: codingPath, debugDescription: "must be a single value, not a structure or list")
            )
        }
        return value
    }

    private func parsed<T>(_ parse: (String) -> T?, _ what: String) throws -> T {
        let value = try text()
        guard let result = parse(value) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: codingPath, debugDescription: "must be \(what), not \"\(value)\"")
            )
        }
        return result
    }

    func decodeNil() -> Bool { node.value == nil && node.children.isEmpty }
    func decode(_ type: Bool.Type) throws -> Bool {
        try parsed({ ["true": true, "false": false][$0.lowercased()] }, "true or false")
    }
    func decode(_ type: String.Type) throws -> String { try text() }
    func decode(_ type: Double.Type) throws -> Double { try parsed(Double.init, "a number") }
    func decode(_ type: Float.Type) throws -> Float { try parsed(Float.init, "a number") }
    func decode(_ type: Int.Type) throws -> Int { try parsed({ Int($0) }, "a whole number") }
    func decode(_ type: Int8.Type) throws -> Int8 { try parsed({ Int8($0) }, "a whole number") }
    func decode(_ type: Int16.Type) throws -> Int16 { try parsed({ Int16($0) }, "a whole number") }
    func decode(_ type: Int32.Type) throws -> Int32 { try parsed({ Int32($0) }, "a whole number") }
    func decode(_ type: Int64.Type) throws -> Int64 { try parsed({ Int64($0) }, "a whole number") }
    func decode(_ type: UInt.Type) throws -> UInt { try parsed({ UInt($0) }, "a whole number") }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try parsed({ UInt8($0) }, "a whole number") }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try parsed({ UInt16($0) }, "a whole number") }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try parsed({ UInt32($0) }, "a whole number") }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try parsed({ UInt64($0) }, "a whole number") }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try QueryNodeDecoder(node: node, codingPath: codingPath).decode(type)
    }
}
