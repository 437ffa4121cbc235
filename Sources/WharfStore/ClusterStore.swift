import WharfModel
import WharfState

/// Where the controller keeps its state durably. A store applies each batch of changes atomically
/// and makes it durable before `apply` returns, so a change the controller acknowledged survives a
/// crash at any instant.
public protocol ClusterStore: Sendable {
    /// Reads everything stored.
    func load() async throws(StoreError) -> StoredState
    /// Applies `changes` in one transaction, durably.
    func apply(_ changes: [StateChange]) async throws(StoreError)
    /// Releases the store; no call may follow.
    func close() async
}

/// A failure of the store, with what it was doing and the underlying cause.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is.
    public enum Code: String, Sendable {
        case open, migrate, read, write, locked
        /// What the request names does not exist (a log group or stream).
        case notFound
        /// What the request would create exists already.
        case alreadyExists
        /// This controller no longer holds the leadership lease it writes under (PostgreSQL).
        case fenced
    }

    /// What kind of failure this is.
    public var code: Code
    /// What happened, for the operator.
    public var message: String
    /// The error underneath, if any.
    public var cause: (any Error & Sendable)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        cause.map { "\(message): \($0)" } ?? message
    }
}
