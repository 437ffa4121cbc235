import Foundation
import WharfModel
import WharfProtocol
import WharfScheduler
import WharfState

extension ClusterState {
    /// Resolves a container instance ID or ARN within a cluster.
    func containerInstance(_ reference: String, cluster: String) -> InstanceRecord? {
        guard let id: InstanceID = resourceID(reference, type: "container-instance", cluster: cluster),
            let record = instances[id], record.cluster == cluster
        else { return nil }
        return record
    }

    /// The ID a reference names, given as the ID or as the ARN `…:<type>/<cluster>/<id>` of this
    /// controller; nil for anything else.
    func resourceID<Kind>(_ reference: String, type: String, cluster: String) -> ResourceID<Kind>? {
        guard reference.hasPrefix("arn:") else { return ResourceID(reference) }
        guard let arn = ARN(parsing: reference), arn.resourceType == type, context.owns(arn),
            arn.resourceID.hasPrefix(cluster + "/")
        else { return nil }
        return ResourceID(arn.resourceID.dropFirst(cluster.count + 1))
    }

    /// RegisterContainerInstance, for API completeness: records an instance with the resources and
    /// attributes given. No agent can sync as it (agents join through the agent protocol).
    /// - Parameter seed: seeds the new instance's ID.
    public func registerContainerInstance(
        _ request: ECS.RegisterContainerInstanceRequest,
        now: Date,
        seed: UInt64
    ) throws(ECSError) -> Outcome<ECS.RegisterContainerInstanceResponse> {
        let cluster = try activeCluster(request.cluster)
        try AttributeRules.check(request.attributes ?? [])
        try TagRules.check(request.tags ?? [])
        var record: InstanceRecord
        if let arn = request.containerInstanceArn, let existing = containerInstance(arn, cluster: cluster.name) {
            record = existing
        } else {
            var random = SeededRandom(seed: seed)
            let id = random.instanceID()
            record = InstanceRecord(
                id: id,
                cluster: cluster.name,
                ec2InstanceId: id.description,
                agentConnected: false,
                registeredAt: now,
                resources: InstanceResources(cpu: 0, memoryMiB: 0),
                credentialHash: ""
            )
        }
        if request.instanceIdentityDocumentSignature != nil {
            throw ECSError.unsupported(
                "instanceIdentityDocumentSignature",
                "there are no AWS keys to verify an EC2 identity signature with; send the document alone"
            )
        }
        if let resources = request.totalResources { record.resources = InstanceResources(resources) }
        let devices = (request.platformDevices ?? [])
        for device in devices where device.type != "GPU" {
            throw ECSError(.invalidParameter, "platformDevices: type \(device.type ?? "") is not valid; use GPU")
        }
        if !devices.isEmpty {
            let ids = devices.compactMap(\.id)
            record.resources.other.removeAll { $0.name == "GPU" }
            record.resources.other.append(ECS.Resource(name: "GPU", type: "STRINGSET", stringSetValue: ids))
        }
        if let info = request.versionInfo { record.versionInfo = VersionInfo(info) }
        var identity: [InstanceAttribute] = []
        if let document = request.instanceIdentityDocument {
            let fields = try Self.identityDocument(document)
            record.ec2InstanceId = fields["instanceId"] ?? record.ec2InstanceId
            identity = [
                ("ecs.availability-zone", "availabilityZone"), ("ecs.instance-type", "instanceType"),
                ("ecs.ami-id", "imageId"),
            ].compactMap { name, key in fields[key].map { InstanceAttribute(name: name, value: $0) } }
        }
        if let attributes = request.attributes { record.attributes = attributes.map(InstanceAttribute.init) }
        record.attributes.removeAll { attribute in identity.contains { $0.name == attribute.name } }
        record.attributes += identity
        if let tags = request.tags { record.tags = tags.map(Tag.init) }
        return Outcome(
            ECS.RegisterContainerInstanceResponse(containerInstance: project(record)),
            [.putInstance(record)]
        )
    }

    /// The string fields of an EC2 instance identity document (`instanceId`, `availabilityZone`,
    /// `instanceType`, `imageId`, ...), as ECS reads it to name the instance and set its attributes.
    /// - Throws: `InvalidParameterException` when it is not a JSON object.
    static func identityDocument(_ text: String) throws(ECSError) -> [String: String] {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)),
            case .object(let members) = value
        else {
            throw ECSError(
                .invalidParameter,
                "instanceIdentityDocument is not a JSON object such as the EC2 instance identity document"
            )
        }
        return members.compactMapValues { member in
            if case .string(let text) = member { return text }
            return nil
        }
    }

    /// A container instance's health as ECS shows it: one `CONTAINER_RUNTIME` check, as its agent
    /// last reported it. INITIALIZING before any report (a new node, an older agent, or a controller
    /// started since), INSUFFICIENT_DATA while the agent is disconnected.
    static func healthStatus(
        of record: InstanceRecord,
        heard: HeardRuntimeHealth?
    ) -> ECS.ContainerInstanceHealthStatus {
        guard let heard else {
            return ECS.ContainerInstanceHealthStatus(overallStatus: "INITIALIZING", details: [])
        }
        let status = record.agentConnected ? heard.report.status : "INSUFFICIENT_DATA"
        let check = ECS.InstanceHealthCheckResult(
            type: "CONTAINER_RUNTIME",
            status: status,
            lastUpdated: heard.heard,
            lastStatusChange: heard.report.since
        )
        return ECS.ContainerInstanceHealthStatus(overallStatus: status, details: [check])
    }

    /// DescribeContainerInstances: by ID or ARN; unknown ones come back as MISSING failures.
    /// - Parameter runtimeHealth: the agents' reports of their container engines, for
    ///   `include: CONTAINER_INSTANCE_HEALTH` (nil when not asked for).
    public func describeContainerInstances(
        _ request: ECS.DescribeContainerInstancesRequest,
        runtimeHealth: [InstanceID: HeardRuntimeHealth]? = nil
    ) throws(ECSError) -> ECS.DescribeContainerInstancesResponse {
        let name = try activeCluster(request.cluster).name
        let references = request.containerInstances ?? []
        guard !references.isEmpty else {
            throw ECSError(.invalidParameter, "Container Instances cannot be empty.")
        }
        guard references.count <= 100 else {
            throw ECSError(.invalidParameter, "containerInstances names \(references.count) instances; give 1 to 100")
        }
        let includeTags = (request.include ?? []).contains("TAGS")
        var found: [ECS.ContainerInstance] = []
        var failures: [ECS.Failure] = []
        for reference in references {
            if let record = containerInstance(reference, cluster: name) {
                var shown = project(record, includeTags: includeTags)
                if let runtimeHealth {
                    shown.healthStatus = Self.healthStatus(of: record, heard: runtimeHealth[record.id])
                }
                found.append(shown)
            } else {
                failures.append(ECS.Failure(arn: reference, reason: "MISSING"))
            }
        }
        return ECS.DescribeContainerInstancesResponse(containerInstances: found, failures: failures)
    }

    /// ListContainerInstances: by status (default: every status but INACTIVE) and a filter in the
    /// cluster query language, a page at a time.
    public func listContainerInstances(
        _ request: ECS.ListContainerInstancesRequest
    ) throws(ECSError) -> ECS.ListContainerInstancesResponse {
        let name = try activeCluster(request.cluster).name
        let size = try PageToken.pageSize(request.maxResults, limit: 100)
        let filter = try request.filter.map { (text) throws(ECSError) in
            let query = try ClusterQuery(parsing: text)
            try query.check()
            return query
        }
        let ids = instances.ids(inCluster: name).filter { id in
            guard let record = instances[id] else { return false }
            return (request.status.map { record.status.rawValue == $0 } ?? (record.status != .inactive))
                && (filter.map { query in instances.candidate(id).map { query.matches($0.queryTarget) } ?? false }
                    ?? true)
        }
        let page = try PageToken.page(
            ids.map { instances.arn(of: $0, cluster: name) },
            key: { $0 },
            size: size,
            after: request.nextToken,
            scope: PageToken.scope("instances", name, request.status, request.filter)
        )
        return ECS.ListContainerInstancesResponse(containerInstanceArns: page.items, nextToken: page.nextToken)
    }

    /// DeregisterContainerInstance: refused while tasks run unless forced; forced, its tasks are
    /// recorded as stopped (the agent is told it was deregistered and stops them).
    public func deregisterContainerInstance(
        _ request: ECS.DeregisterContainerInstanceRequest,
        now: Date
    ) throws(ECSError) -> Outcome<ECS.DeregisterContainerInstanceResponse> {
        let name = try activeCluster(request.cluster).name
        guard let reference = request.containerInstance, var record = containerInstance(reference, cluster: name),
            record.status != .inactive
        else {
            throw ECSError(
                .invalidParameter,
                "container instance \"\(request.containerInstance ?? "")\" is not registered in cluster \"\(name)\""
            )
        }
        let active = tasks.holding(record.id)
        if !active.isEmpty, request.force != true {
            throw ECSError(
                .invalidParameter,
                "container instance \(arn(of: record)) still has \(active.count) task(s); stop them first or deregister with force"
            )
        }
        var changes: [StateChange] = []
        for var task in active.sorted(by: { $0.id < $1.id }) {
            task.desiredStatus = .stopped
            task.lastStatus = .stopped
            task.stopCode = .userInitiated
            task.stoppedReason = "Container instance deregistration forced by user"
            task.stoppingAt = task.stoppingAt ?? now
            task.stoppedAt = now
            task.version += 1
            changes.append(.putTask(task))
        }
        record.status = .inactive
        record.agentConnected = false
        record.taskSubnet = nil
        changes.append(.putInstance(record))
        return Outcome(ECS.DeregisterContainerInstanceResponse(containerInstance: project(record)), changes)
    }

    /// UpdateContainerInstancesState: ACTIVE or DRAINING (a DRAINING instance takes no new tasks).
    public func updateContainerInstancesState(
        _ request: ECS.UpdateContainerInstancesStateRequest
    ) throws(ECSError) -> Outcome<ECS.UpdateContainerInstancesStateResponse> {
        let name = try activeCluster(request.cluster).name
        guard let text = request.status, let status = InstanceStatus(rawValue: text),
            [.active, .draining].contains(status)
        else {
            throw ECSError(
                .invalidParameter,
                "status \"\(request.status ?? "")\" is not valid here; use ACTIVE or DRAINING"
            )
        }
        var updated: [ECS.ContainerInstance] = []
        var failures: [ECS.Failure] = []
        var changes: [StateChange] = []
        for reference in request.containerInstances ?? [] {
            guard var record = containerInstance(reference, cluster: name), record.status != .inactive else {
                failures.append(ECS.Failure(arn: reference, reason: "MISSING"))
                continue
            }
            if record.status != status {
                record.status = status
                changes.append(.putInstance(record))
            }
            updated.append(project(record))
        }
        return Outcome(
            ECS.UpdateContainerInstancesStateResponse(containerInstances: updated, failures: failures),
            changes
        )
    }
}
