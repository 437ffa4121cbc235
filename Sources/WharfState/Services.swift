import Foundation
import WharfModel

/// Every service, INACTIVE ones until they expire, by ARN.
public struct Services: Sendable {
    private var records: [String: ServiceRecord] = [:]
    private var byCluster: [String: Set<String>] = [:]

    /// No services.
    public init() {}

    /// The service with this ARN.
    public subscript(arn: String) -> ServiceRecord? { records[arn] }

    /// Every service, in no particular order.
    public var all: Dictionary<String, ServiceRecord>.Values { records.values }

    /// How many services are held.
    public var count: Int { records.count }

    /// A cluster's services, INACTIVE ones included.
    public func inCluster(_ cluster: String) -> [ServiceRecord] {
        (byCluster[cluster] ?? []).compactMap { records[$0] }
    }

    /// Up to `limit` INACTIVE services that became so at or before `cutoff` (or, when that is not
    /// known, whose record is that old: `loadedAt`).
    public func inactive(before cutoff: Date, loadedAt: Date, limit: Int) -> [String] {
        records.values.lazy.filter { $0.isInactive && ($0.inactiveAt ?? loadedAt) <= cutoff }.prefix(limit).map(\.arn)
    }

    @discardableResult
    mutating func put(_ record: ServiceRecord) -> ServiceRecord? {
        let old = records.updateValue(record, forKey: record.arn)
        if let old, old.cluster != record.cluster { byCluster[old.cluster]?.remove(old.arn) }
        byCluster[record.cluster, default: []].insert(record.arn)
        return old
    }

    @discardableResult
    mutating func remove(_ arn: String) -> ServiceRecord? {
        guard let old = records.removeValue(forKey: arn) else { return nil }
        byCluster[old.cluster]?.remove(arn)
        return old
    }
}
