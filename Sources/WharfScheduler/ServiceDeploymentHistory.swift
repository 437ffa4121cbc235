import Foundation
import WharfModel
import WharfState

/// The service deployments of ECS's ListServiceDeployments and DescribeServiceDeployments: one per
/// deployment a user started (CreateService, or an UpdateService that deploys), with its status,
/// its target and source service revisions and the circuit breaker's view. A circuit-breaker
/// rollback is part of the deployment it rolls back, as in ECS. Kept in the service record, newest
/// first, the last ``limit``.
public enum ServiceDeploymentHistory {
    /// How many service deployments a service keeps.
    public static let limit = 50

    /// The ARN of the service deployment of `deployment` (an `ecs-svc/…` ID) of the service `serviceArn`.
    public static func arn(service serviceArn: String, deployment: String) -> String {
        serviceArn.replacingFirst(":service/", with: ":service-deployment/") + "/" + digits(deployment)
    }

    /// The ARN of the service revision that `deployment` runs.
    public static func revisionArn(service serviceArn: String, deployment: String) -> String {
        serviceArn.replacingFirst(":service/", with: ":service-revision/") + "/" + digits(deployment)
    }

    /// Records that `deployment` (now the primary) began; a deployment still in progress is STOPPED.
    public static func begin(_ record: inout ServiceRecord, deployment: DeploymentRecord, now: Date) {
        var history = record.serviceDeployments
        for index in history.indices where history[index].status.isRunning {
            history[index].status = .stopped
            history[index].statusReason = "A new deployment was started before this one completed."
            history[index].stoppedAt = now
            history[index].updatedAt = now
            history[index].finishedAt = now
        }
        let sources = record.deployments.filter { $0.id != deployment.id }.map(counts)
        let settings = record.deploymentConfiguration
        var entry = ServiceDeploymentRecord(
            deployment: deployment.id,
            createdAt: now,
            startedAt: now,
            updatedAt: now,
            sources: sources,
            target: RevisionCounts(
                deployment: deployment.id,
                requested: deployment.desiredCount,
                running: 0,
                pending: 0
            ),
            status: .inProgress,
            statusReason: "ECS deployment \(deployment.id) in progress.",
            configuration: settings,
            circuitBreaker: CircuitBreakerState(
                status: settings.circuitBreakerEnabled ? .monitoring : .disabled,
                failureCount: 0,
                threshold: ServiceScheduler.failureThreshold(desired: record.desiredCount)
            )
        )
        entry.alarms = DeploymentAlarmsState(
            status: settings.alarms == nil ? .disabled : .monitoring,
            names: settings.alarms?.names ?? []
        )
        entry.revision = ServiceRevisionRecord(deployment, of: record)
        record.serviceDeployments = Array(([entry] + history).prefix(limit))
    }

    /// A deployment's revision with its counts.
    static func counts(_ deployment: DeploymentRecord) -> RevisionCounts {
        RevisionCounts(
            deployment: deployment.id,
            requested: deployment.desiredCount,
            running: deployment.runningCount,
            pending: deployment.pendingCount
        )
    }

    /// Brings the running entry's counts and circuit breaker up to date with the deployments.
    static func refresh(_ record: inout ServiceRecord, now: Date) {
        guard let index = record.serviceDeployments.firstIndex(where: \.status.isRunning),
            let primary = record.primary
        else { return }
        var entry = record.serviceDeployments[index]
        let before = entry
        entry.target.requested = primary.desiredCount
        entry.target.running = primary.runningCount
        entry.target.pending = primary.pendingCount
        // The revisions it started from stay listed; their counts follow them as they drain.
        let current = Dictionary(record.deployments.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        entry.sources = entry.sources.map { source in
            current[source.deployment].map(counts)
                ?? RevisionCounts(deployment: source.deployment, requested: 0, running: 0, pending: 0)
        }
        if entry.status == .inProgress { entry.circuitBreaker.failureCount = primary.failedTasks }
        if entry != before { entry.updatedAt = now }
        record.serviceDeployments[index] = entry
    }

    /// Marks the entry of `deployment` (an `ecs-svc/…` ID) finished with `status` (SUCCESSFUL, STOPPED, ...).
    static func finish(
        _ record: inout ServiceRecord,
        deployment: String,
        status: ServiceDeploymentStatus,
        reason: String,
        now: Date
    ) {
        guard let index = record.serviceDeployments.firstIndex(where: { $0.deployment == deployment }) else { return }
        record.serviceDeployments[index].status = status
        record.serviceDeployments[index].statusReason = reason
        record.serviceDeployments[index].finishedAt = now
        record.serviceDeployments[index].updatedAt = now
        if status == .stopped { record.serviceDeployments[index].stoppedAt = now }
        if record.serviceDeployments[index].circuitBreaker.status == .monitoring {
            record.serviceDeployments[index].circuitBreaker.status =
                status == .successful ? .monitoringComplete : .triggered
        }
        if record.serviceDeployments[index].alarms?.status == .monitoring {
            record.serviceDeployments[index].alarms?.status = .monitoringComplete
        }
    }

    /// Marks every entry still under way STOPPED (the service was deleted).
    public static func stopRunning(_ record: inout ServiceRecord, reason: String, now: Date) {
        for entry in record.serviceDeployments where entry.status.isRunning {
            finish(&record, deployment: entry.deployment, status: .stopped, reason: reason, now: now)
        }
    }

    /// `failed` failed for `reason` (its circuit breaker or its alarms): its entry rolls back to
    /// `target`'s revision.
    static func rollingBack(_ record: inout ServiceRecord, failed: String, target: String, reason: String, now: Date) {
        guard let index = record.serviceDeployments.firstIndex(where: { $0.deployment == failed }) else { return }
        record.serviceDeployments[index].status = .rollbackInProgress
        record.serviceDeployments[index].statusReason = "\(reason.dropLast()); rolling back to \(target)."
        if record.serviceDeployments[index].alarms?.status != .triggered {
            record.serviceDeployments[index].circuitBreaker.status = .triggered
        }
        record.serviceDeployments[index].rollback = RollbackRecord(reason: reason, startedAt: now, target: target)
        record.serviceDeployments[index].updatedAt = now
    }

    /// The digits of an `ecs-svc/…` ID.
    static func digits(_ deployment: String) -> String {
        String(deployment.split(separator: "/").last ?? "")
    }
}

extension String {
    /// The string with the first `target` replaced by `replacement`.
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        var result = self
        result.replaceSubrange(range, with: replacement)
        return result
    }
}
