/// Reading JSON strings: escapes resolved, UTF-8 checked, as `JSONDecoder` reads them.
extension JSONReader {
    /// Moves past a string, returning where its content lies and whether it has escapes.
    mutating func scanString() throws(Failure) -> (start: Int, end: Int, escaped: Bool) {
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
    func makeString(_ start: Int, _ end: Int, _ escaped: Bool) throws(Failure) -> String {
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
