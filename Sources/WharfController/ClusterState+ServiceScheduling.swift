import Foundation
import WharfModel
import WharfScheduler

extension ClusterState {
    /// One round of the service scheduler over every service that is not INACTIVE: decides with
    /// ``ServiceScheduler`` and turns its plan into task and service changes. Services are taken
    /// in ARN order, each seeing the tasks the ones before it placed.
    /// - Returns: how many tasks the round started and stopped, with the changes that do it.
    public func scheduleServices(now: Date, seed: UInt64) -> Outcome<ServiceRound> {
        var working = self
        var changes: [StateChange] = []
        var round = ServiceRound()
        let grouped = Dictionary(grouping: tasks.values.filter { $0.group?.hasPrefix("service:") == true }) { "\($0.clusterArn ?? "")|\($0.group ?? "")" }
        for (offset, record) in services.values.filter({ $0.service.status != "INACTIVE" }).sorted(by: { $0.arn < $1.arn }).enumerated() {
            let serviceTasks = grouped["\(record.service.clusterArn ?? "")|\(record.group)"] ?? []
            let mine = serviceTasks.compactMap { working.tasks[$0.taskArn ?? ""] }.map(working.schedulerView)
            var demands: [String: TaskDemand] = [:]
            var constraints: [String: [ECS.PlacementConstraint]] = [:]
            for deployment in record.service.deployments ?? [] {
                let arn = deployment.taskDefinition ?? ""
                guard let definition = working.taskDefinitions[arn]?.definition else { continue }
                demands[arn] = try? TaskDemand.of(definition, overrides: nil)
                constraints[arn] = Self.placementConstraints(of: definition) + Self.launchTypeConstraints(record.service.launchType ?? "EC2")
            }
            let scheduler = ServiceScheduler(now: now.timeIntervalSince1970, seed: seed &+ UInt64(offset), newDeploymentID: Self.newDeploymentID())
            let plan = scheduler.plan(record, tasks: mine, candidates: working.placementCandidates(cluster: record.cluster), demands: demands,
                                      definitionConstraints: constraints)
            let applied = working.materialize(plan, original: record, now: now)
            for change in applied { working.apply(change) }
            changes += applied
            round.started += plan.launches.count
            round.stopped += plan.stops.count
        }
        return Outcome(round, changes)
    }

    /// A task as the scheduler sees it.
    func schedulerView(_ task: ECS.Task) -> ServiceTask {
        let record = containerInstances[task.containerInstanceArn ?? ""]
        let instance: ServiceTask.Instance
        switch (record?.instance.status, record?.instance.agentConnected) {
        case (nil, _), ("INACTIVE", _): instance = .gone
        case (_, false?), (_, nil): instance = replacesLostTasks(record?.cluster ?? "") ? .lost : .usable
        case ("DRAINING", _): instance = .draining
        default: instance = .usable
        }
        let health: ServiceTask.Health
        switch task.healthStatus {
        case "HEALTHY": health = .healthy
        case "UNHEALTHY": health = .unhealthy
        default:
            let checked = taskDefinitions[task.taskDefinitionArn ?? ""]?.definition.containerDefinitions?.contains { $0.healthCheck != nil } ?? false
            health = checked ? .unknown : .none
        }
        return ServiceTask(arn: task.taskArn ?? "", deployment: task.startedBy ?? "", instanceArn: task.containerInstanceArn ?? "",
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
    func materialize(_ plan: ServiceScheduler.Plan, original: ServiceRecord, now: Date) -> [StateChange] {
        var record = plan.record
        var changes: [StateChange] = []
        var instances: [String: ContainerInstanceRecord] = [:]
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
                if let arn = task.containerInstanceArn, let instance = instances[arn] ?? containerInstances[arn] {
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
                if let instance = instances[launch.instanceArn] ?? containerInstances[launch.instanceArn] {
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
}
