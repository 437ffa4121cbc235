import Foundation

/// What `wharf lab` reports when a step cannot be done: the step and what to do.
public struct LabError: Error, CustomStringConvertible, LocalizedError, Sendable {
    public var description: String
    public var errorDescription: String? { description }
    public init(_ description: String) { self.description = description }
}
