import Foundation
import WharfModel
import WharfState
import WharfScheduler

extension ClusterState {
    /// UpdateService: a new desired count takes effect at once; a new task definition, a new
    /// network configuration or `forceNewDeployment` starts a deployment, which the scheduler rolls
    /// out within the deployment configuration.
    public func updateService(
        _ request: ECS.UpdateServiceRequest,
        now: Date,
        deploymentID: String
    ) throws(ECSError) -> Outcome<ECS.UpdateServiceResponse> {
        let name = try activeCluster(request.cluster).name
        var record = try activeService(request.service, cluster: name)
        var service = record.service
        let daemon = service.schedulingStrategy == "DAEMON"
        if let desired = request.desiredCount {
            guard !daemon else {
                throw ECSError(
                    .invalidParameter,
                    "desiredCount cannot be set on a DAEMON service: it runs one task on every instance that qualifies"
                )
            }
            try ServiceRules.checkDesiredCount(desired)
            service.desiredCount = desired
        }
        service.deploymentConfiguration = try ServiceRules.deploymentConfiguration(
            request.deploymentConfiguration,
            base: service.deploymentConfiguration,
            daemon: daemon
        )
        if let constraints = request.placementConstraints { service.placementConstraints = constraints }
        if let strategy = request.placementStrategy {
            guard !daemon || strategy.isEmpty else {
                throw ECSError(
                    .invalidParameter,
                    "placementStrategy is not supported with the DAEMON scheduling strategy"
                )
            }
            service.placementStrategy = strategy
        }
        _ = try Placement(
            strategies: service.placementStrategy ?? [],
            constraints: service.placementConstraints ?? [],
            seed: 0
        )
        if let grace = request.healthCheckGracePeriodSeconds {
            guard grace >= 0 else {
                throw ECSError(.invalidParameter, "healthCheckGracePeriodSeconds \(grace) must be 0 or more")
            }
            service.healthCheckGracePeriodSeconds = grace
        }
        if let propagate = request.propagateTags {
            guard ["TASK_DEFINITION", "SERVICE", "NONE"].contains(propagate) else {
                throw ECSError(
                    .invalidParameter,
                    "propagateTags \(propagate) is not valid; use TASK_DEFINITION, SERVICE or NONE"
                )
            }
            service.propagateTags = propagate
        }
        if let managed = request.enableECSManagedTags { service.enableECSManagedTags = managed }
        if !(request.loadBalancers ?? []).isEmpty || !(request.serviceRegistries ?? []).isEmpty {
            throw ECSError(.invalidParameter, "loadBalancers and serviceRegistries are not supported by Wharf yet")
        }
        var redeploy = request.forceNewDeployment == true
        if let reference = request.taskDefinition {
            let definition = try serviceTaskDefinition(reference)
            if let launchType = service.launchType, !(definition.compatibilities ?? []).contains(launchType) {
                throw ECSError(
                    .invalidParameter,
                    "task definition \(definition.taskDefinitionArn ?? "") does not support launch type \(launchType)"
                )
            }
            if definition.taskDefinitionArn != service.taskDefinition { redeploy = true }
            service.taskDefinition = definition.taskDefinitionArn
        }
        if let network = request.networkConfiguration, network != service.networkConfiguration {
            service.networkConfiguration = network
            redeploy = true
        }
        if redeploy {
            var deployments = service.deployments ?? []
            if !deployments.isEmpty { deployments[0].status = "ACTIVE" }
            let deployment = ECS.Deployment(
                id: deploymentID,
                status: "PRIMARY",
                taskDefinition: service.taskDefinition,
                desiredCount: service.desiredCount,
                pendingCount: 0,
                runningCount: 0,
                failedTasks: 0,
                createdAt: now,
                updatedAt: now,
                capacityProviderStrategy: service.capacityProviderStrategy,
                launchType: service.launchType,
                networkConfiguration: service.networkConfiguration,
                rolloutState: "IN_PROGRESS",
                rolloutStateReason: "ECS deployment \(deploymentID) in progress."
            )
            service.deployments = [deployment] + deployments
            record.service = service
            ServiceDeploymentHistory.begin(&record, deployment: deployment, now: now)
            record.consecutiveFailures = 0
            record.throttledUntil = nil
            record.countedFailures = []
        } else if var primary = service.deployments?.first {
            primary.desiredCount = service.desiredCount
            primary.updatedAt = now
            service.deployments?[0] = primary
        }
        record.steady = false
        record.service = service
        return Outcome(
            ECS.UpdateServiceResponse(service: presentService(record, includeTags: false)),
            [.putService(record)]
        )
    }

    /// DeleteService: refused while a REPLICA service still wants tasks, unless forced. The
    /// service becomes DRAINING with a desired count of 0; the scheduler stops its tasks and then
    /// marks it INACTIVE.
    public func deleteService(
        _ request: ECS.DeleteServiceRequest,
        now: Date
    ) throws(ECSError) -> Outcome<ECS.DeleteServiceResponse> {
        let name = try activeCluster(request.cluster).name
        var record = try activeService(request.service, cluster: name)
        if record.service.schedulingStrategy != "DAEMON", (record.service.desiredCount ?? 0) > 0, request.force != true
        {
            throw ECSError(
                .invalidParameter,
                "The service cannot be stopped while it is scaled above 0: set desiredCount to 0 with UpdateService first, or delete with force"
            )
        }
        record.service.status = "DRAINING"
        record.service.desiredCount = 0
        ServiceDeploymentHistory.stopRunning(&record, reason: "The service was deleted.", now: now)
        if var primary = record.service.deployments?.first {
            primary.desiredCount = 0
            primary.updatedAt = now
            record.service.deployments?[0] = primary
        }
        record.steady = false
        return Outcome(
            ECS.DeleteServiceResponse(service: presentService(record, includeTags: false)),
            [.putService(record)]
        )
    }
}
