import Foundation
import WharfModel
import WharfState

extension ClusterState {
    /// The identity calls are made as: the account's root (keys authenticate, they carry no policies).
    var caller: String { context.rootPrincipalARN }

    /// Resolves a cluster name or ARN (default: `default`) to the stored cluster.
    /// - Throws: `ClusterNotFoundException` when there is no such ACTIVE cluster.
    func activeCluster(_ reference: String?) throws(ECSError) -> ClusterRecord {
        let name = try clusterName(reference)
        guard let cluster = clusters[name], cluster.status == .active else {
            throw ECSError(
                .clusterNotFound,
                "Cluster not found.",
                hint: "no cluster \"\(name)\" in region \(context.region); create it with CreateCluster or check the "
                    + "name"
            )
        }
        return cluster
    }

    /// The cluster name a name-or-ARN refers to.
    func clusterName(_ reference: String?) throws(ECSError) -> String {
        guard let reference, !reference.isEmpty else { return "default" }
        guard reference.hasPrefix("arn:") else { return reference }
        guard let arn = ARN(parsing: reference), arn.resourceType == "cluster" else {
            throw ECSError(
                .invalidParameter,
                "\"\(reference)\" is not a cluster ARN; give a cluster name or "
                    + "arn:aws:ecs:\(context.region):\(context.accountID):cluster/NAME"
            )
        }
        guard context.owns(arn) else {
            throw ECSError(
                .clusterNotFound,
                "Cluster not found.",
                hint: "\(reference) belongs to another region or account; this region is \(context.region) of account "
                    + "\(context.accountID)"
            )
        }
        return arn.resourceID
    }

    /// CreateCluster. Creating a cluster that is already ACTIVE returns it unchanged, as ECS does.
    public func createCluster(
        _ request: ECS.CreateClusterRequest
    ) throws(ECSError) -> Outcome<ECS.CreateClusterResponse> {
        let name = request.clusterName ?? "default"
        try NameRules.check(name, field: "clusterName")
        try AccountSettingRules.checkClusterSettings(request.settings ?? [])
        try TagRules.check(request.tags ?? [])
        try checkAssociation(request.capacityProviders ?? [], cluster: name)
        try Self.checkStrategy(
            request.defaultCapacityProviderStrategy ?? [],
            providers: request.capacityProviders ?? []
        )
        try checkDefaultStrategy(request.defaultCapacityProviderStrategy, providers: request.capacityProviders ?? [])
        if let existing = clusters[name], existing.status == .active {
            return Outcome(ECS.CreateClusterResponse(cluster: project(existing, include: Self.allClusterFields)))
        }
        let insights = effectiveAccountSetting("containerInsights")
        let cluster = ClusterRecord(
            name: name,
            tags: (request.tags ?? []).map(Tag.init),
            settings: (request.settings ?? [ECS.ClusterSetting(name: "containerInsights", value: insights)]).map(
                Self.setting
            ),
            configuration: request.configuration.map(Shared.init),
            capacityProviders: request.capacityProviders ?? [],
            defaultCapacityProviderStrategy: (request.defaultCapacityProviderStrategy ?? []).map(
                CapacityProviderStrategyItem.init
            ),
            serviceConnectNamespace: request.serviceConnectDefaults?.namespace
        )
        return Outcome(
            ECS.CreateClusterResponse(cluster: project(cluster, include: Self.allClusterFields)),
            [.putCluster(cluster)]
        )
    }

    /// DescribeClusters: named clusters (default: `default`), unknown ones as MISSING failures.
    public func describeClusters(
        _ request: ECS.DescribeClustersRequest
    ) throws(ECSError) -> ECS.DescribeClustersResponse {
        let references = request.clusters ?? ["default"]
        guard references.count <= 100 else {
            throw ECSError(
                .invalidParameter,
                "clusters names \(references.count) clusters; at most 100 are allowed per call"
            )
        }
        let include = Set(request.include ?? [])
        var found: [ECS.Cluster] = []
        var failures: [ECS.Failure] = []
        for reference in references {
            let name: String
            do {
                name = try clusterName(reference)
            } catch  where error.code == .clusterNotFound {
                failures.append(ECS.Failure(arn: reference, reason: "MISSING", detail: error.message))
                continue
            }
            if let cluster = clusters[name] {
                found.append(project(cluster, include: include))
            } else {
                failures.append(
                    ECS.Failure(
                        arn: reference.hasPrefix("arn:") ? reference : context.clusterARN(name),
                        reason: "MISSING"
                    )
                )
            }
        }
        return ECS.DescribeClustersResponse(clusters: found, failures: failures)
    }

    /// ListClusters: the ARNs of ACTIVE clusters, in ARN order, a page at a time.
    public func listClusters(_ request: ECS.ListClustersRequest) throws(ECSError) -> ECS.ListClustersResponse {
        let size = try PageToken.pageSize(request.maxResults, limit: 100)
        let arns = clusters.all.filter { $0.status == .active }.map { context.clusterARN($0.name) }.sorted()
        let page = try PageToken.page(arns, key: { $0 }, size: size, after: request.nextToken, scope: "clusters")
        return ECS.ListClustersResponse(clusterArns: page.items, nextToken: page.nextToken)
    }

    /// UpdateCluster: settings, configuration and Service Connect defaults.
    public func updateCluster(
        _ request: ECS.UpdateClusterRequest
    ) throws(ECSError) -> Outcome<ECS.UpdateClusterResponse> {
        var cluster = try activeCluster(request.cluster)
        if let settings = request.settings {
            try AccountSettingRules.checkClusterSettings(settings)
            cluster.settings = Self.merge(cluster.settings, settings.map(Self.setting))
        }
        if let configuration = request.configuration { cluster.configuration = Shared(configuration) }
        if let defaults = request.serviceConnectDefaults { cluster.serviceConnectNamespace = defaults.namespace }
        return Outcome(
            ECS.UpdateClusterResponse(cluster: project(cluster, include: Self.allClusterFields)),
            [.putCluster(cluster)]
        )
    }

    /// UpdateClusterSettings.
    public func updateClusterSettings(
        _ request: ECS.UpdateClusterSettingsRequest
    ) throws(ECSError) -> Outcome<ECS.UpdateClusterSettingsResponse> {
        var cluster = try activeCluster(request.cluster)
        try AccountSettingRules.checkClusterSettings(request.settings ?? [])
        cluster.settings = Self.merge(cluster.settings, (request.settings ?? []).map(Self.setting))
        return Outcome(
            ECS.UpdateClusterSettingsResponse(cluster: project(cluster, include: Self.allClusterFields)),
            [.putCluster(cluster)]
        )
    }

    /// PutClusterCapacityProviders: replaces the cluster's providers and default strategy.
    public func putClusterCapacityProviders(
        _ request: ECS.PutClusterCapacityProvidersRequest
    ) throws(ECSError) -> Outcome<ECS.PutClusterCapacityProvidersResponse> {
        var cluster = try activeCluster(request.cluster)
        let providers = (request.capacityProviders ?? []).map(capacityProviderName)
        try checkAssociation(providers, cluster: cluster.name)
        try Self.checkStrategy(request.defaultCapacityProviderStrategy ?? [], providers: providers)
        try checkDefaultStrategy(request.defaultCapacityProviderStrategy, providers: providers)
        for removed in cluster.capacityProviders where !providers.contains(removed) {
            let users = activeServices(cluster.name).filter { service in
                let strategies =
                    [service.capacityProviderStrategy] + service.deployments.map(\.capacityProviderStrategy)
                    + (service.taskSets ?? []).map(\.capacityProviderStrategy)
                return strategies.contains { ($0 ?? []).contains { $0.capacityProvider == removed } }
            }
            if !users.isEmpty {
                throw ECSError(
                    .resourceInUseException,
                    "The specified capacity provider is in use and cannot be removed.",
                    hint: "\(removed) is in the strategy of service \(users[0].name)"
                )
            }
        }
        cluster.capacityProviders = providers
        cluster.defaultCapacityProviderStrategy = (request.defaultCapacityProviderStrategy ?? []).map(
            CapacityProviderStrategyItem.init
        )
        return Outcome(
            ECS.PutClusterCapacityProvidersResponse(cluster: project(cluster, include: Self.allClusterFields)),
            [.putCluster(cluster)]
        )
    }

    /// DeleteCluster: refused while services or container instances remain; the cluster becomes INACTIVE.
    public func deleteCluster(
        _ request: ECS.DeleteClusterRequest
    ) throws(ECSError) -> Outcome<ECS.DeleteClusterResponse> {
        var cluster = try activeCluster(request.cluster)
        let name = cluster.name
        try ClusterDeletion.check(
            cluster: name,
            activeServices: activeServicesCount(name),
            registeredInstances: registeredInstancesCount(name),
            tasks: tasks.counts(inCluster: name).total
        )
        cluster.status = .inactive
        return Outcome(
            ECS.DeleteClusterResponse(cluster: project(cluster, include: Self.allClusterFields)),
            [.putCluster(cluster)]
        )
    }

    /// The cluster's services that are ACTIVE or still DRAINING.
    func activeServicesCount(_ cluster: String) -> Int { activeServices(cluster).count }

    /// Container instances registered in the cluster (ACTIVE or DRAINING, not deregistered).
    func registeredInstancesCount(_ cluster: String) -> Int {
        instances.ids(inCluster: cluster).filter { instances[$0]?.status != .inactive }.count
    }

    static let allClusterFields: Set<String> = ["CONFIGURATIONS", "SETTINGS", "TAGS"]

    static func setting(_ setting: ECS.ClusterSetting) -> ClusterSetting {
        ClusterSetting(name: setting.name ?? "", value: setting.value ?? "")
    }

    static func merge(_ existing: [ClusterSetting], _ new: [ClusterSetting]) -> [ClusterSetting] {
        var merged = existing
        for setting in new {
            if let index = merged.firstIndex(where: { $0.name == setting.name }) {
                merged[index] = setting
            } else {
                merged.append(setting)
            }
        }
        return merged
    }

    /// Checks that a cluster may have `providers`: FARGATE, FARGATE_SPOT and capacity providers of
    /// the account that no other cluster has.
    func checkAssociation(_ providers: [String], cluster: String) throws(ECSError) {
        for name in providers {
            try NameRules.check(name, field: "capacityProviders")
            if Self.fargateProviders.contains(name) { continue }
            guard capacityProviders[name] != nil else {
                throw ECSError(
                    .invalidParameter,
                    "The specified capacity provider was not found. Specify a valid capacity provider and try again.",
                    hint: "capacity provider \(name)"
                )
            }
            if let other = clusters.all.first(where: {
                $0.status == .active && $0.name != cluster && $0.capacityProviders.contains(name)
            }) {
                throw ECSError(
                    .invalidParameter,
                    "The specified capacity provider is already associated with another cluster.",
                    hint: "\(name) is associated with cluster \(other.name)"
                )
            }
        }
    }

    static func checkStrategy(_ strategy: [ECS.CapacityProviderStrategyItem], providers: [String]) throws(ECSError) {
        var seen = Set<String>()
        for item in strategy {
            let name = item.capacityProvider ?? ""
            guard providers.contains(name) else {
                throw ECSError(
                    .invalidParameter,
                    "defaultCapacityProviderStrategy names \"\(name)\", which is not in capacityProviders "
                        + "[\(providers.joined(separator: ", "))]"
                )
            }
            guard seen.insert(name).inserted else {
                throw ECSError(.invalidParameter, "defaultCapacityProviderStrategy names \"\(name)\" more than once")
            }
        }
        if strategy.filter({ ($0.base ?? 0) > 0 }).count > 1 {
            throw ECSError(
                .invalidParameter,
                "defaultCapacityProviderStrategy: only one capacity provider may have a base above 0"
            )
        }
    }
}
