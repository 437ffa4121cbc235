import WharfModel
import WharfState

extension ClusterState {
    /// The resource an ARN names, for tagging.
    enum Taggable {
        case cluster(ClusterRecord)
        case taskDefinition(TaskDefinitionRecord)
        case service(ServiceRecord)
        case task(TaskRecord)
        case instance(InstanceRecord)
        case capacityProvider(CapacityProviderRecord)
        /// A task set: its service, and where the task set is in the service's list.
        case taskSet(ServiceRecord, Int)

        var tags: [Tag] {
            switch self {
            case .cluster(let cluster): cluster.tags
            case .taskDefinition(let record): record.tags
            case .service(let record): record.tags
            case .task(let record): record.tags
            case .instance(let record): record.tags
            case .capacityProvider(let record): record.tags
            case .taskSet(let record, let index): record.taskSets?[index].tags ?? []
            }
        }

        func with(tags: [Tag]) -> StateChange {
            switch self {
            case .cluster(var cluster):
                cluster.tags = tags
                return .putCluster(cluster)
            case .taskDefinition(var record):
                record.tags = tags
                return .putTaskDefinition(record)
            case .service(var record):
                record.tags = tags
                return .putService(record)
            case .task(var record):
                record.tags = tags
                return .putTask(record)
            case .instance(var record):
                record.tags = tags
                return .putInstance(record)
            case .capacityProvider(var record):
                record.tags = tags
                return .putCapacityProvider(record)
            case .taskSet(var record, let index):
                record.taskSets?[index].tags = tags
                return .putService(record)
            }
        }
    }

    /// The cluster and the name or ID in a service, task or container instance ARN's resource
    /// (`CLUSTER/NAME`; a service ARN of the old format, `service/NAME`, is in `default`).
    static func clusterScoped(_ resourceID: String) -> (cluster: String, id: String) {
        let parts = resourceID.split(separator: "/", maxSplits: 1).map(String.init)
        return parts.count == 2 ? (parts[0], parts[1]) : ("default", resourceID)
    }

    func taggable(_ resourceArn: String?) throws(ECSError) -> Taggable {
        guard let text = resourceArn, let arn = ARN(parsing: text) else {
            throw ECSError(
                .invalidParameter,
                "resourceArn \"\(resourceArn ?? "")\" is not an ARN; give the ARN of a cluster or task definition"
            )
        }
        guard context.owns(arn) else {
            throw ECSError(
                .invalidParameter,
                "resourceArn \(text) belongs to another region or account; this controller serves \(context.region) for account \(context.accountID)"
            )
        }
        switch arn.resourceType {
        case "cluster":
            guard let cluster = clusters[arn.resourceID], cluster.status == .active else {
                throw ECSError(
                    .clusterNotFound,
                    "Cluster not found.",
                    hint: "no cluster \"\(arn.resourceID)\" in region \(context.region)"
                )
            }
            return .cluster(cluster)
        case "task-definition":
            guard let key = TaskDefinitionKey(arn.resourceID), let record = taskDefinitions[key] else {
                throw ECSError(.resourceNotFound, "task definition \(text) not found; tag a revision that exists")
            }
            return .taskDefinition(record)
        case "service":
            let (cluster, name) = Self.clusterScoped(arn.resourceID)
            guard clusters[cluster]?.status == .active, let record = serviceRecord(name, cluster: cluster),
                record.status != .inactive
            else {
                throw ECSError(.resourceNotFound, "The specified resource is not found.", hint: "no service \(text)")
            }
            return .service(record)
        case "task":
            let (cluster, id) = Self.clusterScoped(arn.resourceID)
            guard let taskID = TaskID(id), let record = tasks[taskID], record.cluster == cluster else {
                throw ECSError(.resourceNotFound, "The specified resource is not found.", hint: "no task \(text)")
            }
            return .task(record)
        case "container-instance":
            let (cluster, id) = Self.clusterScoped(arn.resourceID)
            guard let instanceID = InstanceID(id), let record = instances[instanceID], record.cluster == cluster,
                record.status != .inactive
            else {
                throw ECSError(
                    .resourceNotFound,
                    "The specified resource is not found.",
                    hint: "no container instance \(text)"
                )
            }
            return .instance(record)
        case "capacity-provider":
            guard let record = capacityProviders[arn.resourceID] else {
                throw ECSError(
                    .resourceNotFound,
                    "The specified resource is not found.",
                    hint: "no capacity provider \(text) (FARGATE and FARGATE_SPOT take no tags)"
                )
            }
            return .capacityProvider(record)
        case "task-set":
            // CLUSTER/SERVICE/ecs-svc/ID
            let parts = arn.resourceID.split(separator: "/", maxSplits: 2).map(String.init)
            guard parts.count == 3, clusters[parts[0]]?.status == .active,
                let record = serviceRecord(parts[1], cluster: parts[0]), record.status != .inactive,
                let index = record.taskSets?.firstIndex(where: { $0.id == parts[2] })
            else {
                throw ECSError(.resourceNotFound, "The specified resource is not found.", hint: "no task set \(text)")
            }
            return .taskSet(record, index)
        default:
            throw ECSError(
                .invalidParameter,
                "resourceArn \(text) is a \(arn.resourceType); Wharf tags clusters, services, tasks, task definitions, "
                    + "container instances, capacity providers and task sets"
            )
        }
    }

    /// TagResource: adds tags, replacing the values of keys given again.
    public func tagResource(_ request: ECS.TagResourceRequest) throws(ECSError) -> Outcome<ECS.TagResourceResponse> {
        let resource = try taggable(request.resourceArn)
        try TagRules.check(request.tags ?? [])
        let merged = TagRules.merge(resource.tags.map(\.ecs), request.tags ?? [])
        // ECS's own tags (aws:ecs:clusterName, aws:ecs:serviceName) do not count toward the limit.
        try TagRules.check(merged.filter { $0.key?.lowercased().hasPrefix("aws:") != true })
        return Outcome(ECS.TagResourceResponse(), [resource.with(tags: merged.map(Tag.init))])
    }

    /// UntagResource: removes the tags with the given keys.
    public func untagResource(
        _ request: ECS.UntagResourceRequest
    ) throws(ECSError) -> Outcome<ECS.UntagResourceResponse> {
        let resource = try taggable(request.resourceArn)
        let keys = Set(request.tagKeys ?? [])
        if let reserved = keys.sorted().first(where: { $0.lowercased().hasPrefix("aws:") }) {
            throw ECSError(.invalidParameter, "tag key \"\(reserved)\" uses the reserved prefix aws:")
        }
        return Outcome(
            ECS.UntagResourceResponse(),
            [resource.with(tags: resource.tags.filter { !keys.contains($0.key) })]
        )
    }

    /// ListTagsForResource.
    public func listTagsForResource(
        _ request: ECS.ListTagsForResourceRequest
    ) throws(ECSError) -> ECS.ListTagsForResourceResponse {
        ECS.ListTagsForResourceResponse(tags: try taggable(request.resourceArn).tags.map(\.ecs))
    }
}
