import Foundation
import WharfModel
import WharfScheduler

extension ClusterState {
    /// Resolves a container instance ID or ARN within a cluster.
    func containerInstance(_ reference: String, cluster: String) -> ContainerInstanceRecord? {
        if reference.hasPrefix("arn:") {
            guard let record = containerInstances[reference], record.cluster == cluster else { return nil }
            return record
        }
        let arn = context.ecsARN("container-instance", "\(cluster)/\(reference)").description
        return containerInstances[arn]
    }

    /// The tasks on an instance that still hold resources (not yet STOPPED).
    func activeTasks(on instance: String) -> [ECS.Task] {
        (activeTaskArns[instance] ?? []).compactMap { tasks[$0] }
    }

    /// A container instance as DescribeContainerInstances shows it.
    func present(_ record: ContainerInstanceRecord, includeTags: Bool = true) -> ECS.ContainerInstance {
        var instance = record.instance
        let active = activeTasks(on: record.arn)
        instance.runningTasksCount = active.filter { $0.lastStatus == "RUNNING" }.count
        instance.pendingTasksCount = active.count - (instance.runningTasksCount ?? 0)
        instance.remainingResources = remainingResources(record, tasks: active)
        instance.version = record.desiredVersion
        if !includeTags { instance.tags = nil }
        return instance
    }

    func remainingResources(_ record: ContainerInstanceRecord, tasks active: [ECS.Task]) -> [ECS.Resource] {
        let demands = active.compactMap { self.demands[$0.taskArn ?? ""] }
        return (record.instance.registeredResources ?? []).map { resource in
            var remaining = resource
            switch resource.name {
            case "CPU": remaining.integerValue = (resource.integerValue ?? 0) - demands.reduce(0) { $0 + $1.cpu }
            case "MEMORY": remaining.integerValue = (resource.integerValue ?? 0) - demands.reduce(0) { $0 + $1.memoryMiB }
            case "PORTS", "PORTS_UDP":
                let transport = resource.name == "PORTS" ? "tcp" : "udp"
                let taken = demands.flatMap(\.hostPorts).filter { $0.transport == transport }.map { String($0.port) }
                remaining.stringSetValue = Array(Set((resource.stringSetValue ?? []) + taken)).sorted { Int($0) ?? 0 < Int($1) ?? 0 }
            default: break
            }
            return remaining
        }
    }

    /// RegisterContainerInstance, for API completeness: records an instance with the resources and
    /// attributes given. No agent can sync as it (agents join through the agent protocol).
    public func registerContainerInstance(_ request: ECS.RegisterContainerInstanceRequest, now: Date) throws(ECSError) -> Outcome<ECS.RegisterContainerInstanceResponse> {
        let cluster = try activeCluster(request.cluster)
        let name = cluster.clusterName ?? ""
        try AttributeRules.check(request.attributes ?? [])
        try TagRules.check(request.tags ?? [])
        var record: ContainerInstanceRecord
        if let arn = request.containerInstanceArn, let existing = containerInstance(arn, cluster: name) {
            record = existing
        } else {
            let id = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            record = ContainerInstanceRecord(
                instance: ECS.ContainerInstance(containerInstanceArn: context.ecsARN("container-instance", "\(name)/\(id)").description,
                                                ec2InstanceId: id, status: "ACTIVE", agentConnected: false, registeredAt: now),
                cluster: name, credentialHash: "", desiredVersion: 1)
        }
        record.instance.registeredResources = request.totalResources ?? record.instance.registeredResources ?? []
        record.instance.versionInfo = request.versionInfo ?? record.instance.versionInfo
        record.instance.attributes = request.attributes ?? record.instance.attributes ?? []
        record.instance.tags = request.tags ?? record.instance.tags ?? []
        return Outcome(ECS.RegisterContainerInstanceResponse(containerInstance: present(record)), [.putContainerInstance(record)])
    }

    /// DescribeContainerInstances: by ID or ARN; unknown ones come back as MISSING failures.
    public func describeContainerInstances(_ request: ECS.DescribeContainerInstancesRequest) throws(ECSError) -> ECS.DescribeContainerInstancesResponse {
        let name = try activeCluster(request.cluster).clusterName ?? ""
        let references = request.containerInstances ?? []
        guard (1...100).contains(references.count) else {
            throw ECSError(.invalidParameter, "containerInstances names \(references.count) instances; give 1 to 100")
        }
        let includeTags = (request.include ?? []).contains("TAGS")
        var found: [ECS.ContainerInstance] = []
        var failures: [ECS.Failure] = []
        for reference in references {
            if let record = containerInstance(reference, cluster: name) {
                found.append(present(record, includeTags: includeTags))
            } else {
                failures.append(ECS.Failure(arn: reference, reason: "MISSING"))
            }
        }
        return ECS.DescribeContainerInstancesResponse(containerInstances: found, failures: failures)
    }

    /// ListContainerInstances: by status (default: every status but INACTIVE) and a filter in the
    /// cluster query language, a page at a time.
    public func listContainerInstances(_ request: ECS.ListContainerInstancesRequest) throws(ECSError) -> ECS.ListContainerInstancesResponse {
        let name = try activeCluster(request.cluster).clusterName ?? ""
        let size = try PageToken.pageSize(request.maxResults, limit: 100)
        let filter = try request.filter.map { (text) throws(ECSError) in
            let query = try ClusterQuery(parsing: text)
            try query.check()
            return query
        }
        let arns = containerInstances.values.filter { record in
            record.cluster == name
                && (request.status.map { record.instance.status == $0 } ?? (record.instance.status != "INACTIVE"))
                && (filter.map { $0.matches(placementCandidate(record).queryTarget) } ?? true)
        }.map(\.arn).sorted()
        let page = try PageToken.page(arns, key: { $0 }, size: size, after: request.nextToken,
                                      scope: "instances/\(name)/\(request.status ?? "")/\(request.filter ?? "")")
        return ECS.ListContainerInstancesResponse(containerInstanceArns: page.items, nextToken: page.nextToken)
    }

    /// DeregisterContainerInstance: refused while tasks run unless forced; forced, its tasks are
    /// recorded as stopped (the agent is told it was deregistered and stops them).
    public func deregisterContainerInstance(_ request: ECS.DeregisterContainerInstanceRequest, now: Date) throws(ECSError) -> Outcome<ECS.DeregisterContainerInstanceResponse> {
        let name = try activeCluster(request.cluster).clusterName ?? ""
        guard let reference = request.containerInstance, var record = containerInstance(reference, cluster: name),
              record.instance.status != "INACTIVE" else {
            throw ECSError(.invalidParameter, "container instance \"\(request.containerInstance ?? "")\" is not registered in cluster \"\(name)\"")
        }
        let active = activeTasks(on: record.arn)
        if !active.isEmpty, request.force != true {
            throw ECSError(.invalidParameter, "container instance \(record.arn) still has \(active.count) task(s); stop them first or deregister with force")
        }
        var changes: [StateChange] = []
        for var task in active {
            task.desiredStatus = "STOPPED"
            task.lastStatus = "STOPPED"
            task.stopCode = "UserInitiated"
            task.stoppedReason = "Container instance deregistration forced by user"
            task.stoppingAt = task.stoppingAt ?? now
            task.stoppedAt = now
            task.version = (task.version ?? 0) + 1
            changes.append(.putTask(task))
        }
        record.instance.status = "INACTIVE"
        record.instance.agentConnected = false
        record.desiredVersion += 1
        changes.append(.putContainerInstance(record))
        return Outcome(ECS.DeregisterContainerInstanceResponse(containerInstance: present(record)), changes)
    }

    /// UpdateContainerInstancesState: ACTIVE or DRAINING (a DRAINING instance takes no new tasks).
    public func updateContainerInstancesState(_ request: ECS.UpdateContainerInstancesStateRequest) throws(ECSError) -> Outcome<ECS.UpdateContainerInstancesStateResponse> {
        let name = try activeCluster(request.cluster).clusterName ?? ""
        guard let status = request.status, ["ACTIVE", "DRAINING"].contains(status) else {
            throw ECSError(.invalidParameter, "status \"\(request.status ?? "")\" is not valid here; use ACTIVE or DRAINING")
        }
        var updated: [ECS.ContainerInstance] = []
        var failures: [ECS.Failure] = []
        var changes: [StateChange] = []
        for reference in request.containerInstances ?? [] {
            guard var record = containerInstance(reference, cluster: name), record.instance.status != "INACTIVE" else {
                failures.append(ECS.Failure(arn: reference, reason: "MISSING"))
                continue
            }
            if record.instance.status != status {
                record.instance.status = status
                changes.append(.putContainerInstance(record))
            }
            updated.append(present(record))
        }
        return Outcome(ECS.UpdateContainerInstancesStateResponse(containerInstances: updated, failures: failures), changes)
    }
}
