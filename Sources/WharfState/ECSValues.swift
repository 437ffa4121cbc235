import WharfModel

// The small values records share with ECS's shapes, both ways. The API edge (WharfController)
// and the store's upgrade of old data directories (WharfStore) use these; nothing inside the state
// holds a wire shape it would convert on every read.

extension Tag {
    /// A tag from ECS's shape (whose members are optional on the wire; the rules require a key).
    public init(_ tag: ECS.Tag) {
        self.init(key: tag.key ?? "", value: tag.value)
    }

    /// The tag in ECS's shape.
    public var ecs: ECS.Tag { ECS.Tag(key: key, value: value) }
}

extension InstanceAttribute {
    /// An attribute from ECS's shape.
    public init(_ attribute: ECS.Attribute) {
        self.init(name: attribute.name ?? "", value: attribute.value)
    }

    /// The attribute in ECS's shape, as DescribeContainerInstances lists it.
    public var ecs: ECS.Attribute { ECS.Attribute(name: name, value: value) }
}

extension NetworkBinding {
    /// A binding from ECS's shape.
    public init(_ binding: ECS.NetworkBinding) {
        self.init(
            bindIP: binding.bindIP,
            containerPort: binding.containerPort,
            hostPort: binding.hostPort,
            protocol: binding.protocol,
            containerPortRange: binding.containerPortRange,
            hostPortRange: binding.hostPortRange
        )
    }

    /// The binding in ECS's shape.
    public var ecs: ECS.NetworkBinding {
        ECS.NetworkBinding(
            bindIP: bindIP,
            containerPort: containerPort,
            hostPort: hostPort,
            protocol: `protocol`,
            containerPortRange: containerPortRange,
            hostPortRange: hostPortRange
        )
    }
}

extension VersionInfo {
    /// Version information from ECS's shape.
    public init(_ info: ECS.VersionInfo) {
        self.init(agentVersion: info.agentVersion, agentHash: info.agentHash, dockerVersion: info.dockerVersion)
    }

    /// The version information in ECS's shape.
    public var ecs: ECS.VersionInfo {
        ECS.VersionInfo(agentVersion: agentVersion, agentHash: agentHash, dockerVersion: dockerVersion)
    }
}

extension InstanceResources {
    /// Resources from ECS's list, as the ECS agent registers them: `CPU` and `MEMORY` as integers,
    /// `PORTS` and `PORTS_UDP` as string sets of port numbers; others are kept as given.
    public init(_ resources: [ECS.Resource]) {
        func ports(_ name: String) -> [Int] {
            (resources.first { $0.name == name }?.stringSetValue ?? []).compactMap { Int($0) }
        }
        self.init(
            cpu: resources.first { $0.name == "CPU" }?.integerValue ?? 0,
            memoryMiB: resources.first { $0.name == "MEMORY" }?.integerValue ?? 0,
            reservedTCPPorts: ports("PORTS"),
            reservedUDPPorts: ports("PORTS_UDP"),
            other: resources.filter { !Self.known.contains($0.name ?? "") }
        )
    }

    /// The names placement counts.
    public static let known: Set<String> = ["CPU", "MEMORY", "PORTS", "PORTS_UDP"]

    /// The resources in ECS's list: `CPU`, `MEMORY`, `PORTS`, `PORTS_UDP`, then any others.
    /// - Parameters: the CPU units and memory to show, and the ports taken besides the reserved ones
    ///   (what is left, for `remainingResources`).
    ///   `gpus`, when given, are the GPU IDs to show instead of all the node's.
    public func ecs(
        cpu: Int? = nil,
        memoryMiB: Int? = nil,
        takenTCP: [Int] = [],
        takenUDP: [Int] = [],
        gpus: [String]? = nil
    ) -> [ECS.Resource] {
        func integer(_ name: String, _ value: Int) -> ECS.Resource {
            ECS.Resource(name: name, type: "INTEGER", doubleValue: 0, longValue: 0, integerValue: value)
        }
        func portSet(_ name: String, _ ports: [Int]) -> ECS.Resource {
            ECS.Resource(
                name: name,
                type: "STRINGSET",
                doubleValue: 0,
                longValue: 0,
                integerValue: 0,
                stringSetValue: Set(ports).sorted().map(String.init)
            )
        }
        return [
            integer("CPU", cpu ?? self.cpu), integer("MEMORY", memoryMiB ?? self.memoryMiB),
            portSet("PORTS", reservedTCPPorts + takenTCP), portSet("PORTS_UDP", reservedUDPPorts + takenUDP),
        ] + other.map { resource in
            guard resource.name == "GPU", let gpus else { return resource }
            var left = resource
            left.stringSetValue = gpus
            return left
        }
    }
}

extension CapacityProviderStrategyItem {
    /// An entry from ECS's shape.
    public init(_ item: ECS.CapacityProviderStrategyItem) {
        self.init(capacityProvider: item.capacityProvider ?? "", weight: item.weight, base: item.base)
    }

    /// The entry in ECS's shape.
    public var ecs: ECS.CapacityProviderStrategyItem {
        ECS.CapacityProviderStrategyItem(capacityProvider: capacityProvider, weight: weight, base: base)
    }
}

extension DeploymentSettings {
    /// Settings from a complete configuration in ECS's shape (ServiceRules fills in the defaults),
    /// the members the scheduler does not act on kept as given.
    public init(_ configuration: ECS.DeploymentConfiguration, daemon: Bool) {
        let defaults = DeploymentSettings.defaults(daemon: daemon)
        var others = configuration
        others.maximumPercent = nil
        others.minimumHealthyPercent = nil
        others.deploymentCircuitBreaker = nil
        self.init(
            maximumPercent: configuration.maximumPercent ?? defaults.maximumPercent,
            minimumHealthyPercent: configuration.minimumHealthyPercent ?? defaults.minimumHealthyPercent,
            circuitBreakerEnabled: configuration.deploymentCircuitBreaker?.enable ?? false,
            circuitBreakerRollback: configuration.deploymentCircuitBreaker?.rollback ?? false,
            others: others == ECS.DeploymentConfiguration() ? nil : Shared(others)
        )
    }

    /// The deployment alarms when they are on: their names, and whether a deployment they fail
    /// rolls back.
    public var alarms: (names: [String], rollback: Bool)? {
        guard let alarms = others?.value.alarms, alarms.enable == true else { return nil }
        return (alarms.alarmNames ?? [], alarms.rollback ?? false)
    }

    /// How deployments move traffic when the strategy is BLUE_GREEN, LINEAR or CANARY (with
    /// ECS's defaults: steps of 10 % every 6 minutes, a canary of 5 % for 10 minutes); nil for
    /// ROLLING.
    public var trafficShift: TrafficShift? {
        guard let configuration = others?.value else { return nil }
        switch configuration.strategy {
        case "BLUE_GREEN":
            return .blueGreen
        case "LINEAR":
            let linear = configuration.linearConfiguration
            return .linear(
                stepPercent: linear?.stepPercent ?? 10,
                stepBakeSeconds: Double(linear?.stepBakeTimeInMinutes ?? 6) * 60
            )
        case "CANARY":
            let canary = configuration.canaryConfiguration
            return .canary(
                percent: canary?.canaryPercent ?? 5,
                bakeSeconds: Double(canary?.canaryBakeTimeInMinutes ?? 10) * 60
            )
        default:
            return nil
        }
    }

    /// How long blue keeps running after production traffic has moved to green, in seconds.
    public var bakeSeconds: Double { Double(others?.value.bakeTimeInMinutes ?? 0) * 60 }

    /// The configuration in ECS's shape.
    public var ecs: ECS.DeploymentConfiguration {
        var configuration = others?.value ?? ECS.DeploymentConfiguration()
        configuration.deploymentCircuitBreaker = ECS.DeploymentCircuitBreaker(
            enable: circuitBreakerEnabled,
            rollback: circuitBreakerRollback
        )
        configuration.maximumPercent = maximumPercent
        configuration.minimumHealthyPercent = minimumHealthyPercent
        return configuration
    }
}

extension Tag {
    /// A tag from Systems Manager's shape (its `Key` is required by the model).
    public init(_ tag: SSM.Tag) {
        self.init(key: tag.key ?? "", value: tag.value)
    }

    /// A tag from Secrets Manager's shape.
    public init(_ tag: SecretsManager.Tag) {
        self.init(key: tag.key ?? "", value: tag.value)
    }

    /// The tag in Systems Manager's shape.
    public var ssm: SSM.Tag { SSM.Tag(key: key, value: value) }

    /// The tag in Secrets Manager's shape.
    public var secretsManager: SecretsManager.Tag { SecretsManager.Tag(key: key, value: value) }
}
