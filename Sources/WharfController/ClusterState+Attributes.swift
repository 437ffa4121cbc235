import WharfModel
import WharfState

extension ClusterState {
    /// The instance an attribute targets, by ID or ARN.
    func attributeTarget(_ attribute: ECS.Attribute, cluster: String) throws(ECSError) -> InstanceRecord {
        if let record = containerInstance(attribute.targetId ?? "", cluster: cluster), record.status != .inactive {
            return record
        }
        guard let target = attribute.targetId else {
            throw ECSError(
                .invalidParameter,
                "attribute \(attribute.name ?? ""): targetId is required (a container instance ID or ARN)"
            )
        }
        throw ECSError(
            .targetNotFound,
            "attribute \(attribute.name ?? ""): container instance \"\(target)\" is not registered in cluster \"\(cluster)\""
        )
    }

    /// PutAttributes: creates or updates custom attributes of container instances.
    public func putAttributes(
        _ request: ECS.PutAttributesRequest
    ) throws(ECSError) -> Outcome<ECS.PutAttributesResponse> {
        let name = try activeCluster(request.cluster).name
        let attributes = request.attributes ?? []
        guard attributes.count <= 10 else { throw ECSError(.invalidParameter, "attributes: at most 10 per call") }
        try AttributeRules.check(attributes)
        var records: [InstanceID: InstanceRecord] = [:]
        for attribute in attributes {
            let target = try attributeTarget(attribute, cluster: name)
            var record = records[target.id] ?? target
            record.attributes.removeAll { $0.name == attribute.name }
            record.attributes.append(InstanceAttribute(name: attribute.name ?? "", value: attribute.value))
            records[record.id] = record
        }
        let result = attributes.map {
            ECS.Attribute(name: $0.name, value: $0.value, targetType: "container-instance", targetId: $0.targetId)
        }
        return Outcome(
            ECS.PutAttributesResponse(attributes: result),
            records.values.sorted { $0.id < $1.id }.map { .putInstance($0) }
        )
    }

    /// DeleteAttributes: removes attributes by name from container instances.
    public func deleteAttributes(
        _ request: ECS.DeleteAttributesRequest
    ) throws(ECSError) -> Outcome<ECS.DeleteAttributesResponse> {
        let name = try activeCluster(request.cluster).name
        let attributes = request.attributes ?? []
        guard attributes.count <= 10 else { throw ECSError(.invalidParameter, "attributes: at most 10 per call") }
        // The same names and target type as PutAttributes takes.
        try AttributeRules.check(attributes)
        var records: [InstanceID: InstanceRecord] = [:]
        for attribute in attributes {
            let target = try attributeTarget(attribute, cluster: name)
            var record = records[target.id] ?? target
            record.attributes.removeAll { $0.name == attribute.name }
            records[record.id] = record
        }
        return Outcome(
            ECS.DeleteAttributesResponse(attributes: request.attributes ?? []),
            records.values.sorted { $0.id < $1.id }.map { .putInstance($0) }
        )
    }

    /// ListAttributes: the attributes of a cluster's container instances, by name and value.
    public func listAttributes(_ request: ECS.ListAttributesRequest) throws(ECSError) -> ECS.ListAttributesResponse {
        let name = try activeCluster(request.cluster).name
        guard request.targetType == "container-instance" else {
            throw ECSError(.invalidParameter, "targetType must be container-instance")
        }
        if request.attributeValue != nil, request.attributeName == nil {
            throw ECSError(.invalidParameter, "attributeValue needs attributeName")
        }
        let size = try PageToken.pageSize(request.maxResults, limit: 100)
        var all: [ECS.Attribute] = []
        for id in instances.ids(inCluster: name) {
            guard let record = instances[id], record.status != .inactive else { continue }
            let arn = arn(of: record)
            for attribute in record.attributes
            where (request.attributeName.map { $0 == attribute.name } ?? true)
                && (request.attributeValue.map { $0 == attribute.value } ?? true)
            {
                all.append(
                    ECS.Attribute(
                        name: attribute.name,
                        value: attribute.value,
                        targetType: "container-instance",
                        targetId: arn
                    )
                )
            }
        }
        all.sort { ($0.targetId ?? "", $0.name ?? "") < ($1.targetId ?? "", $1.name ?? "") }
        let page = try PageToken.page(
            all,
            key: { "\($0.targetId ?? "")\u{1}\($0.name ?? "")" },
            size: size,
            after: request.nextToken,
            scope: PageToken.scope("attributes", name, request.attributeName, request.attributeValue)
        )
        return ECS.ListAttributesResponse(attributes: page.items, nextToken: page.nextToken)
    }
}
