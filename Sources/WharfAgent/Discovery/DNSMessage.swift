/// The few parts of a DNS message (RFC 1035) Wharf's DNS reads and writes: a query's ID, flags and
/// first question; answers of A and SRV records.
struct DNSQuestion: Equatable, Sendable {
    var id: UInt16
    /// Lowercase, without a trailing dot.
    var name: String
    var type: UInt16
    var recursionDesired: Bool
    /// The question section's bytes as sent (echoed in the answer).
    var section: [UInt8]

    static let typeA: UInt16 = 1
    static let typeSRV: UInt16 = 33

    /// Reads a query: one question of class IN; nil for anything else.
    static func parse(_ bytes: [UInt8]) -> DNSQuestion? {
        guard bytes.count >= 12, bytes[2] & 0x80 == 0 else { return nil }
        let questions = UInt16(bytes[4]) << 8 | UInt16(bytes[5])
        guard questions == 1 else { return nil }
        var index = 12
        var labels: [String] = []
        while index < bytes.count {
            let length = Int(bytes[index])
            if length == 0 { break }
            guard length < 64, index + 1 + length <= bytes.count else { return nil }
            labels.append(String(decoding: bytes[(index + 1)..<(index + 1 + length)], as: UTF8.self).lowercased())
            index += 1 + length
        }
        guard index + 5 <= bytes.count else { return nil }
        let type = UInt16(bytes[index + 1]) << 8 | UInt16(bytes[index + 2])
        let klass = UInt16(bytes[index + 3]) << 8 | UInt16(bytes[index + 4])
        guard klass == 1 else { return nil }
        return DNSQuestion(
            id: UInt16(bytes[0]) << 8 | UInt16(bytes[1]),
            name: labels.joined(separator: "."),
            type: type,
            recursionDesired: bytes[2] & 0x01 != 0,
            section: Array(bytes[12..<(index + 5)])
        )
    }

    /// The answer with `records` (each already in wire form after the name), or `rcode` 3
    /// (the name does not exist) when `exists` is false.
    func answer(_ records: [(type: UInt16, ttl: Int, data: [UInt8])], exists: Bool) -> [UInt8] {
        var out: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF)]
        // QR, AA, RD as asked, RA; RCODE 0 or 3.
        out.append(0x84 | (recursionDesired ? 0x01 : 0))
        out.append(0x80 | (exists ? 0 : 3))
        out += [0, 1, UInt8(records.count >> 8), UInt8(records.count & 0xFF), 0, 0, 0, 0]
        out += section
        for record in records {
            out += [0xC0, 0x0C, UInt8(record.type >> 8), UInt8(record.type & 0xFF), 0, 1]
            let ttl = UInt32(max(0, record.ttl))
            out += [UInt8(ttl >> 24), UInt8((ttl >> 16) & 0xFF), UInt8((ttl >> 8) & 0xFF), UInt8(ttl & 0xFF)]
            out += [UInt8(record.data.count >> 8), UInt8(record.data.count & 0xFF)]
            out += record.data
        }
        return out
    }

    /// A failure answer (`rcode` 2, SERVFAIL) for a query that could not be answered.
    func failure() -> [UInt8] {
        var out = answer([], exists: true)
        out[3] = 0x80 | 2
        return out
    }

    /// The wire form of a name.
    static func encodeName(_ name: String) -> [UInt8] {
        var out: [UInt8] = []
        for label in name.split(separator: ".") {
            let bytes = Array(label.utf8.prefix(63))
            out.append(UInt8(bytes.count))
            out += bytes
        }
        return out + [0]
    }

    /// The data of an A record; nil for text that is not an IPv4 address.
    static func aData(_ address: String) -> [UInt8]? {
        let parts = address.split(separator: ".").compactMap { UInt8($0) }
        return parts.count == 4 ? parts : nil
    }

    /// The data of an SRV record from `priority weight port target`.
    static func srvData(_ value: String) -> [UInt8]? {
        let parts = value.split(separator: " ")
        guard parts.count == 4, let priority = UInt16(parts[0]), let weight = UInt16(parts[1]),
            let port = UInt16(parts[2])
        else { return nil }
        return [
            UInt8(priority >> 8), UInt8(priority & 0xFF), UInt8(weight >> 8), UInt8(weight & 0xFF),
            UInt8(port >> 8), UInt8(port & 0xFF),
        ] + encodeName(String(parts[3]))
    }
}
