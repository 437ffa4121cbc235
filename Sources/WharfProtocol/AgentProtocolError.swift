/// An error on an agent endpoint, as JSON with a 4xx or 5xx status.
public struct AgentProtocolError: Codable, Error, Equatable, Sendable, CustomStringConvertible {
    /// Why the request failed.
    public enum Code: String, Codable, Sendable {
        /// The two sides speak different protocol versions.
        case versionMismatch
        /// The credential does not match the instance, or the instance is unknown.
        case unauthorized
        /// The instance was deregistered; the agent must not run tasks for it.
        case deregistered
        /// The cluster does not exist.
        case clusterNotFound
        /// The request is malformed.
        case invalidRequest
        /// A fault on the controller; retry.
        case serverError
        /// The activation is unknown, expired, used up, or its code is wrong.
        case activationRefused
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Whether retrying the same request can succeed.
    public var isTerminal: Bool {
        [.versionMismatch, .deregistered, .clusterNotFound, .activationRefused].contains(code)
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
