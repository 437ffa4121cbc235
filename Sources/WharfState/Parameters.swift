/// Every Parameter Store parameter, by name, with the names kept in order for path queries.
public struct Parameters: Sendable {
    private var records: [String: ParameterRecord] = [:]
    private var sortedNames: [String] = []

    /// No parameters.
    public init() {}

    /// The parameter with this name.
    public subscript(name: String) -> ParameterRecord? { records[name] }

    /// How many parameters are held.
    public var count: Int { records.count }

    /// Every parameter's name, in order.
    public var names: [String] { sortedNames }

    /// The names that begin with `prefix`, in order.
    public func names(withPrefix prefix: String) -> ArraySlice<String> {
        let start = insertionIndex(of: prefix)
        var end = start
        while end < sortedNames.count, sortedNames[end].hasPrefix(prefix) { end += 1 }
        return sortedNames[start..<end]
    }

    @discardableResult
    mutating func put(_ record: ParameterRecord) -> ParameterRecord? {
        let old = records.updateValue(record, forKey: record.name)
        if old == nil { sortedNames.insert(record.name, at: insertionIndex(of: record.name)) }
        return old
    }

    @discardableResult
    mutating func remove(_ name: String) -> ParameterRecord? {
        guard let old = records.removeValue(forKey: name) else { return nil }
        let index = insertionIndex(of: name)
        if index < sortedNames.count, sortedNames[index] == name { sortedNames.remove(at: index) }
        return old
    }

    /// Where `name` is or would go in `sortedNames`.
    private func insertionIndex(of name: String) -> Int {
        var low = 0
        var high = sortedNames.count
        while low < high {
            let middle = (low + high) / 2
            if sortedNames[middle] < name { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
