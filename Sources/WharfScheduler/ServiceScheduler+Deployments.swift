import Foundation
import WharfModel
import WharfState

extension ServiceScheduler {
    /// The circuit breaker's threshold, as ECS computes it: half the desired count, rounded up,
    /// at least 3 and at most 200.
    public static func failureThreshold(desired: Int) -> Int {
        min(200, max(3, (desired + 1) / 2))
    }

    /// Counts the primary deployment's tasks that failed since the last round, and throttles
    /// launches once they keep failing.
    func countFailures(_ plan: inout Plan, tasks: [ServiceTask]) {
        guard let primary = plan.record.service.deployments?.first?.id else { return }
        for task in tasks where task.deployment == primary && task.failed && !plan.record.countedFailures.contains(task.arn) {
            countFailure(&plan, task.arn)
        }
    }

    /// Records one failed task of the primary deployment.
    func countFailure(_ plan: inout Plan, _ arn: String) {
        guard plan.record.countedFailures.insert(arn).inserted, var primary = plan.record.service.deployments?.first else { return }
        primary.failedTasks = (primary.failedTasks ?? 0) + 1
        plan.record.service.deployments?[0] = primary
        plan.record.consecutiveFailures += 1
        plan.record.steady = false
        let failures = plan.record.consecutiveFailures
        if failures >= Self.failuresBeforeThrottle {
            let wait = min(Self.maximumThrottle, Self.firstThrottle * Double(1 << min(16, failures - Self.failuresBeforeThrottle)))
            plan.record.throttledUntil = now + wait
            plan.events.append("(service \(plan.record.name)) is unable to consistently start tasks successfully. Wharf waits \(Int(wait)) s before it starts another.")
        }
    }

    /// Fails the primary deployment when its failed tasks reach the threshold, and rolls back to
    /// the last completed deployment when the breaker says so.
    func tripCircuitBreaker(_ plan: inout Plan, tasks: [ServiceTask]) {
        let service = plan.record.service
        guard let breaker = service.deploymentConfiguration?.deploymentCircuitBreaker, breaker.enable == true,
              var primary = service.deployments?.first, primary.rolloutState == "IN_PROGRESS",
              (primary.failedTasks ?? 0) >= Self.failureThreshold(desired: service.desiredCount ?? 0) else { return }
        let name = plan.record.name
        ServiceDeploymentHistory.refresh(&plan.record, now: Date(timeIntervalSince1970: now))
        primary.rolloutState = "FAILED"
        primary.rolloutStateReason = "ECS deployment circuit breaker: tasks failed to start."
        primary.updatedAt = Date(timeIntervalSince1970: now)
        plan.events.append("(service \(name)) (deployment \(primary.id ?? "")) deployment failed: tasks failed to start.")
        guard breaker.rollback == true, let target = plan.record.lastCompleted, target.taskDefinition != primary.taskDefinition else {
            plan.record.service.deployments?[0] = primary
            ServiceDeploymentHistory.finish(&plan.record, deployment: primary.id ?? "", status: "STOPPED",
                                            reason: "ECS deployment circuit breaker: tasks failed to start.", now: Date(timeIntervalSince1970: now))
            return
        }
        ServiceDeploymentHistory.rollingBack(&plan.record, failed: primary.id ?? "", target: target.id, now: Date(timeIntervalSince1970: now))
        primary.status = "ACTIVE"
        var rollback = primary
        rollback.id = newDeploymentID
        rollback.status = "PRIMARY"
        rollback.taskDefinition = target.taskDefinition
        rollback.failedTasks = 0
        rollback.runningCount = 0
        rollback.pendingCount = 0
        rollback.createdAt = Date(timeIntervalSince1970: now)
        rollback.updatedAt = rollback.createdAt
        rollback.rolloutState = "IN_PROGRESS"
        rollback.rolloutStateReason = "ECS deployment circuit breaker: rolling back to deploymentId \(target.id)."
        plan.record.service.deployments = [rollback, primary] + (service.deployments ?? []).dropFirst()
        plan.record.service.taskDefinition = target.taskDefinition
        plan.record.consecutiveFailures = 0
        plan.record.throttledUntil = nil
        plan.record.countedFailures = []
        plan.events.append("(service \(name)) rolling back to deployment \(target.id): circuit breaker tripped on deployment \(primary.id ?? "").")
    }

    /// The tasks whose containers still run or are about to: not STOPPED, on an instance whose
    /// agent still reports (a lost node's tasks are replaced, not waited for).
    static func present(_ tasks: [ServiceTask]) -> [ServiceTask] {
        tasks.filter { $0.lastStatus != "STOPPED" && ($0.instance == .usable || $0.instance == .draining) }
    }

    /// Brings the deployments' counts up to date after the round's stops and launches; drops
    /// deployments whose tasks have all stopped; completes the primary and notes a steady state.
    ///
    /// `runningCount` counts tasks whose containers run, those being stopped included, as ECS
    /// does; `pendingCount` the tasks wanted running that do not run yet.
    func finish(_ plan: inout Plan, tasks: [ServiceTask]) {
        let stopping = Set(plan.stops.map(\.taskArn))
        let present = Self.present(tasks)
        let live = present.filter { $0.isLive && !stopping.contains($0.arn) }
        var deployments = plan.record.service.deployments ?? []
        let launched = Dictionary(grouping: plan.launches, by: \.deployment).mapValues(\.count)
        for index in deployments.indices {
            let id = deployments[index].id ?? ""
            deployments[index].runningCount = present.filter { $0.deployment == id && $0.lastStatus == "RUNNING" }.count
            deployments[index].pendingCount = live.filter { $0.deployment == id && $0.lastStatus != "RUNNING" }.count + (launched[id] ?? 0)
            if index > 0 { deployments[index].desiredCount = live.filter { $0.deployment == id }.count }
        }
        // Older deployments whose tasks have all stopped are done.
        let ids = Set(present.map(\.deployment))
        deployments = deployments.enumerated().filter { $0.offset == 0 || ids.contains($0.element.id ?? "") }.map(\.element)
        guard var primary = deployments.first else { return }
        let name = plan.record.name
        let service = plan.record.service
        primary.desiredCount = service.status == "ACTIVE" ? service.desiredCount ?? 0 : 0
        deployments[0] = primary
        plan.record.service.deployments = deployments
        ServiceDeploymentHistory.refresh(&plan.record, now: Date(timeIntervalSince1970: now))
        let healthyPrimary = live.filter { $0.deployment == primary.id && $0.isHealthy && $0.instance == .usable }.count
        let settled = deployments.count == 1 && plan.launches.isEmpty && plan.stops.isEmpty && present.count == healthyPrimary
            && healthyPrimary == (primary.desiredCount ?? 0)
        if settled, primary.rolloutState == "IN_PROGRESS" {
            primary.rolloutState = "COMPLETED"
            primary.rolloutStateReason = "ECS deployment \(primary.id ?? "") completed."
            primary.updatedAt = Date(timeIntervalSince1970: now)
            plan.record.lastCompleted = CompletedDeployment(id: primary.id ?? "", taskDefinition: primary.taskDefinition ?? "")
            plan.events.append("(service \(name)) (deployment \(primary.id ?? "")) deployment completed.")
            let moment = Date(timeIntervalSince1970: now)
            let own = ServiceDeploymentHistory.arn(service: plan.record.arn, deployment: primary.id ?? "")
            if plan.record.serviceDeployments.contains(where: { $0.serviceDeploymentArn == own }) {
                ServiceDeploymentHistory.finish(&plan.record, deployment: primary.id ?? "", status: "SUCCESSFUL",
                                                reason: "ECS deployment \(primary.id ?? "") completed.", now: moment)
            } else if let rolledBack = plan.record.serviceDeployments.first(where: { $0.status == "ROLLBACK_IN_PROGRESS" }) {
                ServiceDeploymentHistory.finish(&plan.record, arn: rolledBack.serviceDeploymentArn, status: "ROLLBACK_SUCCESSFUL",
                                                reason: "ECS deployment circuit breaker: rolled back to the last completed deployment.", now: moment)
            }
        }
        if settled {
            plan.record.consecutiveFailures = 0
            plan.record.throttledUntil = nil
        }
        if settled, !plan.record.steady, service.status == "ACTIVE" {
            plan.events.append("(service \(name)) has reached a steady state.")
        }
        plan.record.steady = settled
        deployments[0] = primary
        plan.record.service.deployments = deployments
        ServiceDeploymentHistory.refresh(&plan.record, now: Date(timeIntervalSince1970: now))
        plan.record.service.runningCount = deployments.reduce(0) { $0 + ($1.runningCount ?? 0) }
        plan.record.service.pendingCount = deployments.reduce(0) { $0 + ($1.pendingCount ?? 0) }
        if service.status == "DRAINING", present.isEmpty, plan.launches.isEmpty {
            plan.record.service.status = "INACTIVE"
            plan.record.inactiveAt = Date(timeIntervalSince1970: now)
        }
    }
}
