import Foundation
import WharfModel
import WharfState

extension ServiceScheduler {
    /// A round for a service whose task sets an outside controller manages (EXTERNAL): each task
    /// set is kept at its computed desired count (its scale of the service's desired count) at
    /// once, without ECS's rolling bounds, which are the controller's business. A draining task
    /// set's tasks are stopped, and it is gone once none is left.
    /// - Parameter setConstraints: the constraints of each task set's launch type and network
    ///   mode, by task set ID (two task sets of one definition may differ in launch type).
    func taskSetRound(
        _ plan: inout Plan,
        tasks: [ServiceTask],
        candidates: [PlacementCandidate],
        demands: [TaskDefinitionKey: TaskDemand],
        definitionConstraints: [TaskDefinitionKey: [ECS.PlacementConstraint]],
        setConstraints: [String: [ECS.PlacementConstraint]]
    ) {
        let record = plan.record
        let sets = record.taskSets ?? []
        let known = Set(sets.map(\.id))
        // Tasks that failed to start or exited throttle the launches, as a deployment's do.
        for task in tasks
        where known.contains(task.deployment) && task.failed && !plan.record.countedFailures.contains(task.arn) {
            countFailure(&plan, task.arn)
        }
        let live = replaceBroken(&plan, live: tasks.filter(\.isLive))
        let desired = record.status == .active ? record.desiredCount : 0
        // What this round's launches take, so one task set's tasks do not land on what another's
        // took; and the round's launch budget, shared by the task sets.
        var pool = candidates
        var round = self
        // Tasks of no task set (one deleted outright) go.
        for task in live where !known.contains(task.deployment) {
            plan.stops.append(Stop(taskArn: task.arn, reason: "Task stopped because its task set was deleted"))
        }
        for set in sets {
            let wanted = set.computedDesiredCount(of: desired)
            let mine = live.filter { $0.deployment == set.id }
            let usable = mine.filter { $0.instance == .usable }
            for task in mine where task.instance == .draining {
                plan.stops.append(
                    Stop(
                        taskArn: task.arn,
                        reason: "Task stopped because its container instance \(Self.resourceID(task.instanceArn)) "
                            + "is draining"
                    )
                )
            }
            if usable.count > wanted {
                let extra = Self.scaleInOrder(usable.filter { !$0.isProtected }).prefix(usable.count - wanted)
                for task in extra {
                    plan.stops.append(
                        Stop(taskArn: task.arn, reason: "Scaling activity initiated by (taskSet \(set.id))")
                    )
                }
            } else if usable.count < wanted {
                var held: [String: Int] = [:]
                for task in usable { if let provider = task.capacityProvider { held[provider, default: 0] += 1 } }
                let before = plan.launches.count
                round.launch(
                    &plan,
                    count: wanted - usable.count,
                    deployment: set.deployment,
                    candidates: pool,
                    demands: demands,
                    constraints: setConstraints[set.id] ?? definitionConstraints[set.taskDefinition] ?? [],
                    held: held
                )
                let launched = plan.launches[before...]
                round.launchLimit -= launched.count
                let demand = demands[set.taskDefinition] ?? .zero
                for planned in launched {
                    if let index = pool.firstIndex(where: { $0.arn == planned.instanceArn }) {
                        pool[index].take(demand, group: record.group)
                    }
                }
            }
        }
        finishTaskSets(&plan, tasks: tasks, desired: desired)
    }

    /// Brings the task sets' stability up to date, forgets drained task sets, and makes a
    /// deleted service INACTIVE once its last task has stopped.
    func finishTaskSets(_ plan: inout Plan, tasks: [ServiceTask], desired: Int) {
        let stopping = Set(plan.stops.map(\.taskArn))
        let present = Self.present(tasks)
        let live = present.filter { $0.isLive && !stopping.contains($0.arn) }
        let launched = Dictionary(grouping: plan.launches, by: \.deployment).mapValues(\.count)
        let moment = Date(timeIntervalSince1970: now)
        var sets: [TaskSetRecord] = []
        for var set in plan.record.taskSets ?? [] {
            let mine = present.filter { $0.deployment == set.id }
            if set.status == .draining, mine.isEmpty, launched[set.id] == nil { continue }
            let healthy = live.count { $0.deployment == set.id && $0.isHealthy && $0.instance == .usable }
            let steady = healthy == set.computedDesiredCount(of: desired) && mine.count == healthy
            if steady != set.steady {
                set.steady = steady
                set.stabilityStatusAt = moment
            }
            sets.append(set)
        }
        plan.record.taskSets = sets
        // Failures are remembered only while their tasks are: the set would grow without end.
        plan.record.countedFailures.formIntersection(tasks.map(\.arn))
        let settled = sets.allSatisfy(\.steady) && plan.launches.isEmpty && plan.stops.isEmpty
        if settled {
            plan.record.consecutiveFailures = 0
            plan.record.throttledUntil = nil
        }
        if settled, !plan.record.steady, plan.record.status == .active {
            plan.events.append("(service \(plan.record.name)) has reached a steady state.")
        }
        plan.record.steady = settled
        if plan.record.status == .draining, present.isEmpty, plan.launches.isEmpty {
            plan.record.status = .inactive
            plan.record.inactiveAt = moment
        }
    }
}
