import Foundation
import WharfModel
import WharfState
import WharfScheduler

extension ClusterState {
    /// Resolves a service name or ARN within a cluster, whatever its status.
    func serviceRecord(_ reference: String?, cluster: String) -> ServiceRecord? {
        guard let reference, !reference.isEmpty else { return nil }
        if reference.hasPrefix("arn:") {
            guard let record = services[reference], record.cluster == cluster else { return nil }
            return record
        }
        return services[context.ecsARN("service", "\(cluster)/\(reference)").description]
    }

    /// A service that is ACTIVE, for UpdateService and DeleteService.
    func activeService(_ reference: String?, cluster: String) throws(ECSError) -> ServiceRecord {
        guard let reference, !reference.isEmpty else {
            throw ECSError(.invalidParameter, "service is required: a service name or ARN")
        }
        guard let record = serviceRecord(reference, cluster: cluster) else {
            throw ECSError(
                .serviceNotFound,
                "Service not found.",
                hint: "no service \"\(reference)\" in cluster \"\(cluster)\"; ListServices lists them"
            )
        }
        guard record.status == .active else {
            throw ECSError(
                .serviceNotActive,
                "Service was not ACTIVE.",
                hint: "service \"\(record.name)\" is \(record.status.rawValue); create it again to use it"
            )
        }
        return record
    }

    /// The services of a cluster that are not INACTIVE.
    func activeServices(_ cluster: String) -> [ServiceRecord] {
        services.inCluster(cluster).filter { !$0.isInactive }
    }

    /// CreateService: a REPLICA or DAEMON service with its first deployment; the scheduler starts
    /// its tasks. A retry with the same `clientToken` and parameters returns the same service.
    public func createService(
        _ request: ECS.CreateServiceRequest,
        now: Date,
        deploymentID: String
    ) throws(ECSError) -> Outcome<ECS.CreateServiceResponse> {
        let cluster = try activeCluster(request.cluster)
        let clusterName = cluster.name
        let name = request.serviceName ?? ""
        try NameRules.check(name, field: "serviceName")
        let strategy = request.schedulingStrategy ?? "REPLICA"
        let configuration = try ServiceRules.deploymentConfiguration(
            request.deploymentConfiguration,
            base: nil,
            daemon: strategy == "DAEMON"
        )
        try ServiceRules.check(request, strategy: strategy)
        if request.deploymentController?.type == DeploymentControllerType.external.rawValue {
            try Self.checkControllerStrategy(configuration)
            return try createExternalService(
                request,
                name: name,
                cluster: cluster,
                configuration: configuration,
                now: now
            )
        }
        let scheduling = SchedulingStrategy(rawValue: strategy) ?? .replica
        let (key, definition) = try serviceTaskDefinition(request.taskDefinition)
        // ECS's rule: neither a launch type nor a strategy takes the cluster's default strategy.
        let providerStrategy =
            request.capacityProviderStrategy
            ?? (request.launchType == nil && scheduling == .replica
                ? defaultStrategy(of: cluster) : nil)
        let launch = try serviceLaunch(
            launchType: request.launchType,
            strategy: providerStrategy,
            cluster: cluster
        )
        let launchType = (providerStrategy ?? []).isEmpty ? launch : nil
        try checkServiceLaunch(launch, key: key, definition: definition)
        try TaskNetworkRules.checkPlacement(
            launchType: launch,
            strategies: request.placementStrategy ?? [],
            constraints: request.placementConstraints ?? []
        )
        _ = try TaskNetworkRules.awsvpc(
            request.networkConfiguration,
            networkMode: definition.networkMode ?? "bridge",
            launchType: launch
        )
        let platformVersion = try TaskNetworkRules.platformVersion(request.platformVersion, launchType: launch)
        let balancers = try serviceLoadBalancers(
            request.loadBalancers,
            definition: definition,
            strategy: configuration.strategy ?? "ROLLING"
        )
        let registries = try serviceRegistries(request.serviceRegistries, definition: definition)
        _ = try Placement(
            strategies: request.placementStrategy ?? [],
            constraints: request.placementConstraints ?? [],
            seed: 0
        )
        if let existing = serviceRecord(name, cluster: clusterName), existing.status != .inactive {
            if let token = request.clientToken, token == existing.clientToken {
                return Outcome(ECS.CreateServiceResponse(service: presentService(existing, includeTags: true)))
            }
            throw ECSError(
                .invalidParameter,
                "Creation of service was not idempotent.",
                hint: "service \"\(name)\" already exists in cluster \"\(clusterName)\" (\(existing.status.rawValue)); "
                    + "update it with UpdateService, or delete it first"
            )
        }
        let desired = scheduling == .daemon ? 0 : (request.desiredCount ?? 0)
        let providers = providerStrategy?.map(CapacityProviderStrategyItem.init)
        let network = request.networkConfiguration.map(Shared.init)
        var deployment = DeploymentRecord(
            id: deploymentID,
            status: .primary,
            taskDefinition: key,
            desiredCount: desired,
            createdAt: now,
            updatedAt: now,
            launchType: launchType.flatMap(LaunchType.init),
            capacityProviderStrategy: providers,
            networkConfiguration: network,
            rolloutState: .inProgress,
            rolloutStateReason: "ECS deployment \(deploymentID) in progress."
        )
        deployment.platformVersion = platformVersion
        var record = ServiceRecord(
            arn: context.ecsARN("service", "\(clusterName)/\(name)").description,
            name: name,
            cluster: clusterName,
            desiredCount: desired,
            schedulingStrategy: scheduling,
            launchType: launchType.flatMap(LaunchType.init),
            capacityProviderStrategy: providers,
            taskDefinition: key,
            deploymentConfiguration: try deploymentSettings(configuration, daemon: scheduling == .daemon),
            deployments: [deployment],
            roleArn: request.role,
            createdAt: now,
            createdBy: caller,
            placementConstraints: request.placementConstraints ?? [],
            placementStrategy: request.placementStrategy ?? [],
            networkConfiguration: network,
            healthCheckGracePeriodSeconds: request.healthCheckGracePeriodSeconds,
            tags: (request.tags ?? []).map(Tag.init),
            enableECSManagedTags: request.enableECSManagedTags ?? false,
            propagateTags: request.propagateTags.flatMap(PropagateTags.init) ?? .none,
            enableExecuteCommand: request.enableExecuteCommand ?? false,
            clientToken: request.clientToken
        )
        record.platformVersion = platformVersion
        record.loadBalancers = balancers
        record.serviceRegistries = registries
        try Self.checkTrafficShift(record, before: nil)
        ServiceDeploymentHistory.begin(&record, deployment: deployment, now: now)
        return Outcome(
            ECS.CreateServiceResponse(service: presentService(record, includeTags: true)),
            [.putService(record)]
        )
    }

    /// The ACTIVE task definition a service runs (family, family:revision or ARN).
    func serviceTaskDefinition(
        _ reference: String?
    ) throws(ECSError) -> (key: TaskDefinitionKey, definition: ECS.TaskDefinition) {
        guard let reference, !reference.isEmpty else {
            throw ECSError(
                .invalidParameter,
                "taskDefinition is required: a family, family:revision or task definition ARN"
            )
        }
        let record = try taskDefinition(reference)
        let definition = record.definition
        guard definition.status == TaskDefinitionStatus.active.rawValue else {
            throw ECSError(
                .client,
                "task definition \(definition.taskDefinitionArn ?? "") is \(definition.status ?? ""); register a new "
                    + "revision to run it"
            )
        }
        return (record.key, definition)
    }

    /// Whether a service's tasks of `definition` (revision `key`) can run with `launchType`.
    func checkServiceLaunch(
        _ launchType: String,
        key: TaskDefinitionKey,
        definition: ECS.TaskDefinition
    ) throws(ECSError) {
        guard let typed = LaunchType(rawValue: launchType), typed != .managedInstances else {
            throw ECSError(
                .invalidParameter,
                "launchType \(launchType) is not available: Wharf runs tasks on its own container instances; use "
                    + "EC2, EXTERNAL or FARGATE"
            )
        }
        guard (definition.compatibilities ?? []).contains(launchType) else {
            throw ECSError(
                .invalidParameter,
                "Task definition does not support launch_type \(launchType).",
                hint: "\(arn(of: key)) supports " + (definition.compatibilities ?? []).joined(separator: ", ")
            )
        }
    }

    /// DescribeServices: up to 10 services by name or ARN; unknown ones are MISSING failures.
    public func describeServices(
        _ request: ECS.DescribeServicesRequest
    ) throws(ECSError) -> ECS.DescribeServicesResponse {
        let name = try activeCluster(request.cluster).name
        let references = request.services ?? []
        guard (1...10).contains(references.count) else {
            throw ECSError(.invalidParameter, "services names \(references.count) services; give 1 to 10")
        }
        let includeTags = (request.include ?? []).contains("TAGS")
        var found: [ECS.Service] = []
        var failures: [ECS.Failure] = []
        for reference in references {
            if let record = serviceRecord(reference, cluster: name) {
                found.append(presentService(record, includeTags: includeTags))
            } else {
                let arn =
                    reference.hasPrefix("arn:")
                    ? reference : context.ecsARN("service", "\(name)/\(reference)").description
                failures.append(ECS.Failure(arn: arn, reason: "MISSING"))
            }
        }
        return ECS.DescribeServicesResponse(services: found, failures: failures)
    }

    /// ListServices: the ARNs of the cluster's services that are not INACTIVE, by launch type and
    /// scheduling strategy, in pages of at most 100 (default 10).
    /// ListServicesByNamespace: the services, of every cluster, registered in the Cloud Map
    /// namespace named (by name, ID or ARN) through their `serviceRegistries`.
    public func listServicesByNamespace(
        _ request: ECS.ListServicesByNamespaceRequest
    ) throws(ECSError) -> ECS.ListServicesByNamespaceResponse {
        guard let reference = request.namespace else {
            throw ECSError(.invalidParameter, "namespace: is required")
        }
        let id = ARN(parsing: reference).map(\.resourceID) ?? reference
        guard let namespace = cloudMap.namespace(id) ?? cloudMap.allNamespaces.first(where: { $0.name == reference })
        else {
            throw ECSError(.ecsNamespaceNotFound, "Namespace not found.", hint: "no Cloud Map namespace \(reference)")
        }
        let size = try PageToken.pageSize(request.maxResults, limit: 100)
        let arns = services.all
            .filter { record in
                !record.isInactive
                    && (record.serviceRegistries ?? []).contains {
                        cloudMap.service($0.serviceID)?.namespaceID == namespace.id
                    }
            }
            .map(\.arn).sorted()
        let page = try PageToken.page(
            arns,
            key: { $0 },
            size: size,
            after: request.nextToken,
            scope: "services-by-namespace/\(namespace.id)"
        )
        return ECS.ListServicesByNamespaceResponse(serviceArns: page.items, nextToken: page.nextToken)
    }

    public func listServices(_ request: ECS.ListServicesRequest) throws(ECSError) -> ECS.ListServicesResponse {
        let name = try activeCluster(request.cluster).name
        let size = try PageToken.pageSize(request.maxResults, limit: 100)
        // Every service here is the customer's: ECS manages none (no Express services), so
        // resourceManagementType ECS lists nothing.
        let managedByECS = request.resourceManagementType == "ECS"
        let arns = activeServices(name)
            .filter { record in
                !managedByECS
                    && (request.launchType.map { record.launchType?.rawValue == $0 } ?? true)
                    && (request.schedulingStrategy.map { record.schedulingStrategy.rawValue == $0 } ?? true)
            }
            .map(\.arn).sorted()
        let scope = PageToken.scope(
            "services", name, request.launchType, request.schedulingStrategy, request.resourceManagementType
        )
        let page = try PageToken.page(arns, key: { $0 }, size: size, after: request.nextToken, scope: scope)
        return ECS.ListServicesResponse(serviceArns: page.items, nextToken: page.nextToken)
    }
}
