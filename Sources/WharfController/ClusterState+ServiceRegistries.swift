import Foundation
import WharfModel
import WharfState

extension ClusterState {
    /// A service's `serviceRegistries`, checked as ECS checks them: one Cloud Map service that
    /// exists; A records only for awsvpc tasks; an SRV record needs `port` or `containerName` and
    /// `containerPort` (bridge and host: the container and port), from the task definition.
    func serviceRegistries(
        _ given: [ECS.ServiceRegistry]?,
        definition: ECS.TaskDefinition
    ) throws(ECSError) -> [ServiceRegistryRecord]? {
        guard let given, !given.isEmpty else { return nil }
        guard given.count == 1 else {
            throw ECSError(.invalidParameter, "serviceRegistries can have only one item.")
        }
        let registry = given[0]
        guard let text = registry.registryArn else {
            throw ECSError(.invalidParameter, "serviceRegistries.registryArn is required")
        }
        guard let arn = ARN(parsing: text), arn.service == ServiceDiscovery.signingName, arn.resourceType == "service",
            let service = cloudMap.service(arn.resourceID)
        else {
            throw ECSError(.invalidParameter, "The Cloud Map service \(text) does not exist.")
        }
        let awsvpc = definition.networkMode == "awsvpc"
        let types = Set(service.dnsRecords.map(\.type))
        if types.contains(.a) || types.contains(.aaaa), !awsvpc {
            throw ECSError(
                .invalidParameter,
                "The Cloud Map service \(text) has A records, which need the awsvpc network mode; use SRV records"
            )
        }
        if types.contains(.cname) {
            throw ECSError(
                .invalidParameter,
                "The Cloud Map service \(text) has a CNAME record, which tasks cannot fill"
            )
        }
        if let name = registry.containerName {
            guard let port = registry.containerPort else {
                throw ECSError(.invalidParameter, "serviceRegistries.containerPort is required with containerName")
            }
            let container = (definition.containerDefinitions ?? []).first { $0.name == name }
            guard container?.portMappings?.contains(where: { $0.containerPort == port }) == true else {
                throw ECSError(
                    .invalidParameter,
                    "The container \(name) did not have a container port \(port) defined."
                )
            }
            if registry.port != nil {
                throw ECSError(
                    .invalidParameter,
                    "serviceRegistries takes port, or containerName and containerPort, not both"
                )
            }
        } else if registry.containerPort != nil {
            throw ECSError(.invalidParameter, "serviceRegistries.containerName is required with containerPort")
        }
        if types.contains(.srv) {
            if awsvpc {
                guard registry.port != nil || registry.containerName != nil else {
                    throw ECSError(
                        .invalidParameter,
                        "The Cloud Map service \(text) has an SRV record: give serviceRegistries a port, or a "
                            + "containerName and containerPort"
                    )
                }
            } else if registry.containerName == nil {
                throw ECSError(
                    .invalidParameter,
                    "The Cloud Map service \(text) has an SRV record: give serviceRegistries a containerName and "
                        + "containerPort"
                )
            }
        } else if registry.port != nil || registry.containerName != nil, !types.isEmpty {
            throw ECSError(
                .invalidParameter,
                "The Cloud Map service \(text) has no SRV record, so serviceRegistries takes no port"
            )
        }
        return [
            ServiceRegistryRecord(
                serviceID: service.id,
                port: registry.port,
                containerName: registry.containerName,
                containerPort: registry.containerPort
            )
        ]
    }

    /// A service's registries as DescribeServices shows them.
    func projectServiceRegistries(_ record: ServiceRecord) -> [ECS.ServiceRegistry] {
        projectServiceRegistries(record.serviceRegistries ?? [])
    }

    /// Registries as ECS shows them (a service's or a task set's).
    func projectServiceRegistries(_ registries: [ServiceRegistryRecord]) -> [ECS.ServiceRegistry] {
        registries.map {
            ECS.ServiceRegistry(
                registryArn: cloudMapARN("service", $0.serviceID),
                port: $0.port,
                containerName: $0.containerName,
                containerPort: $0.containerPort
            )
        }
    }

    /// What a round does for a service's Cloud Map registries once its plan is made: each task
    /// that runs (and is not being stopped) is an instance, by its task ID, with its address and
    /// port and ECS's attributes; a task stopped or being stopped is deregistered at once.
    func serviceRegistryChanges(
        _ changes: [StateChange],
        service: ServiceRecord,
        now: Date,
        random: inout SeededRandom
    ) -> [StateChange] {
        // Each registry with the tasks it takes: all of the service's, or a task set's own.
        let entries: [(registry: ServiceRegistryRecord, taskSet: String?)] =
            service.isExternal
            ? (service.taskSets ?? []).flatMap { set in (set.serviceRegistries ?? []).map { ($0, set.id) } }
            : (service.serviceRegistries ?? []).map { ($0, nil) }
        guard !entries.isEmpty else { return changes }
        var current: [TaskID: TaskRecord] = [:]
        for id in tasks.ids(in: service.groupKey) { current[id] = tasks[id] }
        for change in changes {
            if case .putTask(let task) = change { current[task.id] = task }
        }
        var result = changes
        var seen: Set<String> = []
        for serviceID in entries.map(\.registry.serviceID) where seen.insert(serviceID).inserted {
            guard var discovery = cloudMap.service(serviceID) else { continue }
            var wanted: [String: [String: String]] = [:]
            for (registry, taskSet) in entries where registry.serviceID == serviceID {
                for task in current.values
                where task.desiredStatus == .running && task.lastStatus == .running
                    && (taskSet == nil || task.startedBy == taskSet)
                {
                    if let attributes = instanceAttributes(task, registry: registry, service: service, in: discovery) {
                        wanted[task.id.description] = attributes
                    }
                }
            }
            let owned = { (instance: DiscoveryInstanceRecord) in
                instance.attributes["ECS_SERVICE_NAME"] == service.name
                    && instance.attributes["ECS_CLUSTER_NAME"] == service.cluster
            }
            var operations: [(String, String)] = []
            discovery.instances.removeAll { instance in
                guard owned(instance), wanted[instance.id] == nil else { return false }
                operations.append(("DEREGISTER_INSTANCE", instance.id))
                return true
            }
            for (id, attributes) in wanted.sorted(by: { $0.key < $1.key }) {
                if let index = discovery.instances.firstIndex(where: { $0.id == id }) {
                    guard discovery.instances[index].attributes != attributes else { continue }
                    discovery.instances[index].attributes = attributes
                } else {
                    discovery.instances.append(DiscoveryInstanceRecord(id: id, attributes: attributes))
                }
                operations.append(("REGISTER_INSTANCE", id))
            }
            guard !operations.isEmpty else { continue }
            discovery.instancesRevision += 1
            result.append(.putDiscoveryService(discovery))
            var scratch = self
            for (type, id) in operations {
                let recorded = scratch.operation(
                    type,
                    targets: ["NAMESPACE": discovery.namespaceID, "SERVICE": discovery.id, "INSTANCE": id],
                    now: now,
                    random: &random
                )
                for change in recorded.changes { scratch.apply(change) }
                result += recorded.changes
            }
        }
        return result
    }

    /// The attributes ECS registers a task with: its address (an awsvpc task's own, else its
    /// node's), the port of its SRV record, and where it runs.
    private func instanceAttributes(
        _ task: TaskRecord,
        registry: ServiceRegistryRecord,
        service: ServiceRecord,
        in discovery: DiscoveryServiceRecord
    ) -> [String: String]? {
        let address = task.network?.privateIPv4Address ?? task.instance.flatMap { instances[$0]?.nodeAddress }
        guard let address else { return nil }
        var attributes = [
            "AWS_INSTANCE_IPV4": address,
            "AVAILABILITY_ZONE": "\(context.region)a",
            "REGION": context.region,
            "ECS_CLUSTER_NAME": service.cluster,
            "ECS_SERVICE_NAME": service.name,
            "ECS_TASK_DEFINITION_FAMILY": task.taskDefinition.family,
        ]
        if discovery.hasCustomHealth { attributes["AWS_INIT_HEALTH_STATUS"] = "HEALTHY" }
        if let port = registry.port {
            attributes["AWS_INSTANCE_PORT"] = String(port)
        } else if let name = registry.containerName, let containerPort = registry.containerPort {
            if task.network != nil {
                attributes["AWS_INSTANCE_PORT"] = String(containerPort)
            } else {
                let container = task.containers.first { $0.name == name }
                guard
                    let published = container?.networkBindings.first(where: { $0.containerPort == containerPort })?
                        .hostPort
                else { return nil }
                attributes["AWS_INSTANCE_PORT"] = String(published)
            }
        }
        return attributes
    }
}
