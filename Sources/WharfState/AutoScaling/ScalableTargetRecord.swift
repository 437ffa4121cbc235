import Foundation

/// Which dynamic and scheduled scaling of a scalable target is paused.
public struct SuspendedState: Codable, Equatable, Sendable {
    public var dynamicScalingIn: Bool
    public var dynamicScalingOut: Bool
    public var scheduledScaling: Bool

    public init(dynamicScalingIn: Bool = false, dynamicScalingOut: Bool = false, scheduledScaling: Bool = false) {
        self.dynamicScalingIn = dynamicScalingIn
        self.dynamicScalingOut = dynamicScalingOut
        self.scheduledScaling = scheduledScaling
    }
}

/// What Application Auto Scaling scales: an ECS service's desired count, kept between a minimum
/// and a maximum; with the times of its last scalings, which the cooldowns are counted from.
public struct ScalableTargetRecord: Codable, Equatable, Sendable {
    /// `service/CLUSTER/SERVICE`.
    public var resourceId: String
    /// `ecs:service:DesiredCount`.
    public var scalableDimension: String
    public var minCapacity: Int
    public var maxCapacity: Int
    public var roleARN: String
    public var suspended: SuspendedState
    /// The ID that ends its ARN.
    public var id: String
    public var createdAt: Date
    public var tags: [Tag]
    /// When a policy last scaled it out, from what and to what; when one last scaled it in.
    public var lastScaleOutAt: Date?
    public var lastScaleOutFrom: Int?
    public var lastScaleOutCapacity: Int?
    public var lastScaleInAt: Date?
    /// The not scaled activity last recorded since the target last scaled (its reason code and
    /// cause): an alarm that stays in ALARM at a limit records it once, not every period.
    public var lastNotScaled: String?

    public init(
        resourceId: String,
        scalableDimension: String,
        minCapacity: Int,
        maxCapacity: Int,
        roleARN: String,
        suspended: SuspendedState = SuspendedState(),
        id: String,
        createdAt: Date,
        tags: [Tag] = []
    ) {
        self.resourceId = resourceId
        self.scalableDimension = scalableDimension
        self.minCapacity = minCapacity
        self.maxCapacity = maxCapacity
        self.roleARN = roleARN
        self.suspended = suspended
        self.id = id
        self.createdAt = createdAt
        self.tags = tags
    }

    /// Its key: the resource and the dimension.
    public var key: ScalableTargetKey {
        ScalableTargetKey(resourceId: resourceId, scalableDimension: scalableDimension)
    }

    /// The ECS service's cluster and name, from `service/CLUSTER/SERVICE`.
    public var service: (cluster: String, name: String)? {
        let parts = resourceId.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "service", !parts[1].isEmpty, !parts[2].isEmpty else { return nil }
        return (String(parts[1]), String(parts[2]))
    }
}

/// A scalable target's identity.
public struct ScalableTargetKey: Hashable, Codable, Sendable, Comparable {
    public var resourceId: String
    public var scalableDimension: String

    public init(resourceId: String, scalableDimension: String) {
        self.resourceId = resourceId
        self.scalableDimension = scalableDimension
    }

    /// One line: `resourceId|dimension`.
    public var text: String { "\(resourceId)|\(scalableDimension)" }

    public static func < (left: ScalableTargetKey, right: ScalableTargetKey) -> Bool { left.text < right.text }
}
