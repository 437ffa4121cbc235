import Foundation
import WharfModel
import WharfScheduler
import WharfState

extension ClusterState {
    /// One round of the service scheduler over every service that is not INACTIVE: decides with
    /// ``ServiceScheduler`` and turns its plan into task and service changes. Services are taken
    /// in ARN order, each seeing the tasks the ones before it placed.
    /// - Parameters:
    ///   - seed: seeds placements and the IDs of new tasks, deployments and events.
    ///   - evaluated: what each service's plan read when it was last made; a service whose
    ///     inputs are still the same is left out (nothing it reads changed, so its plan would be
    ///     the same). Empty: every service is planned. Time alone changes nothing here, so rounds
    ///     that pass it must leave out only quiet services (``ServiceInputs/isQuiet``).
    ///   - launchBudget: the most tasks the round starts in all. A service that would start more gets
    ///     what is left, and the services after it wait for the next round (they do not count as
    ///     planned, so that round plans them). A round of thousands of launches would hold its
    ///     batch's commit for long, and every write queued behind it.
    ///   - cursor: plan only the services whose ARN sorts at or after this one: where the write
    ///     before left off (``ServiceRound/resumeAt``).
    ///   - taskBudget: the most tasks of the services planned that the round looks at. A service
    ///     whose tasks would pass it is left for the next write (``ServiceRound/resumeAt``), unless
    ///     it is the first planned: planning a service looks at each of its tasks, and a round
    ///     over many large services would hold the writer for long.
    /// - Returns: how many tasks the round started and stopped, and what each planned service
    ///   read, with the changes that do it.
    public func scheduleServices(
        now: Date,
        seed: UInt64,
        evaluated: [String: ServiceInputs] = [:],
        launchBudget: Int = .max,
        from cursor: String? = nil,
        taskBudget: Int = .max,
        targetHealth: [TargetKey: ObservedHealth] = [:]
    ) -> Outcome<ServiceRound> {
        // The round works on its own copy of what its placements change, each cluster's placement
        // pool (made once per round, with where each instance sits in it), not on a copy of the
        // whole state: a service's tasks are its own, so the services after it need only those.
        var pools: [String: (pool: [PlacementCandidate], index: [InstanceID: Int])] = [:]
        var views = SchedulerViews()
        var changes: [StateChange] = []
        var round = ServiceRound()
        var random = SeededRandom(seed: seed)
        let planned = services.all.filter { record in !record.isInactive && cursor.map { record.arn >= $0 } ?? true }
            .sorted { $0.arn < $1.arn }
        var budget = launchBudget
        var viewed = 0
        let groups = providerGroups
        // What plans read from outside the stored state, as digests: the capacity providers'
        // groups (every plan), and the load balancer nodes' view of the targets (a balanced
        // service's plan).
        let groupsDigest = groups.hashValue
        let healthDigest = targetHealth.hashValue
        for record in planned {
            guard budget > 0 else {
                round.deferred = true
                round.resumeAt = round.resumeAt ?? record.arn
                break
            }
            let alarmed = deploymentAlarms(of: record)
            let last = evaluated[record.arn]
            var inputs = ServiceInputs(
                group: tasks.revision(of: record.groupKey),
                cluster: instances.poolRevision(of: record.cluster),
                room: last?.isQuiet == true ? nil : instances.roomRevision(of: record.cluster),
                alarms: alarmed.inAlarm,
                baked: record.bakeUntil.map { $0 <= now.timeIntervalSince1970 } ?? false,
                protectionLapsed: record.protectionLapsesAt.map { $0 <= now.timeIntervalSince1970 } ?? false,
                observed: record.balancedTargetGroups.isEmpty ? groupsDigest : groupsDigest ^ healthDigest
            )
            if last == inputs {
                // Nothing it reads changed, but its tasks' draining from load balancers ends in time.
                changes += serviceRegistryChanges(
                    loadBalancerChanges([], service: record, now: now, random: &random),
                    service: record,
                    now: now,
                    random: &random
                )
                round.leftOut.insert(record.arn)
                continue
            }
            let ids = tasks.ids(in: record.groupKey)
            if viewed > 0, viewed + ids.count > taskBudget {
                round.deferred = true
                round.resumeAt = record.arn
                break
            }
            viewed += ids.count
            var mine: [ServiceTask] = []
            mine.reserveCapacity(ids.count)
            var planned = record
            planned.protectionLapsesAt = nil
            for id in ids {
                // Looked at in place: a copy of each record cost a retain and a release per member.
                tasks.withRecord(id) { task in
                    var view = schedulerView(task, views: &views)
                    view.targetHealth = self.targetHealth(of: task, service: record, observed: targetHealth)
                    if let until = task.protectedUntil, until > now, task.desiredStatus == .running {
                        view.isProtected = true
                        let lapse = until.timeIntervalSince1970
                        planned.protectionLapsesAt = min(planned.protectionLapsesAt ?? lapse, lapse)
                    }
                    mine.append(view)
                }
            }
            var demands: [TaskDefinitionKey: TaskDemand] = [:]
            var constraints: [TaskDefinitionKey: [ECS.PlacementConstraint]] = [:]
            var setConstraints: [String: [ECS.PlacementConstraint]] = [:]
            for deployment in record.deployments + (record.taskSets ?? []).map(\.deployment) {
                let key = deployment.taskDefinition
                guard let definition = taskDefinitions[key] else { continue }
                demands[key] = taskDefinitions.demand(of: key)
                let launchType = Self.launchType(of: record, deployment: deployment)
                let rules =
                    Self.placementConstraints(of: definition.spec)
                    + Self.launchTypeConstraints(launchType)
                    + TaskNetworkRules.placementConstraints(
                        networkMode: definition.spec.networkMode ?? "bridge",
                        launchType: launchType.rawValue
                    )
                if record.isExternal { setConstraints[deployment.id] = rules } else { constraints[key] = rules }
            }
            if pools[record.cluster] == nil {
                let pool = instances.candidates(inCluster: record.cluster)
                let index = pool.enumerated().compactMap { offset, candidate in
                    InstanceID(arnSuffix: candidate.arn).map { ($0, offset) }
                }
                pools[record.cluster] = (pool, Dictionary(index, uniquingKeysWith: { first, _ in first }))
            }
            var scheduler = ServiceScheduler(
                now: now.timeIntervalSince1970,
                seed: random.next(),
                newDeploymentID: random.deploymentID()
            )
            scheduler.launchLimit = budget
            scheduler.alarmsInAlarm = Set(alarmed.inAlarm)
            scheduler.alarmBakeSeconds = alarmed.bakeSeconds
            scheduler.providerGroups = groups
            // The pool is passed, not held: the round's own changes to it below must not copy it.
            let plan = scheduler.plan(
                planned,
                tasks: mine,
                candidates: pools[record.cluster]?.pool ?? [],
                demands: demands,
                definitionConstraints: constraints,
                setConstraints: setConstraints
            )
            // Target groups as the plan leaves the service (a blue/green deployment's sides), and its
            // production and test rules as its stage says.
            let applied =
                serviceRegistryChanges(
                    loadBalancerChanges(
                        materialize(plan, original: record, now: now, random: &random),
                        service: plan.record,
                        now: now,
                        random: &random
                    ),
                    service: record,
                    now: now,
                    random: &random
                ) + trafficChanges(plan.record)
            for change in applied {
                guard case .putTask(let task) = change, tasks[task.id] == nil, let instance = task.instance else {
                    continue
                }
                let demand = demands[task.taskDefinition] ?? .zero
                if let position = pools[record.cluster]?.index[instance] {
                    pools[record.cluster]?.pool[position].take(demand, group: task.group)
                }
            }
            changes += applied
            if Self.isQuiet(plan, planned: planned, tasks: mine) { inputs.room = nil }
            round.evaluated[record.arn] = inputs
            budget -= plan.launches.count
            if budget == 0 {
                // It may want more than it got: plan it again next round.
                round.evaluated[record.arn] = nil
                round.replan.insert(record.arn)
                round.resumeAt = record.arn
            }
            round.started += plan.launches.count
            round.stopped += plan.stops.count
        }
        return Outcome(round, changes)
    }

    /// Whether a plan changed nothing and would change nothing with time or room alone, so only
    /// a change to what it reads can change the next one: the service is ACTIVE with one
    /// deployment, has as many live tasks as it wants (running, or waiting for their nodes'
    /// reports) and none of them unhealthy, and nothing is throttled, baking or shifting
    /// traffic. Those all end with time: an unhealthy task is replaced once its grace period
    /// ends, a throttle lifts, a bake time runs out. A plan that wants tasks it could not place
    /// says so in an event, and is not quiet either.
    static func isQuiet(_ plan: ServiceScheduler.Plan, planned: ServiceRecord, tasks: [ServiceTask]) -> Bool {
        let record = plan.record
        guard record == planned, record.status == .active, plan.launches.isEmpty, plan.stops.isEmpty,
            plan.events.isEmpty, record.deployments.count == 1, record.throttledUntil == nil, record.bakeUntil == nil,
            record.blueGreen == nil, (record.taskSets ?? []).isEmpty, !record.isExternal
        else { return false }
        var live = 0
        for task in tasks where task.isLive {
            if task.health == .unhealthy { return false }
            if case .unhealthy = task.targetHealth { return false }
            live += 1
        }
        return live == record.deployments[0].desiredCount
    }

    /// The cluster tag that turns off the replacement of a lost instance's service tasks (value
    /// `disabled`), leaving them alone as ECS does.
    public static let lostTaskReplacementTag = "wharf:lost-task-replacement"

    /// Whether the service tasks of the cluster's lost instances are replaced: by default, when
    /// another instance of the cluster is ACTIVE with its agent connected. With none, a replacement
    /// could go nowhere, and stopping the tasks would only restart them all once the agent is back
    /// (a one-node cluster whose agent missed its syncs, or every node cut off from the
    /// controller): they are left running, as ECS leaves them.
    func replacesLostTasks(_ cluster: String) -> Bool {
        guard
            clusters[cluster]?.tags.first(where: { $0.key == Self.lostTaskReplacementTag })?.value?.lowercased()
                != "disabled"
        else { return false }
        return instances.candidates(inCluster: cluster).contains { $0.status == .active && $0.agentConnected }
    }

    /// The changes that carry out a plan: new tasks, tasks wanted STOPPED, and the service with
    /// its new events. The nodes hear of both when the changes are applied.
    func materialize(
        _ plan: ServiceScheduler.Plan,
        original: ServiceRecord,
        now: Date,
        random: inout SeededRandom
    ) -> [StateChange] {
        var record = plan.record
        var changes: [StateChange] = []
        var messages = plan.events
        if !plan.stops.isEmpty {
            var stopped: [String] = []
            for stop in plan.stops {
                guard let id = TaskID(arnSuffix: stop.taskArn), var task = tasks[id], task.desiredStatus != .stopped
                else { continue }
                task.desiredStatus = .stopped
                task.stopCode = .serviceSchedulerInitiated
                task.stoppedReason = stop.reason
                task.stoppingAt = now
                task.version += 1
                changes.append(.putTask(task))
                stopped.append(id.description)
            }
            if !stopped.isEmpty {
                messages.append(
                    "(service \(record.name)) has stopped \(stopped.count) running tasks: "
                        + "\(stopped.map { "(task \($0))" }.joined(separator: " "))."
                )
            }
        }
        if !plan.launches.isEmpty {
            var started: [String] = []
            var leases = TaskAddressLeases()
            for launch in plan.launches {
                guard let definition = taskDefinitions[launch.taskDefinition],
                    let instance = InstanceID(arnSuffix: launch.instanceArn)
                else { continue }
                let deployment =
                    record.deployments.first { $0.id == launch.deployment }
                    ?? record.taskSets?.first { $0.id == launch.deployment }?.deployment
                let strategy = deployment?.capacityProviderStrategy ?? record.capacityProviderStrategy ?? []
                let provider = strategy.first { ($0.base ?? 0) > 0 } ?? strategy.first
                var settings = TaskLaunch(
                    definition: definition,
                    demand: .zero,
                    launchType: Self.launchType(of: record, deployment: deployment),
                    capacityProvider: launch.capacityProvider ?? provider?.capacityProvider,
                    platformVersion: deployment?.platformVersion ?? record.platformVersion,
                    awsvpc: definition.spec.networkMode == "awsvpc"
                        ? (deployment?.networkConfiguration ?? record.networkConfiguration)?.value.awsvpcConfiguration
                        : nil,
                    constraints: []
                )
                settings.enableExecuteCommand = record.enableExecuteCommand
                // A node whose block has no address left takes no awsvpc task; the next round
                // places it again.
                guard
                    let task = newTask(
                        settings,
                        cluster: record.cluster,
                        instance: instance,
                        overrides: nil,
                        startedBy: launch.deployment,
                        group: record.group,
                        tags: propagatedTags(record, definition: definition),
                        now: now,
                        random: &random,
                        leases: &leases
                    )
                else { continue }
                changes.append(.putTask(task))
                started.append(task.id.description)
            }
            messages.append(
                "(service \(record.name)) has started \(started.count) tasks: "
                    + "\(started.map { "(task \($0))" }.joined(separator: " "))."
            )
        }
        record.events = ServiceEvents.adding(
            messages,
            to: record.events,
            now: now,
            random: &random
        )
        if record != original { changes.append(.putService(record)) }
        return changes
    }

    /// The tags a service's new task carries: the service's or the task definition's, as
    /// `propagateTags` says, and ECS's managed tags when enabled.
    func propagatedTags(_ record: ServiceRecord, definition: TaskDefinitionRecord) -> [Tag] {
        var tags: [Tag] = []
        switch record.propagateTags {
        case .service: tags = record.tags
        case .taskDefinition: tags = definition.tags
        case .none: break
        }
        if record.enableECSManagedTags {
            tags += [
                Tag(key: "aws:ecs:clusterName", value: record.cluster),
                Tag(key: "aws:ecs:serviceName", value: record.name),
            ]
        }
        return tags
    }
}
