import WharfModel

/// Where a cluster stands, in ECS's words. Deleted clusters stay, INACTIVE.
public enum ClusterStatus: String, Codable, Sendable {
    case active = "ACTIVE"
    case provisioning = "PROVISIONING"
    case deprovisioning = "DEPROVISIONING"
    case failed = "FAILED"
    case inactive = "INACTIVE"
}

/// A cluster setting: `containerInsights` and its value.
public struct ClusterSetting: Codable, Hashable, Sendable {
    public var name: String
    public var value: String

    /// Creates a setting.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// One entry of a capacity provider strategy.
public struct CapacityProviderStrategyItem: Codable, Hashable, Sendable {
    public var capacityProvider: String
    public var weight: Int?
    public var base: Int?

    /// Creates an entry.
    public init(capacityProvider: String, weight: Int?, base: Int?) {
        self.capacityProvider = capacityProvider
        self.weight = weight
        self.base = base
    }
}

/// A cluster as the controller keeps it; its counts are derived from its instances, tasks and
/// services when it is described.
public struct ClusterRecord: Codable, Equatable, Sendable {
    public var name: String
    public var status: ClusterStatus
    public var tags: [Tag]
    public var settings: [ClusterSetting]
    /// The cluster's configuration (execute command, managed storage) as given.
    public var configuration: Shared<ECS.ClusterConfiguration>?
    public var capacityProviders: [String]
    public var defaultCapacityProviderStrategy: [CapacityProviderStrategyItem]
    /// The Service Connect default namespace, when set.
    public var serviceConnectNamespace: String?

    /// Creates a record.
    public init(
        name: String,
        status: ClusterStatus = .active,
        tags: [Tag] = [],
        settings: [ClusterSetting] = [],
        configuration: Shared<ECS.ClusterConfiguration>? = nil,
        capacityProviders: [String] = [],
        defaultCapacityProviderStrategy: [CapacityProviderStrategyItem] = [],
        serviceConnectNamespace: String? = nil
    ) {
        self.name = name
        self.status = status
        self.tags = tags
        self.settings = settings
        self.configuration = configuration
        self.capacityProviders = capacityProviders
        self.defaultCapacityProviderStrategy = defaultCapacityProviderStrategy
        self.serviceConnectNamespace = serviceConnectNamespace
    }
}
