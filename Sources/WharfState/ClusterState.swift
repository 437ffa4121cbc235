import Foundation
import WharfModel

/// The controller's state, split by aggregate: clusters, task definitions, container instances
/// with their placement pool, tasks, services, credentials and account settings. Each aggregate
/// keeps its own indexes private; the only way to change any of them is ``apply(_:)``, which also
/// keeps the aggregates in step with each other (a task that arrives on an instance takes from
/// that instance's placement view; a task wanted elsewhere wakes its node).
///
/// Pure: no I/O, no clock, no randomness. The operations (WharfController) read it and return the
/// changes they would make; IDs, random seeds and the time are their parameters.
public struct ClusterState: Sendable {
    /// The region and account every ARN carries.
    public let context: AccountContext
    public private(set) var clusters = Clusters()
    public private(set) var taskDefinitions = TaskDefinitions()
    public private(set) var instances: Instances
    public private(set) var tasks = Tasks()
    public private(set) var services = Services()
    public private(set) var credentials = Credentials()
    public private(set) var accountSettings = AccountSettings()
    public private(set) var parameters = Parameters()
    public private(set) var secrets = Secrets()
    public private(set) var runTaskTokens = RunTaskTokens()
    public private(set) var loadBalancing = LoadBalancing()
    public private(set) var cloudMap = CloudMap()
    /// CloudWatch's metric alarms.
    public private(set) var alarms = Alarms()
    /// Application Auto Scaling's targets, policies and scheduled actions.
    public private(set) var autoScaling = AutoScaling()
    /// The account's capacity providers (the Fargate ones are built in).
    public private(set) var capacityProviders = CapacityProviders()

    /// The state the store loaded.
    public init(context: AccountContext, stored: StoredState = StoredState()) {
        self.context = context
        instances = Instances(context: context, generation: stored.generation)
        for record in stored.clusters { apply(.putCluster(record)) }
        for record in stored.taskDefinitions { apply(.putTaskDefinition(record)) }
        for (family, revision) in stored.familyRevisions { taskDefinitions.setLastRevision(revision, of: family) }
        for (key, value) in stored.accountSettings { accountSettings.set(value, for: key) }
        for record in stored.instances { apply(.putInstance(record)) }
        for record in stored.tasks { apply(.putTask(record)) }
        tasks.sortStopped()
        for record in stored.services { apply(.putService(record)) }
        for record in stored.activations { apply(.putActivation(record)) }
        for record in stored.accessKeys { apply(.putAccessKey(record)) }
        for record in stored.parameters { apply(.putParameter(record)) }
        for record in stored.secrets { apply(.putSecret(record)) }
        for record in stored.runTaskTokens { apply(.putRunTaskToken(record)) }
        for record in stored.loadBalancers { apply(.putLoadBalancer(record)) }
        for record in stored.targetGroups { apply(.putTargetGroup(record)) }
        for record in stored.listeners { apply(.putListener(record)) }
        for record in stored.listenerRules { apply(.putListenerRule(record)) }
        for record in stored.namespaces { apply(.putNamespace(record)) }
        for record in stored.discoveryServices { apply(.putDiscoveryService(record)) }
        for record in stored.cloudMapOperations { apply(.putCloudMapOperation(record)) }
        for record in stored.alarms { apply(.putAlarm(record)) }
        for record in stored.scalableTargets { apply(.putScalableTarget(record)) }
        for record in stored.scalingPolicies { apply(.putScalingPolicy(record)) }
        for record in stored.scheduledActions { apply(.putScheduledAction(record)) }
        for record in stored.capacityProviders { apply(.putCapacityProvider(record)) }
    }

    /// Applies one change.
    /// - Returns: how to undo it, and the instance whose agent must hear of it (its desired
    ///   state changed), if any.
    @discardableResult
    public mutating func apply(_ change: StateChange) -> Applied {
        switch change {
        case .putCluster(let record):
            let old = clusters.put(record)
            instances.touch(cluster: record.name)
            return Applied(.cluster(record.name, old))
        case .putTaskDefinition(let record):
            return Applied(.taskDefinition(record.key, taskDefinitions.put(record)))
        case .deleteTaskDefinition(let key):
            return Applied(.taskDefinition(key, taskDefinitions.remove(key)))
        case .putFamilyRevision(let family, let revision):
            let old = taskDefinitions.lastRevision(of: family)
            taskDefinitions.setLastRevision(revision, of: family)
            return Applied(.familyRevision(family, old == 0 ? nil : old))
        case .putAccountSetting(let principal, let name, let value):
            let key = AccountSettingKey(principal: principal, name: name)
            return Applied(.accountSetting(key, accountSettings.set(value, for: key)))
        case .deleteAccountSetting(let principal, let name):
            let key = AccountSettingKey(principal: principal, name: name)
            return Applied(.accountSetting(key, accountSettings.set(nil, for: key)))
        case .putInstance(let record):
            let old = instances.put(record, held: held(on: record.id))
            // A node deregistered (or drained, or brought back) hears of it at once.
            guard let old, old.status != record.status else { return Applied(.instance(record.id, old)) }
            instances.wake(record.id)
            return Applied(.instance(record.id, old), woken: record.id)
        case .putTask(let record):
            return putTask(record)
        case .deleteTask(let id):
            let oldDemand = tasks.demand(of: id)
            guard let old = tasks.remove(id) else { return Applied(.task(id, nil)) }
            if old.holdsResources, let instance = old.instance {
                giveBack(oldDemand ?? .zero, group: old.group, on: instance)
            }
            return Applied(.task(id, old))
        case .putService(let record):
            let old = services.put(record)
            tasks.touch(record.groupKey)
            return Applied(.service(record.arn, old))
        case .deleteService(let arn):
            let old = services.remove(arn)
            if let old { tasks.touch(old.groupKey) }
            return Applied(.service(arn, old))
        case .putActivation(let record):
            return Applied(.activation(record.id, credentials.put(record)))
        case .deleteActivation(let id):
            return Applied(.activation(id, credentials.removeActivation(id)))
        case .putAccessKey(let record):
            return Applied(.accessKey(record.accessKeyId, credentials.put(record)))
        case .deleteAccessKey(let id):
            return Applied(.accessKey(id, credentials.removeAccessKey(id)))
        case .putParameter(let record):
            return Applied(.parameter(record.name, parameters.put(record)))
        case .deleteParameter(let name):
            return Applied(.parameter(name, parameters.remove(name)))
        case .putSecret(let record):
            return Applied(.secret(record.name, secrets.put(record)))
        case .deleteSecret(let name):
            return Applied(.secret(name, secrets.remove(name)))
        case .putRunTaskToken(let record):
            return Applied(.runTaskToken(record.key, runTaskTokens.put(record)))
        case .deleteRunTaskToken(let key):
            return Applied(.runTaskToken(key, runTaskTokens.remove(key)))
        case .putLoadBalancer(let record):
            return Applied(.loadBalancer(record.id, loadBalancing.put(record)))
        case .deleteLoadBalancer(let id):
            return Applied(.loadBalancer(id, loadBalancing.removeLoadBalancer(id)))
        case .putTargetGroup(let record):
            return Applied(.targetGroup(record.id, loadBalancing.put(record)))
        case .deleteTargetGroup(let id):
            return Applied(.targetGroup(id, loadBalancing.removeTargetGroup(id)))
        case .putListener(let record):
            return Applied(.listener(record.id, loadBalancing.put(record)))
        case .deleteListener(let id):
            return Applied(.listener(id, loadBalancing.removeListener(id)))
        case .putListenerRule(let record):
            return Applied(.listenerRule(record.id, loadBalancing.put(record)))
        case .deleteListenerRule(let id):
            return Applied(.listenerRule(id, loadBalancing.removeRule(id)))
        case .putNamespace(let record):
            return Applied(.namespace(record.id, cloudMap.put(record)))
        case .deleteNamespace(let id):
            return Applied(.namespace(id, cloudMap.removeNamespace(id)))
        case .putDiscoveryService(let record):
            return Applied(.discoveryService(record.id, cloudMap.put(record)))
        case .deleteDiscoveryService(let id):
            return Applied(.discoveryService(id, cloudMap.removeService(id)))
        case .putCloudMapOperation(let record):
            return Applied(.cloudMapOperation(record.id, cloudMap.put(record)))
        case .deleteCloudMapOperation(let id):
            return Applied(.cloudMapOperation(id, cloudMap.removeOperation(id)))
        case .putAlarm(let record):
            return Applied(.alarm(record.name, alarms.put(record)))
        case .deleteAlarm(let name):
            return Applied(.alarm(name, alarms.remove(name)))
        case .putScalableTarget(let record):
            return Applied(.scalableTarget(record.key, autoScaling.put(record)))
        case .deleteScalableTarget(let key):
            return Applied(.scalableTarget(key, autoScaling.removeTarget(key)))
        case .putScalingPolicy(let record):
            return Applied(.scalingPolicy(record.arn, autoScaling.put(record)))
        case .deleteScalingPolicy(let arn):
            return Applied(.scalingPolicy(arn, autoScaling.removePolicy(arn)))
        case .putScheduledAction(let record):
            return Applied(.scheduledAction(record.arn, autoScaling.put(record)))
        case .deleteScheduledAction(let arn):
            return Applied(.scheduledAction(arn, autoScaling.removeScheduledAction(arn)))
        case .putCapacityProvider(let record):
            return Applied(.capacityProvider(record.name, capacityProviders.put(record)))
        case .deleteCapacityProvider(let name):
            return Applied(.capacityProvider(name, capacityProviders.remove(name)))
        }
    }

    /// Puts a task, moving what it takes between instances' placement views as it arrives on an
    /// instance, leaves it, or stops there. A status report alone leaves the views as they are.
    private mutating func putTask(_ record: TaskRecord) -> Applied {
        let previous = tasks[record.id]
        let oldDemand = tasks.demand(of: record.id)
        var demand: TaskDemand?
        if record.holdsResources {
            demand = previous?.holdsResources == true && previous?.instance == record.instance ? oldDemand : nil
            demand = demand ?? self.demand(of: record)
        }
        tasks.put(record, demand: demand)
        let wasHolding = previous?.holdsResources ?? false
        let sameInstance = previous?.instance == record.instance
        if !(wasHolding && record.holdsResources && sameInstance) {
            if wasHolding, let previous, let instance = previous.instance {
                giveBack(oldDemand ?? .zero, group: previous.group, on: instance)
            }
            if record.holdsResources, let instance = record.instance {
                instances.take(demand ?? .zero, group: record.group, on: instance)
            }
        }
        // The node hears of a task placed on it, and of a change in what is wanted of one.
        var woken: InstanceID?
        if let instance = record.instance,
            previous == nil
                ? !record.isStopped
                : previous?.desiredStatus != record.desiredStatus || !sameInstance
                    || previous?.deactivatingUntil != record.deactivatingUntil
        {
            instances.wake(instance)
            woken = instance
        }
        return Applied(.task(record.id, previous), woken: woken)
    }

    /// Gives what a task that left `instance` (or stopped there) took back to its placement view.
    private mutating func giveBack(_ demand: TaskDemand, group: String, on instance: InstanceID) {
        let held = demand.hostPorts.isEmpty ? nil : held(on: instance)
        instances.giveBack(demand, group: group, on: instance, held: held)
    }

    /// What a task takes from its instance: its definition's demand, or with overrides its own.
    private func demand(of record: TaskRecord) -> TaskDemand? {
        guard let overrides = record.overrides?.value else { return taskDefinitions.demand(of: record.taskDefinition) }
        guard let definition = taskDefinitions[record.taskDefinition] else { return nil }
        return try? TaskDemand.of(definition.spec, overrides: overrides)
    }

    /// What the tasks holding resources on `instance` take, with their groups.
    private func held(on instance: InstanceID) -> [(demand: TaskDemand, group: String)] {
        tasks.ids(holding: instance).compactMap { id in
            tasks[id].map { (tasks.demand(of: id) ?? .zero, $0.group) }
        }
    }

    /// Instance `id` as placement sees it, derived afresh from its record and the tasks holding
    /// resources on it: what ``Instances/candidate(_:)`` keeps up to date change by change, for
    /// checking that it does.
    public func derivedCandidate(of id: InstanceID) -> PlacementCandidate? {
        instances[id].map { record in
            let held = tasks.all.filter { $0.holdsResources && $0.instance == id }.map { task in
                (demand: demand(of: task) ?? .zero, group: task.group)
            }
            return instances.candidate(record, held: held)
        }
    }

    /// Undoes a change ``apply(_:)`` made, restoring what it replaced. Undo the changes of a
    /// batch in the reverse of the order they were applied in.
    public mutating func revert(_ applied: Applied) {
        switch applied.undo {
        case .cluster(let name, let old):
            if let old { apply(.putCluster(old)) } else { clusters.remove(name); instances.touch(cluster: name) }
        case .taskDefinition(let key, let old):
            if let old { apply(.putTaskDefinition(old)) } else { taskDefinitions.remove(key) }
        case .familyRevision(let family, let old):
            taskDefinitions.setLastRevision(old, of: family)
        case .accountSetting(let key, let old):
            accountSettings.set(old, for: key)
        case .instance(let id, let old):
            if let old { apply(.putInstance(old)) } else { instances.remove(id) }
        case .task(let id, let old):
            if let old { apply(.putTask(old)) } else { apply(.deleteTask(id)) }
        case .service(let arn, let old):
            if let old { apply(.putService(old)) } else { apply(.deleteService(arn: arn)) }
        case .activation(let id, let old):
            if let old { apply(.putActivation(old)) } else { credentials.removeActivation(id) }
        case .accessKey(let id, let old):
            if let old { apply(.putAccessKey(old)) } else { credentials.removeAccessKey(id) }
        case .parameter(let name, let old):
            if let old { apply(.putParameter(old)) } else { parameters.remove(name) }
        case .secret(let name, let old):
            if let old { apply(.putSecret(old)) } else { secrets.remove(name) }
        case .runTaskToken(let key, let old):
            if let old { apply(.putRunTaskToken(old)) } else { runTaskTokens.remove(key) }
        case .loadBalancer(let id, let old):
            if let old { apply(.putLoadBalancer(old)) } else { loadBalancing.removeLoadBalancer(id) }
        case .targetGroup(let id, let old):
            if let old { apply(.putTargetGroup(old)) } else { loadBalancing.removeTargetGroup(id) }
        case .listener(let id, let old):
            if let old { apply(.putListener(old)) } else { loadBalancing.removeListener(id) }
        case .listenerRule(let id, let old):
            if let old { apply(.putListenerRule(old)) } else { loadBalancing.removeRule(id) }
        case .namespace(let id, let old):
            if let old { apply(.putNamespace(old)) } else { cloudMap.removeNamespace(id) }
        case .discoveryService(let id, let old):
            if let old { apply(.putDiscoveryService(old)) } else { cloudMap.removeService(id) }
        case .cloudMapOperation(let id, let old):
            if let old { apply(.putCloudMapOperation(old)) } else { cloudMap.removeOperation(id) }
        case .alarm(let name, let old):
            if let old { apply(.putAlarm(old)) } else { alarms.remove(name) }
        case .scalableTarget(let key, let old):
            if let old { apply(.putScalableTarget(old)) } else { autoScaling.removeTarget(key) }
        case .scalingPolicy(let arn, let old):
            if let old { apply(.putScalingPolicy(old)) } else { autoScaling.removePolicy(arn) }
        case .scheduledAction(let arn, let old):
            if let old { apply(.putScheduledAction(old)) } else { autoScaling.removeScheduledAction(arn) }
        case .capacityProvider(let name, let old):
            if let old { apply(.putCapacityProvider(old)) } else { capacityProviders.remove(name) }
        }
    }
}

/// What applying one change did: how to undo it, and the node it wakes.
public struct Applied: Sendable {
    /// What the change replaced.
    enum Undo: Sendable {
        case cluster(String, ClusterRecord?)
        case taskDefinition(TaskDefinitionKey, TaskDefinitionRecord?)
        case familyRevision(String, Int?)
        case accountSetting(AccountSettingKey, String?)
        case instance(InstanceID, InstanceRecord?)
        case task(TaskID, TaskRecord?)
        case service(String, ServiceRecord?)
        case activation(String, ActivationRecord?)
        case accessKey(String, AccessKeyRecord?)
        case parameter(String, ParameterRecord?)
        case secret(String, SecretRecord?)
        case runTaskToken(String, RunTaskToken?)
        case loadBalancer(String, LoadBalancerRecord?)
        case targetGroup(String, TargetGroupRecord?)
        case listener(String, ListenerRecord?)
        case listenerRule(String, ListenerRuleRecord?)
        case namespace(String, NamespaceRecord?)
        case discoveryService(String, DiscoveryServiceRecord?)
        case cloudMapOperation(String, CloudMapOperationRecord?)
        case alarm(String, AlarmRecord?)
        case scalableTarget(ScalableTargetKey, ScalableTargetRecord?)
        case scalingPolicy(String, ScalingPolicyRecord?)
        case scheduledAction(String, ScheduledActionRecord?)
        case capacityProvider(String, CapacityProviderRecord?)
    }

    let undo: Undo
    /// The instance whose desired state changed: its agent's held sync should be answered.
    public let woken: InstanceID?

    init(_ undo: Undo, woken: InstanceID? = nil) {
        self.undo = undo
        self.woken = woken
    }
}
