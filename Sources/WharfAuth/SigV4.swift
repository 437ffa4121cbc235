import Crypto
import Foundation

/// AWS Signature Version 4, as the AWS CLI, boto3 and every AWS SDK sign requests: the canonical
/// request, the string to sign, the derived signing key and the signature. Shared by the
/// controller (which verifies) and Wharf's own clients (which sign), so both compute the same
/// bytes. Reference: the AWS General Reference, "Create a signed AWS API request".
public enum SigV4 {
    /// The only algorithm served.
    public static let algorithm = "AWS4-HMAC-SHA256"
    /// The hex SHA-256 of an empty payload.
    public static let emptyPayloadHash = hexSHA256(Data())

    /// A request as signing sees it.
    public struct Request: Sendable {
        /// `GET`, `POST`, ...
        public var method: String
        /// The path as sent, without the query (`/`).
        public var path: String
        /// The query as sent, without `?` (often empty).
        public var query: String
        /// Every header, names in any case; `host` included.
        public var headers: [(name: String, value: String)]
        /// The hex SHA-256 of the body.
        public var payloadHash: String

        /// Creates a request.
        public init(method: String, path: String, query: String = "", headers: [(name: String, value: String)], payloadHash: String) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }

        /// The values of the header `name` (case-insensitive), in order.
        public func values(_ name: String) -> [String] {
            var found: [String] = []
            for header in headers where SigV4.equalsIgnoringCase(header.name, name) { found.append(header.value) }
            return found
        }
    }

    /// The credential scope: `date/region/service/aws4_request`.
    public struct Scope: Equatable, Sendable {
        /// `yyyyMMdd`.
        public var date: String
        public var region: String
        public var service: String

        /// Creates a scope.
        public init(date: String, region: String, service: String) {
            self.date = date
            self.region = region
            self.service = service
        }

        /// The scope as it appears in the Credential and the string to sign.
        public var text: String { "\(date)/\(region)/\(service)/aws4_request" }
    }

    /// The canonical request over `signedHeaders` (lowercase names).
    public static func canonicalRequest(_ request: Request, signedHeaders: [String]) -> String {
        let headerLines = signedHeaders.map { name in
            let value = request.values(name).map(trimmedValue).joined(separator: ",")
            return "\(name):\(value)\n"
        }.joined()
        return [request.method.uppercased(), canonicalPath(request.path), canonicalQuery(request.query),
                headerLines, signedHeaders.joined(separator: ";"), request.payloadHash].joined(separator: "\n")
    }

    /// The string to sign for a canonical request.
    public static func stringToSign(canonicalRequest: String, amzDate: String, scope: Scope) -> String {
        [algorithm, amzDate, scope.text, hexSHA256(Data(canonicalRequest.utf8))].joined(separator: "\n")
    }

    /// The hex signature: the string to sign under the key derived from `secret` for `scope`.
    public static func signature(secret: String, scope: Scope, stringToSign: String) -> String {
        signature(signingKey: signingKey(secret: secret, scope: scope), stringToSign: stringToSign)
    }

    /// The key derived from `secret` for `scope` (four HMACs; the same all day for one scope).
    public static func signingKey(secret: String, scope: Scope) -> SymmetricKey {
        var key = SymmetricKey(data: Data("AWS4\(secret)".utf8))
        for part in [scope.date, scope.region, scope.service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }

    /// The hex signature of the string to sign under a derived key.
    public static func signature(signingKey: SymmetricKey, stringToSign: String) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: signingKey))
    }

    /// The hex SHA-256 of `data`.
    public static func hexSHA256(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    /// `yyyyMMdd'T'HHmmss'Z'` in UTC, as X-Amz-Date has it. Computed with the proleptic Gregorian
    /// calendar's arithmetic rather than `Calendar`, which cost more than the signature itself.
    public static func amzDate(_ date: Date) -> String {
        let seconds = Int((date.timeIntervalSince1970).rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let time = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let paddedYear = String(repeating: "0", count: max(0, 4 - String(year).count)) + String(year)
        return "\(paddedYear)\(two(month))\(two(day))T\(two(time / 3600))\(two(time / 60 % 60))\(two(time % 60))Z"
    }

    /// Days since 1970-01-01 of a date of the proleptic Gregorian calendar (Howard Hinnant's
    /// `days_from_civil`).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date of the proleptic Gregorian calendar `days` after 1970-01-01 (`civil_from_days`).
    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shifted = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shifted + 2) / 5 + 1
        let month = shifted < 10 ? shifted + 3 : shifted - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Parses an X-Amz-Date; nil unless it is exactly `yyyyMMdd'T'HHmmss'Z'`.
    public static func parseAmzDate(_ text: String) -> Date? {
        let chars = Array(text.utf8)
        guard chars.count == 16, chars[8] == UInt8(ascii: "T"), chars[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let c = chars[index]
                guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(c - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
              let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        let days = days(year: year, month: month, day: day)
        // A day past the month's end (20260231) comes back as another date: refused.
        guard civil(fromDays: days) == (year, month, day), second < 60 else { return nil }
        return Date(timeIntervalSince1970: Double(days * 86_400 + hour * 3600 + minute * 60 + second))
    }

    // MARK: - Canonical forms

    /// Characters left as they are by URI encoding (RFC 3986 unreserved).
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Percent-encodes every byte but the unreserved ones (and `/` when `keepSlash`), in uppercase hex.
    public static func uriEncode(_ text: String, keepSlash: Bool = false) -> String {
        uriEncode(bytes: Array(text.utf8), keepSlash: keepSlash)
    }

    static func uriEncode(bytes: [UInt8], keepSlash: Bool = false) -> String {
        var out = ""
        for byte in bytes {
            if isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    /// Decodes `%XX` escapes to bytes (never through `String`, so invalid UTF-8 stays distinct);
    /// a `%` not followed by two hex digits stays as it is.
    static func percentDecode(_ text: Substring) -> [UInt8] {
        let input = Array(text.utf8)
        var bytes: [UInt8] = []
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "%"), index + 2 < input.count,
               let value = UInt8(String(decoding: input[(index + 1)...(index + 2)], as: UTF8.self), radix: 16) {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(input[index])
                index += 1
            }
        }
        return bytes
    }

    /// The path as the AWS CLI canonicalizes it for services other than S3: the path as sent,
    /// URI-encoded once more with `/` kept; an empty path is `/`.
    static func canonicalPath(_ path: String) -> String {
        path.isEmpty ? "/" : uriEncode(path, keepSlash: true)
    }

    /// The query's parameters decoded, encoded again strictly and sorted by name, then value.
    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&", omittingEmptySubsequences: true).map { item -> (String, String) in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (uriEncode(bytes: percentDecode(parts[0])), parts.count > 1 ? uriEncode(bytes: percentDecode(parts[1])) : "")
        }
        return pairs.sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// A header value with its ends trimmed and inner runs of whitespace made one space.
    static func trimmedValue(_ value: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count)
        var pendingSpace = false
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                pendingSpace = !out.isEmpty
            default:
                if pendingSpace { out.append(UInt8(ascii: " ")) }
                pendingSpace = false
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether header name `name` is `lowercase` (given in lowercase) but for the case of its ASCII
    /// letters, compared byte by byte: header names are ASCII tokens, and `lowercased()` on every
    /// header for every lookup showed in the controller's profiles.
    public static func equalsIgnoringCase(_ name: String, _ lowercase: String) -> Bool {
        guard name.utf8.count == lowercase.utf8.count else { return false }
        for (byte, expected) in zip(name.utf8, lowercase.utf8) {
            let folded = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
            if folded != expected { return false }
        }
        return true
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
