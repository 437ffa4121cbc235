import Foundation
import WharfModel
import WharfScheduler

extension ClusterState {
    /// The cluster's instances as placement sees them.
    func placementCandidates(cluster: String) -> [PlacementCandidate] {
        (instanceArnsByCluster[cluster] ?? []).compactMap { arn in candidates[arn] }.filter { $0.status != "INACTIVE" }
    }

    /// One instance as placement (and the cluster query language) sees it.
    func placementCandidate(_ record: ContainerInstanceRecord) -> PlacementCandidate {
        let active = activeTasks(on: record.arn)
        let remaining = remainingResources(record, tasks: active)
        func integer(_ name: String) -> Int { remaining.first { $0.name == name }?.integerValue ?? 0 }
        func ports(_ name: String, _ transport: String) -> [TaskDemand.HostPort] {
            (remaining.first { $0.name == name }?.stringSetValue ?? []).compactMap { Int($0) }.map { TaskDemand.HostPort(port: $0, transport: transport) }
        }
        var groups: [String: Int] = [:]
        for task in active { groups[task.group ?? "", default: 0] += 1 }
        return PlacementCandidate(
            arn: record.arn, status: record.instance.status ?? "", agentConnected: record.instance.agentConnected ?? false,
            remainingCPU: integer("CPU"), remainingMemoryMiB: integer("MEMORY"),
            usedPorts: Set(ports("PORTS", "tcp") + ports("PORTS_UDP", "udp")),
            attributes: Dictionary((record.instance.attributes ?? []).map { ($0.name ?? "", $0.value ?? "") }, uniquingKeysWith: { a, _ in a }),
            tasksByGroup: groups, taskCount: active.count, agentVersion: record.instance.versionInfo?.agentVersion,
            ec2InstanceId: record.instance.ec2InstanceId, registeredAt: record.instance.registeredAt?.timeIntervalSince1970)
    }

    /// A new task on `instance`, PROVISIONING and wanted RUNNING.
    func newTask(_ definition: ECS.TaskDefinition, cluster: ECS.Cluster, instance: String, overrides: ECS.TaskOverride?,
                 startedBy: String?, group: String, tags: [ECS.Tag], launchType: String, now: Date) -> ECS.Task {
        let id = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let arn = context.ecsARN("task", "\(cluster.clusterName ?? "")/\(id)").description
        let containers = (definition.containerDefinitions ?? []).map { container in
            ECS.Container(containerArn: context.ecsARN("container", "\(cluster.clusterName ?? "")/\(id)/\(UUID().uuidString.lowercased())").description,
                          taskArn: arn, name: container.name, image: container.image, lastStatus: "PENDING",
                          networkBindings: [], cpu: String(container.cpu ?? 0),
                          memory: container.memory.map(String.init), memoryReservation: container.memoryReservation.map(String.init))
        }
        return ECS.Task(
            attributes: [], clusterArn: cluster.clusterArn, connectivity: "CONNECTED", connectivityAt: now, containerInstanceArn: instance,
            containers: containers, cpu: overrides?.cpu ?? definition.cpu, createdAt: now, desiredStatus: "RUNNING",
            enableExecuteCommand: false, group: group, healthStatus: "UNKNOWN", lastStatus: "PROVISIONING", launchType: launchType,
            memory: overrides?.memory ?? definition.memory, overrides: overrides ?? ECS.TaskOverride(containerOverrides: []),
            startedBy: startedBy, tags: tags, taskArn: arn, taskDefinitionArn: definition.taskDefinitionArn, version: 1)
    }

    /// What RunTask and StartTask share: the definition, its demand, and the checks on both.
    func taskLaunch(_ reference: String?, overrides: ECS.TaskOverride?, launchType: String?, tags: [ECS.Tag],
                    count: Int) throws(ECSError) -> (ECS.TaskDefinition, TaskDemand, String) {
        let definition = try taskDefinition(reference).definition
        guard definition.status == "ACTIVE" else {
            throw ECSError(.client, "task definition \(definition.taskDefinitionArn ?? "") is \(definition.status ?? ""); register a new revision to run it")
        }
        let launch = launchType ?? "EC2"
        guard launch == "EC2" || launch == "EXTERNAL" else {
            throw ECSError(.invalidParameter, "launchType \(launch) is not available: Wharf runs tasks on its own container instances; use EC2 or EXTERNAL")
        }
        guard (definition.compatibilities ?? []).contains(launch) else {
            throw ECSError(.invalidParameter, "task definition \(definition.taskDefinitionArn ?? "") does not support launch type \(launch) (it supports \((definition.compatibilities ?? []).joined(separator: ", ")))")
        }
        guard (1...10).contains(count) else { throw ECSError(.invalidParameter, "count \(count) is outside 1...10") }
        for override in overrides?.containerOverrides ?? [] where !(definition.containerDefinitions ?? []).contains(where: { $0.name == override.name }) {
            throw ECSError(.invalidParameter, "overrides: container \"\(override.name ?? "")\" is not in task definition \(definition.taskDefinitionArn ?? "")")
        }
        try TagRules.check(tags)
        return (definition, try TaskDemand.of(definition, overrides: overrides), launch)
    }

    /// RunTask: places `count` tasks by the strategies and constraints; what cannot be placed comes
    /// back in `failures` with ECS's reasons.
    public func runTask(_ request: ECS.RunTaskRequest, now: Date, seed: UInt64) throws(ECSError) -> Outcome<ECS.RunTaskResponse> {
        let cluster = try activeCluster(request.cluster)
        let count = request.count ?? 1
        let (definition, demand, launch) = try taskLaunch(request.taskDefinition, overrides: request.overrides,
                                                          launchType: request.launchType, tags: request.tags ?? [], count: count)
        let group = request.group ?? "family:\(definition.family ?? "")"
        var placement = try Placement(strategies: request.placementStrategy ?? [],
                                      constraints: (request.placementConstraints ?? []) + Self.placementConstraints(of: definition)
                                          + Self.launchTypeConstraints(launch), seed: seed)
        let candidates = placementCandidates(cluster: cluster.clusterName ?? "")
        guard !candidates.isEmpty else {
            throw ECSError(.invalidParameter, "No Container Instances were found in your cluster. Start wharf-agent on a node with --cluster \(cluster.clusterName ?? "")")
        }
        let result = placement.place(demand, count: count, group: group, on: candidates)
        var created: [ECS.Task] = []
        var instances: [String: ContainerInstanceRecord] = [:]
        for arn in result.placements {
            created.append(newTask(definition, cluster: cluster, instance: arn, overrides: request.overrides, startedBy: request.startedBy,
                                   group: group, tags: request.tags ?? [], launchType: launch, now: now))
            instances[arn] = instances[arn] ?? containerInstances[arn]
            instances[arn]?.desiredVersion += 1
        }
        let failures = result.failures.map { ECS.Failure(arn: $0.arn.isEmpty ? nil : $0.arn, reason: $0.reason) }
        let changes = created.map { StateChange.putTask($0) } + instances.values.map { .putContainerInstance($0) }
        return Outcome(ECS.RunTaskResponse(tasks: created, failures: failures), changes)
    }

    /// StartTask: one task on each named instance, when it fits there.
    public func startTask(_ request: ECS.StartTaskRequest, now: Date) throws(ECSError) -> Outcome<ECS.StartTaskResponse> {
        let cluster = try activeCluster(request.cluster)
        let name = cluster.clusterName ?? ""
        let references = request.containerInstances ?? []
        let (definition, demand, launch) = try taskLaunch(request.taskDefinition, overrides: request.overrides, launchType: nil,
                                                          tags: request.tags ?? [], count: max(references.count, 1))
        let group = request.group ?? "family:\(definition.family ?? "")"
        let candidates = Dictionary(placementCandidates(cluster: name).map { ($0.arn, $0) }, uniquingKeysWith: { a, _ in a })
        var created: [ECS.Task] = []
        var failures: [ECS.Failure] = []
        var changes: [StateChange] = []
        for reference in references {
            guard var record = containerInstance(reference, cluster: name), let candidate = candidates[record.arn] else {
                failures.append(ECS.Failure(arn: reference, reason: "MISSING"))
                continue
            }
            if let reason = candidate.misfitReason(demand) {
                failures.append(ECS.Failure(arn: record.arn, reason: reason))
                continue
            }
            let task = newTask(definition, cluster: cluster, instance: record.arn, overrides: request.overrides,
                               startedBy: request.startedBy, group: group, tags: request.tags ?? [], launchType: launch, now: now)
            created.append(task)
            record.desiredVersion += 1
            changes += [.putTask(task), .putContainerInstance(record)]
        }
        return Outcome(ECS.StartTaskResponse(tasks: created, failures: failures), changes)
    }

    /// StopTask: the task is wanted STOPPED; its agent stops it and reports.
    public func stopTask(_ request: ECS.StopTaskRequest, now: Date) throws(ECSError) -> Outcome<ECS.StopTaskResponse> {
        let cluster = try activeCluster(request.cluster)
        var task = try self.task(request.task, cluster: cluster)
        guard task.desiredStatus != "STOPPED" else { return Outcome(ECS.StopTaskResponse(task: task)) }
        if let reason = request.reason, reason.count > 255 {
            throw ECSError(.invalidParameter, "reason is \(reason.count) characters; at most 255 are allowed")
        }
        task.desiredStatus = "STOPPED"
        task.stoppingAt = now
        task.stopCode = task.stopCode ?? "UserInitiated"
        task.stoppedReason = request.reason ?? "Task stopped by user"
        task.version = (task.version ?? 0) + 1
        var changes: [StateChange] = [.putTask(task)]
        if var record = containerInstances[task.containerInstanceArn ?? ""] {
            record.desiredVersion += 1
            changes.append(.putContainerInstance(record))
        }
        return Outcome(ECS.StopTaskResponse(task: task), changes)
    }

    /// Resolves a task ID or ARN within a cluster.
    func task(_ reference: String?, cluster: ECS.Cluster) throws(ECSError) -> ECS.Task {
        guard let reference, !reference.isEmpty else { throw ECSError(.invalidParameter, "task is required: a task ID or ARN") }
        let arn = reference.hasPrefix("arn:") ? reference : context.ecsARN("task", "\(cluster.clusterName ?? "")/\(reference)").description
        guard let task = tasks[arn], task.clusterArn == cluster.clusterArn else {
            throw ECSError(.invalidParameter, "task \"\(reference)\" not found in cluster \"\(cluster.clusterName ?? "")\"")
        }
        return task
    }

    /// DescribeTasks: up to 100 tasks by ID or ARN; unknown ones come back as MISSING failures.
    public func describeTasks(_ request: ECS.DescribeTasksRequest) throws(ECSError) -> ECS.DescribeTasksResponse {
        let cluster = try activeCluster(request.cluster)
        let references = request.tasks ?? []
        guard (1...100).contains(references.count) else { throw ECSError(.invalidParameter, "tasks names \(references.count) tasks; give 1 to 100") }
        let includeTags = (request.include ?? []).contains("TAGS")
        var found: [ECS.Task] = []
        var failures: [ECS.Failure] = []
        for reference in references {
            if var task = try? self.task(reference, cluster: cluster) {
                if !includeTags { task.tags = nil }
                found.append(task)
            } else {
                failures.append(ECS.Failure(arn: reference, reason: "MISSING"))
            }
        }
        return ECS.DescribeTasksResponse(tasks: found, failures: failures)
    }

    /// ListTasks: by family, startedBy, service, container instance, launch type and desired status.
    public func listTasks(_ request: ECS.ListTasksRequest) throws(ECSError) -> ECS.ListTasksResponse {
        let cluster = try activeCluster(request.cluster)
        let size = try PageToken.pageSize(request.maxResults, limit: 100)
        var instance: String?
        if let reference = request.containerInstance {
            guard let record = containerInstance(reference, cluster: cluster.clusterName ?? "") else {
                throw ECSError(.invalidParameter, "containerInstance \"\(reference)\" is not registered in cluster \"\(cluster.clusterName ?? "")\"")
            }
            instance = record.arn
        }
        // As in ECS, PENDING is accepted but no task is ever desired PENDING, so it lists nothing.
        let desired = request.desiredStatus ?? "RUNNING"
        let arns = tasks.values.filter { task in
            task.clusterArn == cluster.clusterArn
                && task.desiredStatus == desired
                && (instance.map { task.containerInstanceArn == $0 } ?? true)
                && (request.family.map { family in task.taskDefinitionArn?.contains("task-definition/\(family):") == true } ?? true)
                && (request.startedBy.map { task.startedBy == $0 } ?? true)
                && (request.serviceName.map { task.group == "service:\($0)" } ?? true)
                && (request.launchType.map { task.launchType == $0 } ?? true)
        }.compactMap(\.taskArn).sorted()
        let scope = "tasks/\(cluster.clusterName ?? "")/\(desired)/\(instance ?? "")/\(request.family ?? "")/\(request.startedBy ?? "")/\(request.serviceName ?? "")"
        let page = try PageToken.page(arns, key: { $0 }, size: size, after: request.nextToken, scope: scope)
        return ECS.ListTasksResponse(taskArns: page.items, nextToken: page.nextToken)
    }
}
