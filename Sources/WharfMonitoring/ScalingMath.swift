/// How a step changes capacity.
public enum AdjustmentType: String, Codable, Sendable, CaseIterable {
    case changeInCapacity = "ChangeInCapacity"
    case percentChangeInCapacity = "PercentChangeInCapacity"
    case exactCapacity = "ExactCapacity"
}

/// One step of a step scaling policy: for a metric between `lower` and `upper` past the alarm's
/// threshold (either bound open when nil), the adjustment.
public struct ScalingStep: Codable, Equatable, Sendable {
    public var lower: Double?
    public var upper: Double?
    public var adjustment: Int

    public init(lower: Double?, upper: Double?, adjustment: Int) {
        self.lower = lower
        self.upper = upper
        self.adjustment = adjustment
    }

    /// Whether `breach` (the metric minus the threshold) falls in the step: from its lower bound,
    /// inclusive, to its upper bound, exclusive.
    public func contains(_ breach: Double) -> Bool {
        (lower.map { breach >= $0 } ?? true) && (upper.map { breach < $0 } ?? true)
    }
}

/// Application Auto Scaling's arithmetic.
public enum ScalingMath {
    /// Target tracking's new capacity: proportional to how far the metric is from the target,
    /// `ceil(current × metric / target)`, at least one more (scaling out) or one fewer (in) than
    /// `current`, within `minimum...maximum`. A metric of nothing keeps `current`.
    public static func targetTracking(
        current: Int,
        metric: Double,
        target: Double,
        scaleOut: Bool,
        minimum: Int,
        maximum: Int
    ) -> Int {
        guard target > 0, metric.isFinite, current > 0 || scaleOut else { return clamp(current, minimum, maximum) }
        let proportional = Int((Double(max(current, 1)) * metric / target).rounded(.up))
        let wanted = scaleOut ? max(proportional, current + 1) : min(proportional, current - 1)
        return clamp(wanted, minimum, maximum)
    }

    /// Step scaling's new capacity for a metric `breach` past the alarm's threshold, within
    /// `minimum...maximum`; nil when no step holds the breach.
    public static func step(
        current: Int,
        breach: Double,
        steps: [ScalingStep],
        adjustmentType: AdjustmentType,
        minAdjustmentMagnitude: Int?,
        minimum: Int,
        maximum: Int
    ) -> Int? {
        guard let step = steps.first(where: { $0.contains(breach) }) else { return nil }
        let wanted: Int
        switch adjustmentType {
        case .changeInCapacity:
            wanted = current + step.adjustment
        case .exactCapacity:
            wanted = step.adjustment
        case .percentChangeInCapacity:
            // Fractions round toward zero; a change below one is one; then the minimum magnitude.
            var change = Int(Double(current) * Double(step.adjustment) / 100)
            if change == 0 && step.adjustment != 0 { change = step.adjustment > 0 ? 1 : -1 }
            if let magnitude = minAdjustmentMagnitude, abs(change) < magnitude {
                change = change >= 0 ? magnitude : -magnitude
            }
            wanted = current + change
        }
        return clamp(wanted, minimum, maximum)
    }

    static func clamp(_ value: Int, _ minimum: Int, _ maximum: Int) -> Int {
        min(max(value, minimum), maximum)
    }
}
