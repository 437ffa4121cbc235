import Foundation
import WharfModel
import WharfScheduler

extension ClusterState {
    /// One round of the service scheduler over every service that is not INACTIVE: decides with
    /// ``ServiceScheduler`` and turns its plan into task and service changes. Services are taken
    /// in ARN order, each seeing the tasks the ones before it placed.
    /// - Parameter evaluated: what each service's plan read when it was last made; a service whose
    ///   inputs are still the same is left out (nothing it reads changed, so its plan would be
    ///   the same). Empty: every service is planned. Time alone changes nothing here, so rounds
    ///   that pass it must alternate with rounds that do not.
    /// - Returns: how many tasks the round started and stopped, and what each planned service
    ///   read, with the changes that do it.
    public func scheduleServices(now: Date, seed: UInt64, evaluated: [String: ServiceInputs] = [:]) -> Outcome<ServiceRound> {
        // The round works on its own copies of what its placements change, the clusters' placement
        // pools and the instances' desired versions, not on a copy of the whole state: a service's
        // tasks are its own, so the services after it need to see only those. A cluster's pool is
        // made once per round, with where each instance sits in it.
        var pools: [String: (pool: [PlacementCandidate], index: [String: Int])] = [:]
        var instances: [String: ContainerInstanceRecord] = [:]
        var views = SchedulerViews()
        var changes: [StateChange] = []
        var round = ServiceRound()
        for (offset, record) in services.values.filter({ $0.service.status != "INACTIVE" }).sorted(by: { $0.arn < $1.arn }).enumerated() {
            let key = Self.groupKey(cluster: record.service.clusterArn, group: record.group)
            let inputs = ServiceInputs(group: groupRevisions[key] ?? 0, cluster: clusterRevisions[record.cluster] ?? 0)
            if evaluated[record.arn] == inputs { continue }
            round.evaluated[record.arn] = inputs
            let arns = taskArnsByGroup[key] ?? []
            var mine: [ServiceTask] = []
            mine.reserveCapacity(arns.count)
            for arn in arns {
                // Read in place, through the index: a copy of each whole task cost more than the plan.
                guard let index = tasks.index(forKey: arn) else { continue }
                mine.append(schedulerView(tasks.values[index], views: &views))
            }
            var demands: [String: TaskDemand] = [:]
            var constraints: [String: [ECS.PlacementConstraint]] = [:]
            for deployment in record.service.deployments ?? [] {
                let arn = deployment.taskDefinition ?? ""
                guard let definition = taskDefinitions[arn]?.definition else { continue }
                demands[arn] = try? TaskDemand.of(definition, overrides: nil)
                constraints[arn] = Self.placementConstraints(of: definition) + Self.launchTypeConstraints(record.service.launchType ?? "EC2")
            }
            if pools[record.cluster] == nil {
                let pool = placementCandidates(cluster: record.cluster)
                pools[record.cluster] = (pool, Dictionary(uniqueKeysWithValues: pool.enumerated().map { ($1.arn, $0) }))
            }
            let scheduler = ServiceScheduler(now: now.timeIntervalSince1970, seed: seed &+ UInt64(offset), newDeploymentID: Self.newDeploymentID())
            // The pool is passed, not held: the round's own changes to it below must not copy it.
            let plan = scheduler.plan(record, tasks: mine, candidates: pools[record.cluster]?.pool ?? [], demands: demands,
                                      definitionConstraints: constraints)
            let applied = materialize(plan, original: record, now: now, instances: instances)
            for change in applied {
                switch change {
                case .putContainerInstance(let instance): instances[instance.arn] = instance
                case .putTask(let task) where tasks.index(forKey: task.taskArn ?? "") == nil:
                    if let instance = task.containerInstanceArn {
                        let demand = demands[task.taskDefinitionArn ?? ""] ?? .zero
                        if let position = pools[record.cluster]?.index[instance] {
                            pools[record.cluster]?.pool[position].take(demand, group: task.group ?? "")
                        }
                    }
                default: break
                }
            }
            changes += applied
            round.started += plan.launches.count
            round.stopped += plan.stops.count
        }
        return Outcome(round, changes)
    }

    /// What a round looks up for many tasks and keeps once: each instance's state as the
    /// scheduler sees it, and whether a task definition has health checks.
    struct SchedulerViews {
        var instances: [String: ServiceTask.Instance] = [:]
        var healthChecked: [String: Bool] = [:]
    }

    /// A task as the scheduler sees it, with what it looks up kept in `views`.
    func schedulerView(_ task: ECS.Task, views: inout SchedulerViews) -> ServiceTask {
        let instanceArn = task.containerInstanceArn ?? ""
        let instance: ServiceTask.Instance
        if let known = views.instances[instanceArn] {
            instance = known
        } else {
            let record = containerInstances[instanceArn]
            switch (record?.instance.status, record?.instance.agentConnected) {
            case (nil, _), ("INACTIVE", _): instance = .gone
            case (_, false?), (_, nil): instance = replacesLostTasks(record?.cluster ?? "") ? .lost : .usable
            case ("DRAINING", _): instance = .draining
            default: instance = .usable
            }
            views.instances[instanceArn] = instance
        }
        let health: ServiceTask.Health
        switch task.healthStatus {
        case "HEALTHY": health = .healthy
        case "UNHEALTHY": health = .unhealthy
        default:
            let definition = task.taskDefinitionArn ?? ""
            let checked: Bool
            if let known = views.healthChecked[definition] {
                checked = known
            } else {
                checked = taskDefinitions[definition]?.definition.containerDefinitions?.contains { $0.healthCheck != nil } ?? false
                views.healthChecked[definition] = checked
            }
            health = checked ? .unknown : .none
        }
        return ServiceTask(arn: task.taskArn ?? "", deployment: task.startedBy ?? "", instanceArn: instanceArn,
                           instance: instance, lastStatus: task.lastStatus ?? "", desiredStatus: task.desiredStatus ?? "",
                           health: health, startedAt: task.startedAt?.timeIntervalSince1970, stopCode: task.stopCode,
                           stoppedReason: task.stoppedReason)
    }

    /// The cluster tag that turns off the replacement of a lost instance's service tasks (value
    /// `disabled`), leaving them alone as ECS does.
    public static let lostTaskReplacementTag = "wharf:lost-task-replacement"

    /// Whether the service tasks of the cluster's lost instances are replaced (the default).
    func replacesLostTasks(_ cluster: String) -> Bool {
        clusters[cluster]?.tags?.first { $0.key == Self.lostTaskReplacementTag }?.value?.lowercased() != "disabled"
    }

    /// The changes that carry out a plan: new tasks, tasks wanted STOPPED, the instances told, and
    /// the service with its new events.
    /// - Parameter changed: the instances earlier services in the round changed, newer than the state's.
    func materialize(_ plan: ServiceScheduler.Plan, original: ServiceRecord, now: Date,
                     instances changed: [String: ContainerInstanceRecord] = [:]) -> [StateChange] {
        var record = plan.record
        var changes: [StateChange] = []
        var instances: [String: ContainerInstanceRecord] = [:]
        func latest(_ arn: String) -> ContainerInstanceRecord? { instances[arn] ?? changed[arn] ?? containerInstances[arn] }
        var messages = plan.events
        if !plan.stops.isEmpty {
            var stopped: [String] = []
            for stop in plan.stops {
                guard var task = tasks[stop.taskArn], task.desiredStatus != "STOPPED" else { continue }
                task.desiredStatus = "STOPPED"
                task.stopCode = "ServiceSchedulerInitiated"
                task.stoppedReason = stop.reason
                task.stoppingAt = now
                task.version = (task.version ?? 0) + 1
                changes.append(.putTask(task))
                stopped.append(ServiceScheduler.resourceID(stop.taskArn))
                if let arn = task.containerInstanceArn, let instance = latest(arn) {
                    instances[arn] = instance
                    instances[arn]?.desiredVersion += 1
                }
            }
            if !stopped.isEmpty {
                messages.append("(service \(record.name)) has stopped \(stopped.count) running tasks: \(stopped.map { "(task \($0))" }.joined(separator: " ")).")
            }
        }
        if !plan.launches.isEmpty, let cluster = clusters[record.cluster] {
            var started: [String] = []
            for launch in plan.launches {
                guard let definition = taskDefinitions[launch.taskDefinition]?.definition else { continue }
                let task = newTask(definition, cluster: cluster, instance: launch.instanceArn, overrides: nil, startedBy: launch.deployment,
                                   group: record.group, tags: propagatedTags(record, definition: launch.taskDefinition),
                                   launchType: record.service.launchType ?? "EC2", now: now)
                changes.append(.putTask(task))
                started.append(ServiceScheduler.resourceID(task.taskArn ?? ""))
                if let instance = latest(launch.instanceArn) {
                    instances[launch.instanceArn] = instance
                    instances[launch.instanceArn]?.desiredVersion += 1
                }
            }
            messages.append("(service \(record.name)) has started \(started.count) tasks: \(started.map { "(task \($0))" }.joined(separator: " ")).")
        }
        record.service.events = ServiceEvents.adding(messages, to: record.service.events ?? [], now: now)
        changes += instances.values.sorted { $0.arn < $1.arn }.map { .putContainerInstance($0) }
        if record != original { changes.append(.putService(record)) }
        return changes
    }

    /// The tags a service's new task carries: the service's or the task definition's, as
    /// `propagateTags` says, and ECS's managed tags when enabled.
    func propagatedTags(_ record: ServiceRecord, definition: String) -> [ECS.Tag] {
        var tags: [ECS.Tag] = []
        switch record.service.propagateTags {
        case "SERVICE": tags = record.service.tags ?? []
        case "TASK_DEFINITION": tags = taskDefinitions[definition]?.tags ?? []
        default: break
        }
        if record.service.enableECSManagedTags == true {
            tags += [ECS.Tag(key: "aws:ecs:clusterName", value: record.cluster), ECS.Tag(key: "aws:ecs:serviceName", value: record.name)]
        }
        return tags
    }

    /// A task definition's placement constraints (memberOf) in the shape placement takes.
    static func placementConstraints(of definition: ECS.TaskDefinition) -> [ECS.PlacementConstraint] {
        (definition.placementConstraints ?? []).map { ECS.PlacementConstraint(type: $0.type, expression: $0.expression) }
    }

    /// What a launch type asks of instances: EXTERNAL tasks run only on instances joined with an
    /// activation (attribute `ecs.capability.external`), as ECS Anywhere's do.
    static func launchTypeConstraints(_ launchType: String) -> [ECS.PlacementConstraint] {
        launchType == "EXTERNAL" ? [ECS.PlacementConstraint(type: "memberOf", expression: "attribute:ecs.capability.external exists")] : []
    }

    /// A deployment ID in ECS's form: `ecs-svc/` and 19 digits.
    static func newDeploymentID() -> String {
        "ecs-svc/" + String(UInt64.random(in: 1_000_000_000_000_000_000...9_999_999_999_999_999_999))
    }
}

/// What one scheduler round did.
public struct ServiceRound: Equatable, Sendable {
    /// Tasks started.
    public var started = 0
    /// Tasks asked to stop.
    public var stopped = 0
    /// The services planned, by ARN, with what their plans read.
    public var evaluated: [String: ServiceInputs] = [:]
}

/// What a service's plan reads, as two counters: its own tasks and record, and its cluster's
/// instances and the room on them. Equal counters mean an equal plan, but for the clock.
public struct ServiceInputs: Equatable, Sendable {
    /// ``ClusterState`` `groupRevisions` of the service's task group.
    public var group: Int
    /// ``ClusterState`` `clusterRevisions` of the service's cluster.
    public var cluster: Int
}
