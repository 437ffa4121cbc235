import Foundation

/// A capacity provider of ECS's `EC2_AUTOSCALING` type as Wharf keeps it. On your own machines
/// there is no Auto Scaling group: the group its `autoScalingGroupArn` names (an ARN or a bare
/// name) is a node group, and the nodes in it are those whose `wharf.node-group` attribute has
/// that name (`wharf-agent --attribute wharf.node-group=NAME`, or PutAttributes).
public struct CapacityProviderRecord: Codable, Equatable, Sendable {
    /// The node attribute that places a node in a group.
    public static let nodeGroupAttribute = "wharf.node-group"

    public var name: String
    /// `autoScalingGroupArn` as given.
    public var autoScalingGroup: String
    public var managedScaling: ManagedScalingSettings
    public var managedTerminationProtection: Bool
    public var managedDraining: Bool
    public var tags: [Tag]

    public init(
        name: String,
        autoScalingGroup: String,
        managedScaling: ManagedScalingSettings = ManagedScalingSettings(),
        managedTerminationProtection: Bool = false,
        managedDraining: Bool = true,
        tags: [Tag] = []
    ) {
        self.name = name
        self.autoScalingGroup = autoScalingGroup
        self.managedScaling = managedScaling
        self.managedTerminationProtection = managedTerminationProtection
        self.managedDraining = managedDraining
        self.tags = tags
    }

    /// The node group: the group name at the end of an Auto Scaling group ARN
    /// (`...:autoScalingGroupName/NAME`), or the name as given.
    public var nodeGroup: String {
        guard let range = autoScalingGroup.range(of: "autoScalingGroupName/") else { return autoScalingGroup }
        return String(autoScalingGroup[range.upperBound...])
    }
}

/// `managedScaling`, kept as given with ECS's defaults filled in. Wharf cannot add or remove
/// machines, so its status is DISABLED.
public struct ManagedScalingSettings: Codable, Equatable, Sendable {
    public var enabled: Bool
    public var targetCapacity: Int
    public var minimumScalingStepSize: Int
    public var maximumScalingStepSize: Int
    public var instanceWarmupPeriod: Int

    public init(
        enabled: Bool = false,
        targetCapacity: Int = 100,
        minimumScalingStepSize: Int = 1,
        maximumScalingStepSize: Int = 10_000,
        instanceWarmupPeriod: Int = 300
    ) {
        self.enabled = enabled
        self.targetCapacity = targetCapacity
        self.minimumScalingStepSize = minimumScalingStepSize
        self.maximumScalingStepSize = maximumScalingStepSize
        self.instanceWarmupPeriod = instanceWarmupPeriod
    }
}

/// The account's capacity providers, by name (FARGATE and FARGATE_SPOT are built in, not kept).
public struct CapacityProviders: Sendable {
    private var records: [String: CapacityProviderRecord] = [:]

    /// Nothing.
    public init() {}

    /// The capacity provider named `name`.
    public subscript(name: String) -> CapacityProviderRecord? { records[name] }

    /// Every capacity provider, by name.
    public var all: [CapacityProviderRecord] { records.values.sorted { $0.name < $1.name } }

    /// The provider whose node group is `group`, if any.
    public func provider(ofNodeGroup group: String) -> CapacityProviderRecord? {
        records.values.first { $0.nodeGroup == group }
    }

    @discardableResult
    mutating func put(_ record: CapacityProviderRecord) -> CapacityProviderRecord? {
        records.updateValue(record, forKey: record.name)
    }

    @discardableResult
    mutating func remove(_ name: String) -> CapacityProviderRecord? {
        records.removeValue(forKey: name)
    }
}
