/// Collects constraint violations while a generated shape validates itself; each problem names the
/// member's path in the request and what is allowed.
public struct ShapeValidator: Sendable {
    /// The problems found so far, in request order.
    public private(set) var problems: [String] = []

    /// Creates an empty validator.
    public init() {}

    /// Records a problem at `path.key`.
    public mutating func report(_ message: String, at path: String, _ key: String) {
        problems.append("\(Self.join(path, key)): \(message)")
    }

    /// The path of `key` inside `path`.
    public static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// A required member must be present.
    public mutating func require<T>(_ value: T?, at path: String, _ key: String) {
        if value == nil { report("is required", at: path, key) }
    }

    /// An enum member must hold one of the model's values.
    public mutating func oneOf(_ value: String?, _ allowed: [String], at path: String, _ key: String) {
        guard let value, !allowed.contains(value) else { return }
        report("\"\(value)\" is not valid; allowed values: \(allowed.joined(separator: ", "))", at: path, key)
    }

    /// Every element of a list of enum values must be one of the model's values.
    public mutating func eachOneOf(_ values: [String]?, _ allowed: [String], at path: String, _ key: String) {
        for (index, value) in (values ?? []).enumerated() {
            oneOf(value, allowed, at: path, "\(key)[\(index)]")
        }
    }

    /// A string's or list's length must lie within the model's bounds.
    public mutating func length(_ count: Int?, min: Int, max: Int, at path: String, _ key: String) {
        guard let count, count < min || count > max else { return }
        report("length \(count) is outside the allowed \(min)...\(max)", at: path, key)
    }

    /// An integer must lie within the model's bounds.
    public mutating func range(_ value: Int?, min: Int, max: Int, at path: String, _ key: String) {
        guard let value, value < min || value > max else { return }
        report("\(value) is outside the allowed range \(min)...\(max)", at: path, key)
    }

    /// A number must lie within the model's bounds.
    public mutating func range(_ value: Double?, min: Double, max: Double, at path: String, _ key: String) {
        guard let value, value < min || value > max else { return }
        report("\(value) is outside the allowed range \(min)...\(max)", at: path, key)
    }

    /// Validates a nested structure.
    public mutating func nested<S: ECSShape>(_ value: S?, at path: String, _ key: String) {
        value?.validate(&self, at: Self.join(path, key))
    }

    /// Validates every structure of a list.
    public mutating func each<S: ECSShape>(_ values: [S]?, at path: String, _ key: String) {
        for (index, value) in (values ?? []).enumerated() {
            value.validate(&self, at: Self.join(path, "\(key)[\(index)]"))
        }
    }

    /// Validates every structure value of a map.
    public mutating func eachValue<S: ECSShape>(_ values: [String: S]?, at path: String, _ key: String) {
        for (name, value) in (values ?? [:]).sorted(by: { $0.key < $1.key }) {
            value.validate(&self, at: Self.join(path, "\(key).\(name)"))
        }
    }
}
