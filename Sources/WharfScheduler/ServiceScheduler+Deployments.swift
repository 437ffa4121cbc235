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
        guard let primary = plan.record.primary?.id else { return }
        for task in tasks
        where task.deployment == primary && task.failed && !plan.record.countedFailures.contains(task.arn) {
            countFailure(&plan, task.arn)
        }
    }

    /// Records one failed task of the primary deployment.
    func countFailure(_ plan: inout Plan, _ arn: String) {
        // An EXTERNAL service has no deployment to count on, but throttles all the same.
        guard plan.record.isExternal || !plan.record.deployments.isEmpty,
            plan.record.countedFailures.insert(arn).inserted
        else { return }
        if !plan.record.deployments.isEmpty { plan.record.deployments[0].failedTasks += 1 }
        plan.record.consecutiveFailures += 1
        plan.record.steady = false
        let failures = plan.record.consecutiveFailures
        if failures >= Self.failuresBeforeThrottle {
            let doubling = Double(1 << min(16, failures - Self.failuresBeforeThrottle))
            let wait = min(Self.maximumThrottle, Self.firstThrottle * doubling)
            plan.record.throttledUntil = now + wait
            plan.events.append(
                "(service \(plan.record.name)) is unable to consistently start tasks successfully. "
                    + "Wharf waits \(Int(wait)) s before it starts another."
            )
        }
    }

    /// Fails the primary deployment when its failed tasks reach the threshold, and rolls back to
    /// the last completed deployment when the breaker says so.
    func tripCircuitBreaker(_ plan: inout Plan, tasks: [ServiceTask]) {
        let record = plan.record
        let settings = record.deploymentConfiguration
        guard settings.circuitBreakerEnabled, let primary = record.primary, primary.rolloutState == .inProgress,
            primary.failedTasks >= Self.failureThreshold(desired: record.desiredCount)
        else { return }
        failPrimary(
            &plan,
            reason: "ECS deployment circuit breaker: tasks failed to start.",
            event: "tasks failed to start",
            rollback: settings.circuitBreakerRollback,
            rollbackReason: "ECS deployment circuit breaker: rolling back to deploymentId",
            trigger: "circuit breaker tripped"
        )
    }

    /// Stops the primary deployment that StopServiceDeployment asked to stop, rolling back to the
    /// last completed deployment whether or not the deployment was set up to roll back, as ECS does.
    func stopOnRequest(_ plan: inout Plan) {
        guard plan.record.deploymentStopRequested == true else { return }
        plan.record.deploymentStopRequested = nil
        guard let primary = plan.record.primary, primary.rolloutState == .inProgress else { return }
        failPrimary(
            &plan,
            reason: "ECS deployment \(primary.id) stopped by StopServiceDeployment.",
            event: "stopped by StopServiceDeployment",
            rollback: true,
            rollbackReason: "ECS deployment stopped: rolling back to deploymentId",
            trigger: "StopServiceDeployment was called"
        )
    }

    /// Fails the primary deployment when one of its deployment alarms is in ALARM, during the
    /// deployment or its bake time, and rolls back when the alarms say so.
    func tripAlarms(_ plan: inout Plan) {
        let record = plan.record
        // A rollback is part of the deployment it rolls back, and watches no alarms of its own.
        guard let alarms = record.deploymentConfiguration.alarms, let primary = record.primary,
            primary.rolloutState == .inProgress,
            record.serviceDeployments.contains(where: { $0.deployment == primary.id && $0.status.isRunning })
        else { return }
        let triggered = alarms.names.filter { alarmsInAlarm.contains($0) }
        guard !triggered.isEmpty else { return }
        let names = triggered.joined(separator: ", ")
        if let index = plan.record.serviceDeployments.firstIndex(where: { $0.deployment == primary.id }) {
            plan.record.serviceDeployments[index].alarms?.status = .triggered
            plan.record.serviceDeployments[index].alarms?.triggered = triggered
        }
        failPrimary(
            &plan,
            reason: "ECS deployment \(primary.id) failed: CloudWatch alarm(s) in ALARM: \(names).",
            event: "alarm(s) \(names) in ALARM",
            rollback: alarms.rollback,
            rollbackReason: "ECS deployment alarms: rolling back to deploymentId",
            trigger: "alarm(s) \(names) went into ALARM"
        )
    }

    /// Fails the primary deployment for `reason`; with `rollback`, starts a deployment of the last
    /// completed deployment's revision in its place.
    func failPrimary(
        _ plan: inout Plan,
        reason: String,
        event: String,
        rollback: Bool,
        rollbackReason: String,
        trigger: String
    ) {
        if rollBackTrafficShift(
            &plan,
            reason: reason,
            event: event,
            rollbackReason: rollbackReason,
            trigger: trigger
        ) {
            return
        }
        let record = plan.record
        guard var primary = record.primary else { return }
        let name = record.name
        let moment = Date(timeIntervalSince1970: now)
        ServiceDeploymentHistory.refresh(&plan.record, now: moment)
        primary.rolloutState = .failed
        primary.rolloutStateReason = reason
        primary.updatedAt = moment
        plan.record.bakeUntil = nil
        plan.events.append("(service \(name)) (deployment \(primary.id)) deployment failed: \(event).")
        guard rollback, let target = record.lastCompleted, target.taskDefinition != primary.taskDefinition else {
            plan.record.primary = primary
            ServiceDeploymentHistory.finish(
                &plan.record,
                deployment: primary.id,
                status: .stopped,
                reason: reason,
                now: moment
            )
            return
        }
        ServiceDeploymentHistory.rollingBack(
            &plan.record,
            failed: primary.id,
            target: target.id,
            reason: reason,
            now: moment
        )
        primary.status = .active
        var replacement = primary
        replacement.id = newDeploymentID
        replacement.status = .primary
        replacement.taskDefinition = target.taskDefinition
        replacement.failedTasks = 0
        replacement.runningCount = 0
        replacement.pendingCount = 0
        replacement.createdAt = moment
        replacement.updatedAt = moment
        replacement.rolloutState = .inProgress
        replacement.rolloutStateReason = "\(rollbackReason) \(target.id)."
        plan.record.deployments = [replacement, primary] + record.deployments.dropFirst()
        plan.record.taskDefinition = target.taskDefinition
        plan.record.consecutiveFailures = 0
        plan.record.throttledUntil = nil
        plan.record.countedFailures = []
        plan.events.append(
            "(service \(name)) rolling back to deployment \(target.id): \(trigger) on deployment \(primary.id)."
        )
    }

    /// The tasks whose containers still run or are about to: not STOPPED, on an instance whose
    /// agent still reports (a lost node's tasks are replaced, not waited for).
    static func present(_ tasks: [ServiceTask]) -> [ServiceTask] {
        tasks.filter(isPresent)
    }

    /// Whether `task` is one of ``present(_:)``'s.
    static func isPresent(_ task: ServiceTask) -> Bool {
        task.lastStatus != .stopped && (task.instance == .usable || task.instance == .draining)
    }

    /// Brings the deployments' counts up to date after the round's stops and launches; drops
    /// deployments whose tasks have all stopped; completes the primary and notes a steady state.
    ///
    /// `runningCount` counts tasks whose containers run, those being stopped included, as ECS
    /// does; `pendingCount` the tasks wanted running that do not run yet.
    func finish(_ plan: inout Plan, tasks: [ServiceTask]) {
        let stopping = Set(plan.stops.map(\.taskArn))
        // Counted in place, never filtered into copies: a copy of 5,000 tasks costs a retain and a
        // release for each of their members, and a service is planned again whenever its tasks
        // report.
        func isLive(_ task: ServiceTask) -> Bool {
            Self.isPresent(task) && task.isLive && (stopping.isEmpty || !stopping.contains(task.arn))
        }
        var deployments = plan.record.deployments
        let launched = Dictionary(grouping: plan.launches, by: \.deployment).mapValues(\.count)
        for index in deployments.indices {
            let id = deployments[index].id
            deployments[index].runningCount = tasks.count {
                $0.deployment == id && $0.lastStatus == .running && Self.isPresent($0)
            }
            deployments[index].pendingCount =
                tasks.count { $0.deployment == id && $0.lastStatus != .running && isLive($0) } + (launched[id] ?? 0)
            if index > 0 { deployments[index].desiredCount = tasks.count { $0.deployment == id && isLive($0) } }
        }
        // Older deployments whose tasks have all stopped are done.
        var ids: Set<String> = []
        var presentCount = 0
        for task in tasks where Self.isPresent(task) {
            presentCount += 1
            if !ids.contains(task.deployment) { ids.insert(task.deployment) }
        }
        deployments = deployments.enumerated().filter { $0.offset == 0 || ids.contains($0.element.id) }.map(\.element)
        guard var primary = deployments.first else { return }
        let record = plan.record
        let name = record.name
        let moment = Date(timeIntervalSince1970: now)
        primary.desiredCount = record.status == .active ? record.desiredCount : 0
        deployments[0] = primary
        plan.record.deployments = deployments
        ServiceDeploymentHistory.refresh(&plan.record, now: moment)
        let healthyPrimary = tasks.count {
            $0.deployment == primary.id && $0.isHealthy && $0.instance == .usable && isLive($0)
        }
        let settled =
            deployments.count == 1 && plan.launches.isEmpty && plan.stops.isEmpty && presentCount == healthyPrimary
            && healthyPrimary == primary.desiredCount
        // A deployment with alarms watches them for its bake time once settled, then completes.
        var baked = true
        // A traffic-shifting deployment watched them through its own bake time, before blue stopped.
        if settled, primary.rolloutState == .inProgress, record.deploymentConfiguration.alarms != nil,
            plan.record.blueGreen == nil,
            plan.record.serviceDeployments.contains(where: { $0.deployment == primary.id && $0.status.isRunning })
        {
            let until = plan.record.bakeUntil ?? now + alarmBakeSeconds
            plan.record.bakeUntil = until
            baked = now >= until
        }
        if settled, baked, primary.rolloutState == .inProgress {
            plan.record.bakeUntil = nil
            let completed = "ECS deployment \(primary.id) completed."
            primary.rolloutState = .completed
            primary.rolloutStateReason = completed
            primary.updatedAt = moment
            plan.record.lastCompleted = CompletedDeployment(id: primary.id, taskDefinition: primary.taskDefinition)
            plan.events.append("(service \(name)) (deployment \(primary.id)) deployment completed.")
            // A blue/green rollback completes blue, whose own service deployment ended long ago.
            if plan.record.serviceDeployments.contains(where: { $0.deployment == primary.id && $0.status.isRunning }) {
                ServiceDeploymentHistory.finish(
                    &plan.record,
                    deployment: primary.id,
                    status: .successful,
                    reason: completed,
                    now: moment
                )
            } else if let rolledBack = plan.record.serviceDeployments.first(where: { $0.status == .rollbackInProgress })
            {
                let by = rolledBack.alarms?.status == .triggered ? "alarms" : "circuit breaker"
                ServiceDeploymentHistory.finish(
                    &plan.record,
                    deployment: rolledBack.deployment,
                    status: .rollbackSuccessful,
                    reason: "ECS deployment \(by): rolled back to the last completed deployment.",
                    now: moment
                )
            }
        }
        if settled {
            plan.record.consecutiveFailures = 0
            plan.record.throttledUntil = nil
        }
        if settled, !plan.record.steady, record.status == .active {
            plan.events.append("(service \(name)) has reached a steady state.")
        }
        plan.record.steady = settled
        deployments[0] = primary
        plan.record.deployments = deployments
        ServiceDeploymentHistory.refresh(&plan.record, now: moment)
        if record.status == .draining, presentCount == 0, plan.launches.isEmpty {
            plan.record.status = .inactive
            plan.record.inactiveAt = moment
        }
    }
}
