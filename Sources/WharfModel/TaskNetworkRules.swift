/// ECS's rules on how a task is launched into the network and onto which capacity: the
/// `networkConfiguration` of RunTask, StartTask, CreateService and UpdateService against the task
/// definition's network mode, the FARGATE launch type and its capacity providers, and
/// `platformVersion`.
public enum TaskNetworkRules {
    /// The platform version FARGATE tasks report: Wharf's nodes give them what Fargate's 1.4.0
    /// platform gives (awsvpc, task-level size, the metadata endpoint v4).
    public static let fargatePlatformVersion = "1.4.0"
    /// The capacity providers every cluster can name, as in ECS.
    public static let fargateProviders: Set<String> = ["FARGATE", "FARGATE_SPOT"]
    /// The attribute of a node that runs awsvpc tasks, as ECS's agent names it.
    public static let taskENIAttribute = "ecs.capability.task-eni"
    /// The attribute of a node that takes FARGATE tasks; a node started with `--fargate false`
    /// leaves it out.
    public static let fargateAttribute = "ecs.capability.fargate"

    /// The `awsvpcConfiguration` of a launch, checked against the definition's network mode as
    /// ECS checks it: an awsvpc definition needs one, any other refuses one.
    /// - Parameter launchType: `EC2`, `EXTERNAL` or `FARGATE`; only FARGATE takes
    ///   `assignPublicIp ENABLED`.
    /// - Returns: the configuration, nil for a definition of another network mode.
    public static func awsvpc(
        _ configuration: ECS.NetworkConfiguration?,
        networkMode: String,
        launchType: String
    ) throws(ECSError) -> ECS.AwsVpcConfiguration? {
        guard networkMode == "awsvpc" else {
            if configuration != nil {
                throw ECSError(
                    .invalidParameter,
                    "Network Configuration is not valid for the given networkMode of this task definition."
                )
            }
            return nil
        }
        guard let awsvpc = configuration?.awsvpcConfiguration else {
            throw ECSError(
                .invalidParameter,
                "Network Configuration must be provided when networkMode 'awsvpc' is specified."
            )
        }
        try check(awsvpc, launchType: launchType)
        return awsvpc
    }

    /// The members of an `awsvpcConfiguration` ECS checks without looking the IDs up: 1 to 16
    /// subnets, at most 5 security groups, `assignPublicIp` only for FARGATE.
    public static func check(_ awsvpc: ECS.AwsVpcConfiguration, launchType: String) throws(ECSError) {
        let subnets = awsvpc.subnets ?? []
        guard !subnets.isEmpty else { throw ECSError(.invalidParameter, "subnets can not be empty.") }
        guard subnets.count <= 16 else { throw ECSError(.invalidParameter, "subnets can have at most 16 items.") }
        let groups = awsvpc.securityGroups ?? []
        guard groups.count <= 5 else { throw ECSError(.invalidParameter, "securityGroups can have at most 5 items.") }
        for id in subnets + groups where id.isEmpty || id.count > 255 {
            throw ECSError(
                .invalidParameter,
                "subnet and security group IDs must be 1 to 255 characters (got \"\(id)\")"
            )
        }
        if awsvpc.assignPublicIp == "ENABLED", launchType != "FARGATE" {
            throw ECSError(.invalidParameter, "Assign public IP is not supported for this launch type.")
        }
    }

    /// The launch type a RunTask or CreateService asks for, from `launchType` or a
    /// `capacityProviderStrategy`: of FARGATE and FARGATE_SPOT (the providers every cluster has
    /// in ECS, which it must have associated), or of the account's own capacity providers, whose
    /// tasks run as EC2 tasks on the nodes of each provider's group.
    /// - Parameters:
    ///   - clusterProviders: the cluster's `capacityProviders`.
    ///   - accountProviders: the names of the account's own capacity providers.
    /// - Returns: the launch type, and for a Fargate strategy the capacity provider tasks report
    ///   (the strategy's first with a base, else its first).
    public static func launch(
        launchType: String?,
        strategy: [ECS.CapacityProviderStrategyItem]?,
        clusterProviders: [String],
        accountProviders: Set<String> = []
    ) throws(ECSError) -> (launchType: String, capacityProvider: String?) {
        guard let strategy, !strategy.isEmpty else { return (launchType ?? "EC2", nil) }
        if launchType != nil {
            throw ECSError(
                .invalidParameter,
                "Specifying both a launchType and capacityProviderStrategy is not supported."
            )
        }
        guard strategy.count <= 20 else {
            throw ECSError(.invalidParameter, "capacityProviderStrategy can have at most 20 items.")
        }
        var seen = Set<String>()
        var fargate = 0
        for item in strategy {
            let name = try ECSError.required(item.capacityProvider, "capacityProviderStrategy.capacityProvider")
            if fargateProviders.contains(name) { fargate += 1 }
            guard fargateProviders.contains(name) || accountProviders.contains(name) else {
                throw ECSError(
                    .invalidParameter,
                    "The specified capacity provider was not found. Specify a valid capacity provider and try again.",
                    hint: "capacityProviderStrategy names \(name)"
                )
            }
            guard clusterProviders.contains(name) else {
                throw ECSError(
                    .invalidParameter,
                    "The specified capacity provider strategy cannot contain a capacity provider that is not "
                        + "associated with the cluster. Associate the capacity provider with the cluster or specify "
                        + "a valid capacity provider and try again."
                )
            }
            guard seen.insert(name).inserted else {
                throw ECSError(.invalidParameter, "capacityProviderStrategy names \(name) more than once")
            }
            if let weight = item.weight, !(0...1000).contains(weight) {
                throw ECSError(.invalidParameter, "capacityProviderStrategy: weight \(weight) must be 0 to 1000")
            }
            if let base = item.base, !(0...100_000).contains(base) {
                throw ECSError(.invalidParameter, "capacityProviderStrategy: base \(base) must be 0 to 100000")
            }
        }
        if fargate > 0, fargate < strategy.count {
            throw ECSError(
                .invalidParameter,
                "The capacity provider strategy cannot contain a mix of capacity providers using Auto Scaling "
                    + "groups and Fargate providers. Specify one or the other and try again."
            )
        }
        if strategy.filter({ ($0.base ?? 0) > 0 }).count > 1 {
            throw ECSError(
                .invalidParameter,
                "capacityProviderStrategy: only one capacity provider can have a base defined"
            )
        }
        guard fargate == 0 else {
            let provider = strategy.first { ($0.base ?? 0) > 0 } ?? strategy[0]
            return ("FARGATE", provider.capacityProvider)
        }
        guard strategy.count == 1 || strategy.contains(where: { ($0.weight ?? 0) > 0 }) else {
            throw ECSError(
                .invalidParameter,
                "capacityProviderStrategy: at least one capacity provider must have a weight greater than zero"
            )
        }
        return ("EC2", nil)
    }

    /// The platform version a task of `launchType` runs: FARGATE's for a FARGATE task given
    /// none, `LATEST` or `1.4.0`; none for another launch type.
    public static func platformVersion(_ version: String?, launchType: String) throws(ECSError) -> String? {
        guard launchType == "FARGATE" else {
            if let version {
                throw ECSError(
                    .invalidParameter,
                    "platformVersion \(version) is only supported for the FARGATE launch type."
                )
            }
            return nil
        }
        guard let version, version != "LATEST" else { return fargatePlatformVersion }
        guard version == fargatePlatformVersion else {
            throw ECSError(
                .invalidParameter,
                "Platform version \(version) is not supported; Wharf's nodes run Fargate platform version "
                    + "\(fargatePlatformVersion) (or give LATEST)"
            )
        }
        return version
    }

    /// FARGATE places tasks itself: placement strategies and constraints are refused, as ECS
    /// refuses them.
    public static func checkPlacement(
        launchType: String,
        strategies: [ECS.PlacementStrategy],
        constraints: [ECS.PlacementConstraint]
    ) throws(ECSError) {
        guard launchType == "FARGATE" else { return }
        if !strategies.isEmpty {
            throw ECSError(.invalidParameter, "Placement strategies are not supported with FARGATE launch type.")
        }
        if !constraints.isEmpty {
            throw ECSError(.invalidParameter, "Placement constraints are not supported with FARGATE launch type.")
        }
    }

    /// What a task asks of the nodes it may run on: awsvpc needs a node that runs awsvpc tasks,
    /// FARGATE one that takes FARGATE tasks.
    public static func placementConstraints(networkMode: String, launchType: String) -> [ECS.PlacementConstraint] {
        var constraints: [ECS.PlacementConstraint] = []
        if networkMode == "awsvpc" {
            constraints.append(
                ECS.PlacementConstraint(type: "memberOf", expression: "attribute:\(taskENIAttribute) exists")
            )
        }
        if launchType == "FARGATE" {
            constraints.append(
                ECS.PlacementConstraint(type: "memberOf", expression: "attribute:\(fargateAttribute) exists")
            )
        }
        return constraints
    }
}
