/// Every Secrets Manager secret, by name, with an index by ARN.
public struct Secrets: Sendable {
    private var records: [String: SecretRecord] = [:]
    private var names: [String: String] = [:]

    /// No secrets.
    public init() {}

    /// The secret with this name.
    public subscript(name: String) -> SecretRecord? { records[name] }

    /// The secret with this ARN.
    public func secret(arn: String) -> SecretRecord? { names[arn].flatMap { records[$0] } }

    /// Every secret, in no particular order.
    public var all: Dictionary<String, SecretRecord>.Values { records.values }

    /// How many secrets are held.
    public var count: Int { records.count }

    @discardableResult
    mutating func put(_ record: SecretRecord) -> SecretRecord? {
        let old = records.updateValue(record, forKey: record.name)
        if let old, old.arn != record.arn { names[old.arn] = nil }
        names[record.arn] = record.name
        return old
    }

    @discardableResult
    mutating func remove(_ name: String) -> SecretRecord? {
        guard let old = records.removeValue(forKey: name) else { return nil }
        names[old.arn] = nil
        return old
    }
}
