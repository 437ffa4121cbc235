import Foundation
import WharfModel
import WharfMonitoring
import WharfState
import WharfStore

/// Application Auto Scaling at work: the alarms in ALARM that run scaling policies, what each
/// policy does about it, and the scheduled actions that are due. Scaling out is as fast as the
/// alarms allow; scaling in waits out both cooldowns and any deployment in progress.
extension ClusterState {
    /// The scaling policies the alarms in ALARM run now (with their actions enabled), as CloudWatch
    /// runs them: every period while the alarm stays in ALARM.
    func scalingTriggers() -> [(alarm: AlarmRecord, policyARN: String)] {
        alarms.all.filter { $0.state == .alarm && $0.actionsEnabled }.flatMap { alarm in
            alarm.alarmActions.filter { autoScaling.policy(arn: $0) != nil }.map { (alarm, $0) }
        }
    }

    /// What a policy does when `alarm` is in ALARM and its metric is `value`: the changes that set
    /// the service's desired count (and the target's cooldown clock), and the activity; nothing
    /// when there is nothing to do (at a limit, in a cooldown, suspended, a deployment in progress).
    func scale(
        policyARN: String,
        alarm: AlarmRecord,
        value: Double,
        now: Date,
        seed: UInt64
    ) throws(ECSError) -> Outcome<MetricStore.Activity?> {
        guard let policy = autoScaling.policy(arn: policyARN), var target = autoScaling[target: policy.target],
            let service = scaledService(target)
        else { return Outcome(nil) }
        let current = service.desiredCount
        let deploying = service.deployments.contains { $0.rolloutState == .inProgress }
        func elapsed(_ since: Date?, _ seconds: Int) -> Bool {
            since.map { now.timeIntervalSince($0) >= Double(seconds) } ?? true
        }
        let wanted: Int
        let outCooldown: Int
        let inCooldown: Int
        if let tracking = policy.targetTracking {
            let scaleOut = alarm.comparison == .greaterThan || alarm.comparison == .greaterThanOrEqual
            // In a scale-out's cooldown the metric still reflects the capacity before it: count from that.
            let cooling = !elapsed(target.lastScaleOutAt, tracking.scaleOutCooldown)
            let base = scaleOut && cooling ? target.lastScaleOutFrom ?? current : current
            wanted = ScalingMath.targetTracking(
                current: base,
                metric: value,
                target: tracking.targetValue,
                scaleOut: scaleOut,
                minimum: target.minCapacity,
                maximum: target.maxCapacity
            )
            (outCooldown, inCooldown) = (tracking.scaleOutCooldown, tracking.scaleInCooldown)
            if !scaleOut && tracking.disableScaleIn { return Outcome(nil) }
        } else if let step = policy.stepScaling {
            guard
                let stepped = ScalingMath.step(
                    current: current,
                    breach: value - alarm.threshold,
                    steps: step.steps,
                    adjustmentType: step.adjustmentType,
                    minAdjustmentMagnitude: step.minAdjustmentMagnitude,
                    minimum: target.minCapacity,
                    maximum: target.maxCapacity
                )
            else { return Outcome(nil) }
            wanted = stepped
            (outCooldown, inCooldown) = (step.cooldown, step.cooldown)
        } else {
            return Outcome(nil)
        }
        let cause = "monitor alarm \(alarm.name) in state ALARM triggered policy \(policy.name)"
        guard wanted != current else {
            let scaleOut = alarm.comparison == .greaterThan || alarm.comparison == .greaterThanOrEqual
            return notScaled(target, current: current, scaleOut: scaleOut, cause: cause, now: now, seed: seed)
        }
        if wanted > current {
            guard !target.suspended.dynamicScalingOut else { return Outcome(nil) }
            // In a scale-out's cooldown, what it added counts: only a larger scale-out goes ahead.
            if !elapsed(target.lastScaleOutAt, outCooldown), wanted <= max(current, target.lastScaleOutCapacity ?? 0) {
                return Outcome(nil)
            }
            // A scale-out in the cooldown of another still counts from the capacity before that one.
            if elapsed(target.lastScaleOutAt, outCooldown) { target.lastScaleOutFrom = current }
            target.lastScaleOutAt = now
            target.lastScaleOutCapacity = wanted
        } else {
            guard !target.suspended.dynamicScalingIn, !deploying, elapsed(target.lastScaleInAt, inCooldown),
                elapsed(target.lastScaleOutAt, outCooldown)
            else { return Outcome(nil) }
            target.lastScaleInAt = now
        }
        target.lastNotScaled = nil
        var random = SeededRandom(seed: seed)
        let changes = try setDesiredCount(service, to: wanted, now: now, deploymentID: random.deploymentID())
        let activity = scalingActivity(
            target,
            count: wanted,
            cause: cause,
            now: now,
            id: random.uuid()
        )
        return Outcome(activity, changes + [.putScalableTarget(target)])
    }

    /// A not scaled activity (DescribeScalingActivities with IncludeNotScaledActivities), in
    /// Application Auto Scaling's words: the policy's new capacity is the current one, because the
    /// target is at its maximum (scaling out), at its minimum (scaling in) or already there. It is
    /// recorded once while the same alarm keeps finding the same reason.
    func notScaled(
        _ target: ScalableTargetRecord,
        current: Int,
        scaleOut: Bool,
        cause: String,
        now: Date,
        seed: UInt64
    ) -> Outcome<MetricStore.Activity?> {
        let reason: MetricStore.NotScaledReason
        if scaleOut, current >= target.maxCapacity {
            reason = .init(code: "AlreadyAtMaxCapacity", maxCapacity: target.maxCapacity)
        } else if !scaleOut, current <= target.minCapacity {
            reason = .init(code: "AlreadyAtMinCapacity", minCapacity: target.minCapacity)
        } else {
            reason = .init(code: "AlreadyAtDesiredCapacity", currentCapacity: current)
        }
        let key = "\(reason.code) \(cause)"
        guard target.lastNotScaled != key else { return Outcome(nil) }
        var target = target
        target.lastNotScaled = key
        var random = SeededRandom(seed: seed)
        let activity = MetricStore.Activity(
            activityId: random.uuid(),
            resourceId: target.resourceId,
            scalableDimension: target.scalableDimension,
            startTime: CloudWatchOperations.millis(now),
            endTime: nil,
            description: "Attempting to scale due to alarm triggered",
            cause: cause,
            statusCode: "Failed",
            statusMessage: nil,
            notScaledReasons: [reason]
        )
        return Outcome(activity, [.putScalableTarget(target)])
    }

    /// The scheduled actions due at `now`, by ARN, with the time each should have run.
    func dueScheduledActions(now: Date) -> [(arn: String, occurrence: Date)] {
        autoScaling.allScheduledActions.compactMap { action in
            guard let target = autoScaling[target: action.target], !target.suspended.scheduledScaling,
                action.startTime.map({ $0 <= now }) ?? true, action.endTime.map({ $0 >= now }) ?? true,
                let schedule = try? ScalingSchedule(action.schedule)
            else { return nil }
            let zone = action.timezone.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC")!
            let since = action.lastRunAt ?? action.createdAt
            guard
                let occurrence = schedule.occurrence(
                    after: since,
                    upTo: now,
                    base: action.startTime ?? action.createdAt,
                    timeZone: zone
                )
            else { return nil }
            return (action.arn, occurrence)
        }
    }

    /// Runs one scheduled action: the target's new capacities, and the desired count brought
    /// into them; the activities that tell it.
    func runScheduledAction(
        arn: String,
        occurrence: Date,
        now: Date,
        seed: UInt64
    ) throws(ECSError) -> Outcome<Activities> {
        guard var action = autoScaling.scheduledAction(arn: arn), action.lastRunAt.map({ $0 < occurrence }) ?? true,
            var target = autoScaling[target: action.target]
        else { return Outcome([]) }
        var random = SeededRandom(seed: seed)
        action.lastRunAt = occurrence
        var setting: [String] = []
        if let minimum = action.minCapacity {
            target.minCapacity = minimum
            setting.append("min capacity to \(minimum)")
        }
        if let maximum = action.maxCapacity {
            target.maxCapacity = maximum
            setting.append("max capacity to \(maximum)")
        }
        if target.maxCapacity < target.minCapacity {
            // The one given wins; the other follows it.
            if action.minCapacity != nil {
                target.maxCapacity = target.minCapacity
            } else {
                target.minCapacity = target.maxCapacity
            }
        }
        let cause = "scheduled action name \(action.name) was triggered"
        let millis = CloudWatchOperations.millis(now)
        var activities: Activities = [
            MetricStore.Activity(
                activityId: random.uuid(),
                resourceId: target.resourceId,
                scalableDimension: target.scalableDimension,
                startTime: millis,
                endTime: millis,
                description: "Setting \(setting.joined(separator: " and ")).",
                cause: cause,
                statusCode: "Successful",
                statusMessage: "Successfully set \(setting.joined(separator: " and "))."
            )
        ]
        var changes: [StateChange] = [.putScheduledAction(action), .putScalableTarget(target)]
        if let service = scaledService(target) {
            let bounded = min(max(service.desiredCount, target.minCapacity), target.maxCapacity)
            if bounded != service.desiredCount {
                changes += try setDesiredCount(service, to: bounded, now: now, deploymentID: random.deploymentID())
                let which = bounded > service.desiredCount ? "minimum" : "maximum"
                activities.append(
                    scalingActivity(
                        target,
                        count: bounded,
                        cause: "\(which) capacity was set to \(bounded) by \(cause)",
                        now: now,
                        id: random.uuid()
                    )
                )
            }
        }
        return Outcome(activities, changes)
    }
}
