/// Every cluster, ACTIVE or INACTIVE, by name.
public struct Clusters: Sendable {
    private var records: [String: ClusterRecord] = [:]

    /// No clusters.
    public init() {}

    /// The cluster with this name, whatever its status.
    public subscript(name: String) -> ClusterRecord? { records[name] }

    /// Every cluster, in no particular order.
    public var all: Dictionary<String, ClusterRecord>.Values { records.values }

    @discardableResult
    mutating func put(_ record: ClusterRecord) -> ClusterRecord? {
        records.updateValue(record, forKey: record.name)
    }

    @discardableResult
    mutating func remove(_ name: String) -> ClusterRecord? {
        records.removeValue(forKey: name)
    }
}
