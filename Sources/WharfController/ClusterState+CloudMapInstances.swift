import Foundation
import WharfModel
import WharfState

extension ClusterState {
    /// RegisterInstance: creates or replaces an instance with the attributes its service's DNS
    /// records need (`AWS_INSTANCE_IPV4` for A, `AWS_INSTANCE_IPV6` for AAAA, `AWS_INSTANCE_PORT`
    /// as well for SRV, `AWS_INSTANCE_CNAME` for CNAME).
    func registerDiscoveryInstance(
        _ request: ServiceDiscovery.RegisterInstanceRequest,
        now: Date,
        seed: UInt64
    ) throws(ECSError) -> Outcome<ServiceDiscovery.RegisterInstanceResponse> {
        var service = try discoveryService(request.serviceId)
        guard let id = request.instanceId else { throw ECSError(.invalidInput, "InstanceId is required") }
        guard let attributes = request.attributes else { throw ECSError(.invalidInput, "Attributes is required") }
        try Self.checkAttributes(attributes, for: service)
        var instance = DiscoveryInstanceRecord(
            id: id,
            attributes: attributes,
            creatorRequestId: request.creatorRequestId
        )
        if let initial = attributes["AWS_INIT_HEALTH_STATUS"] {
            guard service.hasCustomHealth, initial == "HEALTHY" || initial == "UNHEALTHY" else {
                throw ECSError(
                    .invalidInput,
                    "AWS_INIT_HEALTH_STATUS must be HEALTHY or UNHEALTHY, for a service with HealthCheckCustomConfig"
                )
            }
            instance.unhealthy = initial == "UNHEALTHY"
        }
        if let index = service.instances.firstIndex(where: { $0.id == id }) {
            if instance.unhealthy == nil { instance.unhealthy = service.instances[index].unhealthy }
            service.instances[index] = instance
        } else {
            guard service.instances.count < CloudMapRules.maxInstances else {
                throw ECSError(
                    .resourceLimitExceeded,
                    "A service can have at most \(CloudMapRules.maxInstances) instances"
                )
            }
            service.instances.append(instance)
        }
        service.instancesRevision += 1
        var random = SeededRandom(seed: seed)
        let operation = operation(
            "REGISTER_INSTANCE",
            targets: ["NAMESPACE": service.namespaceID, "SERVICE": service.id, "INSTANCE": id],
            now: now,
            random: &random
        )
        return Outcome(
            ServiceDiscovery.RegisterInstanceResponse(operationId: operation.id),
            [.putDiscoveryService(service)] + operation.changes
        )
    }

    static func checkAttributes(_ attributes: [String: String], for service: DiscoveryServiceRecord) throws(ECSError) {
        guard attributes.count <= CloudMapRules.maxAttributes else {
            throw ECSError(.invalidInput, "An instance can have at most \(CloudMapRules.maxAttributes) attributes")
        }
        for (key, value) in attributes where key.isEmpty || key.count > 255 || value.count > 1024 {
            throw ECSError(
                .invalidInput,
                "Attribute '\(key)' must have a key of 1 to 255 and a value of at most 1,024 characters"
            )
        }
        if attributes["AWS_ALIAS_DNS_NAME"] != nil {
            throw CloudMapRules.unsupported(
                "AWS_ALIAS_DNS_NAME",
                "alias records point at Route 53 resources, which Wharf has not"
            )
        }
        let types = Set(service.dnsRecords.map(\.type))
        if let address = attributes["AWS_INSTANCE_IPV4"], IPv4Network.address(address) == nil {
            throw ECSError(.invalidInput, "AWS_INSTANCE_IPV4 '\(address)' is not an IPv4 address")
        }
        if types.contains(.a), attributes["AWS_INSTANCE_IPV4"] == nil {
            throw ECSError(.invalidInput, "AWS_INSTANCE_IPV4 is required: the service has an A record")
        }
        if types.contains(.aaaa), attributes["AWS_INSTANCE_IPV6"] == nil {
            throw ECSError(.invalidInput, "AWS_INSTANCE_IPV6 is required: the service has an AAAA record")
        }
        if types.contains(.srv) {
            guard let port = attributes["AWS_INSTANCE_PORT"], let number = Int(port), (1...65535).contains(number)
            else {
                throw ECSError(
                    .invalidInput,
                    "AWS_INSTANCE_PORT (1 to 65535) is required: the service has an SRV record"
                )
            }
            guard attributes["AWS_INSTANCE_IPV4"] != nil || attributes["AWS_INSTANCE_IPV6"] != nil else {
                throw ECSError(.invalidInput, "An SRV record needs AWS_INSTANCE_IPV4 or AWS_INSTANCE_IPV6")
            }
        }
        if types.contains(.cname), attributes["AWS_INSTANCE_CNAME"] == nil {
            throw ECSError(.invalidInput, "AWS_INSTANCE_CNAME is required: the service has a CNAME record")
        }
    }

    /// DeregisterInstance.
    func deregisterDiscoveryInstance(
        _ request: ServiceDiscovery.DeregisterInstanceRequest,
        now: Date,
        seed: UInt64
    ) throws(ECSError) -> Outcome<ServiceDiscovery.DeregisterInstanceResponse> {
        var service = try discoveryService(request.serviceId)
        let index = try Self.instanceIndex(request.instanceId, in: service)
        let id = service.instances[index].id
        service.instances.remove(at: index)
        service.instancesRevision += 1
        var random = SeededRandom(seed: seed)
        let operation = operation(
            "DEREGISTER_INSTANCE",
            targets: ["NAMESPACE": service.namespaceID, "SERVICE": service.id, "INSTANCE": id],
            now: now,
            random: &random
        )
        return Outcome(
            ServiceDiscovery.DeregisterInstanceResponse(operationId: operation.id),
            [.putDiscoveryService(service)] + operation.changes
        )
    }

    /// Where the instance `id` is among the service's.
    /// - Throws: `InvalidInput` without an ID, `InstanceNotFound` when the service has none by it.
    static func instanceIndex(_ id: String?, in service: DiscoveryServiceRecord) throws(ECSError) -> Int {
        guard let id else { throw ECSError(.invalidInput, "InstanceId is required") }
        guard let index = service.instances.firstIndex(where: { $0.id == id }) else {
            throw ECSError(.instanceNotFound, "Instance not found: \(id)")
        }
        return index
    }

    /// ListInstances.
    func listDiscoveryInstances(
        _ request: ServiceDiscovery.ListInstancesRequest
    ) throws(ECSError) -> ServiceDiscovery.ListInstancesResponse {
        let service = try discoveryService(request.serviceId)
        let page = try CloudMapRules.page(service.instances, token: request.nextToken, limit: request.maxResults)
        return ServiceDiscovery.ListInstancesResponse(
            instances: page.items.map {
                ServiceDiscovery.InstanceSummary(
                    id: $0.id,
                    attributes: $0.attributes,
                    createdByAccount: context.accountID
                )
            },
            nextToken: page.next
        )
    }

    /// GetInstance.
    func getDiscoveryInstance(
        _ request: ServiceDiscovery.GetInstanceRequest
    ) throws(ECSError) -> ServiceDiscovery.GetInstanceResponse {
        let service = try discoveryService(request.serviceId)
        let instance = service.instances[try Self.instanceIndex(request.instanceId, in: service)]
        return ServiceDiscovery.GetInstanceResponse(
            resourceOwner: context.accountID,
            instance: ServiceDiscovery.Instance(
                id: instance.id,
                creatorRequestId: instance.creatorRequestId,
                attributes: instance.attributes,
                createdByAccount: context.accountID
            )
        )
    }

    /// The service a namespace's name and a service's name give (DiscoverInstances).
    func discoveryService(
        namespace: String?,
        service: String?
    ) throws(ECSError) -> (NamespaceRecord, DiscoveryServiceRecord) {
        guard let namespaceName = namespace?.lowercased(), let serviceName = service else {
            throw ECSError(.invalidInput, "NamespaceName and ServiceName are required")
        }
        let trimmed = namespaceName.hasSuffix(".") ? String(namespaceName.dropLast()) : namespaceName
        guard let found = cloudMap.allNamespaces.first(where: { $0.name.lowercased() == trimmed }) else {
            throw ECSError(.namespaceNotFound, "No namespace exists with name: \(namespaceName)")
        }
        guard let record = cloudMap.service(named: serviceName, in: found.id) else {
            throw ECSError(.cloudMapServiceNotFound, "Service not found: \(serviceName)")
        }
        return (found, record)
    }

    /// DiscoverInstances: the service's instances whose attributes match `QueryParameters`
    /// (falling back to all when `OptionalParameters` match none), by health, up to `MaxResults`.
    func discoverInstances(
        _ request: ServiceDiscovery.DiscoverInstancesRequest
    ) throws(ECSError) -> ServiceDiscovery.DiscoverInstancesResponse {
        if let owner = request.ownerAccount, owner != context.accountID {
            throw CloudMapRules.unsupported(
                "OwnerAccount \(owner)",
                "it serves one account (\(context.accountID))"
            )
        }
        let (namespace, service) = try discoveryService(namespace: request.namespaceName, service: request.serviceName)
        var instances = service.instances
        for (key, value) in request.queryParameters ?? [:] {
            instances = instances.filter { $0.attributes[key] == value }
        }
        if let optional = request.optionalParameters, !optional.isEmpty {
            let narrowed = instances.filter { instance in
                optional.allSatisfy { instance.attributes[$0.key] == $0.value }
            }
            if !narrowed.isEmpty { instances = narrowed }
        }
        switch request.healthStatus ?? "HEALTHY" {
        case "HEALTHY": instances = instances.filter { $0.unhealthy != true }
        case "UNHEALTHY": instances = instances.filter { $0.unhealthy == true }
        case "HEALTHY_OR_ELSE_ALL":
            let healthy = instances.filter { $0.unhealthy != true }
            if !healthy.isEmpty { instances = healthy }
        default: break
        }
        return ServiceDiscovery.DiscoverInstancesResponse(
            instances: instances.prefix(request.maxResults ?? 100).map {
                ServiceDiscovery.HttpInstanceSummary(
                    instanceId: $0.id,
                    namespaceName: namespace.name,
                    serviceName: service.name,
                    healthStatus: $0.unhealthy == true ? "UNHEALTHY" : "HEALTHY",
                    attributes: $0.attributes
                )
            },
            instancesRevision: service.instancesRevision
        )
    }

    /// DiscoverInstancesRevision.
    func discoverInstancesRevision(
        _ request: ServiceDiscovery.DiscoverInstancesRevisionRequest
    ) throws(ECSError) -> ServiceDiscovery.DiscoverInstancesRevisionResponse {
        let (_, service) = try discoveryService(namespace: request.namespaceName, service: request.serviceName)
        return ServiceDiscovery.DiscoverInstancesRevisionResponse(instancesRevision: service.instancesRevision)
    }

    /// GetInstancesHealthStatus: HEALTHY, or what UpdateInstanceCustomHealthStatus set.
    func getInstancesHealthStatus(
        _ request: ServiceDiscovery.GetInstancesHealthStatusRequest
    ) throws(ECSError) -> ServiceDiscovery.GetInstancesHealthStatusResponse {
        let service = try discoveryService(request.serviceId)
        var instances = service.instances
        if let asked = request.instances {
            for id in asked where !instances.contains(where: { $0.id == id }) {
                throw ECSError(.instanceNotFound, "Instance not found: \(id)")
            }
            instances = instances.filter { asked.contains($0.id) }
        }
        let page = try CloudMapRules.page(instances, token: request.nextToken, limit: request.maxResults)
        return ServiceDiscovery.GetInstancesHealthStatusResponse(
            status: Dictionary(
                uniqueKeysWithValues: page.items.map { ($0.id, $0.unhealthy == true ? "UNHEALTHY" : "HEALTHY") }
            ),
            nextToken: page.next
        )
    }

    /// UpdateInstanceCustomHealthStatus: for services with HealthCheckCustomConfig.
    func updateInstanceCustomHealthStatus(
        _ request: ServiceDiscovery.UpdateInstanceCustomHealthStatusRequest
    ) throws(ECSError) -> Outcome<CloudMapEmpty> {
        var service = try discoveryService(request.serviceId)
        guard service.hasCustomHealth else {
            throw ECSError(.customHealthNotFound, "The service has no HealthCheckCustomConfig")
        }
        let index = try Self.instanceIndex(request.instanceId, in: service)
        guard let status = request.status, status == "HEALTHY" || status == "UNHEALTHY" else {
            throw ECSError(.invalidInput, "Status must be HEALTHY or UNHEALTHY")
        }
        service.instances[index].unhealthy = status == "UNHEALTHY"
        service.instancesRevision += 1
        return Outcome(CloudMapEmpty(), [.putDiscoveryService(service)])
    }

    /// GetOperation.
    func getOperation(
        _ request: ServiceDiscovery.GetOperationRequest
    ) throws(ECSError) -> ServiceDiscovery.GetOperationResponse {
        guard let id = request.operationId else { throw ECSError(.invalidInput, "OperationId is required") }
        guard let record = cloudMap.operation(id) else {
            throw ECSError(.operationNotFound, "No operation found with ID: \(id)")
        }
        return ServiceDiscovery.GetOperationResponse(operation: project(record))
    }

    /// ListOperations: filters on NAMESPACE_ID, SERVICE_ID, STATUS, TYPE (EQ, IN) and UPDATE_DATE
    /// (BETWEEN two epoch seconds).
    func listOperations(
        _ request: ServiceDiscovery.ListOperationsRequest
    ) throws(ECSError) -> ServiceDiscovery.ListOperationsResponse {
        var records = cloudMap.allOperations
        for filter in request.filters ?? [] {
            let values = filter.values ?? []
            func matches(_ value: String?) -> Bool { value.map(values.contains) ?? false }
            switch filter.name {
            case "NAMESPACE_ID": records = records.filter { matches($0.targets["NAMESPACE"]) }
            case "SERVICE_ID": records = records.filter { matches($0.targets["SERVICE"]) }
            case "STATUS": records = records.filter { _ in values.contains("SUCCESS") }
            case "TYPE": records = records.filter { matches($0.type) }
            case "UPDATE_DATE":
                let bounds = values.compactMap(Double.init)
                guard bounds.count == 2 else {
                    throw ECSError(.invalidInput, "UPDATE_DATE takes two epoch times with the BETWEEN condition")
                }
                records = records.filter { (bounds[0]...bounds[1]).contains($0.createdAt.timeIntervalSince1970) }
            default: throw ECSError(.invalidInput, "Filter name '\(filter.name ?? "")' is not valid")
            }
        }
        let page = try CloudMapRules.page(records, token: request.nextToken, limit: request.maxResults)
        return ServiceDiscovery.ListOperationsResponse(
            operations: page.items.map { ServiceDiscovery.OperationSummary(id: $0.id, status: "SUCCESS") },
            nextToken: page.next
        )
    }

    func project(_ record: CloudMapOperationRecord) -> ServiceDiscovery.Operation {
        ServiceDiscovery.Operation(
            id: record.id,
            ownerAccount: context.accountID,
            type: record.type,
            status: "SUCCESS",
            createDate: record.createdAt,
            updateDate: record.createdAt,
            targets: record.targets
        )
    }

    /// TagResource, UntagResource: namespaces and services by ARN.
    func tagCloudMapResource(
        _ arn: String?,
        _ change: ([Tag]) throws(ECSError) -> [Tag]
    ) throws(ECSError) -> Outcome<CloudMapEmpty> {
        guard let arn, let parsed = ARN(parsing: arn), parsed.service == ServiceDiscovery.signingName else {
            throw ECSError(.invalidInput, "ResourceARN '\(arn ?? "")' is not a Cloud Map namespace or service ARN")
        }
        if parsed.resourceType == "namespace", var record = cloudMap.namespace(parsed.resourceID) {
            record.tags = try change(record.tags)
            guard record.tags.count <= 50 else {
                throw ECSError(.tooManyTagsException, "A resource can have at most 50 tags")
            }
            return Outcome(CloudMapEmpty(), [.putNamespace(record)])
        }
        if parsed.resourceType == "service", var record = cloudMap.service(parsed.resourceID) {
            record.tags = try change(record.tags)
            guard record.tags.count <= 50 else {
                throw ECSError(.tooManyTagsException, "A resource can have at most 50 tags")
            }
            return Outcome(CloudMapEmpty(), [.putDiscoveryService(record)])
        }
        throw ECSError(.resourceNotFound, "The operation can't be completed because the resource was not found: \(arn)")
    }

    /// ListTagsForResource.
    func listCloudMapTags(
        _ request: ServiceDiscovery.ListTagsForResourceRequest
    ) throws(ECSError) -> ServiceDiscovery.ListTagsForResourceResponse {
        guard let arn = request.resourceARN, let parsed = ARN(parsing: arn) else {
            throw ECSError(.invalidInput, "ResourceARN is required")
        }
        let tags: [Tag]?
        switch parsed.resourceType {
        case "namespace": tags = cloudMap.namespace(parsed.resourceID)?.tags
        case "service": tags = cloudMap.service(parsed.resourceID)?.tags
        default: tags = nil
        }
        guard let tags else {
            throw ECSError(
                .resourceNotFound,
                "The operation can't be completed because the resource was not found: \(arn)"
            )
        }
        return ServiceDiscovery.ListTagsForResourceResponse(
            tags: tags.map { ServiceDiscovery.Tag(key: $0.key, value: $0.value ?? "") }
        )
    }
}

/// The empty answer of the Cloud Map operations that return nothing.
struct CloudMapEmpty: Codable, Sendable {}
