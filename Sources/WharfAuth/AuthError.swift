/// Why a request's authentication was refused, with the exception name AWS services answer with
/// (the SDKs turn `__type` into a typed error) and a message that says what to fix.
public struct AuthError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The AWS exception name.
    public enum Code: String, Sendable {
        /// No Authorization header at all.
        case missingAuthenticationToken = "MissingAuthenticationTokenException"
        /// An Authorization header or X-Amz-Date that is malformed or lacks a part.
        case incompleteSignature = "IncompleteSignatureException"
        /// An access key ID this controller does not know (or has revoked).
        case unrecognizedClient = "UnrecognizedClientException"
        /// A signature that does not match, a wrong scope, or a request outside the clock-skew window.
        case invalidSignature = "InvalidSignatureException"
    }

    /// Which refusal this is.
    public var code: Code
    /// What is wrong, for a person.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The HTTP status AWS sends it with: 403 for a missing token, 400 for the others.
    public var httpStatus: Int { code == .missingAuthenticationToken ? 403 : 400 }

    public var description: String { "\(code.rawValue): \(message)" }
}
