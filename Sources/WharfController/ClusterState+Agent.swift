import Foundation
import WharfModel
import WharfProtocol
import WharfState

extension ClusterState {
    /// `register`: a node joins, rejoins with its saved identity (same ARN, same credential), or,
    /// having lost it, joins again as its instance with an activation made for it (a new credential).
    /// Cluster `default` is created when it does not exist, as `wharf dev` and ECS Anywhere expect.
    /// - Parameters:
    ///   - credential: a fresh credential for a new identity (ignored when rejoining).
    ///   - credentialHash: hashes a credential (or an activation code) for comparison and storage.
    ///   - openRegistration: whether a new node may join without an activation.
    ///   - seed: seeds a new instance's ID.
    public func registerAgent(
        _ request: RegisterRequest,
        credential: String,
        credentialHash: (String) -> String,
        openRegistration: Bool = false,
        taskCIDR: IPv4Network = TaskSubnets.defaultCIDR,
        longPollSeconds: Int,
        now: Date,
        seed: UInt64
    ) throws(AgentProtocolError) -> Outcome<RegisterResponse> {
        var changes: [StateChange] = []
        let clusterName: String
        do {
            clusterName = try self.clusterName(request.cluster)
            if clusterName == "default", clusters["default"]?.status != .active {
                changes += try createCluster(ECS.CreateClusterRequest(clusterName: "default")).changes
            } else {
                _ = try activeCluster(clusterName)
            }
        } catch {
            throw AgentProtocolError(
                .clusterNotFound,
                "cluster \"\(request.cluster)\" does not exist; create it with `aws ecs create-cluster --cluster-name "
                    + "\(request.cluster)` or start the agent with --cluster default"
            )
        }
        do {
            try AttributeRules.check(request.attributes.map { ECS.Attribute(name: $0.name, value: $0.value) })
        } catch {
            throw AgentProtocolError(.invalidRequest, error.message)
        }
        guard request.resources.cpu > 0, request.resources.memoryMiB > 0 else {
            throw AgentProtocolError(
                .invalidRequest,
                "resources must offer some CPU and memory (cpu \(request.resources.cpu), memoryMiB "
                    + "\(request.resources.memoryMiB))"
            )
        }
        var record: InstanceRecord
        var issued = credential
        if let arn = request.containerInstanceArn, request.credential == nil, let activationId = request.activationId {
            // A node that lost its identity joins again as the instance it was, vouched for by a fresh
            // activation: a new credential, and the tasks it runs stay its own.
            let activation: ActivationRecord
            (record, activation) = try rejoin(arn, request, activationId, codeHash: credentialHash, now: now)
            changes.append(.putActivation(activation))
            record.credentialHash = credentialHash(credential)
            record.activationId = activationId
        } else if let arn = request.containerInstanceArn, let id = InstanceID(arnSuffix: arn),
            let existing = instances[id]
        {
            guard let given = request.credential, existing.hasAgent, credentialHash(given) == existing.credentialHash
            else {
                throw AgentProtocolError(.unauthorized, "the credential does not match container instance \(arn)")
            }
            guard existing.status != .inactive else {
                throw AgentProtocolError(
                    .deregistered,
                    "container instance \(arn) was deregistered; remove the agent's data directory to join again as a "
                        + "new instance"
                )
            }
            record = existing
            issued = given
        } else {
            var activation: String?
            if let activationId = request.activationId {
                changes.append(.putActivation(try redeem(request, activationId, codeHash: credentialHash, now: now)))
                activation = activationId
            } else if !openRegistration {
                throw Self.activationRequired
            }
            var random = SeededRandom(seed: seed)
            record = InstanceRecord(
                id: random.instanceID(),
                cluster: clusterName,
                ec2InstanceId: request.hostname,
                agentConnected: true,
                registeredAt: now,
                resources: InstanceResources(cpu: 0, memoryMiB: 0),
                credentialHash: credentialHash(credential),
                activationId: activation
            )
        }
        guard record.cluster == clusterName else {
            throw AgentProtocolError(
                .invalidRequest,
                "container instance \(arn(of: record)) belongs to cluster \"\(record.cluster)\", not \"\(clusterName)\""
            )
        }
        // The agent's own attributes (`ecs.`, `wharf.`) are what it registers now; the operator's
        // others stay.
        let custom = record.attributes.filter { attribute in
            !attribute.name.hasPrefix("ecs.") && !attribute.name.hasPrefix("wharf.")
                && !request.attributes.contains { $0.name == attribute.name }
        }
        // Every node a Wharf agent runs is an external instance in ECS Anywhere's terms.
        record.attributes =
            request.attributes.filter { $0.name != "ecs.capability.external" }.map(InstanceAttribute.init)
            + [InstanceAttribute(name: "ecs.capability.external")] + custom
        let resources = request.resources
        record.resources = InstanceResources(
            cpu: resources.cpu,
            memoryMiB: resources.memoryMiB,
            reservedTCPPorts: resources.reservedTCPPorts.sorted(),
            reservedUDPPorts: resources.reservedUDPPorts.sorted(),
            other: (resources.gpus ?? []).isEmpty
                ? [] : [ECS.Resource(name: "GPU", type: "STRINGSET", stringSetValue: resources.gpus)]
        )
        if let address = request.nodeAddress {
            guard IPv4Network.address(address) != nil else {
                throw AgentProtocolError(
                    .invalidRequest,
                    "nodeAddress \"\(address)\" is not an IPv4 address; give the node's address on the network the "
                        + "nodes share (wharf-agent --node-address)"
                )
            }
        }
        record.nodeAddress = request.nodeAddress
        record.versionInfo = VersionInfo(request.versionInfo)
        record.agentConnected = true
        record.taskSubnet = try leaseTaskSubnet(for: record, in: taskCIDR)
        return Outcome(
            RegisterResponse(
                containerInstanceArn: arn(of: record),
                credential: issued,
                clusterArn: context.clusterARN(clusterName),
                longPollSeconds: longPollSeconds,
                taskSubnet: record.taskSubnet,
                taskCIDR: taskCIDR.description
            ),
            changes + [.putInstance(record)]
        )
    }

    /// Checks a sync's identity and version.
    public func authenticate(
        _ request: SyncRequest,
        credentialHash: (String) -> String
    ) throws(AgentProtocolError) -> InstanceRecord {
        try authenticateAgent(
            arn: request.containerInstanceArn,
            credential: request.credential,
            credentialHash: credentialHash
        )
    }

    /// The container instance `arn` names, when `credential` is the one issued to it and it is
    /// still registered.
    public func authenticateAgent(
        arn: String,
        credential: String,
        credentialHash: (String) -> String
    ) throws(AgentProtocolError)
        -> InstanceRecord
    {
        guard let id = InstanceID(arnSuffix: arn), let record = instances[id], arn == self.arn(of: record),
            record.hasAgent,
            credentialHash(credential) == record.credentialHash
        else {
            throw AgentProtocolError(.unauthorized, "unknown container instance or wrong credential; register again")
        }
        guard record.status != .inactive else {
            throw AgentProtocolError(
                .deregistered,
                "container instance \(arn) was deregistered; the agent must stop its tasks"
            )
        }
        return record
    }

    /// Records what a sync reports: each task's and container's status, exit codes, bindings and
    /// times. Only real changes are written. The instance is marked connected. The reports `merged`
    /// holds as merged already into tasks that have not changed since are skipped.
    /// - Parameters:
    ///   - digests: each report's ``TaskReport/mergeDigest``, in the order of `request.tasks`.
    ///   - merged: what earlier syncs merged; it is told what this one did.
    public func recordSync(
        _ request: SyncRequest,
        record: InstanceRecord,
        now: Date,
        digests: [Int],
        merged: inout MergedReports
    ) -> Outcome<Void> {
        var changes: [StateChange] = []
        if !record.agentConnected {
            var connected = record
            connected.agentConnected = true
            changes.append(.putInstance(connected))
        }
        var entries: [TaskID: MergedReports.Entry] = [:]
        for (report, digest) in zip(request.tasks, digests) {
            guard let id = TaskID(arnSuffix: report.taskArn), let task = tasks[id], task.instance == record.id else {
                continue
            }
            if merged.isMerged(id, on: record.id, digest: digest, version: task.version) {
                entries[id] = MergedReports.Entry(digest: digest, version: task.version)
                continue
            }
            let updated = Self.merge(report, into: task, now: now)
            if updated != task { changes.append(.putTask(updated)) }
            entries[id] = MergedReports.Entry(digest: digest, version: updated.version)
        }
        merged.replace(record.id, with: entries)
        return Outcome((), changes)
    }

    /// A task with what an agent reported about it. A STOPPED task is final: no report changes it.
    /// Nor does a report of an earlier status than the one recorded: syncs can be recorded out of
    /// order (a sync the agent cut short, to send news, can reach the writer after the one that
    /// replaced it), and such a report is older than what was recorded. Taken, it put a RUNNING task
    /// back to PENDING until the node's next report, a long poll later.
    static func merge(_ report: TaskReport, into task: TaskRecord, now: Date) -> TaskRecord {
        guard !task.isStopped else { return task }
        if let reported = TaskStatus(rawValue: report.lastStatus),
            reported.lifecycleStep < task.lastStatus.lifecycleStep
        {
            return task
        }
        var updated = task
        updated.lastStatus = TaskStatus(rawValue: report.lastStatus) ?? task.lastStatus
        updated.pullStartedAt = report.pullStartedAt.map(Date.init(timeIntervalSince1970:)) ?? task.pullStartedAt
        updated.pullStoppedAt = report.pullStoppedAt.map(Date.init(timeIntervalSince1970:)) ?? task.pullStoppedAt
        updated.startedAt = report.startedAt.map(Date.init(timeIntervalSince1970:)) ?? task.startedAt
        updated.executionStoppedAt =
            report.executionStoppedAt.map(Date.init(timeIntervalSince1970:)) ?? task.executionStoppedAt
        updated.health = report.healthStatus.flatMap(HealthStatus.init(rawValue:)) ?? task.health
        if let mac = report.macAddress { updated.network?.macAddress = mac }
        for index in updated.containers.indices {
            guard let seen = report.containers.first(where: { $0.name == updated.containers[index].name }) else {
                continue
            }
            var container = updated.containers[index]
            container.runtimeId = seen.runtimeId ?? container.runtimeId
            container.lastStatus = ContainerStatus(rawValue: seen.lastStatus) ?? container.lastStatus
            container.exitCode = seen.exitCode ?? container.exitCode
            container.reason = seen.reason ?? container.reason
            container.networkBindings = seen.networkBindings.map(NetworkBinding.init)
            container.health = seen.healthStatus.flatMap(HealthStatus.init(rawValue:)) ?? container.health
            container.gpuIDs = seen.gpuIds ?? container.gpuIDs
            updated.containers[index] = container
        }
        if updated.lastStatus == .stopped {
            updated.desiredStatus = .stopped
            updated.stoppedAt = now
            updated.stoppingAt = task.stoppingAt ?? now
            updated.stopCode = task.stopCode ?? report.stopCode.flatMap(TaskStopCode.init(rawValue:))
            updated.stoppedReason = task.stoppedReason ?? report.stoppedReason
        }
        if updated != task { updated.version = task.version + 1 }
        return updated
    }

    /// The statuses of a task its node has not started yet: only then are its secrets sent.
    static let startingStatuses: Set<TaskStatus> = [.provisioning, .pending, .activating]

    /// The node's desired state: every task placed on it that is not yet recorded STOPPED, and the
    /// STOPPED reports this sync carried (so the agent may forget them).
    /// - Throws: `deregistered` when the instance is gone or was deregistered.
    /// - Parameter reported: the ARNs of the tasks the sync reported.
    /// - Parameter seal: opens the values of the `secrets` of the tasks still to be started, which
    ///   go to this node only; without it, those tasks' secrets are not sent.
    /// - Parameter routesVersion: the version of the task routes the agent holds; the routes come
    ///   only when theirs differs.
    /// - Parameter servesNames: whether the node answers Cloud Map names; one that does not is sent
    ///   none (building them for every sync of every such node cost half the controller's time).
    public func desiredState(
        for id: InstanceID,
        reported: [String],
        routesVersion: String? = nil,
        loadBalancerVersion: String? = nil,
        discoveryVersion: String? = nil,
        servesNames: Bool = true,
        seal: ValueSeal? = nil
    ) throws(AgentProtocolError) -> SyncResponse {
        guard let record = instances[id] else {
            throw AgentProtocolError(.deregistered, "container instance \(id) is gone")
        }
        guard record.status != .inactive else {
            throw AgentProtocolError(
                .deregistered,
                "container instance \(arn(of: record)) was deregistered; the agent must stop its tasks"
            )
        }
        let wanted = tasks.holding(id).sorted { $0.id < $1.id }.compactMap { task -> DesiredTask? in
            guard let definition = taskDefinitions[task.taskDefinition]?.definition else { return nil }
            return DesiredTask(
                taskArn: arn(of: task),
                // A task draining from its load balancers runs on until its targets have drained.
                desiredStatus: task.isDeactivating ? DesiredStatus.running.rawValue : task.desiredStatus.rawValue,
                taskDefinition: definition,
                overrides: task.overrides?.value ?? ECS.TaskOverride(containerOverrides: []),
                clusterArn: context.clusterARN(task.cluster),
                stoppedReason: task.stoppedReason,
                secrets: task.desiredStatus == .running && Self.startingStatuses.contains(task.lastStatus)
                    ? seal.flatMap { resolveSecrets(of: definition, seal: $0) } : nil,
                network: task.network.map {
                    TaskAddress(privateIPv4Address: $0.privateIPv4Address, subnet: $0.subnetCIDR)
                },
                launchType: task.launchType.rawValue
            )
        }
        let acknowledged = reported.filter { arn in
            guard let id = TaskID(arnSuffix: arn), let task = tasks[id] else { return true }
            return task.isStopped
        }
        // Every node's route, its own included (the agent leaves its own block out): one list and
        // one version for all, made only when the node's version is not the current one.
        let version = instances.routesVersion
        let routes =
            version == routesVersion
            ? nil
            : TaskRoutes(version: version, routes: instances.routes.map { TaskRoute(subnet: $0.subnet, via: $0.via) })
        let plan =
            isLoadBalancerNode(id) && loadBalancerVersion != loadBalancerPlanVersion ? loadBalancerPlan() : nil
        return SyncResponse(
            desiredVersion: desiredVersion(of: id),
            tasks: wanted,
            acknowledgedStopped: acknowledged,
            taskRoutes: routes,
            loadBalancerPlan: plan,
            discoveryNames: !servesNames || discoveryVersion == discoveryNamesVersion ? nil : discoveryNames()
        )
    }

    /// Marks instances whose agents have not synced since `cutoff` as disconnected.
    /// - Parameter lastSeen: when each agent was last heard of. An instance it does not list
    ///   registered after it was taken, and is left alone.
    public func disconnect(lastSeen: [InstanceID: Date], cutoff: Date) -> Outcome<[InstanceID]> {
        var changes: [StateChange] = []
        var lost: [InstanceID] = []
        for record in instances.all where record.agentConnected && record.hasAgent {
            if let seen = lastSeen[record.id], seen < cutoff {
                var disconnected = record
                disconnected.agentConnected = false
                changes.append(.putInstance(disconnected))
                lost.append(record.id)
            }
        }
        return Outcome(lost, changes)
    }
}
