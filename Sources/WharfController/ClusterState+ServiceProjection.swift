import Foundation
import WharfModel
import WharfScheduler
import WharfState

extension ClusterState {
    /// A service as DescribeServices shows it, its counts taken from its tasks as they are now (the
    /// record's are those of the scheduler's last round).
    func presentService(_ record: ServiceRecord, includeTags: Bool) -> ECS.Service {
        // The service's tasks, counted by deployment as they change (`Tasks`), not scanned.
        let counts = tasks.counts(in: record.groupKey)
        let deployments = record.deployments.map { deployment in
            var shown = ECS.Deployment(
                id: deployment.id,
                status: deployment.status.rawValue,
                taskDefinition: arn(of: deployment.taskDefinition),
                desiredCount: deployment.desiredCount,
                pendingCount: counts[deployment.id]?.pending ?? 0,
                runningCount: counts[deployment.id]?.running ?? 0,
                failedTasks: deployment.failedTasks,
                createdAt: deployment.createdAt,
                updatedAt: deployment.updatedAt,
                capacityProviderStrategy: deployment.capacityProviderStrategy?.map(\.ecs),
                launchType: deployment.launchType?.rawValue,
                networkConfiguration: deployment.networkConfiguration?.value,
                rolloutState: deployment.rolloutState.rawValue,
                rolloutStateReason: deployment.rolloutStateReason
            )
            shown.platformVersion = deployment.platformVersion
            shown.platformFamily = deployment.platformVersion == nil ? nil : "Linux"
            return shown
        }
        var service = ECS.Service(
            serviceArn: record.arn,
            serviceName: record.name,
            clusterArn: context.clusterARN(record.cluster),
            loadBalancers: projectLoadBalancers(record),
            serviceRegistries: projectServiceRegistries(record),
            status: record.status.rawValue,
            desiredCount: record.desiredCount,
            runningCount: deployments.reduce(0) { $0 + ($1.runningCount ?? 0) },
            pendingCount: deployments.reduce(0) { $0 + ($1.pendingCount ?? 0) },
            launchType: record.launchType?.rawValue,
            capacityProviderStrategy: record.capacityProviderStrategy?.map(\.ecs),
            taskDefinition: arn(of: record.taskDefinition),
            deploymentConfiguration: record.deploymentConfiguration.ecs,
            deployments: deployments,
            roleArn: record.roleArn,
            events: record.events.map { ECS.ServiceEvent(id: $0.id, createdAt: $0.createdAt, message: $0.message) },
            createdAt: record.createdAt,
            placementConstraints: record.placementConstraints,
            placementStrategy: record.placementStrategy,
            networkConfiguration: record.networkConfiguration?.value,
            healthCheckGracePeriodSeconds: record.healthCheckGracePeriodSeconds,
            schedulingStrategy: record.schedulingStrategy.rawValue,
            deploymentController: ECS.DeploymentController(type: "ECS"),
            tags: includeTags ? record.tags.map(\.ecs) : nil,
            createdBy: record.createdBy,
            enableECSManagedTags: record.enableECSManagedTags,
            propagateTags: record.propagateTags.rawValue,
            enableExecuteCommand: record.enableExecuteCommand
        )
        service.platformVersion = record.platformVersion
        service.platformFamily = record.platformVersion == nil ? nil : "Linux"
        // Wharf never rebalances across Availability Zones (ENABLED is refused), and ECS manages
        // no service here (no Express services): what ECS would show for such a service.
        service.availabilityZoneRebalancing = "DISABLED"
        service.resourceManagementType = "CUSTOMER"
        if record.isExternal { presentTaskSets(record, in: &service) }
        return service
    }

    /// An EXTERNAL service shows its task sets, and its primary task set's settings as its own
    /// (none while it has no primary), as ECS shows them.
    func presentTaskSets(_ record: ServiceRecord, in service: inout ECS.Service) {
        let sets = (record.taskSets ?? []).map { project($0, of: record, includeTags: false) }
        let primary = record.taskSets?.first { $0.status == .primary }
        service.deploymentController = ECS.DeploymentController(type: DeploymentControllerType.external.rawValue)
        service.deployments = nil
        service.taskSets = sets
        service.runningCount = sets.reduce(0) { $0 + ($1.runningCount ?? 0) }
        service.pendingCount = sets.reduce(0) { $0 + ($1.pendingCount ?? 0) }
        service.taskDefinition = primary.map { arn(of: $0.taskDefinition) }
        service.launchType = primary?.launchType?.rawValue
        service.capacityProviderStrategy = primary?.capacityProviderStrategy?.map(\.ecs)
        service.platformVersion = primary?.platformVersion
        service.platformFamily = primary?.platformVersion == nil ? nil : "Linux"
        service.networkConfiguration = primary?.networkConfiguration?.value
        service.loadBalancers = projectLoadBalancers(primary?.loadBalancers ?? [])
        service.serviceRegistries = projectServiceRegistries(primary?.serviceRegistries ?? [])
    }

    /// A service deployment as DescribeServiceDeployments shows it.
    func presentServiceDeployment(_ entry: ServiceDeploymentRecord, of record: ServiceRecord) -> ECS.ServiceDeployment {
        let revision = { (counts: RevisionCounts) in
            ECS.ServiceRevisionSummary(
                arn: ServiceDeploymentHistory.revisionArn(service: record.arn, deployment: counts.deployment),
                requestedTaskCount: counts.requested,
                runningTaskCount: counts.running,
                pendingTaskCount: counts.pending
            )
        }
        return ECS.ServiceDeployment(
            serviceDeploymentArn: ServiceDeploymentHistory.arn(service: record.arn, deployment: entry.deployment),
            serviceArn: record.arn,
            clusterArn: context.clusterARN(record.cluster),
            createdAt: entry.createdAt,
            startedAt: entry.startedAt,
            finishedAt: entry.finishedAt,
            stoppedAt: entry.stoppedAt,
            updatedAt: entry.updatedAt,
            sourceServiceRevisions: entry.sources.map(revision),
            targetServiceRevision: revision(entry.target),
            status: entry.status.rawValue,
            statusReason: entry.statusReason,
            lifecycleStage: entry.lifecycleStage?.rawValue,
            deploymentConfiguration: entry.configuration.ecs,
            rollback: entry.rollback.map { rollback in
                ECS.Rollback(
                    reason: rollback.reason,
                    startedAt: rollback.startedAt,
                    serviceRevisionArn: ServiceDeploymentHistory.revisionArn(
                        service: record.arn,
                        deployment: rollback.target
                    )
                )
            },
            deploymentCircuitBreaker: ECS.ServiceDeploymentCircuitBreaker(
                status: entry.circuitBreaker.status.rawValue,
                failureCount: entry.circuitBreaker.failureCount,
                threshold: entry.circuitBreaker.threshold
            ),
            alarms: entry.alarms.map { alarms in
                ECS.ServiceDeploymentAlarms(
                    status: alarms.status.rawValue,
                    alarmNames: alarms.names.isEmpty ? nil : alarms.names,
                    triggeredAlarmNames: alarms.triggered.isEmpty ? nil : alarms.triggered
                )
            }
        )
    }
}
