/// A tag on a resource: a key and an optional value, as ECS and Systems Manager keep them.
public struct Tag: Codable, Hashable, Sendable {
    public var key: String
    public var value: String?

    /// Creates a tag.
    public init(key: String, value: String?) {
        self.key = key
        self.value = value
    }
}

/// A value kept by reference: one pointer in a record however large the value, and shared by
/// every copy of the record. For what a record holds as given and rarely has (a task's overrides,
/// a cluster's configuration), so the many records without it stay small.
public final class Shared<Value: Sendable & Equatable>: Sendable, Equatable {
    /// The value.
    public let value: Value

    /// Wraps `value`.
    public init(_ value: Value) {
        self.value = value
    }

    public static func == (left: Shared, right: Shared) -> Bool {
        left === right || left.value == right.value
    }
}

extension Shared: Codable where Value: Codable {
    public convenience init(from decoder: any Decoder) throws {
        self.init(try Value(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try value.encode(to: encoder)
    }
}

extension Array where Element == Tag {
    /// Adds each tag, replacing the value of one with the same key.
    public mutating func merge(_ tags: [Tag]) {
        for tag in tags {
            if let index = firstIndex(where: { $0.key == tag.key }) {
                self[index].value = tag.value
            } else {
                append(tag)
            }
        }
    }
}
