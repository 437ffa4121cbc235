import Foundation
import WharfModel
import WharfState

extension ClusterState {
    /// The capacity providers every account has, for Fargate tasks (which Wharf runs on its nodes).
    static let fargateProviders = TaskNetworkRules.fargateProviders.sorted()

    /// The ARN of capacity provider `name`.
    func capacityProviderArn(_ name: String) -> String { context.ecsARN("capacity-provider", name).description }

    /// The name a capacity provider reference (a name or an ARN) gives.
    func capacityProviderName(_ reference: String) -> String {
        guard reference.hasPrefix("arn:"), let arn = ARN(parsing: reference), arn.resourceType == "capacity-provider"
        else { return reference }
        return arn.resourceID
    }

    /// CreateCapacityProvider: a provider whose Auto Scaling group names a node group.
    public func createCapacityProvider(
        _ request: ECS.CreateCapacityProviderRequest
    ) throws(ECSError) -> Outcome<ECS.CreateCapacityProviderResponse> {
        let name = try ECSError.required(request.name, "name")
        try NameRules.check(name, field: "name")
        let lowered = name.lowercased()
        if ["aws", "ecs", "fargate"].contains(where: { lowered.hasPrefix($0) }) {
            throw ECSError(
                .invalidParameter,
                "The capacity provider name can't be prefixed with 'aws', 'ecs', or 'fargate'."
            )
        }
        if request.managedInstancesProvider != nil || request.cluster != nil {
            throw ECSError.unsupported(
                request.cluster != nil ? "cluster" : "managedInstancesProvider",
                "Amazon ECS Managed Instances are AWS's machines; give an autoScalingGroupProvider whose group "
                    + "names the nodes' wharf.node-group attribute"
            )
        }
        guard let provider = request.autoScalingGroupProvider else {
            throw ECSError(.invalidParameter, "autoScalingGroupProvider is required.")
        }
        let group = try ECSError.required(provider.autoScalingGroupArn, "autoScalingGroupProvider.autoScalingGroupArn")
        try TagRules.check(request.tags ?? [])
        guard capacityProviders[name] == nil else {
            throw ECSError(
                .client,
                "The specified capacity provider already exists. To change the configuration of an existing "
                    + "capacity provider, update the capacity provider."
            )
        }
        var record = CapacityProviderRecord(
            name: name,
            autoScalingGroup: group,
            tags: (request.tags ?? []).map(Tag.init)
        )
        guard !record.nodeGroup.isEmpty else {
            throw ECSError(.invalidParameter, "autoScalingGroupProvider.autoScalingGroupArn names no group")
        }
        if let other = capacityProviders.provider(ofNodeGroup: record.nodeGroup) {
            throw ECSError(
                .invalidParameter,
                "The specified Auto Scaling group is already used by capacity provider \(other.name)."
            )
        }
        try Self.apply(
            scaling: provider.managedScaling,
            termination: provider.managedTerminationProtection,
            draining: provider.managedDraining,
            to: &record
        )
        return Outcome(
            ECS.CreateCapacityProviderResponse(capacityProvider: project(record)),
            [.putCapacityProvider(record)]
        )
    }

    /// UpdateCapacityProvider: managed scaling, termination protection and draining.
    public func updateCapacityProvider(
        _ request: ECS.UpdateCapacityProviderRequest
    ) throws(ECSError) -> Outcome<ECS.UpdateCapacityProviderResponse> {
        let name = capacityProviderName(try ECSError.required(request.name, "name"))
        if request.managedInstancesProvider != nil || request.cluster != nil {
            throw ECSError.unsupported(
                request.cluster != nil ? "cluster" : "managedInstancesProvider",
                "Amazon ECS Managed Instances are AWS's machines"
            )
        }
        var record = try customCapacityProvider(name)
        if let update = request.autoScalingGroupProvider {
            try Self.apply(
                scaling: update.managedScaling,
                termination: update.managedTerminationProtection,
                draining: update.managedDraining,
                to: &record
            )
        }
        return Outcome(
            ECS.UpdateCapacityProviderResponse(capacityProvider: project(record)),
            [.putCapacityProvider(record)]
        )
    }

    /// DeleteCapacityProvider: only one no cluster has.
    public func deleteCapacityProvider(
        _ request: ECS.DeleteCapacityProviderRequest
    ) throws(ECSError) -> Outcome<ECS.DeleteCapacityProviderResponse> {
        let name = capacityProviderName(try ECSError.required(request.capacityProvider, "capacityProvider"))
        if request.cluster != nil {
            // Only a Managed Instances provider belongs to a cluster, and those are not served.
            throw ECSError.unsupported(
                "cluster",
                "Amazon ECS Managed Instances are AWS's machines; a capacity provider of an autoScalingGroupProvider "
                    + "is deleted without a cluster"
            )
        }
        let record = try customCapacityProvider(name)
        if clusters.all.contains(where: { $0.status == .active && $0.capacityProviders.contains(name) }) {
            throw ECSError(.client, "The specified capacity provider is in use and cannot be removed.")
        }
        var shown = project(record)
        shown.status = "INACTIVE"
        shown.updateStatus = "DELETE_COMPLETE"
        return Outcome(
            ECS.DeleteCapacityProviderResponse(capacityProvider: shown),
            [.deleteCapacityProvider(name: name)]
        )
    }

    /// DescribeCapacityProviders: the named ones (default: all, FARGATE and FARGATE_SPOT first),
    /// unknown ones as MISSING failures.
    public func describeCapacityProviders(
        _ request: ECS.DescribeCapacityProvidersRequest
    ) throws(ECSError) -> ECS.DescribeCapacityProvidersResponse {
        let size = try PageToken.pageSize(request.maxResults, limit: 10)
        let tagsWanted = (request.include ?? []).contains("TAGS")
        var everyName = Self.fargateProviders + capacityProviders.all.map(\.name)
        var cluster: ClusterRecord?
        if let reference = request.cluster {
            // Only the providers associated with the cluster.
            let record = try activeCluster(reference)
            everyName = everyName.filter { record.capacityProviders.contains($0) }
            cluster = record
        }
        var failures: [ECS.Failure] = []
        var names: [String] = everyName
        if let references = request.capacityProviders, !references.isEmpty {
            names = []
            for reference in references {
                let name = capacityProviderName(reference)
                if everyName.contains(name) {
                    if !names.contains(name) { names.append(name) }
                } else {
                    failures.append(ECS.Failure(arn: reference, reason: "MISSING"))
                }
            }
        }
        let page = try PageToken.page(
            names,
            key: { $0 },
            size: size,
            after: request.nextToken,
            scope: PageToken.scope("capacityProviders", cluster?.name)
        )
        let shown = page.items.map { name in
            guard let record = capacityProviders[name] else { return builtIn(name) }
            var shown = project(record)
            if !tagsWanted { shown.tags = nil }
            return shown
        }
        return ECS.DescribeCapacityProvidersResponse(
            capacityProviders: shown,
            failures: failures.isEmpty ? nil : failures,
            nextToken: page.nextToken
        )
    }

    /// The launch type of a service's tasks, as CreateService and UpdateService ask for it:
    /// FARGATE for a strategy of FARGATE and FARGATE_SPOT, EC2 for one of the account's own
    /// capacity providers (spread over their node groups by the service scheduler).
    func serviceLaunch(
        launchType: String?,
        strategy: [ECS.CapacityProviderStrategyItem]?,
        cluster: ClusterRecord?
    ) throws(ECSError) -> String {
        try TaskNetworkRules.launch(
            launchType: launchType,
            strategy: strategy,
            clusterProviders: cluster?.capacityProviders ?? [],
            accountProviders: Set(capacityProviders.all.map(\.name))
        ).launchType
    }

    /// The node group of each of the account's own capacity providers.
    var providerGroups: [String: String] {
        Dictionary(capacityProviders.all.map { ($0.name, $0.nodeGroup) }, uniquingKeysWith: { first, _ in first })
    }

    /// The cluster's default capacity provider strategy, nil when it has none: what RunTask,
    /// CreateService and CreateTaskSet use when given neither a launch type nor a strategy.
    func defaultStrategy(of cluster: ClusterRecord?) -> [ECS.CapacityProviderStrategyItem]? {
        guard let strategy = cluster?.defaultCapacityProviderStrategy, !strategy.isEmpty else { return nil }
        return strategy.map(\.ecs)
    }

    /// Checks a default strategy as RunTask would take it (one kind of provider, a weight above 0).
    func checkDefaultStrategy(_ strategy: [ECS.CapacityProviderStrategyItem]?, providers: [String]) throws(ECSError) {
        guard let strategy, !strategy.isEmpty else { return }
        _ = try TaskNetworkRules.launch(
            launchType: nil,
            strategy: strategy,
            clusterProviders: providers,
            accountProviders: Set(capacityProviders.all.map(\.name))
        )
    }

    /// A capacity provider of the account's own (not FARGATE or FARGATE_SPOT).
    func customCapacityProvider(_ name: String) throws(ECSError) -> CapacityProviderRecord {
        if Self.fargateProviders.contains(name) {
            throw ECSError(.invalidParameter, "\(name) is a capacity provider every account has; it cannot be changed.")
        }
        guard let record = capacityProviders[name] else {
            throw ECSError(
                .invalidParameter,
                "The specified capacity provider was not found. Specify a valid capacity provider and try again."
            )
        }
        return record
    }

    /// The wire shape of a capacity provider.
    func project(_ record: CapacityProviderRecord) -> ECS.CapacityProvider {
        let scaling = record.managedScaling
        return ECS.CapacityProvider(
            capacityProviderArn: capacityProviderArn(record.name),
            name: record.name,
            status: "ACTIVE",
            autoScalingGroupProvider: ECS.AutoScalingGroupProvider(
                autoScalingGroupArn: record.autoScalingGroup,
                managedScaling: ECS.ManagedScaling(
                    status: scaling.enabled ? "ENABLED" : "DISABLED",
                    targetCapacity: scaling.targetCapacity,
                    minimumScalingStepSize: scaling.minimumScalingStepSize,
                    maximumScalingStepSize: scaling.maximumScalingStepSize,
                    instanceWarmupPeriod: scaling.instanceWarmupPeriod
                ),
                managedTerminationProtection: record.managedTerminationProtection ? "ENABLED" : "DISABLED",
                managedDraining: record.managedDraining ? "ENABLED" : "DISABLED"
            ),
            tags: record.tags.isEmpty ? nil : record.tags.map(\.ecs),
            type: "EC2_AUTOSCALING"
        )
    }

    /// FARGATE or FARGATE_SPOT as ECS describes them.
    func builtIn(_ name: String) -> ECS.CapacityProvider {
        ECS.CapacityProvider(capacityProviderArn: capacityProviderArn(name), name: name, status: "ACTIVE", type: name)
    }

    /// Checks and applies `managedScaling`, `managedTerminationProtection` and `managedDraining`.
    static func apply(
        scaling: ECS.ManagedScaling?,
        termination: String?,
        draining: String?,
        to record: inout CapacityProviderRecord
    ) throws(ECSError) {
        if let scaling {
            if scaling.status == "ENABLED" {
                throw ECSError.unsupported(
                    "managedScaling status ENABLED",
                    "it cannot add or remove machines; set DISABLED and add nodes to the group yourself"
                )
            }
            if let status = scaling.status, status != "DISABLED" {
                throw ECSError(.invalidParameter, "managedScaling.status must be ENABLED or DISABLED, not \(status)")
            }
            var settings = record.managedScaling
            let ranges: [(String, Int?, ClosedRange<Int>, WritableKeyPath<ManagedScalingSettings, Int>)] = [
                ("targetCapacity", scaling.targetCapacity, 1...100, \.targetCapacity),
                ("minimumScalingStepSize", scaling.minimumScalingStepSize, 1...10_000, \.minimumScalingStepSize),
                ("maximumScalingStepSize", scaling.maximumScalingStepSize, 1...10_000, \.maximumScalingStepSize),
                ("instanceWarmupPeriod", scaling.instanceWarmupPeriod, 0...10_000, \.instanceWarmupPeriod),
            ]
            for (member, value, range, path) in ranges {
                guard let value else { continue }
                guard range.contains(value) else {
                    throw ECSError(
                        .invalidParameter,
                        "managedScaling.\(member) must be \(range.lowerBound) to \(range.upperBound), not \(value)"
                    )
                }
                settings[keyPath: path] = value
            }
            guard settings.minimumScalingStepSize <= settings.maximumScalingStepSize else {
                throw ECSError(
                    .invalidParameter,
                    "managedScaling.minimumScalingStepSize must not exceed maximumScalingStepSize"
                )
            }
            record.managedScaling = settings
        }
        if let termination {
            guard termination == "DISABLED" else {
                throw ECSError(
                    .invalidParameter,
                    termination == "ENABLED"
                        ? "The managed termination protection setting for the capacity provider is invalid. To "
                            + "enable managed termination protection for a capacity provider, managed scaling must "
                            + "be enabled."
                        : "managedTerminationProtection must be ENABLED or DISABLED, not \(termination)"
                )
            }
            record.managedTerminationProtection = false
        }
        if let draining {
            guard ["ENABLED", "DISABLED"].contains(draining) else {
                throw ECSError(.invalidParameter, "managedDraining must be ENABLED or DISABLED, not \(draining)")
            }
            record.managedDraining = draining == "ENABLED"
        }
    }
}
