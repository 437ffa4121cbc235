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
    public static func begin(_ record: inout ServiceRecord, deployment: ECS.Deployment, now: Date) {
        let serviceArn = record.arn
        var history = record.serviceDeployments
        for index in history.indices where isRunning(history[index]) {
            history[index].status = "STOPPED"
            history[index].statusReason = "A new deployment was started before this one completed."
            history[index].stoppedAt = now
            history[index].updatedAt = now
            history[index].finishedAt = now
        }
        let id = deployment.id ?? ""
        let sources = (record.service.deployments ?? []).filter { $0.id != id }.map { old in
            ECS.ServiceRevisionSummary(arn: revisionArn(service: serviceArn, deployment: old.id ?? ""), requestedTaskCount: old.desiredCount ?? 0,
                                       runningTaskCount: old.runningCount ?? 0, pendingTaskCount: old.pendingCount ?? 0)
        }
        let breaker = record.service.deploymentConfiguration?.deploymentCircuitBreaker
        let entry = ECS.ServiceDeployment(
            serviceDeploymentArn: arn(service: serviceArn, deployment: id), serviceArn: serviceArn, clusterArn: record.service.clusterArn,
            createdAt: now, startedAt: now, updatedAt: now, sourceServiceRevisions: sources,
            targetServiceRevision: ECS.ServiceRevisionSummary(arn: revisionArn(service: serviceArn, deployment: id),
                                                              requestedTaskCount: deployment.desiredCount ?? 0, runningTaskCount: 0, pendingTaskCount: 0),
            status: "IN_PROGRESS", statusReason: "ECS deployment \(id) in progress.",
            deploymentConfiguration: record.service.deploymentConfiguration,
            deploymentCircuitBreaker: ECS.ServiceDeploymentCircuitBreaker(
                status: breaker?.enable == true ? "MONITORING" : "DISABLED", failureCount: 0,
                threshold: ServiceScheduler.failureThreshold(desired: record.service.desiredCount ?? 0)))
        record.serviceDeployments = Array(([entry] + history).prefix(limit))
    }

    /// Brings the running entry's counts and circuit breaker up to date with the deployments.
    static func refresh(_ record: inout ServiceRecord, now: Date) {
        guard let index = record.serviceDeployments.firstIndex(where: isRunning),
              let primary = record.service.deployments?.first else { return }
        var entry = record.serviceDeployments[index]
        let serviceArn = record.arn
        let before = entry
        entry.targetServiceRevision?.requestedTaskCount = primary.desiredCount ?? 0
        entry.targetServiceRevision?.runningTaskCount = primary.runningCount ?? 0
        entry.targetServiceRevision?.pendingTaskCount = primary.pendingCount ?? 0
        // The revisions it started from stay listed; their counts follow them as they drain.
        let current = Dictionary((record.service.deployments ?? []).map { (revisionArn(service: serviceArn, deployment: $0.id ?? ""), $0) },
                                 uniquingKeysWith: { a, _ in a })
        entry.sourceServiceRevisions = entry.sourceServiceRevisions?.map { source in
            var source = source
            let old = current[source.arn ?? ""]
            source.runningTaskCount = old?.runningCount ?? 0
            source.pendingTaskCount = old?.pendingCount ?? 0
            source.requestedTaskCount = old?.desiredCount ?? 0
            return source
        }
        if entry.status == "IN_PROGRESS" { entry.deploymentCircuitBreaker?.failureCount = primary.failedTasks ?? 0 }
        if entry != before { entry.updatedAt = now }
        record.serviceDeployments[index] = entry
    }

    /// Whether a service deployment is still under way (in progress or rolling back).
    static func isRunning(_ entry: ECS.ServiceDeployment) -> Bool {
        entry.status == "IN_PROGRESS" || entry.status == "ROLLBACK_IN_PROGRESS"
    }

    /// Marks the entry of `deployment` (an `ecs-svc/…` ID) finished with `status` (SUCCESSFUL, STOPPED, ...).
    static func finish(_ record: inout ServiceRecord, deployment: String, status: String, reason: String, now: Date) {
        finish(&record, arn: arn(service: record.arn, deployment: deployment), status: status, reason: reason, now: now)
    }

    /// Marks the entry with the service deployment ARN `arn` finished with `status`.
    static func finish(_ record: inout ServiceRecord, arn: String?, status: String, reason: String, now: Date) {
        guard let index = record.serviceDeployments.firstIndex(where: { $0.serviceDeploymentArn == arn }) else { return }
        record.serviceDeployments[index].status = status
        record.serviceDeployments[index].statusReason = reason
        record.serviceDeployments[index].finishedAt = now
        record.serviceDeployments[index].updatedAt = now
        if status == "STOPPED" { record.serviceDeployments[index].stoppedAt = now }
        if record.serviceDeployments[index].deploymentCircuitBreaker?.status == "MONITORING" {
            record.serviceDeployments[index].deploymentCircuitBreaker?.status = status == "SUCCESSFUL" ? "MONITORING_COMPLETE" : "TRIGGERED"
        }
    }

    /// Marks every entry still under way STOPPED (the service was deleted).
    public static func stopRunning(_ record: inout ServiceRecord, reason: String, now: Date) {
        for entry in record.serviceDeployments where isRunning(entry) {
            finish(&record, arn: entry.serviceDeploymentArn, status: "STOPPED", reason: reason, now: now)
        }
    }

    /// The circuit breaker tripped on `failed`: its entry rolls back to `target`'s revision.
    static func rollingBack(_ record: inout ServiceRecord, failed: String, target: String, now: Date) {
        let arn = arn(service: record.arn, deployment: failed)
        guard let index = record.serviceDeployments.firstIndex(where: { $0.serviceDeploymentArn == arn }) else { return }
        record.serviceDeployments[index].status = "ROLLBACK_IN_PROGRESS"
        record.serviceDeployments[index].statusReason = "ECS deployment circuit breaker: tasks failed to start; rolling back to \(target)."
        record.serviceDeployments[index].deploymentCircuitBreaker?.status = "TRIGGERED"
        record.serviceDeployments[index].rollback = ECS.Rollback(reason: "ECS deployment circuit breaker: tasks failed to start.", startedAt: now,
                                                          serviceRevisionArn: revisionArn(service: record.arn, deployment: target))
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
