/// A range of ports as ECS writes it in `containerPortRange` and `hostPortRange`: `FROM-TO`.
public struct PortRange: Hashable, Sendable {
    /// The first and last port, both included.
    public var ports: ClosedRange<Int>

    /// Parses `FROM-TO`, both within 1-65535 and FROM below TO; nil otherwise.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let from = Int(parts[0]), let to = Int(parts[1]), 1 <= from, from < to, to <= 65535
        else { return nil }
        ports = from...to
    }

    /// A range of the given ports.
    public init(_ ports: ClosedRange<Int>) { self.ports = ports }

    /// `FROM-TO`.
    public var text: String { "\(ports.lowerBound)-\(ports.upperBound)" }
}
