#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Whether the node's container engine answers, as its agent last found it: what ECS's
/// `CONTAINER_RUNTIME` health check of a container instance reports.
public struct RuntimeHealth: Codable, Equatable, Sendable {
    /// `OK` (the engine answered the agent's last listing and its event stream holds) or
    /// `IMPAIRED` (the stream broke and the engine has not answered since).
    public var status: String
    /// When the agent first found it so.
    public var since: Date

    /// `OK`.
    public static let ok = "OK"
    /// `IMPAIRED`.
    public static let impaired = "IMPAIRED"

    public init(status: String, since: Date) {
        self.status = status
        self.since = since
    }
}
