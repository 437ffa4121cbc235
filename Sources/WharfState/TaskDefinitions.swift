import WharfModel

/// Every task definition revision not deleted, and the last revision number of each family (kept
/// when revisions are deleted, so numbers are never reused).
public struct TaskDefinitions: Sendable {
    private var records: [TaskDefinitionKey: TaskDefinitionRecord] = [:]
    /// Each family's revisions, in ascending order.
    private var revisions: [String: [Int]] = [:]
    private var lastRevisions: [String: Int] = [:]
    /// What a task of each revision takes without overrides (nil when its sizes do not parse).
    private var demands: [TaskDefinitionKey: TaskDemand] = [:]

    /// No task definitions.
    public init() {}

    /// The revision with this key.
    public subscript(key: TaskDefinitionKey) -> TaskDefinitionRecord? { records[key] }

    /// Every revision, in no particular order.
    public var all: Dictionary<TaskDefinitionKey, TaskDefinitionRecord>.Values { records.values }

    /// How many revisions are held.
    public var count: Int { records.count }

    /// The newest revision number a family has used, deleted ones included; 0 for a new family.
    public func lastRevision(of family: String) -> Int { lastRevisions[family] ?? 0 }

    /// Every family's last revision number.
    public var familyRevisions: [String: Int] { lastRevisions }

    /// The family's newest ACTIVE revision.
    public func newestActive(family: String) -> TaskDefinitionRecord? {
        for revision in (revisions[family] ?? []).reversed() {
            if let record = records[TaskDefinitionKey(family: family, revision: revision)], record.status == .active {
                return record
            }
        }
        return nil
    }

    /// What a task of `key` takes without overrides.
    public func demand(of key: TaskDefinitionKey) -> TaskDemand? { demands[key] }

    @discardableResult
    mutating func put(_ record: TaskDefinitionRecord) -> TaskDefinitionRecord? {
        let old = records.updateValue(record, forKey: record.key)
        if old == nil { revisions[record.key.family, default: []].insertSorted(record.key.revision) }
        if old?.spec != record.spec || old == nil {
            demands[record.key] = try? TaskDemand.of(record.spec, overrides: nil)
        }
        return old
    }

    @discardableResult
    mutating func remove(_ key: TaskDefinitionKey) -> TaskDefinitionRecord? {
        guard let old = records.removeValue(forKey: key) else { return nil }
        revisions[key.family]?.removeAll { $0 == key.revision }
        if revisions[key.family]?.isEmpty == true { revisions[key.family] = nil }
        demands[key] = nil
        return old
    }

    /// Sets (or, with nil, forgets) a family's last revision number.
    mutating func setLastRevision(_ revision: Int?, of family: String) {
        lastRevisions[family] = revision
    }
}
