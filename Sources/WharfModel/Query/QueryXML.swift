#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Writes the answers of an AWS Query protocol service as XML, as botocore reads them: the result
/// inside `<ActionResponse><ActionResult>`, a structure's members as elements named by their coding
/// keys, a list's elements as `<member>`, timestamps in ISO 8601 with milliseconds, booleans as
/// `true`/`false`; members that are nil are left out.
public enum QueryXML {
    /// The answer to `action` carrying `result`.
    /// - Throws: an encoding error of `result` (a bug, not a caller's fault).
    public static func response(
        action: String,
        result: some Encodable,
        namespace: String,
        requestID: String
    ) throws -> [UInt8] {
        let body = XMLElement(name: "\(action)Result")
        try result.encode(to: XMLNodeEncoder(element: body, codingPath: []))
        let metadata = XMLElement(name: "ResponseMetadata")
        metadata.children.append(XMLElement(name: "RequestId", text: requestID))
        var out = Array(#"<?xml version="1.0" encoding="UTF-8"?>"#.utf8)
        out += Array("\n<\(action)Response xmlns=\"\(namespace)\">".utf8)
        body.write(into: &out)
        metadata.write(into: &out)
        out += Array("</\(action)Response>\n".utf8)
        return out
    }

    /// An error answer: `Sender` for the caller's faults, `Receiver` for the service's.
    public static func error(
        code: String,
        message: String,
        sender: Bool,
        namespace: String,
        requestID: String
    ) -> [UInt8] {
        let error = XMLElement(name: "Error")
        error.children = [
            XMLElement(name: "Type", text: sender ? "Sender" : "Receiver"),
            XMLElement(name: "Code", text: code),
            XMLElement(name: "Message", text: message),
        ]
        var out = Array(#"<?xml version="1.0" encoding="UTF-8"?>"#.utf8)
        out += Array("\n<ErrorResponse xmlns=\"\(namespace)\">".utf8)
        error.write(into: &out)
        XMLElement(name: "RequestId", text: requestID).write(into: &out)
        out += Array("</ErrorResponse>\n".utf8)
        return out
    }

    /// A timestamp as AWS's XML answers carry it: `2026-12-05T09:30:00.123Z`.
    public static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

/// An element being written: its text or its child elements.
final class XMLElement {
    let name: String
    var text: String?
    var children: [XMLElement] = []

    init(name: String, text: String? = nil) {
        self.name = name
        self.text = text
    }

    func write(into out: inout [UInt8]) {
        out += Array("<\(name)>".utf8)
        if let text { Self.escape(text, into: &out) }
        for child in children { child.write(into: &out) }
        out += Array("</\(name)>".utf8)
    }

    static func escape(_ text: String, into out: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): out += Array("&amp;".utf8)
            case UInt8(ascii: "<"): out += Array("&lt;".utf8)
            case UInt8(ascii: ">"): out += Array("&gt;".utf8)
            case UInt8(ascii: "\""): out += Array("&quot;".utf8)
            case UInt8(ascii: "\r"): out += Array("&#13;".utf8)
            default: out.append(byte)
            }
        }
    }
}

struct XMLNodeEncoder: Encoder {
    let element: XMLElement
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(XMLKeyedContainer<Key>(element: element, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        XMLUnkeyedContainer(element: element, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        XMLSingleValue(element: element, codingPath: codingPath)
    }

    /// Encodes a value into this element, timestamps as ISO 8601.
    func encode<T: Encodable>(_ value: T) throws {
        if let date = value as? Date {
            element.text = QueryXML.timestamp(date)
        } else if let map = value as? any XMLMap {
            try map.encodeEntries(into: self)
        } else {
            try value.encode(to: self)
        }
    }
}

/// A map as the Query protocol's XML has it: `<entry><key>K</key><value>V</value></entry>` per
/// entry, in key order.
protocol XMLMap {
    func encodeEntries(into encoder: XMLNodeEncoder) throws
}

extension Dictionary: XMLMap where Key == String, Value: Encodable {
    func encodeEntries(into encoder: XMLNodeEncoder) throws {
        for (key, value) in sorted(by: { $0.key < $1.key }) {
            let entry = XMLElement(name: "entry")
            entry.children.append(XMLElement(name: "key", text: key))
            let valueElement = XMLElement(name: "value")
            entry.children.append(valueElement)
            encoder.element.children.append(entry)
            try XMLNodeEncoder(element: valueElement, codingPath: encoder.codingPath).encode(value)
        }
    }
}

struct XMLKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let element: XMLElement
    let codingPath: [any CodingKey]

    private func child(_ key: Key) -> XMLNodeEncoder {
        let child = XMLElement(name: key.stringValue)
        element.children.append(child)
        return XMLNodeEncoder(element: child, codingPath: codingPath + [key])
    }

    mutating func encodeNil(forKey key: Key) throws {}

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try child(key).encode(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type,
        forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        child(key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        child(key).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { XMLNodeEncoder(element: element, codingPath: codingPath) }

    mutating func superEncoder(forKey key: Key) -> any Encoder { child(key) }
}

struct XMLUnkeyedContainer: UnkeyedEncodingContainer {
    let element: XMLElement
    let codingPath: [any CodingKey]
    var count = 0

    init(element: XMLElement, codingPath: [any CodingKey]) {
        self.element = element
        self.codingPath = codingPath
    }

    private mutating func next() -> XMLNodeEncoder {
        let child = XMLElement(name: "member")
        element.children.append(child)
        count += 1
        return XMLNodeEncoder(element: child, codingPath: codingPath + [QueryCodingKey(intValue: count - 1)])
    }

    mutating func encodeNil() throws {}

    mutating func encode<T: Encodable>(_ value: T) throws { try next().encode(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    ) -> KeyedEncodingContainer<NestedKey> {
        next().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { next().unkeyedContainer() }

    mutating func superEncoder() -> any Encoder { next() }
}

struct XMLSingleValue: SingleValueEncodingContainer {
    let element: XMLElement
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws {}
    mutating func encode(_ value: Bool) throws { element.text = value ? "true" : "false" }
    mutating func encode(_ value: String) throws { element.text = value }
    mutating func encode(_ value: Double) throws { element.text = "\(value)" }
    mutating func encode(_ value: Float) throws { element.text = "\(value)" }
    mutating func encode(_ value: Int) throws { element.text = String(value) }
    mutating func encode(_ value: Int8) throws { element.text = String(value) }
    mutating func encode(_ value: Int16) throws { element.text = String(value) }
    mutating func encode(_ value: Int32) throws { element.text = String(value) }
    mutating func encode(_ value: Int64) throws { element.text = String(value) }
    mutating func encode(_ value: UInt) throws { element.text = String(value) }
    mutating func encode(_ value: UInt8) throws { element.text = String(value) }
    mutating func encode(_ value: UInt16) throws { element.text = String(value) }
    mutating func encode(_ value: UInt32) throws { element.text = String(value) }
    mutating func encode(_ value: UInt64) throws { element.text = String(value) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try XMLNodeEncoder(element: element, codingPath: codingPath).encode(value)
    }
}
