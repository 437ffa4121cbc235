import Foundation
import WharfModel
import WharfScheduler
import WharfState

/// How tasks are launched, as RunTask, StartTask or a service's deployment asks: the definition
/// and what each task takes, the launch type, and the network and placement that go with them.
struct TaskLaunch {
    var definition: TaskDefinitionRecord
    var demand: TaskDemand
    var launchType: LaunchType
    /// The capacity provider the tasks report (`FARGATE`, `FARGATE_SPOT`, or one of the account's
    /// own), if any.
    var capacityProvider: String?
    /// A strategy of the account's own capacity providers, over which the tasks are spread (each
    /// provider's on the nodes of its group); empty otherwise.
    var providerStrategy: [CapacityProviderStrategyItem] = []
    /// The platform version of FARGATE tasks.
    var platformVersion: String?
    /// The `awsvpcConfiguration` of an awsvpc definition.
    var awsvpc: ECS.AwsVpcConfiguration?
    /// What the launch asks of the nodes besides the request's own constraints: the definition's
    /// `memberOf` and `runtimePlatform`, the launch type's and the network mode's.
    var constraints: [ECS.PlacementConstraint]
    /// Whether `wharf exec` may run commands in its tasks (`enableExecuteCommand`).
    var enableExecuteCommand = false
}

/// The task addresses one write has given out, on top of those the tasks in the state hold.
struct TaskAddressLeases {
    var given: [InstanceID: Set<UInt32>] = [:]
}

extension ClusterState {
    /// What RunTask and StartTask share: the definition, its demand, the launch type and
    /// network, and the checks on all of them.
    func taskLaunch(
        _ request: some TaskLaunchMembers,
        reference: String?,
        cluster: ClusterRecord,
        launchType: String?,
        capacityProviderStrategy: [ECS.CapacityProviderStrategyItem]? = nil,
        platformVersion: String? = nil,
        count: Int
    ) throws(ECSError) -> TaskLaunch {
        let record = try taskDefinition(reference)
        let arn = arn(of: record.key)
        guard record.status == .active else {
            throw ECSError(
                .invalidParameter,
                "TaskDefinition is inactive",
                hint: "\(arn) is \(record.status.rawValue); register a new revision to run it"
            )
        }
        let (launch, provider) = try TaskNetworkRules.launch(
            launchType: launchType,
            strategy: capacityProviderStrategy,
            clusterProviders: cluster.capacityProviders,
            accountProviders: Set(capacityProviders.all.map(\.name))
        )
        guard let typed = LaunchType(rawValue: launch), typed != .managedInstances else {
            throw ECSError(
                .invalidParameter,
                "launchType \(launch) is not available: Wharf runs tasks on its own container instances; use EC2, "
                    + "EXTERNAL or FARGATE"
            )
        }
        let compatibilities = record.spec.compatibilities ?? []
        guard compatibilities.contains(launch) else {
            throw ECSError(
                .invalidParameter,
                "Task definition does not support launch_type \(launch).",
                hint: "\(arn) supports \(compatibilities.joined(separator: ", "))"
            )
        }
        guard (1...10).contains(count) else { throw ECSError(.invalidParameter, "count \(count) is outside 1...10") }
        let networkMode = record.spec.networkMode ?? "bridge"
        let awsvpc = try TaskNetworkRules.awsvpc(
            request.networkConfiguration,
            networkMode: networkMode,
            launchType: launch
        )
        let version = try TaskNetworkRules.platformVersion(platformVersion, launchType: launch)
        let overrides = request.overrides
        for override in overrides?.containerOverrides ?? []
        where !(record.spec.containerDefinitions ?? []).contains(where: { $0.name == override.name }) {
            throw ECSError(
                .invalidParameter,
                "overrides: container \"\(override.name ?? "")\" is not in task definition \(arn)"
            )
        }
        try TagRules.check(request.tags ?? [])
        var demand: TaskDemand
        if overrides == nil, let known = taskDefinitions.demand(of: record.key) {
            demand = known
        } else {
            demand = try TaskDemand.of(record.spec, overrides: overrides)
        }
        var taskLaunch = TaskLaunch(
            definition: record,
            demand: demand,
            launchType: typed,
            capacityProvider: provider,
            platformVersion: version,
            awsvpc: awsvpc,
            constraints: Self.placementConstraints(of: record.spec) + Self.launchTypeConstraints(typed)
                + TaskNetworkRules.placementConstraints(networkMode: networkMode, launchType: launch)
        )
        if typed == .ec2, let capacityProviderStrategy, !capacityProviderStrategy.isEmpty {
            taskLaunch.providerStrategy = capacityProviderStrategy.map(CapacityProviderStrategyItem.init)
        }
        taskLaunch.enableExecuteCommand = request.enableExecuteCommand ?? false
        return taskLaunch
    }

    /// A new task on `instance`, PROVISIONING and wanted RUNNING, with its IDs drawn from `random`.
    /// An awsvpc task gets the next free address of the node's block.
    /// - Returns: nil when the task needs an address and the node has none left (ECS's
    ///   `RESOURCE:ENI`).
    func newTask(
        _ launch: TaskLaunch,
        cluster: String,
        instance: InstanceID,
        overrides: ECS.TaskOverride?,
        startedBy: String?,
        group: String,
        tags: [Tag],
        now: Date,
        random: inout SeededRandom,
        leases: inout TaskAddressLeases
    ) -> TaskRecord? {
        let spec = launch.definition.spec
        var network: TaskNetworkRecord?
        if let awsvpc = launch.awsvpc {
            guard let (address, block) = leaseTaskAddress(on: instance, leases: &leases) else { return nil }
            network = TaskNetworkRecord(
                attachmentID: random.uuid(),
                subnetID: awsvpc.subnets?.first,
                securityGroups: awsvpc.securityGroups ?? [],
                assignPublicIp: awsvpc.assignPublicIp == "ENABLED",
                privateIPv4Address: address,
                subnetCIDR: block
            )
        }
        let containers = (spec.containerDefinitions ?? []).map { container in
            ContainerRecord(
                id: random.containerID(),
                name: container.name ?? "",
                image: container.image,
                cpu: container.cpu ?? 0,
                memory: container.memory,
                memoryReservation: container.memoryReservation
            )
        }
        var task = TaskRecord(
            id: random.taskID(),
            cluster: cluster,
            instance: instance,
            taskDefinition: launch.definition.key,
            group: group,
            startedBy: startedBy,
            launchType: launch.launchType,
            cpu: overrides?.cpu ?? spec.cpu,
            memory: overrides?.memory ?? spec.memory,
            createdAt: now,
            containers: containers,
            overrides: overrides.map(Shared.init),
            tags: tags,
            network: network,
            platformVersion: launch.platformVersion
        )
        task.capacityProviderName = launch.capacityProvider
        task.enableExecuteCommand = launch.enableExecuteCommand ? true : nil
        return task
    }

    /// A free address of the node's block for a new awsvpc task: the first after the highest one
    /// its tasks hold (wrapping round), so that an address just released is not the next one
    /// given. The block's first address is the tasks' gateway; its last is its broadcast.
    /// - Returns: the address and the block, or nil when the node has no block or none is free.
    func leaseTaskAddress(on instance: InstanceID, leases: inout TaskAddressLeases) -> (String, String)? {
        guard let text = instances[instance]?.taskSubnet, let block = IPv4Network(text), block.prefixLength <= 30 else {
            return nil
        }
        var taken = leases.given[instance] ?? []
        for task in tasks.holding(instance) {
            if let address = task.network.flatMap({ IPv4Network.address($0.privateIPv4Address) }) {
                taken.insert(address)
            }
        }
        let first = block.address + 2
        let last = block.address + (UInt32.max >> UInt32(block.prefixLength)) - 1
        guard first <= last else { return nil }
        let size = last - first + 1
        let start = taken.filter { $0 >= first && $0 <= last }.max().map { $0 + 1 } ?? first
        for step in 0..<size {
            let candidate = first + (start - first + step) % size
            if !taken.contains(candidate) {
                leases.given[instance, default: []].insert(candidate)
                return (IPv4Network.text(candidate), block.description)
            }
        }
        return nil
    }
}
