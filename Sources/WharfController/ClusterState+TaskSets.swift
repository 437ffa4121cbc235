import Foundation
import WharfModel
import WharfScheduler
import WharfState

extension ClusterState {
    /// The task definition key an EXTERNAL service holds until a task set is its primary: it has
    /// none of its own, and DescribeServices shows none.
    static let noTaskDefinition = TaskDefinitionKey(family: "", revision: 0)

    /// What CreateService of an EXTERNAL service does not take: the task sets give them.
    static let taskSetMembers = [
        "taskDefinition", "launchType", "capacityProviderStrategy", "platformVersion", "networkConfiguration",
        "loadBalancers", "serviceRegistries",
    ]

    /// CreateService with the EXTERNAL deployment controller: a service of task sets, without a
    /// deployment of its own.
    func createExternalService(
        _ request: ECS.CreateServiceRequest,
        name: String,
        cluster: ClusterRecord,
        configuration: ECS.DeploymentConfiguration,
        now: Date
    ) throws(ECSError) -> Outcome<ECS.CreateServiceResponse> {
        let given: [String: Bool] = [
            "taskDefinition": request.taskDefinition != nil, "launchType": request.launchType != nil,
            "capacityProviderStrategy": !(request.capacityProviderStrategy ?? []).isEmpty,
            "platformVersion": request.platformVersion != nil,
            "networkConfiguration": request.networkConfiguration != nil,
            "loadBalancers": !(request.loadBalancers ?? []).isEmpty,
            "serviceRegistries": !(request.serviceRegistries ?? []).isEmpty,
        ]
        if let member = Self.taskSetMembers.first(where: { given[$0] == true }) {
            throw ECSError(
                .invalidParameter,
                "\(member) is given to each task set (CreateTaskSet) of a service whose deployment controller is "
                    + "EXTERNAL"
            )
        }
        if request.schedulingStrategy == "DAEMON" {
            throw ECSError(
                .invalidParameter,
                "The DAEMON scheduling strategy does not support the EXTERNAL deployment controller."
            )
        }
        _ = try Placement(
            strategies: request.placementStrategy ?? [],
            constraints: request.placementConstraints ?? [],
            seed: 0
        )
        if let existing = serviceRecord(name, cluster: cluster.name), existing.status != .inactive {
            if let token = request.clientToken, token == existing.clientToken {
                return Outcome(ECS.CreateServiceResponse(service: presentService(existing, includeTags: true)))
            }
            throw ECSError(.invalidParameter, "Creation of service was not idempotent.")
        }
        var record = ServiceRecord(
            arn: context.ecsARN("service", "\(cluster.name)/\(name)").description,
            name: name,
            cluster: cluster.name,
            desiredCount: request.desiredCount ?? 0,
            schedulingStrategy: .replica,
            launchType: nil,
            capacityProviderStrategy: nil,
            taskDefinition: Self.noTaskDefinition,
            deploymentConfiguration: try deploymentSettings(configuration, daemon: false),
            deployments: [],
            roleArn: request.role,
            createdAt: now,
            createdBy: caller,
            placementConstraints: request.placementConstraints ?? [],
            placementStrategy: request.placementStrategy ?? [],
            networkConfiguration: nil,
            healthCheckGracePeriodSeconds: request.healthCheckGracePeriodSeconds,
            tags: (request.tags ?? []).map(Tag.init),
            enableECSManagedTags: request.enableECSManagedTags ?? false,
            propagateTags: request.propagateTags.flatMap(PropagateTags.init) ?? .none,
            enableExecuteCommand: request.enableExecuteCommand ?? false,
            clientToken: request.clientToken
        )
        record.deploymentController = .external
        record.taskSets = []
        return Outcome(
            ECS.CreateServiceResponse(service: presentService(record, includeTags: true)),
            [.putService(record)]
        )
    }

    /// Refuses an UpdateService that changes the deployment controller, or that gives an EXTERNAL
    /// service what its task sets carry.
    static func checkController(_ request: ECS.UpdateServiceRequest, of record: ServiceRecord) throws(ECSError) {
        let current = record.deploymentController ?? .ecs
        if let type = request.deploymentController?.type, type != current.rawValue {
            throw ECSError.unsupported(
                "Changing deploymentController from \(current.rawValue) to \(type) with UpdateService",
                "create a new service with the deployment controller it should have"
            )
        }
        guard record.isExternal else { return }
        let given: [String: Bool] = [
            "taskDefinition": request.taskDefinition != nil,
            "capacityProviderStrategy": request.capacityProviderStrategy != nil,
            "platformVersion": request.platformVersion != nil,
            "networkConfiguration": request.networkConfiguration != nil,
            "loadBalancers": request.loadBalancers != nil,
            "serviceRegistries": request.serviceRegistries != nil,
            "forceNewDeployment": request.forceNewDeployment == true,
        ]
        if let member = (Self.taskSetMembers + ["forceNewDeployment"]).first(where: { given[$0] == true }) {
            throw ECSError(
                .invalidParameter,
                "\(member) cannot be updated on a service whose deployment controller is EXTERNAL; create a new "
                    + "task set (CreateTaskSet)"
            )
        }
    }

    /// The ACTIVE EXTERNAL service a task set operation names.
    func externalService(_ reference: String?, cluster: String?) throws(ECSError) -> ServiceRecord {
        let name = try activeCluster(cluster).name
        let record = try activeService(reference, cluster: name)
        guard record.isExternal else {
            throw ECSError(
                .invalidParameter,
                "Amazon ECS only supports task set management on services configured to use external deployment "
                    + "controllers."
            )
        }
        return record
    }

    /// The index of the task set a reference (its ID or ARN) names in `record`.
    func taskSetIndex(_ reference: String?, in record: ServiceRecord) throws(ECSError) -> Int {
        let reference = try ECSError.required(reference, "taskSet")
        let id = reference.hasPrefix("arn:") ? Self.taskSetID(ofArn: reference) : reference
        guard let index = (record.taskSets ?? []).firstIndex(where: { $0.id == id }) else {
            throw ECSError(.taskSetNotFound, "The specified task set does not exist.", hint: "no task set \(reference)")
        }
        return index
    }

    /// The ID at the end of a task set ARN (`.../task-set/CLUSTER/SERVICE/ecs-svc/NNN`).
    static func taskSetID(ofArn arn: String) -> String {
        guard let range = arn.range(of: "/ecs-svc/") else { return arn }
        return "ecs-svc/" + arn[range.upperBound...]
    }

    /// CreateTaskSet: a task set of an EXTERNAL service, which the scheduler keeps at its scale.
    public func createTaskSet(
        _ request: ECS.CreateTaskSetRequest,
        now: Date,
        id: String
    ) throws(ECSError) -> Outcome<ECS.CreateTaskSetResponse> {
        var record = try externalService(request.service, cluster: request.cluster)
        if let token = request.clientToken, let earlier = record.taskSets?.first(where: { $0.clientToken == token }) {
            return Outcome(ECS.CreateTaskSetResponse(taskSet: project(earlier, of: record, includeTags: true)))
        }
        let (key, definition) = try serviceTaskDefinition(request.taskDefinition)
        let balancers = try serviceLoadBalancers(request.loadBalancers, definition: definition)
        let registries = try serviceRegistries(request.serviceRegistries, definition: definition)
        let cluster = clusters[record.cluster]
        let providerStrategy =
            request.capacityProviderStrategy ?? (request.launchType == nil ? defaultStrategy(of: cluster) : nil)
        let launch = try serviceLaunch(
            launchType: request.launchType,
            strategy: providerStrategy,
            cluster: cluster
        )
        try checkServiceLaunch(launch, key: key, definition: definition)
        _ = try TaskNetworkRules.awsvpc(
            request.networkConfiguration,
            networkMode: definition.networkMode ?? "bridge",
            launchType: launch
        )
        let platformVersion = try TaskNetworkRules.platformVersion(request.platformVersion, launchType: launch)
        let scale = try Self.scalePercent(request.scale)
        try TagRules.check(request.tags ?? [])
        let strategy = providerStrategy ?? []
        var set = TaskSetRecord(
            id: id,
            externalId: request.externalId,
            taskDefinition: key,
            launchType: strategy.isEmpty ? LaunchType(rawValue: launch) : nil,
            capacityProviderStrategy: strategy.isEmpty ? nil : strategy.map(CapacityProviderStrategyItem.init),
            platformVersion: platformVersion,
            networkConfiguration: request.networkConfiguration.map(Shared.init),
            scale: scale,
            createdAt: now,
            clientToken: request.clientToken,
            tags: (request.tags ?? []).map(Tag.init)
        )
        set.loadBalancers = balancers
        set.serviceRegistries = registries
        record.taskSets = (record.taskSets ?? []) + [set]
        return Outcome(
            ECS.CreateTaskSetResponse(taskSet: project(set, of: record, includeTags: true)),
            [.putService(record)]
        )
    }

    /// UpdateTaskSet: a new scale.
    public func updateTaskSet(
        _ request: ECS.UpdateTaskSetRequest,
        now: Date
    ) throws(ECSError) -> Outcome<ECS.UpdateTaskSetResponse> {
        var record = try externalService(request.service, cluster: request.cluster)
        let index = try taskSetIndex(request.taskSet, in: record)
        guard let scale = request.scale else { throw ECSError(.invalidParameter, "scale: is required") }
        var sets = record.taskSets ?? []
        guard sets[index].status != .draining else {
            throw ECSError(.invalidParameter, "The specified task set is being deleted; its scale cannot change.")
        }
        sets[index].scale = try Self.scalePercent(scale)
        sets[index].updatedAt = now
        record.taskSets = sets
        return Outcome(
            ECS.UpdateTaskSetResponse(taskSet: project(sets[index], of: record, includeTags: true)),
            [.putService(record)]
        )
    }

    /// UpdateServicePrimaryTaskSet: the task set becomes PRIMARY (the one before it ACTIVE), and
    /// the service shows its settings.
    public func updateServicePrimaryTaskSet(
        _ request: ECS.UpdateServicePrimaryTaskSetRequest,
        now: Date
    ) throws(ECSError) -> Outcome<ECS.UpdateServicePrimaryTaskSetResponse> {
        var record = try externalService(request.service, cluster: request.cluster)
        let index = try taskSetIndex(request.primaryTaskSet, in: record)
        var sets = record.taskSets ?? []
        guard sets[index].status != .draining else {
            throw ECSError(.invalidParameter, "The specified task set is being deleted; it cannot be the primary.")
        }
        for other in sets.indices where sets[other].status == .primary && other != index {
            sets[other].status = .active
            sets[other].updatedAt = now
        }
        sets[index].status = .primary
        sets[index].updatedAt = now
        record.taskSets = sets
        record.taskDefinition = sets[index].taskDefinition
        return Outcome(
            ECS.UpdateServicePrimaryTaskSetResponse(taskSet: project(sets[index], of: record, includeTags: true)),
            [.putService(record)]
        )
    }

    /// DeleteTaskSet: the task set drains (its tasks stop) and is gone; one whose tasks still run is
    /// deleted only with `force`, and the primary not at all while others remain.
    public func deleteTaskSet(
        _ request: ECS.DeleteTaskSetRequest,
        now: Date
    ) throws(ECSError) -> Outcome<ECS.DeleteTaskSetResponse> {
        var record = try externalService(request.service, cluster: request.cluster)
        let index = try taskSetIndex(request.taskSet, in: record)
        var sets = record.taskSets ?? []
        let set = sets[index]
        let running = tasks.counts(in: record.groupKey)[set.id].map { $0.running + $0.pending } ?? 0
        if request.force != true, set.scale > 0 || running > 0 {
            throw ECSError(
                .invalidParameter,
                "The task set cannot be deleted until it has been scaled down to zero; set force to delete it now."
            )
        }
        if set.status == .primary, request.force != true, sets.count > 1 {
            throw ECSError(
                .invalidParameter,
                "The primary task set cannot be deleted while the service has other task sets; make another the "
                    + "primary first, or set force."
            )
        }
        sets[index].status = .draining
        sets[index].updatedAt = now
        record.taskSets = sets
        if set.status == .primary { record.taskDefinition = Self.noTaskDefinition }
        return Outcome(
            ECS.DeleteTaskSetResponse(taskSet: project(sets[index], of: record, includeTags: true)),
            [.putService(record)]
        )
    }

    /// DescribeTaskSets: the named task sets (default: all of them), unknown ones as MISSING.
    public func describeTaskSets(
        _ request: ECS.DescribeTaskSetsRequest
    ) throws(ECSError) -> ECS.DescribeTaskSetsResponse {
        let record = try externalService(request.service, cluster: request.cluster)
        let includeTags = (request.include ?? []).contains("TAGS")
        let sets = record.taskSets ?? []
        guard let references = request.taskSets, !references.isEmpty else {
            return ECS.DescribeTaskSetsResponse(
                taskSets: sets.map { project($0, of: record, includeTags: includeTags) }
            )
        }
        var found: [ECS.TaskSet] = []
        var failures: [ECS.Failure] = []
        for reference in references {
            let id = reference.hasPrefix("arn:") ? Self.taskSetID(ofArn: reference) : reference
            if let set = sets.first(where: { $0.id == id }) {
                found.append(project(set, of: record, includeTags: includeTags))
            } else {
                failures.append(ECS.Failure(arn: reference, reason: "MISSING"))
            }
        }
        return ECS.DescribeTaskSetsResponse(taskSets: found, failures: failures.isEmpty ? nil : failures)
    }

    /// A `scale` in percent: 0 to 100 (default 100).
    static func scalePercent(_ scale: ECS.Scale?) throws(ECSError) -> Double {
        guard let scale else { return 100 }
        if let unit = scale.unit, unit != "PERCENT" {
            throw ECSError(.invalidParameter, "scale.unit must be PERCENT, not \(unit)")
        }
        let value = scale.value ?? 100
        guard (0...100).contains(value) else {
            throw ECSError(.invalidParameter, "scale.value must be 0 to 100, not \(value)")
        }
        return value
    }

    /// A task set's ARN: `arn:aws:ecs:REGION:ACCOUNT:task-set/CLUSTER/SERVICE/ID`.
    func taskSetArn(_ set: TaskSetRecord, of record: ServiceRecord) -> String {
        context.ecsARN("task-set", "\(record.cluster)/\(record.name)/\(set.id)").description
    }

    /// A task set as ECS shows it, its counts taken from its tasks as they are now.
    func project(_ set: TaskSetRecord, of record: ServiceRecord, includeTags: Bool) -> ECS.TaskSet {
        let counts = tasks.counts(in: record.groupKey)[set.id]
        var shown = ECS.TaskSet(
            id: set.id,
            taskSetArn: taskSetArn(set, of: record),
            serviceArn: record.arn,
            clusterArn: context.clusterARN(record.cluster),
            startedBy: set.id,
            externalId: set.externalId,
            status: set.status.rawValue,
            taskDefinition: arn(of: set.taskDefinition),
            computedDesiredCount: set.computedDesiredCount(of: record.status == .active ? record.desiredCount : 0),
            pendingCount: counts?.pending ?? 0,
            runningCount: counts?.running ?? 0,
            createdAt: set.createdAt,
            updatedAt: set.updatedAt,
            launchType: set.launchType?.rawValue,
            capacityProviderStrategy: set.capacityProviderStrategy?.map(\.ecs),
            platformVersion: set.platformVersion,
            networkConfiguration: set.networkConfiguration?.value,
            loadBalancers: set.loadBalancers.map { projectLoadBalancers($0) },
            serviceRegistries: set.serviceRegistries.map { projectServiceRegistries($0) },
            scale: ECS.Scale(value: set.scale, unit: "PERCENT"),
            stabilityStatus: set.steady ? "STEADY_STATE" : "STABILIZING",
            stabilityStatusAt: set.stabilityStatusAt,
            tags: includeTags ? set.tags.map(\.ecs) : nil
        )
        shown.platformFamily = set.platformVersion == nil ? nil : "Linux"
        return shown
    }
}
