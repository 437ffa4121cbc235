import Foundation
import WharfModel
import WharfState

extension Legacy {
    /// A service as schema versions 6 and before stored it: ECS's `Service` (deployments and
    /// events included) and the scheduler's bookkeeping.
    struct ServiceRecord: Decodable {
        var service: ECS.Service
        var cluster: String
        var clientToken: String?
        var lastCompleted: CompletedDeployment?
        var consecutiveFailures: Int?
        var throttledUntil: Double?
        var countedFailures: Set<String>?
        var steady: Bool?
        var serviceDeployments: [ECS.ServiceDeployment]?
        var inactiveAt: Date?
    }

    /// A completed deployment, its task definition by ARN.
    struct CompletedDeployment: Decodable {
        var id: String
        var taskDefinition: String
    }

    static func service(_ old: ServiceRecord) throws -> WharfState.ServiceRecord {
        let service = old.service
        let daemon = service.schedulingStrategy == SchedulingStrategy.daemon.rawValue
        var record = WharfState.ServiceRecord(
            arn: try required(service.serviceArn, "service ARN"),
            name: try required(service.serviceName, "service name"),
            cluster: old.cluster,
            status: try parse(ServiceStatus.self, service.status ?? "ACTIVE", "service status"),
            desiredCount: service.desiredCount ?? 0,
            schedulingStrategy: try parse(
                SchedulingStrategy.self,
                service.schedulingStrategy ?? "REPLICA",
                "scheduling strategy"
            ),
            launchType: try service.launchType.map { try parse(LaunchType.self, $0, "launch type") },
            capacityProviderStrategy: service.capacityProviderStrategy?.map(CapacityProviderStrategyItem.init),
            taskDefinition: try key(service.taskDefinition),
            deploymentConfiguration: DeploymentSettings(
                service.deploymentConfiguration ?? ECS.DeploymentConfiguration(),
                daemon: daemon
            ),
            deployments: try (service.deployments ?? []).map(deployment),
            roleArn: service.roleArn,
            events: (service.events ?? []).map {
                ServiceEventRecord(
                    id: $0.id ?? "",
                    createdAt: $0.createdAt ?? Date(timeIntervalSince1970: 0),
                    message: $0.message ?? ""
                )
            },
            createdAt: service.createdAt ?? Date(timeIntervalSince1970: 0),
            createdBy: service.createdBy,
            placementConstraints: service.placementConstraints ?? [],
            placementStrategy: service.placementStrategy ?? [],
            networkConfiguration: service.networkConfiguration.map(Shared.init),
            healthCheckGracePeriodSeconds: service.healthCheckGracePeriodSeconds,
            tags: (service.tags ?? []).map(Tag.init),
            enableECSManagedTags: service.enableECSManagedTags ?? false,
            propagateTags: try parse(PropagateTags.self, service.propagateTags ?? "NONE", "propagateTags"),
            enableExecuteCommand: service.enableExecuteCommand ?? false,
            clientToken: old.clientToken
        )
        record.lastCompleted = try old.lastCompleted.map {
            WharfState.CompletedDeployment(id: $0.id, taskDefinition: try key($0.taskDefinition))
        }
        record.consecutiveFailures = old.consecutiveFailures ?? 0
        record.throttledUntil = old.throttledUntil
        record.countedFailures = old.countedFailures ?? []
        record.steady = old.steady ?? false
        record.serviceDeployments = try (old.serviceDeployments ?? []).map {
            try serviceDeployment($0, daemon: daemon)
        }
        record.inactiveAt = old.inactiveAt
        return record
    }

    static func deployment(_ deployment: ECS.Deployment) throws -> DeploymentRecord {
        DeploymentRecord(
            id: try required(deployment.id, "deployment ID"),
            status: try parse(DeploymentStatus.self, deployment.status ?? "PRIMARY", "deployment status"),
            taskDefinition: try key(deployment.taskDefinition),
            desiredCount: deployment.desiredCount ?? 0,
            runningCount: deployment.runningCount ?? 0,
            pendingCount: deployment.pendingCount ?? 0,
            failedTasks: deployment.failedTasks ?? 0,
            createdAt: deployment.createdAt ?? Date(timeIntervalSince1970: 0),
            updatedAt: deployment.updatedAt ?? deployment.createdAt ?? Date(timeIntervalSince1970: 0),
            launchType: try deployment.launchType.map { try parse(LaunchType.self, $0, "launch type") },
            capacityProviderStrategy: deployment.capacityProviderStrategy?.map(CapacityProviderStrategyItem.init),
            networkConfiguration: deployment.networkConfiguration.map(Shared.init),
            rolloutState: try parse(RolloutState.self, deployment.rolloutState ?? "IN_PROGRESS", "rollout state"),
            rolloutStateReason: deployment.rolloutStateReason
        )
    }

    static func serviceDeployment(_ entry: ECS.ServiceDeployment, daemon: Bool) throws -> ServiceDeploymentRecord {
        let created = entry.createdAt ?? Date(timeIntervalSince1970: 0)
        let target = try required(entry.targetServiceRevision, "target service revision")
        let breaker = entry.deploymentCircuitBreaker
        return ServiceDeploymentRecord(
            deployment: ServiceDeploymentRecord.deploymentID(
                inARN: try required(entry.serviceDeploymentArn, "service deployment ARN")
            ),
            createdAt: created,
            startedAt: entry.startedAt ?? created,
            updatedAt: entry.updatedAt ?? created,
            finishedAt: entry.finishedAt,
            stoppedAt: entry.stoppedAt,
            sources: try (entry.sourceServiceRevisions ?? []).map(revision),
            target: try revision(target),
            status: try parse(ServiceDeploymentStatus.self, entry.status ?? "IN_PROGRESS", "service deployment status"),
            statusReason: entry.statusReason,
            configuration: DeploymentSettings(
                entry.deploymentConfiguration ?? ECS.DeploymentConfiguration(),
                daemon: daemon
            ),
            circuitBreaker: CircuitBreakerState(
                status: try parse(CircuitBreakerStatus.self, breaker?.status ?? "DISABLED", "circuit breaker status"),
                failureCount: breaker?.failureCount ?? 0,
                threshold: breaker?.threshold ?? 0
            ),
            rollback: try entry.rollback.map { rollback in
                RollbackRecord(
                    reason: rollback.reason ?? "",
                    startedAt: rollback.startedAt ?? created,
                    target: ServiceDeploymentRecord.deploymentID(
                        inARN: try required(rollback.serviceRevisionArn, "rollback revision ARN")
                    )
                )
            }
        )
    }

    static func revision(_ summary: ECS.ServiceRevisionSummary) throws -> RevisionCounts {
        RevisionCounts(
            deployment: ServiceDeploymentRecord.deploymentID(inARN: try required(summary.arn, "service revision ARN")),
            requested: summary.requestedTaskCount ?? 0,
            running: summary.runningTaskCount ?? 0,
            pending: summary.pendingTaskCount ?? 0
        )
    }

    /// A task definition key from a stored ARN.
    static func key(_ arn: String?) throws -> TaskDefinitionKey {
        let arn = try required(arn, "task definition ARN")
        guard let key = TaskDefinitionKey(arn) else {
            throw UpgradeError(description: "task definition ARN \"\(arn)\" is not valid")
        }
        return key
    }
}
