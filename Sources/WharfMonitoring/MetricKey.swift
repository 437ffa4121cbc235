/// One name-value pair that, with the namespace and the name, identifies a metric.
public struct MetricDimension: Codable, Hashable, Sendable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A metric as CloudWatch identifies it: a namespace, a name and a set of dimensions. Dimensions
/// are kept sorted by name, so the same set given in any order is the same metric.
public struct MetricKey: Hashable, Sendable, Comparable {
    public var namespace: String
    public var name: String
    public private(set) var dimensions: [MetricDimension]

    public init(namespace: String, name: String, dimensions: [MetricDimension] = []) {
        self.namespace = namespace
        self.name = name
        self.dimensions = dimensions.sorted { ($0.name, $0.value) < ($1.name, $1.value) }
    }

    /// The value of the dimension named `name`, if the metric has it.
    public func dimension(_ name: String) -> String? {
        dimensions.first { $0.name == name }?.value
    }

    /// The dimensions as one line of text, unique per set (the store's key): `name=value` pairs
    /// joined by newlines, each part with its backslashes, `=` and newlines escaped.
    public var dimensionsText: String {
        dimensions.map { "\(Self.escaped($0.name))=\(Self.escaped($0.value))" }.joined(separator: "\n")
    }

    /// Reads what ``dimensionsText`` wrote.
    public static func dimensions(fromText text: String) -> [MetricDimension] {
        guard !text.isEmpty else { return [] }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var name = ""
            var value = ""
            var escaping = false
            var inValue = false
            for character in line {
                if escaping {
                    let decoded: Character = character == "n" ? "\n" : character
                    if inValue { value.append(decoded) } else { name.append(decoded) }
                    escaping = false
                } else if character == "\\" {
                    escaping = true
                } else if character == "=" && !inValue {
                    inValue = true
                } else if inValue {
                    value.append(character)
                } else {
                    name.append(character)
                }
            }
            return MetricDimension(name: name, value: value)
        }
    }

    static func escaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "=": out += "\\="
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    public static func < (left: MetricKey, right: MetricKey) -> Bool {
        (left.namespace, left.name, left.dimensionsText) < (right.namespace, right.name, right.dimensionsText)
    }
}
