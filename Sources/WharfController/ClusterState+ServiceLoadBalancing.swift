import Foundation
import WharfModel
import WharfScheduler
import WharfState

extension ClusterState {
    /// A service's `loadBalancers`, checked as ECS checks them: up to five, each a target group
    /// that exists and has a load balancer, with a target type that fits the task definition's
    /// network mode, and a container and port of the task definition; with the deployment
    /// `strategy` BLUE_GREEN, LINEAR or CANARY, each with its alternate target group and rules.
    func serviceLoadBalancers(
        _ given: [ECS.LoadBalancer]?,
        definition: ECS.TaskDefinition,
        strategy: String = "ROLLING"
    ) throws(ECSError) -> [ServiceLoadBalancer]? {
        guard let given, !given.isEmpty else { return nil }
        guard given.count <= 5 else { throw ECSError(.invalidParameter, "loadBalancers can have at most 5 items.") }
        var result: [ServiceLoadBalancer] = []
        for balancer in given {
            if balancer.loadBalancerName != nil {
                throw ECSError.unsupported(
                    "loadBalancers.loadBalancerName",
                    "Classic Load Balancers do not exist in Wharf; give the targetGroupArn of an application or "
                        + "network load balancer"
                )
            }
            guard let text = balancer.targetGroupArn else {
                throw ECSError(.invalidParameter, "loadBalancers.targetGroupArn is required")
            }
            guard let name = balancer.containerName, !name.isEmpty, let port = balancer.containerPort else {
                throw ECSError(
                    .invalidParameter,
                    "loadBalancers needs containerName and containerPort with the targetGroupArn"
                )
            }
            let group: TargetGroupRecord
            do { group = try targetGroup(arn: text) } catch {
                throw ECSError(.invalidParameter, "The target group with targetGroupArn \(text) does not exist.")
            }
            guard !loadBalancing.loadBalancerIDs(using: group.id).isEmpty else {
                throw ECSError(
                    .invalidParameter,
                    "The target group with targetGroupArn \(text) does not have an associated load balancer."
                )
            }
            let mode = definition.networkMode ?? "bridge"
            if (mode == "awsvpc") != (group.targetType == .ip) {
                throw ECSError(
                    .invalidParameter,
                    "The provided target group \(text) has target type \(group.targetType.rawValue), which is "
                        + "incompatible with the \(mode) network mode specified in the task definition."
                )
            }
            let container = (definition.containerDefinitions ?? []).first { $0.name == name }
            guard let container else {
                throw ECSError(.invalidParameter, "The container \(name) does not exist in the task definition.")
            }
            guard (container.portMappings ?? []).contains(where: { $0.containerPort == port }) else {
                throw ECSError(
                    .invalidParameter,
                    "The container \(name) did not have a container port \(port) defined."
                )
            }
            guard !result.contains(where: { $0.targetGroupID == group.id }) else {
                throw ECSError(.invalidParameter, "The target group \(text) is named more than once in loadBalancers.")
            }
            let alternate = try balancer.advancedConfiguration.map { (given) throws(ECSError) in
                try alternateTarget(given, primary: group, strategy: strategy)
            }
            result.append(
                ServiceLoadBalancer(
                    targetGroupID: group.id,
                    containerName: name,
                    containerPort: port,
                    alternate: alternate
                )
            )
        }
        return result
    }

    /// A service's load balancers as DescribeServices shows them.
    func projectLoadBalancers(_ record: ServiceRecord) -> [ECS.LoadBalancer] {
        projectLoadBalancers(record.loadBalancers ?? [])
    }

    /// The load balancers a task of the service is registered with: the service's (for a
    /// blue/green deployment, the target groups of the task's side), or for an EXTERNAL service
    /// its task set's.
    func balancers(of task: TaskRecord, service: ServiceRecord) -> [ServiceLoadBalancer] {
        guard service.isExternal else { return blueGreenBalancers(of: task, service: service) }
        return service.taskSets?.first { $0.id == task.startedBy }?.loadBalancers ?? []
    }

    /// Load balancers as ECS shows them (a service's or a task set's).
    func projectLoadBalancers(_ balancers: [ServiceLoadBalancer]) -> [ECS.LoadBalancer] {
        balancers.map {
            ECS.LoadBalancer(
                targetGroupArn: targetGroupARN($0.targetGroupID),
                containerName: $0.containerName,
                containerPort: $0.containerPort,
                advancedConfiguration: projectAlternate($0.alternate)
            )
        }
    }

    /// The target a service task is in a target group as: an awsvpc task by its address and the
    /// container port, another by its instance (EC2 instance ID) and the host port its container
    /// port is published on. Nil before it has one.
    func target(
        of task: TaskRecord,
        for balancer: ServiceLoadBalancer,
        in group: TargetGroupRecord
    ) -> (id: String, port: Int)? {
        switch group.targetType {
        case .ip:
            return task.network.map { ($0.privateIPv4Address, balancer.containerPort) }
        case .instance:
            guard let id = task.instance, let instance = instances[id] else { return nil }
            let container = task.containers.first { $0.name == balancer.containerName }
            guard
                let port = container?.networkBindings.first(where: { $0.containerPort == balancer.containerPort })?
                    .hostPort
            else { return nil }
            return (instance.ec2InstanceId ?? id.description, port)
        }
    }

    /// What the service's load balancers see of a task: unhealthy when one target group's checks
    /// fail, healthy when all pass, else initial (not registered, or not checked yet).
    func targetHealth(
        of task: TaskRecord,
        service: ServiceRecord,
        observed: [TargetKey: ObservedHealth]
    ) -> ServiceTask.TargetHealth {
        let balancers = balancers(of: task, service: service)
        guard !balancers.isEmpty else { return .none }
        var healthy = true
        for balancer in balancers {
            guard let group = loadBalancing.targetGroup(balancer.targetGroupID),
                let target = target(of: task, for: balancer, in: group),
                group.targets.contains(where: {
                    $0.id == target.id && $0.port == target.port && $0.drainingUntil == nil
                })
            else {
                healthy = false
                continue
            }
            switch observed[TargetKey(targetGroupID: group.id, id: target.id, port: target.port)] {
            case .healthy?: break
            case .unhealthy?: return .unhealthy(targetGroup: arn(of: group))
            case nil: healthy = false
            }
        }
        return healthy ? .healthy : .initial
    }

    /// What a round does for a service's load balancers once its plan is made (`changes`): a task
    /// that runs is registered in each target group; a task the plan stops is first deregistered
    /// and kept running (DEACTIVATING) while its targets drain; a task whose draining ended is let
    /// stop; a task that stopped on its own is deregistered. Returns `changes` with these in them,
    /// and the service's events.
    func loadBalancerChanges(
        _ changes: [StateChange],
        service: ServiceRecord,
        now: Date,
        random: inout SeededRandom
    ) -> [StateChange] {
        guard !service.balancedTargetGroups.isEmpty else { return changes }
        // The service's tasks as the plan leaves them.
        var planned: [TaskID: TaskRecord] = [:]
        for change in changes {
            if case .putTask(let task) = change { planned[task.id] = task }
        }
        var all: [TaskID: TaskRecord] = [:]
        for id in tasks.ids(in: service.groupKey) { all[id] = tasks[id] }
        all.merge(planned) { _, new in new }
        var touched: Set<TaskID> = []
        var groups: [String: TargetGroupRecord] = [:]
        var messages: [String] = []
        var draining = 0
        for id in all.keys.sorted() {
            guard var task = all[id] else { continue }
            let stoppedNow =
                task.desiredStatus == .stopped && task.deactivatingUntil == nil && !task.isStopped
                && planned[id] != nil && tasks[id]?.desiredStatus == .running
            var until: Date?
            // Registered in the target groups it belongs in, deregistered from the service's others.
            let wanted = Set(balancers(of: task, service: service).map(\.targetGroupID))
            for balancer in everyBalancer(of: service) {
                guard var group = groups[balancer.targetGroupID] ?? loadBalancing.targetGroup(balancer.targetGroupID),
                    let target = target(of: task, for: balancer, in: group)
                else { continue }
                let index = group.targets.firstIndex { $0.id == target.id && $0.port == target.port }
                let live = index.map { group.targets[$0].drainingUntil == nil } ?? false
                if wanted.contains(group.id), task.desiredStatus == .running, task.lastStatus == .running {
                    if !live {
                        if let index { group.targets.remove(at: index) }
                        group.targets.append(TargetRecord(id: target.id, port: target.port, registeredAt: now))
                        groups[group.id] = group
                    }
                } else if live, let index {
                    let delay = Double(group.deregistrationDelaySeconds)
                    if delay == 0 {
                        group.targets.remove(at: index)
                    } else {
                        group.targets[index].drainingUntil = now.addingTimeInterval(delay)
                        if stoppedNow { until = max(until ?? now, now.addingTimeInterval(delay)) }
                    }
                    groups[group.id] = group
                }
            }
            if let until {
                task.deactivatingUntil = until
                task.version += 1
                all[id] = task
                touched.insert(id)
                draining += 1
            } else if let ends = task.deactivatingUntil, ends <= now, !task.isStopped {
                // Drained: the node may stop it now.
                task.deactivatingUntil = nil
                task.version += 1
                all[id] = task
                touched.insert(id)
            }
        }
        if draining > 0 {
            messages.append("(service \(service.name)) has begun draining connections on \(draining) tasks.")
        }
        for (id, group) in groups.sorted(by: { $0.key < $1.key }) {
            guard let before = loadBalancing.targetGroup(id) else { continue }
            let added = group.targets.filter { target in
                target.drainingUntil == nil
                    && !before.targets.contains {
                        $0.id == target.id && $0.port == target.port && $0.drainingUntil == nil
                    }
            }
            let removed = before.targets.filter { target in
                target.drainingUntil == nil
                    && !group.targets.contains {
                        $0.id == target.id && $0.port == target.port && $0.drainingUntil == nil
                    }
            }
            if !added.isEmpty {
                messages.append(
                    "(service \(service.name)) registered \(added.count) targets in (target-group \(arn(of: group)))"
                )
            }
            if !removed.isEmpty {
                messages.append(
                    "(service \(service.name)) deregistered \(removed.count) targets in "
                        + "(target-group \(arn(of: group)))"
                )
            }
        }
        guard !touched.isEmpty || !groups.isEmpty else { return changes }
        var result: [StateChange] = []
        var servicePut = false
        for change in changes {
            switch change {
            case .putTask(let task) where touched.contains(task.id):
                result.append(.putTask(all[task.id] ?? task))
                touched.remove(task.id)
            case .putService(var record) where record.arn == service.arn:
                record.events = ServiceEvents.adding(messages, to: record.events, now: now, random: &random)
                result.append(.putService(record))
                servicePut = true
            default:
                result.append(change)
            }
        }
        for id in touched.sorted() { if let task = all[id] { result.append(.putTask(task)) } }
        result += groups.keys.sorted().compactMap { groups[$0].map { .putTargetGroup($0) } }
        if !servicePut, !messages.isEmpty, var record = services[service.arn] {
            record.events = ServiceEvents.adding(messages, to: record.events, now: now, random: &random)
            result.append(.putService(record))
        }
        return result
    }
}
