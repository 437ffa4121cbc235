import Foundation
import WharfModel
import WharfState

/// The service scheduler: one round of decisions for one service, as a pure function of the
/// service, its tasks and the cluster's instances. It keeps `desiredCount` tasks of the primary
/// deployment running, rolls deployments within `minimumHealthyPercent` and `maximumPercent`,
/// replaces tasks that stopped, failed their health checks or sit on a lost or draining instance,
/// throttles launches that keep failing, and trips the deployment circuit breaker. The caller
/// creates and stops the tasks it names and stores the updated record.
public struct ServiceScheduler: Sendable {
    /// A task to start: the deployment it belongs to and the instance placement chose.
    public struct Launch: Equatable, Sendable {
        public var deployment: String
        public var taskDefinition: TaskDefinitionKey
        public var instanceArn: String
        /// The account's own capacity provider it is placed for, when the deployment's strategy
        /// names such providers.
        public var capacityProvider: String? = nil
    }

    /// A task to stop, and why (its `stoppedReason`).
    public struct Stop: Equatable, Sendable {
        public var taskArn: String
        public var reason: String
    }

    /// What one round decided.
    public struct Plan: Equatable, Sendable {
        /// The service with its deployments, counts and bookkeeping brought up to date.
        public var record: ServiceRecord
        public var launches: [Launch] = []
        public var stops: [Stop] = []
        /// New service events, oldest first, as messages (the caller dates and numbers them).
        public var events: [String] = []
    }

    /// The first seconds of a throttle; it doubles with each further failure up to ``maximumThrottle``.
    public static let firstThrottle: Double = 5
    public static let maximumThrottle: Double = 300
    /// Failures in a row before launches are throttled.
    public static let failuresBeforeThrottle = 3

    public var now: Double
    /// Seeds placement.
    public var seed: UInt64
    /// The most tasks this round may start for the service (what the round's budget has left);
    /// the rest wait for the next round.
    public var launchLimit = Int.max
    /// An ID for a deployment this round may create (a circuit-breaker rollback).
    public var newDeploymentID: String
    /// The service's deployment alarms (`deploymentConfiguration.alarms`) that are in ALARM now.
    public var alarmsInAlarm: Set<String> = []
    /// How long a settled deployment with alarms goes on watching them before it completes, in
    /// seconds: ECS's bake time, from the alarms' periods.
    public var alarmBakeSeconds: Double = 0
    /// The node group of each of the account's own capacity providers, by provider name: a
    /// deployment whose strategy names them spreads its tasks over their groups.
    public var providerGroups: [String: String] = [:]

    /// Creates a scheduler round at `now` (epoch seconds).
    public init(now: Double, seed: UInt64, newDeploymentID: String) {
        self.now = now
        self.seed = seed
        self.newDeploymentID = newDeploymentID
    }

    /// Decides one round for `record`.
    /// - Parameters:
    ///   - tasks: every task of the service that the controller still holds, stopped ones included.
    ///   - candidates: the cluster's instances as placement sees them.
    ///   - demands: what a task of each deployment's task definition takes.
    ///   - definitionConstraints: the placement constraints of each task definition (memberOf),
    ///     which apply beside the service's.
    public func plan(
        _ record: ServiceRecord,
        tasks: [ServiceTask],
        candidates: [PlacementCandidate],
        demands: [TaskDefinitionKey: TaskDemand],
        definitionConstraints: [TaskDefinitionKey: [ECS.PlacementConstraint]] = [:],
        setConstraints: [String: [ECS.PlacementConstraint]] = [:]
    ) -> Plan {
        var plan = Plan(record: record)
        guard record.status != .inactive else { return plan }
        if record.isExternal {
            taskSetRound(
                &plan,
                tasks: tasks,
                candidates: candidates,
                demands: demands,
                definitionConstraints: definitionConstraints,
                setConstraints: setConstraints
            )
            return plan
        }
        guard let primary = record.primary else { return plan }
        countFailures(&plan, tasks: tasks)
        if plan.record.status == .active {
            stopOnRequest(&plan)
            tripCircuitBreaker(&plan, tasks: tasks)
            tripAlarms(&plan)
        }
        let live = replaceBroken(&plan, live: tasks.filter(\.isLive))
        if record.isDaemon {
            daemonRound(
                &plan,
                live: live,
                candidates: candidates,
                demands: demands,
                constraints: definitionConstraints[primary.taskDefinition] ?? []
            )
        } else if !trafficShiftRound(
            &plan,
            live: live,
            candidates: candidates,
            demands: demands,
            definitionConstraints: definitionConstraints
        ) {
            replicaRound(
                &plan,
                live: live,
                present: tasks.count(where: Self.isPresent),
                candidates: candidates,
                demands: demands,
                definitionConstraints: definitionConstraints
            )
        }
        finish(&plan, tasks: tasks)
        settleTrafficShift(&plan, tasks: tasks)
        return plan
    }

    /// Stops the tasks that are unhealthy past the grace period, or on an instance whose agent is
    /// lost or gone, to be replaced; returns the live tasks that remain.
    func replaceBroken(_ plan: inout Plan, live tasks: [ServiceTask]) -> [ServiceTask] {
        let record = plan.record
        var live = tasks
        // Unhealthy past the grace period, or on an instance whose agent is lost: replace.
        let grace = Double(record.healthCheckGracePeriodSeconds ?? 0)
        for task in live {
            if task.instance == .lost || task.instance == .gone {
                let state = task.instance == .lost ? "disconnected" : "no longer registered"
                plan.stops.append(
                    Stop(
                        taskArn: task.arn,
                        reason: "Task stopped because its container instance \(Self.resourceID(task.instanceArn)) is "
                            + "\(state); it is replaced on another instance"
                    )
                )
            } else if task.health == .unhealthy, (task.startedAt ?? now) + grace <= now {
                plan.stops.append(Stop(taskArn: task.arn, reason: "Task failed container health checks"))
                countFailure(&plan, task.arn)
            } else if case .unhealthy(let group) = task.targetHealth, (task.startedAt ?? now) + grace <= now {
                plan.stops.append(
                    Stop(taskArn: task.arn, reason: "Task failed ELB health checks in (target-group \(group))")
                )
                plan.events.append(
                    "(service \(record.name)) (task \(task.id)) is unhealthy in (target-group \(group)) "
                        + "due to (reason Health checks failed)."
                )
                countFailure(&plan, task.arn)
            }
        }
        // Only when there is something to remove: removing makes the array's storage its own, a
        // copy of every task.
        guard !plan.stops.isEmpty else { return live }
        let stopped = Set(plan.stops.map(\.taskArn))
        live.removeAll { stopped.contains($0.arn) }
        return live
    }

    /// The REPLICA strategy: scale, start within maximumPercent, stop old within minimumHealthyPercent.
    /// - Parameter present: how many of the service's tasks still run or are about to (those being
    ///   stopped included): maximumPercent bounds them.
    func replicaRound(
        _ plan: inout Plan,
        live: [ServiceTask],
        present: Int,
        candidates: [PlacementCandidate],
        demands: [TaskDefinitionKey: TaskDemand],
        definitionConstraints: [TaskDefinitionKey: [ECS.PlacementConstraint]]
    ) {
        let record = plan.record
        guard let primary = record.primary else { return }
        let primaryID = primary.id
        let desired = record.status == .active ? record.desiredCount : 0
        let bounds = Self.bounds(desired: desired, settings: record.deploymentConfiguration)
        let current = live.filter { $0.deployment == primaryID && $0.instance == .usable }
        var others = live.filter { !($0.deployment == primaryID && $0.instance == .usable) }
        var keep = current
        // Scale in: stop the extra primary tasks, those not yet running first, then from the
        // instances that hold the most.
        // Protected tasks (UpdateTaskProtection) are not scaled in: the service stays above its
        // desired count until their protection ends, as ECS's does.
        if current.count > desired {
            let strategy = primary.capacityProviderStrategy ?? record.capacityProviderStrategy ?? []
            let spread = !strategy.isEmpty && strategy.allSatisfy { providerGroups[$0.capacityProvider] != nil }
            let extra = Self.scaleInChoice(
                current.filter { !$0.isProtected },
                count: current.count - desired,
                strategy: spread ? strategy : [],
                desired: desired
            )
            for task in extra {
                plan.stops.append(
                    Stop(taskArn: task.arn, reason: "Scaling activity initiated by (deployment \(primaryID))")
                )
            }
            let removed = Set(extra.map(\.arn))
            keep.removeAll { removed.contains($0.arn) }
        }
        // Stop old tasks (older deployments, or on draining instances) while enough healthy tasks
        // remain: those not healthy go at once, healthy ones only down to minimumHealthy. A
        // FAILED deployment without a rollback keeps what still runs.
        let failed = primary.rolloutState == .failed
        var healthy = keep.count(where: \.isHealthy) + others.count(where: \.isHealthy)
        others.sort { ($0.isHealthy ? 1 : 0, $0.arn) < ($1.isHealthy ? 1 : 0, $1.arn) }
        for task in others {
            if task.isHealthy {
                // A deployment leaves a protected task alone until its protection ends (one on a
                // lost instance is replaced all the same).
                let shielded = task.isProtected && task.instance != .lost
                guard !failed, !shielded, healthy - 1 >= bounds.minimumHealthy else { continue }
                healthy -= 1
            }
            let reason =
                task.instance == .draining
                ? "Task stopped because its container instance \(Self.resourceID(task.instanceArn)) is draining"
                : "Task replaced by (deployment \(primaryID))"
            plan.stops.append(Stop(taskArn: task.arn, reason: reason))
        }
        // Start new tasks within maximumPercent: tasks being stopped count until they have stopped.
        let count = min(desired - keep.count, bounds.maximum - present)
        guard count > 0, !failed else { return }
        var held: [String: Int] = [:]
        for task in keep { if let provider = task.capacityProvider { held[provider, default: 0] += 1 } }
        launch(
            &plan,
            count: count,
            deployment: primary,
            candidates: candidates,
            demands: demands,
            constraints: definitionConstraints[primary.taskDefinition] ?? [],
            held: held
        )
    }

    /// Starts `count` tasks of `deployment` where placement puts them, unless launches are throttled.
    /// A strategy of the account's own capacity providers spreads them as ECS does, given the
    /// deployment's tasks each provider `held` already, each provider's share on its group's nodes.
    func launch(
        _ plan: inout Plan,
        count: Int,
        deployment: DeploymentRecord,
        candidates: [PlacementCandidate],
        demands: [TaskDefinitionKey: TaskDemand],
        constraints: [ECS.PlacementConstraint] = [],
        pinned: [String]? = nil,
        held: [String: Int] = [:]
    ) {
        if let until = plan.record.throttledUntil, until > now { return }
        let count = min(count, launchLimit)
        let pinned = pinned.map { Array($0.prefix(launchLimit)) }
        guard count > 0 else { return }
        let definition = deployment.taskDefinition
        let record = plan.record
        guard let demand = demands[definition] else {
            plan.events.append(
                "(service \(record.name)) was unable to start tasks: "
                    + "task definition \(definition) is no longer available."
            )
            return
        }
        let launch = { (instance: String) in
            Launch(deployment: deployment.id, taskDefinition: definition, instanceArn: instance)
        }
        if let pinned {
            plan.launches += pinned.map(launch)
            return
        }
        var placement: Placement
        do {
            placement = try Placement(
                strategies: Self.strategies(record),
                constraints: record.placementConstraints + constraints,
                seed: seed
            )
        } catch {
            plan.events.append("(service \(record.name)) was unable to place a task: \(error.message)")
            return
        }
        let strategy = deployment.capacityProviderStrategy ?? record.capacityProviderStrategy ?? []
        guard !strategy.isEmpty, strategy.allSatisfy({ providerGroups[$0.capacityProvider] != nil }) else {
            let result = placement.place(demand, count: count, group: record.group, on: candidates)
            plan.launches += result.placements.map(launch)
            if result.placements.count < count {
                plan.events.append(Self.unplaceable(record.name, result.failures))
            }
            return
        }
        let shares = CapacityProviderSplit.split(count, strategy: strategy, existing: held)
        for item in strategy {
            let share = shares.filter { $0 == item.capacityProvider }.count
            guard share > 0, let group = providerGroups[item.capacityProvider] else { continue }
            let members = candidates.filter { $0.attributes[CapacityProviderRecord.nodeGroupAttribute] == group }
            let result = placement.place(demand, count: share, group: record.group, on: members)
            plan.launches += result.placements.map { instance in
                var planned = launch(instance)
                planned.capacityProvider = item.capacityProvider
                return planned
            }
            if result.placements.count < share {
                plan.events.append(Self.unplaceable(record.name, result.failures))
            }
        }
    }

    /// The service's placement strategies; without any, ECS's default for services: spread over
    /// availability zones, then over instances.
    public static func strategies(_ record: ServiceRecord) -> [ECS.PlacementStrategy] {
        record.placementStrategy.isEmpty
            ? [
                ECS.PlacementStrategy(type: "spread", field: "attribute:ecs.availability-zone"),
                ECS.PlacementStrategy(type: "spread", field: "instanceId"),
            ]
            : record.placementStrategy
    }

    /// The `count` tasks a scale-in stops: with a strategy of the account's own capacity providers,
    /// first those of the providers holding more than their share of `desired`, so the split stays
    /// as the strategy has it; then in ``scaleInOrder(_:)``.
    static func scaleInChoice(
        _ tasks: [ServiceTask],
        count: Int,
        strategy: [CapacityProviderStrategyItem],
        desired: Int
    ) -> [ServiceTask] {
        let ordered = scaleInOrder(tasks)
        guard !strategy.isEmpty else { return Array(ordered.prefix(count)) }
        // How many tasks each provider holds beyond its share; a task of no provider has none.
        var excess: [String: Int] = [:]
        for provider in tasks.compactMap(\.capacityProvider) { excess[provider, default: 0] += 1 }
        for provider in CapacityProviderSplit.split(desired, strategy: strategy) { excess[provider, default: 0] -= 1 }
        var chosen: [ServiceTask] = []
        for task in ordered where chosen.count < count {
            guard let provider = task.capacityProvider, excess[provider, default: 0] > 0 else { continue }
            chosen.append(task)
            excess[provider, default: 0] -= 1
        }
        let taken = Set(chosen.map(\.arn))
        return chosen + ordered.filter { !taken.contains($0.arn) }.prefix(count - chosen.count)
    }

    /// The tasks of a scale-in, in the order they go.
    static func scaleInOrder(_ tasks: [ServiceTask]) -> [ServiceTask] {
        var perInstance: [String: Int] = [:]
        for task in tasks { perInstance[task.instanceArn, default: 0] += 1 }
        return tasks.sorted { a, b in
            let key = { (t: ServiceTask) in
                (t.lastStatus == .running ? 1 : 0, -(perInstance[t.instanceArn] ?? 0), t.arn)
            }
            return key(a) < key(b)
        }
    }

    /// How many tasks may run at most and must stay healthy at least, with ECS's rounding:
    /// maximumPercent rounds down, minimumHealthyPercent up.
    public static func bounds(desired: Int, settings: DeploymentSettings) -> (maximum: Int, minimumHealthy: Int) {
        let maximum = max(desired, desired * settings.maximumPercent / 100)
        let minimum = min(desired, (desired * settings.minimumHealthyPercent + 99) / 100)
        return (maximum, minimum)
    }

    /// The last part of an ARN: a task or instance ID.
    public static func resourceID(_ arn: String) -> String { String(arn.split(separator: "/").last ?? "") }

    /// ECS's event for tasks no instance could take.
    static func unplaceable(_ service: String, _ failures: [Placement.Failure]) -> String {
        let prefix =
            "(service \(service)) was unable to place a task because no container instance met all of its requirements."
        guard let closest = failures.first(where: { !$0.arn.isEmpty }) else {
            return prefix + " Reason: No Container Instances were found in your cluster."
        }
        let why: String
        switch closest.reason {
        case "RESOURCE:MEMORY": why = "has insufficient memory available"
        case "RESOURCE:CPU": why = "has insufficient CPU units available"
        case "RESOURCE:PORTS": why = "is already using a port required by your task"
        case "RESOURCE:GPU": why = "has insufficient GPU available"
        case "AGENT": why = "has a disconnected agent"
        case "INACTIVE": why = "is not ACTIVE"
        default: why = "does not satisfy: \(closest.reason)"
        }
        return prefix + " The closest matching (container-instance \(resourceID(closest.arn))) \(why)."
    }
}
