/// A 128-bit identifier written as 32 lowercase hexadecimal digits, as ECS writes task and container
/// instance IDs (`…:task/default/0535940edf404cc9972b41d30a1a9950`). Kept as two integers, not a
/// string: 16 bytes inline instead of a 32-character string on the heap, for every task in memory.
///
/// `Kind` only keeps the kinds apart (a task ID is not an instance ID); it holds nothing.
public struct ResourceID<Kind>: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The first 64 bits (the first 16 digits).
    public var high: UInt64
    /// The last 64 bits.
    public var low: UInt64

    /// Creates an ID from its two halves.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parses exactly 32 lowercase hexadecimal digits; nil for anything else.
    public init?(_ text: some StringProtocol) {
        var text = String(text)
        guard let id = text.withUTF8({ Self(utf8: $0[...]) }) else { return nil }
        self = id
    }

    /// The ID at the end of an ARN (`…/<cluster>/<id>`), when it is one.
    public init?(arnSuffix arn: some StringProtocol) {
        var text = String(arn)
        let id = text.withUTF8 { bytes -> Self? in
            guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return nil }
            return Self(utf8: bytes[(slash + 1)...])
        }
        guard let id else { return nil }
        self = id
    }

    /// Parses 32 lowercase hexadecimal digits given as UTF-8.
    init?(utf8 bytes: Slice<UnsafeBufferPointer<UInt8>>) {
        guard bytes.count == 32 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (offset, unit) in bytes.enumerated() {
            guard let value = HexDigits.value(of: unit) else { return nil }
            if offset < 16 { high = high << 4 | UInt64(value) } else { low = low << 4 | UInt64(value) }
        }
        self.init(high: high, low: low)
    }

    /// A random ID.
    public static func random(using generator: inout some RandomNumberGenerator) -> ResourceID {
        ResourceID(high: generator.next(), low: generator.next())
    }

    /// Appends the 32 lowercase hexadecimal digits to `bytes` as UTF-8.
    public func write(into bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: 32))
        bytes.withUnsafeMutableBufferPointer { write(into: UnsafeMutableBufferPointer(rebasing: $0[start...])) }
    }

    /// Writes the 32 lowercase hexadecimal digits at the start of `buffer`, which holds at least 32.
    public func write(into buffer: UnsafeMutableBufferPointer<UInt8>) {
        HexDigits.write(high, width: 16, into: UnsafeMutableBufferPointer(rebasing: buffer[0..<16]))
        HexDigits.write(low, width: 16, into: UnsafeMutableBufferPointer(rebasing: buffer[16..<32]))
    }

    /// The 32 lowercase hexadecimal digits.
    public var description: String {
        HexDigits.format(high, width: 16) + HexDigits.format(low, width: 16)
    }

    /// Orders as the descriptions do, so sorting IDs sorts the ARNs that end in them.
    public static func < (left: ResourceID, right: ResourceID) -> Bool {
        (left.high, left.low) < (right.high, right.low)
    }
}

/// The kind of ``TaskID``.
public enum TaskKind {}
/// The kind of ``InstanceID``.
public enum InstanceKind {}

/// A task's ID: the last part of its ARN.
public typealias TaskID = ResourceID<TaskKind>
/// A container instance's ID: the last part of its ARN.
public typealias InstanceID = ResourceID<InstanceKind>

/// A container's ID within its task: a UUID in its usual form (`0f1573ac-3e3f-42ae-8898-943c51ffe6d4`),
/// the last part of the container's ARN.
public struct ContainerID: Hashable, Sendable, CustomStringConvertible {
    /// The first 64 bits.
    public var high: UInt64
    /// The last 64 bits.
    public var low: UInt64

    /// Creates an ID from its two halves.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parses a lowercase UUID (8-4-4-4-12 hexadecimal digits); nil for anything else.
    public init?(_ text: some StringProtocol) {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12], let id = ResourceID<Self>(groups.joined()) else { return nil }
        self.init(high: id.high, low: id.low)
    }

    /// A random version 4 UUID.
    public static func random(using generator: inout some RandomNumberGenerator) -> ContainerID {
        let high = (generator.next() as UInt64) & 0xFFFF_FFFF_FFFF_0FFF | 0x0000_0000_0000_4000
        let low = (generator.next() as UInt64) & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000
        return ContainerID(high: high, low: low)
    }

    /// Appends the UUID, lowercase, with its dashes, to `bytes` as UTF-8.
    public func write(into bytes: inout [UInt8]) {
        bytes.append(contentsOf: description.utf8)
    }

    /// The UUID, lowercase, with its dashes.
    public var description: String {
        let digits = Array(HexDigits.format(high, width: 16) + HexDigits.format(low, width: 16))
        return String(digits[0..<8]) + "-" + String(digits[8..<12]) + "-" + String(digits[12..<16]) + "-"
            + String(digits[16..<20]) + "-" + String(digits[20..<32])
    }
}

/// Hexadecimal digits without Foundation's formatting.
enum HexDigits {
    /// The lowercase digit of the last four bits of `value` (arithmetic, not a table: a static
    /// table costs a `swift_once` check on every digit of every ARN).
    @inline(__always)
    static func digit(_ value: UInt64) -> UInt8 {
        let nibble = UInt8(truncatingIfNeeded: value & 0xF)
        return nibble < 10 ? nibble &+ UInt8(ascii: "0") : nibble &+ (UInt8(ascii: "a") - 10)
    }

    /// The value of one lowercase hexadecimal digit, or nil.
    static func value(of unit: UInt8) -> UInt8? {
        switch unit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): unit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): unit - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    /// Writes `value` as `width` lowercase digits, zero-padded, at the start of `buffer`.
    static func write(_ value: UInt64, width: Int, into buffer: UnsafeMutableBufferPointer<UInt8>) {
        var rest = value
        for index in stride(from: width - 1, through: 0, by: -1) {
            buffer[index] = digit(rest)
            rest >>= 4
        }
    }

    /// `value` as `width` lowercase digits, zero-padded.
    static func format(_ value: UInt64, width: Int) -> String {
        String(unsafeUninitializedCapacity: width) { buffer in
            write(value, width: width, into: buffer)
            return width
        }
    }
}

/// An identifier kept as numbers and written as text.
protocol TextIdentifier: Codable, CustomStringConvertible {
    init?(_ text: String)
}

extension TextIdentifier {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = Self(text) else {
            let context = DecodingError.Context(
                codingPath: decoder.codingPath,
                debugDescription: "\"\(text)\" is not a \(Self.self)"
            )
            throw DecodingError.dataCorrupted(context)
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension ResourceID: TextIdentifier {}
extension ContainerID: TextIdentifier {}
