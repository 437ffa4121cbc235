import Foundation
import Logging
import ServiceLifecycle
import WharfMonitoring
import WharfProtocol
import WharfState
import WharfStore

/// CloudWatch's and Application Auto Scaling's loop: three times a period (every 20 s of a
/// one-minute period, between 1 and 20 s) it publishes `AWS/ECS`'s metrics as ECS does, from what
/// the agents last reported; evaluates every alarm on the samples so far and records the state
/// changes; runs the scheduled actions that are due; and runs the scaling policies of the alarms in
/// ALARM. Once a minute it deletes samples, history and activities past the retention. Stops on
/// graceful shutdown.
struct MonitoringService: Service {
    let controller: Controller
    let store: MetricStore
    let settings: MonitoringSettings
    let logger: Logger

    /// How often a sample is taken and the alarms evaluated.
    var interval: Duration {
        min(max(settings.period / 3, .seconds(1)), .seconds(20))
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastPruned = Date.distantPast
            var counters = TrafficCounters()
            while !Task.isCancelled {
                await publishOnce(counters: &counters)
                await evaluateAlarms()
                await runScheduledActions()
                await runScalingPolicies()
                let now = controller.now()
                if now.timeIntervalSince(lastPruned) >= 60 {
                    lastPruned = now
                    let cutoff = CloudWatchOperations.millis(now) - Int(settings.retention.components.seconds) * 1000
                    do {
                        try await store.deleteOlder(than: cutoff)
                    } catch {
                        logger.error("could not delete expired metric samples", metadata: ["error": "\(error)"])
                    }
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Takes and stores one sample of every cluster's and service's metrics, and of the target
    /// groups' traffic since the last sample (`counters` holds what was counted then).
    func publishOnce(counters: inout TrafficCounters) async {
        let usage = await controller.taskUtilization()
        let traffic = counters.advance(
            to: await controller.trafficCounters(),
            health: await controller.observedTargetHealth()
        )
        let timestamp = CloudWatchOperations.millis(controller.now())
        let points = await controller.read { state in
            state.ecsMetricPoints(usage: usage, timestamp: timestamp)
                + state.elbMetricPoints(traffic, timestamp: timestamp)
        }
        do {
            try await store.put(points)
        } catch {
            logger.error("could not store the ECS metrics", metadata: ["error": "\(error)"])
        }
    }

    /// Evaluates every alarm and stores the state changes, with their history.
    /// - Returns: the alarms whose state changed, as they are now.
    @discardableResult
    func evaluateAlarms() async -> [AlarmRecord] {
        let alarms = await controller.read { state in state.alarms.all }
        let now = CloudWatchOperations.millis(controller.now())
        var changed: [(alarm: AlarmRecord, evaluation: AlarmEvaluation)] = []
        for alarm in alarms {
            let rule = alarm.rule
            let period = rule.periodSeconds * 1000
            let end = MetricAggregation.floorDivide(now, period) * period
            let start = end - rule.evaluationPeriods * period
            do {
                let samples = try await store.samples(of: alarm.metric, start: start, end: end)
                let buckets = MetricAggregation.buckets(
                    samples,
                    start: start,
                    end: end,
                    periodSeconds: rule.periodSeconds,
                    unit: alarm.unit
                )
                let evaluation = AlarmEvaluation.evaluate(rule, buckets: buckets, now: now, current: alarm.state)
                if evaluation.state != alarm.state { changed.append((alarm, evaluation)) }
            } catch {
                logger.error("could not evaluate an alarm", metadata: ["alarm": "\(alarm.name)", "error": "\(error)"])
            }
        }
        guard !changed.isEmpty else { return [] }
        let evaluations = changed
        do {
            let recorded = try await controller.write(background: true) { state, now in
                state.recordEvaluations(evaluations, now: now)
            }
            try await store.appendHistory(recorded.history)
            for alarm in recorded.transitions {
                logger.info(
                    "alarm changed state",
                    metadata: [
                        "alarm": "\(alarm.name)", "state": "\(alarm.state.rawValue)", "reason": "\(alarm.stateReason)",
                    ]
                )
            }
            return recorded.transitions
        } catch {
            logger.error("could not record alarm states", metadata: ["error": "\(error)"])
            return []
        }
    }

    /// Runs the scheduled actions that are due, one write each, and records their activities.
    func runScheduledActions() async {
        let due = await controller.read { state in state.dueScheduledActions(now: controller.now()) }
        for (arn, occurrence) in due {
            let seed = controller.nextSeed()
            do {
                let activities = try await controller.write(background: true) { state, now in
                    try state.runScheduledAction(arn: arn, occurrence: occurrence, now: now, seed: seed)
                }
                try await store.appendActivities(activities)
                for activity in activities {
                    logger.info(
                        "scheduled scaling",
                        metadata: ["resource": "\(activity.resourceId)", "activity": "\(activity.description)"]
                    )
                }
            } catch {
                logger.error("could not run a scheduled action", metadata: ["action": "\(arn)", "error": "\(error)"])
            }
        }
    }

    /// Runs the scaling policies of the alarms in ALARM, each on its alarm's latest value.
    func runScalingPolicies() async {
        let triggers = await controller.read { state in state.scalingTriggers() }
        for (alarm, policyARN) in triggers {
            guard let value = await latestValue(of: alarm, policyARN: policyARN) else { continue }
            let seed = controller.nextSeed()
            do {
                let activity = try await controller.write(background: true) { state, now in
                    try state.scale(policyARN: policyARN, alarm: alarm, value: value, now: now, seed: seed)
                }
                guard let activity else { continue }
                try await store.appendActivities([activity])
                logger.info(
                    "scaled a service",
                    metadata: [
                        "resource": "\(activity.resourceId)", "activity": "\(activity.description)",
                        "cause": "\(activity.cause)",
                    ]
                )
            } catch {
                logger.error(
                    "could not run a scaling policy",
                    metadata: ["policy": "\(policyARN)", "error": "\(error)"]
                )
            }
        }
    }

    /// The value a policy acts on: the alarm's statistic (a step policy's aggregation) of its
    /// metric over the newest whole period that has data among the alarm's evaluation periods.
    func latestValue(of alarm: AlarmRecord, policyARN: String) async -> Double? {
        let stepAggregation = await controller.read { state in
            state.autoScaling.policy(arn: policyARN)?.stepScaling?.metricAggregationType
        }
        let rule = alarm.rule
        let statistic = stepAggregation.flatMap { MetricStatistic.standard[$0] } ?? rule.statistic
        let period = rule.periodSeconds * 1000
        let now = CloudWatchOperations.millis(controller.now())
        let end = MetricAggregation.floorDivide(now, period) * period
        let start = end - rule.evaluationPeriods * period
        guard let samples = try? await store.samples(of: alarm.metric, start: start, end: end) else { return nil }
        let buckets = MetricAggregation.buckets(
            samples,
            start: start,
            end: end,
            periodSeconds: rule.periodSeconds,
            unit: alarm.unit
        )
        return buckets.reversed().lazy.compactMap { $0.value(statistic) }.first
    }
}

/// The load balancer nodes' running request counters as last sampled, which turn into the
/// requests of each period.
struct TrafficCounters {
    /// By node and target group.
    private var last: [InstanceID: [String: Int]] = [:]

    /// What each target group served since the last call, with its targets' health now. A
    /// counter seen for the first time only sets the mark; one that went down (its HAProxy
    /// started again) counts from 0.
    mutating func advance(
        to current: [InstanceID: [TargetGroupTraffic]],
        health: [TargetKey: ObservedHealth]
    ) -> [String: TargetGroupSample] {
        var samples: [String: TargetGroupSample] = [:]
        var times: [String: (sum: Double, weight: Int)] = [:]
        for (node, groups) in current {
            for group in groups {
                let previous = last[node]?[group.targetGroupId]
                let served = previous.map { group.requests >= $0 ? group.requests - $0 : group.requests } ?? 0
                samples[group.targetGroupId, default: TargetGroupSample(requests: 0, healthy: 0, unhealthy: 0)]
                    .requests += served
                if let time = group.responseTimeMs, served > 0 {
                    times[group.targetGroupId, default: (0, 0)].sum += time * Double(served)
                    times[group.targetGroupId, default: (0, 0)].weight += served
                }
            }
        }
        last = current.mapValues { groups in
            Dictionary(groups.map { ($0.targetGroupId, $0.requests) }, uniquingKeysWith: { first, _ in first })
        }
        for (group, time) in times where time.weight > 0 {
            samples[group]?.responseTimeMs = time.sum / Double(time.weight)
        }
        for (key, observed) in health {
            guard samples[key.targetGroupID] != nil else { continue }
            if observed == .healthy {
                samples[key.targetGroupID]?.healthy += 1
            } else {
                samples[key.targetGroupID]?.unhealthy += 1
            }
        }
        return samples
    }
}

