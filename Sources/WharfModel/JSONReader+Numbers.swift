/// Reading JSON numbers: checked against JSON's grammar, and read as `JSONDecoder` reads them.
extension JSONReader {
    /// Where a number lies, as JSON's grammar reads it.
    struct Number {
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
    mutating func scanNumber(expecting expected: String) throws(Failure) -> Number {
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
    func wholeNumber(_ number: Number) -> Int? {
        guard let significand = number.significand else { return Int(text(number.start, position)) }
        return number.negative ? -Int(significand) : Int(significand)
    }

    /// The nearest double to a number: at once when its digits and its power of ten are exact
    /// doubles (Clinger's fast path, one correctly rounded operation), else by the standard library.
    func doubleValue(_ number: Number) -> Double {
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
