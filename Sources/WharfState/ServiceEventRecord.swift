import Foundation

/// One entry of a service's event list.
public struct ServiceEventRecord: Codable, Equatable, Sendable {
    public var id: String
    public var createdAt: Date
    public var message: String

    /// Creates an event.
    public init(id: String, createdAt: Date, message: String) {
        self.id = id
        self.createdAt = createdAt
        self.message = message
    }
}
