import WharfModel
import WharfState

/// What a service's tasks are launched as, and what that asks of the instances they go to.
extension ClusterState {
    /// A task definition's placement constraints (memberOf) in the shape placement takes.
    /// `runtimePlatform.cpuArchitecture` asks for instances of that architecture, by the
    /// `ecs.cpu-architecture` attribute the agent reports (`x86_64` or `arm64`).
    static func placementConstraints(of definition: ECS.TaskDefinition) -> [ECS.PlacementConstraint] {
        var constraints = (definition.placementConstraints ?? []).map {
            ECS.PlacementConstraint(type: $0.type, expression: $0.expression)
        }
        if let architecture = definition.runtimePlatform?.cpuArchitecture {
            constraints.append(
                ECS.PlacementConstraint(
                    type: "memberOf",
                    expression: "attribute:ecs.cpu-architecture == \(architecture.lowercased())"
                )
            )
        }
        return constraints
    }

    /// The launch type of a service's tasks: its own, or for a capacity provider strategy FARGATE
    /// (FARGATE and FARGATE_SPOT) or EC2 (the account's own providers).
    static func launchType(of record: ServiceRecord, deployment: DeploymentRecord? = nil) -> LaunchType {
        // A task set has its own launch type or strategy.
        if record.isExternal, let deployment {
            if let launchType = deployment.launchType { return launchType }
            return launchType(ofStrategy: deployment.capacityProviderStrategy ?? [])
        }
        if let launchType = record.launchType { return launchType }
        return launchType(ofStrategy: record.capacityProviderStrategy ?? [])
    }

    /// The launch type of a capacity provider strategy's tasks: FARGATE for FARGATE and
    /// FARGATE_SPOT, EC2 for the account's own providers (and without a strategy).
    static func launchType(ofStrategy strategy: [CapacityProviderStrategyItem]) -> LaunchType {
        guard !strategy.isEmpty else { return .ec2 }
        return strategy.allSatisfy { TaskNetworkRules.fargateProviders.contains($0.capacityProvider) } ? .fargate : .ec2
    }

    /// What a launch type asks of instances: EXTERNAL tasks run only on instances joined with an
    /// activation (attribute `ecs.capability.external`), as ECS Anywhere's do.
    static func launchTypeConstraints(_ launchType: LaunchType) -> [ECS.PlacementConstraint] {
        launchType == .external
            ? [ECS.PlacementConstraint(type: "memberOf", expression: "attribute:ecs.capability.external exists")] : []
    }
}
