/// A statistic CloudWatch computes over a period: the five standard ones and percentiles (`p99`,
/// `p99.9`).
public enum MetricStatistic: Hashable, Sendable, CustomStringConvertible {
    case sampleCount
    case average
    case sum
    case minimum
    case maximum
    /// The percentile, between 0 and 100.
    case percentile(Double)

    /// The standard statistics by their names in the API.
    public static let standard: [String: MetricStatistic] = [
        "SampleCount": .sampleCount, "Average": .average, "Sum": .sum, "Minimum": .minimum, "Maximum": .maximum,
    ]

    /// Reads a standard statistic's name or a percentile (`p0` to `p100`, up to two decimals).
    public init?(_ text: String) {
        if let standard = Self.standard[text] {
            self = standard
            return
        }
        guard text.hasPrefix("p"), let value = Double(text.dropFirst()), value >= 0, value <= 100,
            text.dropFirst().allSatisfy({ $0.isNumber || $0 == "." })
        else { return nil }
        let decimals = text.split(separator: ".").dropFirst().first?.count ?? 0
        guard decimals <= 2 else { return nil }
        self = .percentile(value)
    }

    /// Its name in the API.
    public var description: String {
        switch self {
        case .sampleCount: "SampleCount"
        case .average: "Average"
        case .sum: "Sum"
        case .minimum: "Minimum"
        case .maximum: "Maximum"
        case .percentile(let value):
            value == value.rounded() ? "p\(Int(value))" : "p\(value)"
        }
    }
}
