#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A value that reads itself from a ``JSONReader`` as `ECSJSON.decoder()` would decode it (the same
/// members and values; unknown members skipped, `null` members absent), without `JSONDecoder`'s
/// generic machinery. Every generated AWS shape conforms (Protocols/codegen/generate-ecs-shapes.py
/// writes the initializer), so requests and the task definitions of sync answers are read at once.
public protocol JSONReadable {
    /// Reads the value that comes next.
    init(reading reader: inout JSONReader) throws(JSONReader.Failure)
}

extension JSONReadable {
    /// Reads the one value `bytes` holds.
    public static func read(json bytes: UnsafeRawBufferPointer) throws(JSONReader.Failure) -> Self {
        try JSONReader.read(bytes) { reader throws(JSONReader.Failure) in try Self(reading: &reader) }
    }
}

extension JSONReader {
    /// Reads a member's value; `null` reads as absent, as `Codable` decodes an optional.
    public mutating func optional<Value: JSONReadable>(_ type: Value.Type = Value.self) throws(Failure) -> Value? {
        if null() { return nil }
        return try Value(reading: &self)
    }
}

extension String: JSONReadable {
    public init(reading reader: inout JSONReader) throws(JSONReader.Failure) { self = try reader.string() }
}

extension Int: JSONReadable {
    public init(reading reader: inout JSONReader) throws(JSONReader.Failure) { self = try reader.integer() }
}

extension Bool: JSONReadable {
    public init(reading reader: inout JSONReader) throws(JSONReader.Failure) { self = try reader.boolean() }
}

extension Double: JSONReadable {
    public init(reading reader: inout JSONReader) throws(JSONReader.Failure) { self = try reader.double() }
}

extension Date: JSONReadable {
    /// Seconds since 1970, as `ECSJSON.decoder()`'s date strategy reads a date.
    public init(reading reader: inout JSONReader) throws(JSONReader.Failure) {
        self = Date(timeIntervalSince1970: try reader.double())
    }
}

extension Data: JSONReadable {
    /// Base64, as `JSONDecoder` reads data by default.
    public init(reading reader: inout JSONReader) throws(JSONReader.Failure) {
        guard let data = Data(base64Encoded: try reader.string()) else {
            throw JSONReader.Failure("expected base64-encoded data")
        }
        self = data
    }
}

extension Array: JSONReadable where Element: JSONReadable {
    public init(reading reader: inout JSONReader) throws(JSONReader.Failure) {
        self = try reader.elements { reader throws(JSONReader.Failure) in try Element(reading: &reader) }
    }
}

extension Dictionary: JSONReadable where Key == String, Value: JSONReadable {
    public init(reading reader: inout JSONReader) throws(JSONReader.Failure) {
        var dictionary: [String: Value] = [:]
        try reader.object { reader, key throws(JSONReader.Failure) in
            dictionary[key.name] = try Value(reading: &reader)
        }
        self = dictionary
    }
}

extension JSONValue: JSONReadable {
    /// Whatever JSON value comes next; numbers as doubles, as its `Decodable` conformance reads them.
    public init(reading reader: inout JSONReader) throws(JSONReader.Failure) {
        switch reader.nextKind() {
        case .null:
            _ = reader.null()
            self = .null
        case .boolean: self = .bool(try reader.boolean())
        case .number: self = .number(try reader.double())
        case .string: self = .string(try reader.string())
        case .array: self = .array(try [JSONValue](reading: &reader))
        case .object, nil: self = .object(try [String: JSONValue](reading: &reader))
        }
    }
}
