/// CloudWatch's metric alarms, by name.
public struct Alarms: Sendable {
    private var records: [String: AlarmRecord] = [:]

    /// Nothing.
    public init() {}

    /// The alarm named `name`.
    public subscript(name: String) -> AlarmRecord? { records[name] }

    /// Every alarm, by name.
    public var all: [AlarmRecord] { records.values.sorted { $0.name < $1.name } }

    /// How many there are.
    public var count: Int { records.count }

    @discardableResult
    mutating func put(_ record: AlarmRecord) -> AlarmRecord? {
        records.updateValue(record, forKey: record.name)
    }

    @discardableResult
    mutating func remove(_ name: String) -> AlarmRecord? {
        records.removeValue(forKey: name)
    }
}
