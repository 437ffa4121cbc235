#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A value that writes itself as JSON into a ``JSONText``, as `ECSJSON.encoder()` would encode it
/// (the same members, values and nesting; absent members left out), without `JSONEncoder`'s
/// generic machinery, which took a fifth of the controller's time answering ListTasks. Every
/// generated AWS shape conforms (Protocols/codegen/generate-ecs-shapes.py writes the method).
public protocol JSONWritable {
    /// Appends this value to `json`.
    func write(to json: inout JSONText)
}

extension JSONWritable {
    /// This value as a JSON document, or nil when it holds a number JSON cannot carry (NaN or an
    /// infinity), which `JSONEncoder` refuses too.
    public func jsonData() -> Data? {
        var json = JSONText()
        write(to: &json)
        return json.isValid ? Data(json.bytes) : nil
    }
}

extension JSONText {
    /// A member written only when it has a value, as `Codable` leaves nil members out.
    @inlinable
    public mutating func member<Value: JSONWritable>(_ name: StaticString, _ value: Value?) {
        guard let value else { return }
        key(name)
        value.write(to: &self)
    }
}

extension String: JSONWritable {
    public func write(to json: inout JSONText) { json.string(self) }
}

extension Int: JSONWritable {
    public func write(to json: inout JSONText) { json.integer(self) }
}

extension Bool: JSONWritable {
    public func write(to json: inout JSONText) { json.boolean(self) }
}

extension Double: JSONWritable {
    public func write(to json: inout JSONText) { json.number(self) }
}

extension Date: JSONWritable {
    /// Seconds since 1970, as `ECSJSON.encoder()`'s date strategy writes a date.
    public func write(to json: inout JSONText) { json.date(self) }
}

extension Data: JSONWritable {
    /// Base64, as `JSONEncoder` writes data by default.
    public func write(to json: inout JSONText) { json.string(base64EncodedString()) }
}

extension Array: JSONWritable where Element: JSONWritable {
    public func write(to json: inout JSONText) {
        json.array(self) { json, element in element.write(to: &json) }
    }
}

extension Dictionary: JSONWritable where Key == String, Value: JSONWritable {
    public func write(to json: inout JSONText) {
        json.open()
        for (key, value) in self {
            json.key(key)
            value.write(to: &json)
        }
        json.close()
    }
}

extension JSONValue: JSONWritable {
    public func write(to json: inout JSONText) {
        switch self {
        case .null: json.null()
        case .bool(let value): json.boolean(value)
        case .number(let value): json.number(value)
        case .string(let value): json.string(value)
        case .array(let value): value.write(to: &json)
        case .object(let value): value.write(to: &json)
        }
    }
}
