import WharfModel
import WharfState

extension ServiceScheduler {
    /// The DAEMON strategy: one task of the primary deployment on every ACTIVE, connected instance
    /// that satisfies the placement constraints; none elsewhere. A new deployment replaces the
    /// old task instance by instance, stopping it first, within minimumHealthyPercent (default 0).
    func daemonRound(
        _ plan: inout Plan,
        live: [ServiceTask],
        candidates: [PlacementCandidate],
        demands: [TaskDefinitionKey: TaskDemand],
        constraints: [ECS.PlacementConstraint]
    ) {
        let record = plan.record
        guard let primary = record.primary else { return }
        let primaryID = primary.id
        let placement = try? Placement(
            strategies: [],
            constraints: record.placementConstraints + constraints,
            seed: seed
        )
        let eligible =
            record.status == .active
            ? candidates.filter { candidate in
                candidate.status == .active && candidate.agentConnected && placement?.admits(candidate) == true
            } : []
        let eligibleArns = Set(eligible.map(\.arn))
        plan.record.desiredCount = eligible.count
        let bounds = Self.bounds(desired: eligible.count, settings: record.deploymentConfiguration)
        var healthy = live.count(where: \.isHealthy)
        let byInstance = Dictionary(grouping: live, by: \.instanceArn)
        var pinned: [String] = []
        var unplaceable: [Placement.Failure] = []
        for task in live where !eligibleArns.contains(task.instanceArn) {
            plan.stops.append(
                Stop(
                    taskArn: task.arn,
                    reason: "Task stopped because its container instance \(Self.resourceID(task.instanceArn)) "
                        + "no longer runs this daemon"
                )
            )
            if task.isHealthy { healthy -= 1 }
        }
        for candidate in eligible {
            let here = byInstance[candidate.arn] ?? []
            let current = here.filter { $0.deployment == primaryID }
            for extra in current.dropFirst() {
                plan.stops.append(
                    Stop(taskArn: extra.arn, reason: "Scaling activity initiated by (deployment \(primaryID))")
                )
            }
            guard current.isEmpty else { continue }
            let old = here.filter { $0.deployment != primaryID }
            if !old.isEmpty {
                // Replace in place: the old task goes first, when the service can spare it.
                for task in old {
                    if task.isHealthy {
                        guard healthy - 1 >= bounds.minimumHealthy else { continue }
                        healthy -= 1
                    }
                    plan.stops.append(Stop(taskArn: task.arn, reason: "Task replaced by (deployment \(primaryID))"))
                }
                continue
            }
            if let demand = demands[primary.taskDefinition], let reason = candidate.misfitReason(demand) {
                unplaceable.append(Placement.Failure(arn: candidate.arn, reason: reason))
            } else {
                pinned.append(candidate.arn)
            }
        }
        if !unplaceable.isEmpty { plan.events.append(Self.unplaceable(record.name, unplaceable)) }
        guard !pinned.isEmpty, primary.rolloutState != .failed else { return }
        launch(
            &plan,
            count: pinned.count,
            deployment: primary,
            candidates: candidates,
            demands: demands,
            pinned: pinned
        )
    }
}
