/// An IPv4 network in CIDR notation (`10.64.0.0/10`), and the blocks it divides into: the task
/// address range the controller leases to nodes a block at a time.
public struct IPv4Network: Hashable, Sendable, CustomStringConvertible {
    /// The network's first address, as a 32-bit number.
    public var address: UInt32
    /// 0 to 32.
    public var prefixLength: Int

    /// Parses `A.B.C.D/N`; nil when it is not one, or when bits beyond the prefix are set.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let length = Int(parts[1]), (0...32).contains(length),
            let address = Self.address(String(parts[0]))
        else { return nil }
        let network = IPv4Network(address: address, prefixLength: length)
        guard network.address == address else { return nil }
        self = network
    }

    /// The network of `prefixLength` bits starting at `address` (bits beyond it cleared).
    public init(address: UInt32, prefixLength: Int) {
        self.prefixLength = prefixLength
        self.address = 0
        self.address = address & mask
    }

    /// `127.0.0.0/8`: a machine's own loopback addresses.
    public static let loopback = IPv4Network(address: 0x7F00_0000, prefixLength: 8)

    /// The bits of the prefix.
    public var mask: UInt32 { prefixLength == 0 ? 0 : UInt32.max << (32 - UInt32(prefixLength)) }

    public var description: String { "\(Self.text(address))/\(prefixLength)" }

    /// Whether `address` is in the network.
    public func contains(_ address: UInt32) -> Bool { address & mask == self.address }

    /// Whether `other` lies wholly inside this network.
    public func contains(_ other: IPv4Network) -> Bool {
        other.prefixLength >= prefixLength && contains(other.address)
    }

    /// How many blocks of `length` bits it holds (0 when `length` is shorter than its prefix).
    public func blockCount(_ length: Int) -> Int {
        guard (prefixLength...32).contains(length) else { return 0 }
        return 1 << (length - prefixLength)
    }

    /// Block `index` (from 0) of `length` bits.
    public func block(_ index: Int, _ length: Int) -> IPv4Network? {
        guard index >= 0, index < blockCount(length) else { return nil }
        return IPv4Network(address: address + UInt32(index) << UInt32(32 - length), prefixLength: length)
    }

    /// `A.B.C.D` as a 32-bit number.
    public static func address(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard octet.count <= 3, let number = UInt32(octet), number <= 255 else { return nil }
            value = value << 8 | number
        }
        return value
    }

    /// A 32-bit number as `A.B.C.D`.
    public static func text(_ address: UInt32) -> String {
        [24, 16, 8, 0].map { String(address >> UInt32($0) & 0xFF) }.joined(separator: ".")
    }
}
