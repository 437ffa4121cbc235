/// What lets nodes and people in: activations (by ID) and stored access keys (by key ID).
public struct Credentials: Sendable {
    private var activationRecords: [String: ActivationRecord] = [:]
    private var accessKeyRecords: [String: AccessKeyRecord] = [:]

    /// No credentials.
    public init() {}

    /// The activation with this ID.
    public func activation(_ id: String) -> ActivationRecord? { activationRecords[id] }

    /// Every activation, in no particular order.
    public var activations: Dictionary<String, ActivationRecord>.Values { activationRecords.values }

    /// The stored access key with this ID.
    public func accessKey(_ id: String) -> AccessKeyRecord? { accessKeyRecords[id] }

    /// Every stored access key, in no particular order.
    public var accessKeys: Dictionary<String, AccessKeyRecord>.Values { accessKeyRecords.values }

    @discardableResult
    mutating func put(_ record: ActivationRecord) -> ActivationRecord? {
        activationRecords.updateValue(record, forKey: record.id)
    }

    @discardableResult
    mutating func removeActivation(_ id: String) -> ActivationRecord? {
        activationRecords.removeValue(forKey: id)
    }

    @discardableResult
    mutating func put(_ record: AccessKeyRecord) -> AccessKeyRecord? {
        accessKeyRecords.updateValue(record, forKey: record.accessKeyId)
    }

    @discardableResult
    mutating func removeAccessKey(_ id: String) -> AccessKeyRecord? {
        accessKeyRecords.removeValue(forKey: id)
    }
}
