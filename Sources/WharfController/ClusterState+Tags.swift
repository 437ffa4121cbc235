import WharfModel
import WharfState

extension ClusterState {
    /// The resource an ARN names, for tagging.
    enum Taggable {
        case cluster(ClusterRecord)
        case taskDefinition(TaskDefinitionRecord)

        var tags: [Tag] {
            switch self {
            case .cluster(let cluster): cluster.tags
            case .taskDefinition(let record): record.tags
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
            }
        }
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
                throw ECSError(.clusterNotFound, "cluster \"\(arn.resourceID)\" not found in region \(context.region)")
            }
            return .cluster(cluster)
        case "task-definition":
            guard let key = TaskDefinitionKey(arn.resourceID), let record = taskDefinitions[key] else {
                throw ECSError(.resourceNotFound, "task definition \(text) not found; tag a revision that exists")
            }
            return .taskDefinition(record)
        default:
            throw ECSError(
                .invalidParameter,
                "resourceArn \(text) is a \(arn.resourceType); Wharf tags clusters and task definitions"
            )
        }
    }

    /// TagResource: adds tags, replacing the values of keys given again.
    public func tagResource(_ request: ECS.TagResourceRequest) throws(ECSError) -> Outcome<ECS.TagResourceResponse> {
        let resource = try taggable(request.resourceArn)
        try TagRules.check(request.tags ?? [])
        let merged = TagRules.merge(resource.tags.map(\.ecs), request.tags ?? [])
        try TagRules.check(merged)
        return Outcome(ECS.TagResourceResponse(), [resource.with(tags: merged.map(Tag.init))])
    }

    /// UntagResource: removes the tags with the given keys.
    public func untagResource(
        _ request: ECS.UntagResourceRequest
    ) throws(ECSError) -> Outcome<ECS.UntagResourceResponse> {
        let resource = try taggable(request.resourceArn)
        let keys = Set(request.tagKeys ?? [])
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
