import Foundation
import WharfModel
import WharfProtocol

extension ClusterState {
    /// `register`: a node joins, or rejoins with its saved identity (same ARN, same credential).
    /// - Parameters:
    ///   - credential: a fresh credential for a new identity (ignored when rejoining).
    ///   - credentialHash: hashes a credential (or an activation code) for comparison and storage.
    ///   - openRegistration: whether a new node may join without an activation.
    public func registerAgent(_ request: RegisterRequest, credential: String, credentialHash: (String) -> String,
                              openRegistration: Bool = false, longPollSeconds: Int, now: Date) throws(AgentProtocolError) -> Outcome<RegisterResponse> {
        let clusterName: String
        let cluster: ECS.Cluster
        do {
            clusterName = try self.clusterName(request.cluster)
            cluster = try activeCluster(clusterName)
        } catch {
            throw AgentProtocolError(.clusterNotFound, "cluster \"\(request.cluster)\" does not exist; create it with `aws ecs create-cluster --cluster-name \(request.cluster)` or start the agent with --cluster default")
        }
        do {
            try AttributeRules.check(request.attributes.map { ECS.Attribute(name: $0.name, value: $0.value) })
        } catch {
            throw AgentProtocolError(.invalidRequest, error.message)
        }
        guard request.resources.cpu > 0, request.resources.memoryMiB > 0 else {
            throw AgentProtocolError(.invalidRequest, "resources must offer some CPU and memory (cpu \(request.resources.cpu), memoryMiB \(request.resources.memoryMiB))")
        }
        var record: ContainerInstanceRecord
        var issued = credential
        var changes: [StateChange] = []
        if let arn = request.containerInstanceArn, let existing = containerInstances[arn] {
            guard let given = request.credential, credentialHash(given) == existing.credentialHash, !existing.credentialHash.isEmpty else {
                throw AgentProtocolError(.unauthorized, "the credential does not match container instance \(arn)")
            }
            guard existing.instance.status != "INACTIVE" else {
                throw AgentProtocolError(.deregistered, "container instance \(arn) was deregistered; remove the agent's data directory to join again as a new instance")
            }
            guard existing.cluster == clusterName else {
                throw AgentProtocolError(.invalidRequest, "container instance \(arn) belongs to cluster \"\(existing.cluster)\", not \"\(clusterName)\"")
            }
            record = existing
            issued = given
        } else {
            var activation: String?
            if let activationId = request.activationId {
                let redeemed = try redeem(activation: activationId, code: request.activationCode ?? "", codeHash: credentialHash, now: now)
                changes.append(.putActivation(redeemed))
                activation = activationId
            } else if !openRegistration {
                throw AgentProtocolError(.activationRefused, "this controller joins new nodes with an activation: create one with `aws ssm create-activation --iam-role ecsAnywhereRole --registration-limit 1 --endpoint-url URL` (or `wharf activation create`) and start the agent with --activation-id and --activation-code")
            }
            let id = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            record = ContainerInstanceRecord(
                instance: ECS.ContainerInstance(containerInstanceArn: context.ecsARN("container-instance", "\(clusterName)/\(id)").description,
                                                ec2InstanceId: request.hostname, status: "ACTIVE", agentUpdateStatus: nil, registeredAt: now),
                cluster: clusterName, credentialHash: credentialHash(credential), desiredVersion: 1, activationId: activation)
        }
        let custom = (record.instance.attributes ?? []).filter { attribute in
            !(attribute.name ?? "").hasPrefix("ecs.") && !request.attributes.contains { $0.name == attribute.name }
        }
        // Every node a Wharf agent runs is an external instance in ECS Anywhere's terms.
        record.instance.attributes = request.attributes.filter { $0.name != "ecs.capability.external" }.map { ECS.Attribute(name: $0.name, value: $0.value) }
            + [ECS.Attribute(name: "ecs.capability.external")] + custom
        record.instance.registeredResources = Self.resources(request.resources)
        record.instance.versionInfo = request.versionInfo
        record.instance.agentConnected = true
        return Outcome(RegisterResponse(containerInstanceArn: record.arn, credential: issued, clusterArn: cluster.clusterArn ?? "",
                                        longPollSeconds: longPollSeconds), changes + [.putContainerInstance(record)])
    }

    static func resources(_ resources: NodeResources) -> [ECS.Resource] {
        [
            ECS.Resource(name: "CPU", type: "INTEGER", doubleValue: 0, longValue: 0, integerValue: resources.cpu),
            ECS.Resource(name: "MEMORY", type: "INTEGER", doubleValue: 0, longValue: 0, integerValue: resources.memoryMiB),
            ECS.Resource(name: "PORTS", type: "STRINGSET", doubleValue: 0, longValue: 0, integerValue: 0,
                         stringSetValue: resources.reservedTCPPorts.sorted().map(String.init)),
            ECS.Resource(name: "PORTS_UDP", type: "STRINGSET", doubleValue: 0, longValue: 0, integerValue: 0,
                         stringSetValue: resources.reservedUDPPorts.sorted().map(String.init)),
        ]
    }

    /// Checks a sync's identity and version.
    public func authenticate(_ request: SyncRequest, credentialHash: (String) -> String) throws(AgentProtocolError) -> ContainerInstanceRecord {
        try authenticateAgent(arn: request.containerInstanceArn, credential: request.credential, credentialHash: credentialHash)
    }

    /// The container instance `arn` names, when `credential` is the one issued to it and it is
    /// still registered.
    public func authenticateAgent(arn: String, credential: String, credentialHash: (String) -> String) throws(AgentProtocolError)
        -> ContainerInstanceRecord
    {
        guard let record = containerInstances[arn], !record.credentialHash.isEmpty,
              credentialHash(credential) == record.credentialHash else {
            throw AgentProtocolError(.unauthorized, "unknown container instance or wrong credential; register again")
        }
        guard record.instance.status != "INACTIVE" else {
            throw AgentProtocolError(.deregistered, "container instance \(record.arn) was deregistered; the agent must stop its tasks")
        }
        return record
    }

    /// Records what a sync reports: each task's and container's status, exit codes, bindings and
    /// times. Only real changes are written. The instance is marked connected.
    public func recordSync(_ request: SyncRequest, record: ContainerInstanceRecord, now: Date) -> Outcome<Void> {
        var changes: [StateChange] = []
        if record.instance.agentConnected != true {
            var connected = record
            connected.instance.agentConnected = true
            changes.append(.putContainerInstance(connected))
        }
        for report in request.tasks {
            guard let task = tasks[report.taskArn], task.containerInstanceArn == record.arn else { continue }
            let updated = Self.merge(report, into: task, now: now)
            if updated != task { changes.append(.putTask(updated)) }
        }
        return Outcome((), changes)
    }

    /// A task with what an agent reported about it.
    static func merge(_ report: TaskReport, into task: ECS.Task, now: Date) -> ECS.Task {
        guard task.lastStatus != "STOPPED" else { return task }
        var updated = task
        updated.lastStatus = report.lastStatus
        updated.pullStartedAt = report.pullStartedAt.map(Date.init(timeIntervalSince1970:)) ?? task.pullStartedAt
        updated.pullStoppedAt = report.pullStoppedAt.map(Date.init(timeIntervalSince1970:)) ?? task.pullStoppedAt
        updated.startedAt = report.startedAt.map(Date.init(timeIntervalSince1970:)) ?? task.startedAt
        updated.executionStoppedAt = report.executionStoppedAt.map(Date.init(timeIntervalSince1970:)) ?? task.executionStoppedAt
        updated.healthStatus = report.healthStatus ?? task.healthStatus
        updated.containers = (task.containers ?? []).map { container in
            guard let seen = report.containers.first(where: { $0.name == container.name }) else { return container }
            var container = container
            container.runtimeId = seen.runtimeId ?? container.runtimeId
            container.lastStatus = seen.lastStatus
            container.exitCode = seen.exitCode ?? container.exitCode
            container.reason = seen.reason ?? container.reason
            container.networkBindings = seen.networkBindings
            container.healthStatus = seen.healthStatus ?? container.healthStatus
            return container
        }
        if report.lastStatus == "STOPPED" {
            updated.desiredStatus = "STOPPED"
            updated.stoppedAt = now
            updated.stoppingAt = task.stoppingAt ?? now
            updated.stopCode = task.stopCode ?? report.stopCode
            updated.stoppedReason = task.stoppedReason ?? report.stoppedReason
        }
        if updated != task { updated.version = (task.version ?? 0) + 1 }
        return updated
    }

    /// The node's desired state: every task placed on it that is not yet recorded STOPPED, and the
    /// STOPPED reports this sync carried (so the agent may forget them).
    public func desiredState(for record: ContainerInstanceRecord, reported: [TaskReport]) -> SyncResponse {
        let wanted = activeTasks(on: record.arn)
            .sorted { ($0.taskArn ?? "") < ($1.taskArn ?? "") }
            .compactMap { task -> DesiredTask? in
                guard let definition = taskDefinitions[task.taskDefinitionArn ?? ""]?.definition else { return nil }
                return DesiredTask(taskArn: task.taskArn ?? "", desiredStatus: task.desiredStatus ?? "RUNNING", taskDefinition: definition,
                                   overrides: task.overrides, clusterArn: task.clusterArn ?? "", stoppedReason: task.stoppedReason)
            }
        let acknowledged = reported.filter { tasks[$0.taskArn]?.lastStatus == "STOPPED" || tasks[$0.taskArn] == nil }.map(\.taskArn)
        return SyncResponse(desiredVersion: record.desiredVersion, tasks: wanted, acknowledgedStopped: acknowledged)
    }

    /// Marks instances whose agents have not synced since `cutoff` as disconnected.
    public func disconnect(lastSeen: [String: Date], cutoff: Date) -> Outcome<[String]> {
        var changes: [StateChange] = []
        var lost: [String] = []
        for record in containerInstances.values where record.instance.agentConnected == true && !record.credentialHash.isEmpty {
            if (lastSeen[record.arn] ?? .distantPast) < cutoff {
                var disconnected = record
                disconnected.instance.agentConnected = false
                changes.append(.putContainerInstance(disconnected))
                lost.append(record.arn)
            }
        }
        return Outcome(lost, changes)
    }
}
