import Foundation
import WharfModel

extension ClusterState {
    /// Resolves a cluster name or ARN (default: `default`) to the stored cluster.
    /// - Throws: `ClusterNotFoundException` when there is no such ACTIVE cluster.
    func activeCluster(_ reference: String?) throws(ECSError) -> ECS.Cluster {
        let name = try clusterName(reference)
        guard let cluster = clusters[name], cluster.status == "ACTIVE" else {
            throw ECSError(.clusterNotFound, "cluster \"\(name)\" not found in region \(context.region); create it with CreateCluster or check the name")
        }
        return cluster
    }

    /// The cluster name a name-or-ARN refers to.
    func clusterName(_ reference: String?) throws(ECSError) -> String {
        guard let reference, !reference.isEmpty else { return "default" }
        guard reference.hasPrefix("arn:") else { return reference }
        guard let arn = ARN(parsing: reference), arn.resourceType == "cluster" else {
            throw ECSError(.invalidParameter, "\"\(reference)\" is not a cluster ARN; give a cluster name or arn:aws:ecs:\(context.region):\(context.accountID):cluster/NAME")
        }
        guard context.owns(arn) else {
            throw ECSError(.clusterNotFound, "cluster \(reference) belongs to another region or account; this controller serves \(context.region) for account \(context.accountID)")
        }
        return arn.resourceID
    }

    /// CreateCluster. Creating a cluster that is already ACTIVE returns it unchanged, as ECS does.
    public func createCluster(_ request: ECS.CreateClusterRequest) throws(ECSError) -> Outcome<ECS.CreateClusterResponse> {
        let name = request.clusterName ?? "default"
        try NameRules.check(name, field: "clusterName")
        try AccountSettingRules.checkClusterSettings(request.settings ?? [])
        try TagRules.check(request.tags ?? [])
        try Self.checkStrategy(request.defaultCapacityProviderStrategy ?? [], providers: request.capacityProviders ?? [])
        if let existing = clusters[name], existing.status == "ACTIVE" {
            return Outcome(ECS.CreateClusterResponse(cluster: present(existing, include: Self.allClusterFields)))
        }
        let insights = effectiveAccountSetting("containerInsights")
        let cluster = ECS.Cluster(
            clusterArn: context.clusterARN(name),
            clusterName: name,
            configuration: request.configuration,
            status: "ACTIVE",
            tags: request.tags ?? [],
            settings: request.settings ?? [ECS.ClusterSetting(name: "containerInsights", value: insights)],
            capacityProviders: request.capacityProviders ?? [],
            defaultCapacityProviderStrategy: request.defaultCapacityProviderStrategy ?? [],
            serviceConnectDefaults: request.serviceConnectDefaults.map { ECS.ClusterServiceConnectDefaults(namespace: $0.namespace) }
        )
        return Outcome(ECS.CreateClusterResponse(cluster: present(cluster, include: Self.allClusterFields)), [.putCluster(cluster)])
    }

    /// DescribeClusters: named clusters (default: `default`), unknown ones as MISSING failures.
    public func describeClusters(_ request: ECS.DescribeClustersRequest) throws(ECSError) -> ECS.DescribeClustersResponse {
        let references = request.clusters ?? ["default"]
        guard references.count <= 100 else {
            throw ECSError(.invalidParameter, "clusters names \(references.count) clusters; at most 100 are allowed per call")
        }
        let include = Set(request.include ?? [])
        var found: [ECS.Cluster] = []
        var failures: [ECS.Failure] = []
        for reference in references {
            let name: String
            do {
                name = try clusterName(reference)
            } catch where error.code == .clusterNotFound {
                failures.append(ECS.Failure(arn: reference, reason: "MISSING", detail: error.message))
                continue
            }
            if let cluster = clusters[name] {
                found.append(present(cluster, include: include))
            } else {
                failures.append(ECS.Failure(arn: reference.hasPrefix("arn:") ? reference : context.clusterARN(name), reason: "MISSING"))
            }
        }
        return ECS.DescribeClustersResponse(clusters: found, failures: failures)
    }

    /// ListClusters: the ARNs of ACTIVE clusters, in ARN order, a page at a time.
    public func listClusters(_ request: ECS.ListClustersRequest) throws(ECSError) -> ECS.ListClustersResponse {
        let size = try PageToken.pageSize(request.maxResults, limit: 100)
        let arns = clusters.values.filter { $0.status == "ACTIVE" }.compactMap(\.clusterArn).sorted()
        let page = try PageToken.page(arns, key: { $0 }, size: size, after: request.nextToken, scope: "clusters")
        return ECS.ListClustersResponse(clusterArns: page.items, nextToken: page.nextToken)
    }

    /// UpdateCluster: settings, configuration and Service Connect defaults.
    public func updateCluster(_ request: ECS.UpdateClusterRequest) throws(ECSError) -> Outcome<ECS.UpdateClusterResponse> {
        var cluster = try activeCluster(request.cluster)
        if let settings = request.settings {
            try AccountSettingRules.checkClusterSettings(settings)
            cluster.settings = Self.merge(cluster.settings ?? [], settings)
        }
        if let configuration = request.configuration { cluster.configuration = configuration }
        if let defaults = request.serviceConnectDefaults {
            cluster.serviceConnectDefaults = ECS.ClusterServiceConnectDefaults(namespace: defaults.namespace)
        }
        return Outcome(ECS.UpdateClusterResponse(cluster: present(cluster, include: Self.allClusterFields)), [.putCluster(cluster)])
    }

    /// UpdateClusterSettings.
    public func updateClusterSettings(_ request: ECS.UpdateClusterSettingsRequest) throws(ECSError) -> Outcome<ECS.UpdateClusterSettingsResponse> {
        var cluster = try activeCluster(request.cluster)
        try AccountSettingRules.checkClusterSettings(request.settings ?? [])
        cluster.settings = Self.merge(cluster.settings ?? [], request.settings ?? [])
        return Outcome(ECS.UpdateClusterSettingsResponse(cluster: present(cluster, include: Self.allClusterFields)), [.putCluster(cluster)])
    }

    /// PutClusterCapacityProviders: replaces the cluster's providers and default strategy.
    public func putClusterCapacityProviders(_ request: ECS.PutClusterCapacityProvidersRequest) throws(ECSError) -> Outcome<ECS.PutClusterCapacityProvidersResponse> {
        var cluster = try activeCluster(request.cluster)
        let providers = request.capacityProviders ?? []
        for provider in providers { try NameRules.check(provider, field: "capacityProviders") }
        try Self.checkStrategy(request.defaultCapacityProviderStrategy ?? [], providers: providers)
        cluster.capacityProviders = providers
        cluster.defaultCapacityProviderStrategy = request.defaultCapacityProviderStrategy ?? []
        return Outcome(ECS.PutClusterCapacityProvidersResponse(cluster: present(cluster, include: Self.allClusterFields)), [.putCluster(cluster)])
    }

    /// DeleteCluster: refused while services or container instances remain; the cluster becomes INACTIVE.
    public func deleteCluster(_ request: ECS.DeleteClusterRequest) throws(ECSError) -> Outcome<ECS.DeleteClusterResponse> {
        var cluster = try activeCluster(request.cluster)
        let name = cluster.clusterName ?? ""
        try ClusterDeletion.check(cluster: name, activeServices: activeServicesCount(name),
                                  registeredInstances: registeredInstancesCount(name), tasks: tasksCount(name))
        cluster.status = "INACTIVE"
        return Outcome(ECS.DeleteClusterResponse(cluster: present(cluster, include: Self.allClusterFields)), [.putCluster(cluster)])
    }

    /// The cluster's services that are ACTIVE or still DRAINING.
    func activeServicesCount(_ cluster: String) -> Int { activeServices(cluster).count }

    /// Container instances registered in the cluster (ACTIVE or DRAINING, not deregistered).
    func registeredInstancesCount(_ cluster: String) -> Int {
        containerInstances.values.filter { $0.cluster == cluster && $0.instance.status != "INACTIVE" }.count
    }

    /// The cluster's tasks that are not yet STOPPED, by launch type and by whether they run.
    func liveTasks(_ cluster: String) -> (runningEC2: Int, runningFargate: Int, pendingEC2: Int, pendingFargate: Int) {
        let arn = context.clusterARN(cluster)
        var counts = (runningEC2: 0, runningFargate: 0, pendingEC2: 0, pendingFargate: 0)
        for task in tasks.values where task.clusterArn == arn && task.lastStatus != "STOPPED" {
            switch (task.lastStatus == "RUNNING", task.launchType == "FARGATE") {
            case (true, false): counts.runningEC2 += 1
            case (true, true): counts.runningFargate += 1
            case (false, false): counts.pendingEC2 += 1
            case (false, true): counts.pendingFargate += 1
            }
        }
        return counts
    }

    /// Tasks of the cluster that are not yet STOPPED.
    func tasksCount(_ cluster: String) -> Int {
        let counts = liveTasks(cluster)
        return counts.runningEC2 + counts.runningFargate + counts.pendingEC2 + counts.pendingFargate
    }

    static let allClusterFields: Set<String> = ["CONFIGURATIONS", "SETTINGS", "TAGS"]

    /// A cluster as DescribeClusters shows it: counts filled in, optional parts only when included.
    func present(_ stored: ECS.Cluster, include: Set<String>) -> ECS.Cluster {
        var cluster = stored
        let name = stored.clusterName ?? ""
        cluster.registeredContainerInstancesCount = registeredInstancesCount(name)
        let live = liveTasks(name)
        cluster.runningTasksCount = live.runningEC2 + live.runningFargate
        cluster.pendingTasksCount = live.pendingEC2 + live.pendingFargate
        cluster.activeServicesCount = activeServicesCount(name)
        cluster.statistics = include.contains("STATISTICS") ? statistics(name, live: live) : []
        if !include.contains("TAGS") { cluster.tags = nil }
        if !include.contains("SETTINGS") { cluster.settings = nil }
        if !include.contains("CONFIGURATIONS") { cluster.configuration = nil }
        if include.contains("ATTACHMENTS") { cluster.attachments = [] }
        return cluster
    }

    /// The STATISTICS of DescribeClusters, as ECS names them (EXTERNAL tasks count as EC2).
    func statistics(_ cluster: String, live: (runningEC2: Int, runningFargate: Int, pendingEC2: Int, pendingFargate: Int)) -> [ECS.KeyValuePair] {
        let values = [("runningEC2TasksCount", live.runningEC2), ("runningFargateTasksCount", live.runningFargate),
                      ("pendingEC2TasksCount", live.pendingEC2), ("pendingFargateTasksCount", live.pendingFargate),
                      ("activeEC2ServiceCount", activeServicesCount(cluster)), ("activeFargateServiceCount", 0),
                      ("drainingEC2ServiceCount", 0), ("drainingFargateServiceCount", 0)]
        return values.map { ECS.KeyValuePair(name: $0.0, value: "\($0.1)") }
    }

    static func merge(_ existing: [ECS.ClusterSetting], _ new: [ECS.ClusterSetting]) -> [ECS.ClusterSetting] {
        var merged = existing
        for setting in new {
            if let index = merged.firstIndex(where: { $0.name == setting.name }) { merged[index] = setting } else { merged.append(setting) }
        }
        return merged
    }

    static func checkStrategy(_ strategy: [ECS.CapacityProviderStrategyItem], providers: [String]) throws(ECSError) {
        var seen = Set<String>()
        for item in strategy {
            let name = item.capacityProvider ?? ""
            guard providers.contains(name) else {
                throw ECSError(.invalidParameter, "defaultCapacityProviderStrategy names \"\(name)\", which is not in capacityProviders [\(providers.joined(separator: ", "))]")
            }
            guard seen.insert(name).inserted else {
                throw ECSError(.invalidParameter, "defaultCapacityProviderStrategy names \"\(name)\" more than once")
            }
        }
        if strategy.filter({ ($0.base ?? 0) > 0 }).count > 1 {
            throw ECSError(.invalidParameter, "defaultCapacityProviderStrategy: only one capacity provider may have a base above 0")
        }
    }
}
