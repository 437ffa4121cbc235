import Foundation
import WharfAuth
import WharfModel
import WharfScheduler
import WharfState

extension ClusterState {
    /// The tags a task RunTask or StartTask starts carries: the request's, the task definition's
    /// when `propagateTags` is TASK_DEFINITION, and ECS's managed tag with `enableECSManagedTags`.
    func launchTags(
        _ request: some TaskLaunchMembers,
        definition: TaskDefinitionRecord,
        cluster: String
    ) -> [Tag] {
        var tags = (request.tags ?? []).map(Tag.init)
        if request.propagateTags == "TASK_DEFINITION" {
            tags += definition.tags.filter { tag in !tags.contains { $0.key == tag.key } }
        }
        if request.enableECSManagedTags == true { tags.append(Tag(key: "aws:ecs:clusterName", value: cluster)) }
        return tags
    }

    /// RunTask: places `count` tasks by the strategies and constraints; what cannot be placed comes
    /// back in `failures` with ECS's reasons.
    /// - Parameter seed: seeds the placement's tiebreaks and the new tasks' IDs.
    public func runTask(
        _ request: ECS.RunTaskRequest,
        now: Date,
        seed: UInt64
    ) throws(ECSError) -> Outcome<ECS.RunTaskResponse> {
        let cluster = try activeCluster(request.cluster)
        let fingerprint = try Self.runTaskFingerprint(request)
        try TaskLaunchRules.check(request)
        if let token = request.clientToken, let earlier = runTaskTokens.record(cluster: cluster.name, token: token) {
            guard earlier.fingerprint == fingerprint else {
                throw ECSError(
                    .conflict,
                    "The clientToken \(token) was used by a RunTask with other parameters in cluster \(cluster.name); "
                        + "use a new token for a new request"
                )
            }
            // A retry: the tasks the first call started, as they are now.
            return Outcome(
                ECS.RunTaskResponse(
                    tasks: earlier.tasks.compactMap { tasks[$0] }.map { project($0) },
                    failures: earlier.failures.map { ECS.Failure(arn: $0.arn, reason: $0.reason) }
                )
            )
        }
        let count = request.count ?? 1
        let launch = try taskLaunch(
            request,
            reference: request.taskDefinition,
            cluster: cluster,
            launchType: request.launchType,
            // ECS's rule: neither a launch type nor a strategy takes the cluster's default strategy.
            capacityProviderStrategy: request.capacityProviderStrategy
                ?? (request.launchType == nil ? defaultStrategy(of: cluster) : nil),
            platformVersion: request.platformVersion,
            count: count
        )
        try TaskNetworkRules.checkPlacement(
            launchType: launch.launchType.rawValue,
            strategies: request.placementStrategy ?? [],
            constraints: request.placementConstraints ?? []
        )
        let definition = launch.definition
        let group = request.group ?? "family:\(definition.key.family)"
        var random = SeededRandom(seed: seed)
        let candidates = instances.candidates(inCluster: cluster.name)
        guard !candidates.isEmpty else {
            throw ECSError(
                .invalidParameter,
                "No Container Instances were found in your cluster.",
                hint: "start wharf-agent on a node with --cluster \(cluster.name)"
            )
        }
        let tags = launchTags(request, definition: definition, cluster: cluster.name)
        var leases = TaskAddressLeases()
        var created: [TaskRecord] = []
        var result = Placement.Result()
        for round in placementRounds(launch, count: count, candidates: candidates) {
            var placement = try Placement(
                strategies: request.placementStrategy ?? [],
                constraints: (request.placementConstraints ?? []) + launch.constraints,
                seed: random.next()
            )
            var placed = Placement.Result()
            if round.candidates.isEmpty, let provider = round.launch.capacityProvider {
                // A capacity provider whose group has no node in the cluster.
                placed.failures = [Placement.Failure(arn: capacityProviderArn(provider), reason: "RESOURCE:CPU")]
            } else {
                placed = placement.place(launch.demand, count: round.count, group: group, on: round.candidates)
            }
            result.failures += placed.failures
            for arn in placed.placements {
                guard let instance = InstanceID(arnSuffix: arn) else { continue }
                guard
                    let task = newTask(
                        round.launch,
                        cluster: cluster.name,
                        instance: instance,
                        overrides: request.overrides,
                        startedBy: request.startedBy,
                        group: group,
                        tags: tags,
                        now: now,
                        random: &random,
                        leases: &leases
                    )
                else {
                    // Its block has no address left: ECS's reason when an instance has no ENI left.
                    result.failures.append(Placement.Failure(arn: arn, reason: "RESOURCE:ENI"))
                    continue
                }
                created.append(task)
            }
        }
        let failures = result.failures.map { ECS.Failure(arn: $0.arn.isEmpty ? nil : $0.arn, reason: $0.reason) }
        var changes = created.map { StateChange.putTask($0) }
        if let token = request.clientToken {
            changes.append(
                .putRunTaskToken(
                    RunTaskToken(
                        cluster: cluster.name,
                        token: token,
                        fingerprint: fingerprint,
                        tasks: created.map(\.id),
                        failures: result.failures.map {
                            RunTaskFailure(arn: $0.arn.isEmpty ? nil : $0.arn, reason: $0.reason)
                        },
                        createdAt: now
                    )
                )
            )
        }
        return Outcome(ECS.RunTaskResponse(tasks: created.map { project($0) }, failures: failures), changes)
    }

    /// How a RunTask's tasks are placed: all at once on every node, or with a strategy of the
    /// account's own capacity providers, each provider's share on the nodes of its group.
    func placementRounds(
        _ launch: TaskLaunch,
        count: Int,
        candidates: [PlacementCandidate]
    ) -> [(launch: TaskLaunch, count: Int, candidates: [PlacementCandidate])] {
        guard !launch.providerStrategy.isEmpty else { return [(launch, count, candidates)] }
        let shares = CapacityProviderSplit.split(count, strategy: launch.providerStrategy)
        return launch.providerStrategy.compactMap { item in
            let share = shares.filter { $0 == item.capacityProvider }.count
            guard share > 0, let provider = capacityProviders[item.capacityProvider] else { return nil }
            var round = launch
            round.capacityProvider = provider.name
            let members = candidates.filter {
                $0.attributes[CapacityProviderRecord.nodeGroupAttribute] == provider.nodeGroup
            }
            return (round, share, members)
        }
    }

    /// A digest of a RunTask's members but its client token: a retry with the token must match it.
    /// - Throws: `InvalidParameterException` for a token ECS refuses (1 to 64 characters from `!` to
    ///   `~`).
    static func runTaskFingerprint(_ request: ECS.RunTaskRequest) throws(ECSError) -> String {
        if let token = request.clientToken {
            guard (1...64).contains(token.utf8.count), token.utf8.allSatisfy({ (33...126).contains($0) }) else {
                throw ECSError(
                    .invalidParameter,
                    "clientToken must be 1 to 64 characters in the ASCII range 33-126 (no spaces)"
                )
            }
        }
        var unsigned = request
        unsigned.clientToken = nil
        let encoder = ECSJSON.encoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(unsigned)) ?? Data()
        // The same lowercase hex as `String(format: "%02x")` per byte gave, at a twentieth of the cost.
        return SigV4.hexSHA256(data)
    }

    /// StartTask: one task on each named instance, when it fits there.
    public func startTask(
        _ request: ECS.StartTaskRequest,
        now: Date,
        seed: UInt64
    ) throws(ECSError) -> Outcome<ECS.StartTaskResponse> {
        let cluster = try activeCluster(request.cluster)
        try TaskLaunchRules.check(request)
        let references = request.containerInstances ?? []
        let launch = try taskLaunch(
            request,
            reference: request.taskDefinition,
            cluster: cluster,
            launchType: nil,
            count: max(references.count, 1)
        )
        let definition = launch.definition
        let demand = launch.demand
        let group = request.group ?? "family:\(definition.key.family)"
        var random = SeededRandom(seed: seed)
        let tags = launchTags(request, definition: definition, cluster: cluster.name)
        var created: [TaskRecord] = []
        var failures: [ECS.Failure] = []
        // The definition's own constraints (memberOf, runtimePlatform) hold on the named instances too.
        let constraints = try Placement(strategies: [], constraints: launch.constraints, seed: 0)
        var leases = TaskAddressLeases()
        for reference in references {
            guard let record = containerInstance(reference, cluster: cluster.name), record.status != .inactive,
                let candidate = instances.candidate(record.id)
            else {
                failures.append(ECS.Failure(arn: reference, reason: "MISSING"))
                continue
            }
            // Tasks this call already put on the instance take from it too.
            var view = candidate
            for _ in created.filter({ $0.instance == record.id }) { view.take(demand, group: group) }
            if let reason = view.misfitReason(demand)
                ?? (constraints.admits(view) ? nil : "MemberOf placement constraint unsatisfied.")
            {
                failures.append(ECS.Failure(arn: arn(of: record), reason: reason))
                continue
            }
            guard
                let task = newTask(
                    launch,
                    cluster: cluster.name,
                    instance: record.id,
                    overrides: request.overrides,
                    startedBy: request.startedBy,
                    group: group,
                    tags: tags,
                    now: now,
                    random: &random,
                    leases: &leases
                )
            else {
                failures.append(ECS.Failure(arn: arn(of: record), reason: "RESOURCE:ENI"))
                continue
            }
            created.append(task)
        }
        return Outcome(
            ECS.StartTaskResponse(tasks: created.map { project($0) }, failures: failures),
            created.map { .putTask($0) }
        )
    }

    /// StopTask: the task is wanted STOPPED; its agent stops it and reports.
    public func stopTask(_ request: ECS.StopTaskRequest, now: Date) throws(ECSError) -> Outcome<ECS.StopTaskResponse> {
        let cluster = try activeCluster(request.cluster)
        var task = try self.task(request.task, cluster: cluster.name)
        guard task.desiredStatus != .stopped else { return Outcome(ECS.StopTaskResponse(task: project(task))) }
        if let reason = request.reason, reason.count > 255 {
            throw ECSError(.invalidParameter, "reason is \(reason.count) characters; at most 255 are allowed")
        }
        task.desiredStatus = .stopped
        task.stoppingAt = now
        task.stopCode = task.stopCode ?? .userInitiated
        task.stoppedReason = request.reason ?? "Task stopped by user"
        task.version += 1
        return Outcome(ECS.StopTaskResponse(task: project(task)), [.putTask(task)])
    }

    /// Resolves a task ID or ARN within a cluster.
    func task(_ reference: String?, cluster: String) throws(ECSError) -> TaskRecord {
        guard let reference, !reference.isEmpty else {
            throw ECSError(.invalidParameter, "task is required: a task ID or ARN")
        }
        guard let id: TaskID = resourceID(reference, type: "task", cluster: cluster), let task = tasks[id],
            task.cluster == cluster
        else {
            throw ECSError(
                .invalidParameter,
                "The referenced task was not found.",
                hint: "no task \"\(reference)\" in cluster \"\(cluster)\""
            )
        }
        return task
    }

    /// DescribeTasks: up to 100 tasks by ID or ARN; unknown ones come back as MISSING failures.
    public func describeTasks(_ request: ECS.DescribeTasksRequest) throws(ECSError) -> ECS.DescribeTasksResponse {
        let cluster = try activeCluster(request.cluster)
        let references = request.tasks ?? []
        guard (1...100).contains(references.count) else {
            throw ECSError(.invalidParameter, "tasks names \(references.count) tasks; give 1 to 100")
        }
        let includeTags = (request.include ?? []).contains("TAGS")
        var found: [ECS.Task] = []
        var failures: [ECS.Failure] = []
        for reference in references {
            if let task = try? self.task(reference, cluster: cluster.name) {
                found.append(project(task, includeTags: includeTags))
            } else {
                failures.append(ECS.Failure(arn: reference, reason: "MISSING"))
            }
        }
        return ECS.DescribeTasksResponse(tasks: found, failures: failures)
    }

    /// ListTasks: by family, startedBy, service, container instance, launch type and desired status.
    public func listTasks(_ request: ECS.ListTasksRequest) throws(ECSError) -> ECS.ListTasksResponse {
        let cluster = try activeCluster(request.cluster)
        let name = cluster.name
        let size = try PageToken.pageSize(request.maxResults, limit: 100)
        var instance: InstanceID?
        if let reference = request.containerInstance {
            guard let record = containerInstance(reference, cluster: name) else {
                throw ECSError(
                    .invalidParameter,
                    "containerInstance \"\(reference)\" is not registered in cluster \"\(name)\""
                )
            }
            instance = record.id
        }
        // As in ECS, PENDING is accepted but no task is ever desired PENDING, so it lists nothing.
        let desired = request.desiredStatus ?? "RUNNING"
        // The narrowest index first: a service's group, else the cluster's tasks.
        let candidates =
            request.serviceName.map { tasks.ids(in: GroupKey(cluster: name, group: "service:\($0)")) }
            ?? tasks.ids(inCluster: name)
        // Matching IDs go straight into an array (`Set.filter` would hash each into a new set).
        var ids: [TaskID] = []
        // No task belongs to a daemon (CreateDaemon is not served), so a daemonName lists nothing.
        if let wanted = DesiredStatus(rawValue: desired), request.daemonName == nil {
            ids.reserveCapacity(candidates.count)
            for id in candidates
            where tasks.contains(id, where: { task in
                task.desiredStatus == wanted
                    && (instance.map { task.instance == $0 } ?? true)
                    && (request.family.map { task.taskDefinition.family == $0 } ?? true)
                    && (request.startedBy.map { task.startedBy == $0 } ?? true)
                    && (request.launchType.map { task.launchType.rawValue == $0 } ?? true)
            }) {
                ids.append(id)
            }
            ids.sort()
        }
        let scope = PageToken.scope(
            "tasks", name, desired, instance.map { String(describing: $0) }, request.family, request.startedBy,
            request.serviceName, request.launchType, request.daemonName
        )
        let page = try PageToken.page(ids, key: \.description, size: size, after: request.nextToken, scope: scope)
        return ECS.ListTasksResponse(
            taskArns: taskARNs(cluster: name, page.items),
            nextToken: page.nextToken
        )
    }
}
