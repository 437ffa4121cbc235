import Foundation
import WharfModel
import WharfState

/// Blue/green, linear and canary deployments (ECS's `deploymentConfiguration.strategy`): the new
/// revision (green) is started beside the running one (blue) at the full desired count, in the
/// target groups that do not serve production; once every green task is healthy, test traffic
/// and then production traffic move to green (at once, in steps, or a canary first); blue keeps
/// running through the bake time, so that a failure returns the traffic to it at once; then blue
/// stops. The stages are ECS's lifecycle stages. The load balancers' rules follow the state the
/// round leaves (the controller rewrites them); this part decides the tasks and the stages.
extension ServiceScheduler {
    /// Runs a round of a traffic-shifting deployment; false when there is none under way (the
    /// first deployment, nothing running to shift from, a rolling strategy, or a deployment that
    /// was rolled back), and the rolling rules apply.
    func trafficShiftRound(
        _ plan: inout Plan,
        live: [ServiceTask],
        candidates: [PlacementCandidate],
        demands: [TaskDefinitionKey: TaskDemand],
        definitionConstraints: [TaskDefinitionKey: [ECS.PlacementConstraint]]
    ) -> Bool {
        let record = plan.record
        guard let primary = record.primary, primary.rolloutState == .inProgress, record.status == .active,
            let shift = record.deploymentConfiguration.trafficShift
        else { return false }
        // A rollback returns to blue by the rolling rules; a deployment after it starts a new shift.
        if let current = record.blueGreen, current.rolledBack, current.blue.contains(primary.id) { return false }
        var state: BlueGreenState
        if let current = record.blueGreen, current.green == primary.id {
            state = current
        } else {
            guard let started = startTrafficShift(&plan, primary: primary, live: live) else { return false }
            state = started
        }
        let desired = record.desiredCount
        var stopped = Set<String>()
        func stop(_ task: ServiceTask, _ reason: String) {
            guard stopped.insert(task.arn).inserted else { return }
            plan.stops.append(Stop(taskArn: task.arn, reason: reason))
        }
        let replaced = "Task replaced by (deployment \(primary.id))"
        // Tasks of neither side (of a deployment replaced before it took traffic) stop.
        for task in live where task.deployment != state.green && !state.blue.contains(task.deployment) {
            stop(task, replaced)
        }
        // Green at the desired count, on instances that are not draining.
        for task in live where task.deployment == state.green && task.instance == .draining {
            stop(
                task,
                "Task stopped because its container instance \(Self.resourceID(task.instanceArn)) is draining"
            )
        }
        var green = live.filter { $0.deployment == state.green && $0.instance == .usable }
        if green.count > desired {
            let extra = Self.scaleInOrder(green.filter { !$0.isProtected }).prefix(green.count - desired)
            for task in extra { stop(task, "Scaling activity initiated by (deployment \(primary.id))") }
            green.removeAll { stopped.contains($0.arn) }
        } else if green.count < desired {
            launch(
                &plan,
                count: desired - green.count,
                deployment: primary,
                candidates: candidates,
                demands: demands,
                constraints: definitionConstraints[primary.taskDefinition] ?? []
            )
        }
        // Blue keeps its count while it may take the traffic back: a task of it that stopped is replaced.
        if state.stage < .cleanUp, let blue = record.deployments.first(where: { state.blue.contains($0.id) }) {
            let serving = live.filter { state.blue.contains($0.deployment) && $0.instance == .usable }
            let missing = (state.blueCount ?? 0) - serving.count
            if missing > 0 {
                launch(
                    &plan,
                    count: missing,
                    deployment: blue,
                    candidates: candidates,
                    demands: demands,
                    constraints: definitionConstraints[blue.taskDefinition] ?? []
                )
            }
        }
        let before = state
        advance(&state, shift: shift, healthy: green.count(where: \.isHealthy), desired: desired, plan: &plan)
        if state.stage == .cleanUp {
            for task in live where state.blue.contains(task.deployment) { stop(task, replaced) }
        }
        if state.stage != before.stage { state.stageSince = now }
        plan.record.blueGreen = state
        setLifecycleStage(&plan, deployment: state.green, stage: state.stage)
        return true
    }

    /// Begins a traffic-shifting deployment of `primary`, or nil when nothing runs to shift from.
    /// Blue is what serves production now: the deployments live beside the new one, or, when a
    /// deployment under way is replaced, its blue (or its green, if all production traffic had
    /// moved to it).
    private func startTrafficShift(
        _ plan: inout Plan,
        primary: DeploymentRecord,
        live: [ServiceTask]
    ) -> BlueGreenState? {
        let record = plan.record
        var blue: [String]
        if let current = record.blueGreen {
            let moved = current.percent >= 100
            blue = moved ? [current.green] : current.blue
            if moved { plan.record.alternateServesProduction = !(record.alternateServesProduction ?? false) }
        } else {
            blue = record.deployments.dropFirst().map(\.id)
        }
        blue = blue.filter { id in live.contains { $0.deployment == id } }
        guard !blue.isEmpty else {
            plan.record.blueGreen = nil
            return nil
        }
        let strategy = record.deploymentConfiguration.trafficShift?.name ?? "BLUE_GREEN"
        plan.events.append(
            "(service \(record.name)) (deployment \(primary.id)) \(strategy) deployment started: the green revision "
                + "scales up beside \(blue.joined(separator: ", "))."
        )
        var state = BlueGreenState(green: primary.id, blue: blue, now: now)
        state.blueCount = live.count { blue.contains($0.deployment) && $0.instance == .usable }
        return state
    }

    /// Moves `state` on by at most one stage, as its conditions allow.
    private func advance(
        _ state: inout BlueGreenState,
        shift: TrafficShift,
        healthy: Int,
        desired: Int,
        plan: inout Plan
    ) {
        let name = plan.record.name
        let settings = plan.record.deploymentConfiguration
        switch state.stage {
        case .reconcileService, .preScaleUp:
            state.stage = .scaleUp
        case .scaleUp:
            guard healthy >= desired else { return }
            state.stage = .postScaleUp
        case .postScaleUp:
            state.stage = .testTrafficShift
        case .testTrafficShift:
            state.stage = .postTestTrafficShift
        case .postTestTrafficShift:
            state.stage = .productionTrafficShift
            state.percent = shift.firstPercent
            state.waitUntil = now + shift.next(after: state.percent).wait
            plan.events.append(Self.shifted(name, state))
        case .productionTrafficShift:
            if state.percent >= 100 {
                state.stage = .postProductionTrafficShift
                state.waitUntil = nil
            } else if now >= state.waitUntil ?? now {
                state.percent = shift.next(after: state.percent).percent
                state.waitUntil = now + shift.next(after: state.percent).wait
                plan.events.append(Self.shifted(name, state))
            }
        case .postProductionTrafficShift:
            state.stage = .bakeTime
            state.waitUntil = now + settings.bakeSeconds
        case .bakeTime:
            guard now >= state.waitUntil ?? now else { return }
            state.stage = .cleanUp
            state.waitUntil = nil
            plan.events.append(
                "(service \(name)) (deployment \(state.green)) bake time ended: the blue revision "
                    + "(\(state.blue.joined(separator: ", "))) is stopped."
            )
        case .cleanUp:
            break
        }
    }

    /// The event of a traffic shift.
    private static func shifted(_ service: String, _ state: BlueGreenState) -> String {
        let share = state.percent == state.percent.rounded() ? String(Int(state.percent)) : String(state.percent)
        return "(service \(service)) (deployment \(state.green)) shifted \(share)% of production traffic to the "
            + "green revision."
    }

    /// Notes `stage` on the service deployment of `deployment`.
    private func setLifecycleStage(_ plan: inout Plan, deployment: String, stage: LifecycleStage) {
        guard let index = plan.record.serviceDeployments.firstIndex(where: { $0.deployment == deployment }),
            plan.record.serviceDeployments[index].lifecycleStage != stage
        else { return }
        plan.record.serviceDeployments[index].lifecycleStage = stage
        plan.record.serviceDeployments[index].updatedAt = Date(timeIntervalSince1970: now)
    }

    /// Fails a traffic-shifting deployment under way: production and test traffic return to blue,
    /// which runs still, and blue's deployment is primary again; green's tasks then stop. Always
    /// a rollback, whatever the breaker or alarms say of rollbacks: blue is there to return to.
    /// False when no such deployment is under way.
    func rollBackTrafficShift(
        _ plan: inout Plan,
        reason: String,
        event: String,
        rollbackReason: String,
        trigger: String
    ) -> Bool {
        let record = plan.record
        // From CLEAN_UP on blue is draining: a failure then rolls back with a new deployment of its
        // revision, which shifts traffic as any deployment does.
        guard var state = record.blueGreen, !state.rolledBack, state.stage < .cleanUp, var green = record.primary,
            green.id == state.green, let index = record.deployments.firstIndex(where: { state.blue.contains($0.id) })
        else { return false }
        let moment = Date(timeIntervalSince1970: now)
        ServiceDeploymentHistory.refresh(&plan.record, now: moment)
        green.status = .active
        green.rolloutState = .failed
        green.rolloutStateReason = reason
        green.updatedAt = moment
        var blue = record.deployments[index]
        blue.status = .primary
        blue.rolloutState = .inProgress
        blue.rolloutStateReason = "\(rollbackReason) \(blue.id)."
        blue.desiredCount = record.desiredCount
        blue.updatedAt = moment
        var rest = record.deployments
        rest.remove(at: index)
        rest.removeFirst()
        plan.record.deployments = [blue, green] + rest
        plan.record.taskDefinition = blue.taskDefinition
        plan.record.bakeUntil = nil
        plan.record.consecutiveFailures = 0
        plan.record.throttledUntil = nil
        plan.record.countedFailures = []
        state.rolledBack = true
        state.percent = 0
        state.waitUntil = nil
        plan.record.blueGreen = state
        ServiceDeploymentHistory.rollingBack(
            &plan.record,
            failed: green.id,
            target: blue.id,
            reason: reason,
            now: moment
        )
        plan.events.append("(service \(record.name)) (deployment \(green.id)) deployment failed: \(event).")
        plan.events.append(
            "(service \(record.name)) rolling back to deployment \(blue.id): \(trigger) on deployment \(green.id); "
                + "traffic returns to it."
        )
        return true
    }

    /// Ends a traffic-shifting deployment once the round is decided: a completed one moves
    /// production to the set green is in; a rolled-back one is forgotten once green's tasks
    /// have stopped.
    func settleTrafficShift(_ plan: inout Plan, tasks: [ServiceTask]) {
        guard let state = plan.record.blueGreen else { return }
        let present = Self.present(tasks)
        if state.rolledBack {
            // Green's tasks keep their target groups while they drain, until they have stopped.
            if !present.contains(where: { $0.deployment == state.green }) { plan.record.blueGreen = nil }
            return
        }
        guard state.stage == .cleanUp, plan.record.primary?.id == state.green,
            plan.record.primary?.rolloutState == .completed
        else { return }
        plan.record.alternateServesProduction = !(plan.record.alternateServesProduction ?? false)
        plan.record.blueGreen = nil
    }
}
