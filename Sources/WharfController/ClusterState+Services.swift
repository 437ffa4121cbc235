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
                "service \"\(reference)\" not found in cluster \"\(cluster)\"; list them with ListServices"
            )
        }
        guard record.service.status == "ACTIVE" else {
            throw ECSError(
                .serviceNotActive,
                "service \"\(record.name)\" is \(record.service.status ?? ""); create it again to use it"
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
        let definition = try serviceTaskDefinition(request.taskDefinition)
        let launchType = request.capacityProviderStrategy == nil ? (request.launchType ?? "EC2") : nil
        if let launchType {
            guard (definition.compatibilities ?? []).contains(launchType) else {
                throw ECSError(
                    .invalidParameter,
                    "task definition \(definition.taskDefinitionArn ?? "") does not support launch type \(launchType) (it supports \((definition.compatibilities ?? []).joined(separator: ", ")))"
                )
            }
        }
        _ = try Placement(
            strategies: request.placementStrategy ?? [],
            constraints: request.placementConstraints ?? [],
            seed: 0
        )
        if let existing = serviceRecord(name, cluster: clusterName), existing.service.status != "INACTIVE" {
            if let token = request.clientToken, token == existing.clientToken {
                return Outcome(ECS.CreateServiceResponse(service: presentService(existing, includeTags: true)))
            }
            throw ECSError(
                .invalidParameter,
                "Creation of service was not idempotent: service \"\(name)\" already exists in cluster \"\(clusterName)\" (\(existing.service.status ?? "")); update it with UpdateService, or delete it first"
            )
        }
        let desired = strategy == "DAEMON" ? 0 : (request.desiredCount ?? 0)
        let arn = context.ecsARN("service", "\(clusterName)/\(name)").description
        let deployment = ECS.Deployment(
            id: deploymentID,
            status: "PRIMARY",
            taskDefinition: definition.taskDefinitionArn,
            desiredCount: desired,
            pendingCount: 0,
            runningCount: 0,
            failedTasks: 0,
            createdAt: now,
            updatedAt: now,
            capacityProviderStrategy: request.capacityProviderStrategy,
            launchType: launchType,
            networkConfiguration: request.networkConfiguration,
            rolloutState: "IN_PROGRESS",
            rolloutStateReason: "ECS deployment \(deploymentID) in progress."
        )
        let service = ECS.Service(
            serviceArn: arn,
            serviceName: name,
            clusterArn: context.clusterARN(clusterName),
            loadBalancers: [],
            serviceRegistries: [],
            status: "ACTIVE",
            desiredCount: desired,
            runningCount: 0,
            pendingCount: 0,
            launchType: launchType,
            capacityProviderStrategy: request.capacityProviderStrategy,
            taskDefinition: definition.taskDefinitionArn,
            deploymentConfiguration: configuration,
            deployments: [deployment],
            roleArn: request.role,
            events: [],
            createdAt: now,
            placementConstraints: request.placementConstraints ?? [],
            placementStrategy: request.placementStrategy ?? [],
            networkConfiguration: request.networkConfiguration,
            healthCheckGracePeriodSeconds: request.healthCheckGracePeriodSeconds,
            schedulingStrategy: strategy,
            deploymentController: ECS.DeploymentController(type: "ECS"),
            tags: request.tags ?? [],
            createdBy: caller,
            enableECSManagedTags: request.enableECSManagedTags ?? false,
            propagateTags: request.propagateTags ?? "NONE",
            enableExecuteCommand: request.enableExecuteCommand ?? false
        )
        var record = ServiceRecord(service: service, cluster: clusterName, clientToken: request.clientToken)
        ServiceDeploymentHistory.begin(&record, deployment: deployment, now: now)
        return Outcome(
            ECS.CreateServiceResponse(service: presentService(record, includeTags: true)),
            [.putService(record)]
        )
    }

    /// The ACTIVE task definition a service runs (family, family:revision or ARN).
    func serviceTaskDefinition(_ reference: String?) throws(ECSError) -> ECS.TaskDefinition {
        guard let reference, !reference.isEmpty else {
            throw ECSError(
                .invalidParameter,
                "taskDefinition is required: a family, family:revision or task definition ARN"
            )
        }
        let definition = try taskDefinition(reference).definition
        guard definition.status == TaskDefinitionStatus.active.rawValue else {
            throw ECSError(
                .client,
                "task definition \(definition.taskDefinitionArn ?? "") is \(definition.status ?? ""); register a new revision to run it"
            )
        }
        return definition
    }

    /// A service as DescribeServices shows it, its counts taken from its tasks as they are now (the
    /// record's are those of the scheduler's last round).
    func presentService(_ record: ServiceRecord, includeTags: Bool) -> ECS.Service {
        var service = record.service
        if !includeTags { service.tags = nil }
        // The service's tasks, counted by deployment as they change (`Tasks`), not scanned.
        let counts = tasks.counts(in: record.groupKey)
        service.deployments = service.deployments?.map { deployment in
            var deployment = deployment
            deployment.runningCount = counts[deployment.id]?.running ?? 0
            deployment.pendingCount = counts[deployment.id]?.pending ?? 0
            return deployment
        }
        service.runningCount = service.deployments?.reduce(0) { $0 + ($1.runningCount ?? 0) } ?? 0
        service.pendingCount = service.deployments?.reduce(0) { $0 + ($1.pendingCount ?? 0) } ?? 0
        return service
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
    public func listServices(_ request: ECS.ListServicesRequest) throws(ECSError) -> ECS.ListServicesResponse {
        let name = try activeCluster(request.cluster).name
        let size = try PageToken.pageSize(request.maxResults, limit: 100)
        let arns = activeServices(name)
            .filter { record in
                (request.launchType.map { record.service.launchType == $0 } ?? true)
                    && (request.schedulingStrategy.map { record.service.schedulingStrategy == $0 } ?? true)
            }
            .map(\.arn).sorted()
        let scope = "services/\(name)/\(request.launchType ?? "")/\(request.schedulingStrategy ?? "")"
        let page = try PageToken.page(arns, key: { $0 }, size: size, after: request.nextToken, scope: scope)
        return ECS.ListServicesResponse(serviceArns: page.items, nextToken: page.nextToken)
    }
}
