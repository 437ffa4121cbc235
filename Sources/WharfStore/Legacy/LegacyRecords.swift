import Foundation
import WharfModel
import WharfState

/// The records of schema version 5 (Wharf before the typed state), as `wharf.db` stored them, and
/// their conversion to today's records. Used only by migration 6 to upgrade a data directory in
/// place; never written.
enum Legacy {
    /// A task definition revision: the ECS shape and its tags.
    struct TaskDefinitionRecord: Decodable {
        var definition: ECS.TaskDefinition
        var tags: [ECS.Tag]
    }

    /// A container instance: the ECS shape and what the agent protocol needed.
    struct ContainerInstanceRecord: Decodable {
        var instance: ECS.ContainerInstance
        var cluster: String
        var credentialHash: String
        var desiredVersion: Int
        var activationId: String?
    }

    /// An activation: Systems Manager's shape and the code's hash.
    struct ActivationRecord: Decodable {
        var activation: SSM.Activation
        var codeHash: String
    }

    /// Why a stored row cannot be upgraded.
    struct UpgradeError: Error, CustomStringConvertible {
        var description: String
    }

    static func cluster(_ cluster: ECS.Cluster) throws -> ClusterRecord {
        ClusterRecord(
            name: try required(cluster.clusterName, "cluster name"),
            status: try parse(ClusterStatus.self, cluster.status ?? "ACTIVE", "cluster status"),
            tags: (cluster.tags ?? []).map(Tag.init),
            settings: (cluster.settings ?? []).map { ClusterSetting(name: $0.name ?? "", value: $0.value ?? "") },
            configuration: cluster.configuration.map(Shared.init),
            capacityProviders: cluster.capacityProviders ?? [],
            defaultCapacityProviderStrategy: (cluster.defaultCapacityProviderStrategy ?? []).map(
                CapacityProviderStrategyItem.init
            ),
            serviceConnectNamespace: cluster.serviceConnectDefaults?.namespace
        )
    }

    static func taskDefinition(_ record: TaskDefinitionRecord) throws -> WharfState.TaskDefinitionRecord {
        let definition = record.definition
        let key = TaskDefinitionKey(
            family: try required(definition.family, "task definition family"),
            revision: try required(definition.revision, "task definition revision")
        )
        return WharfState.TaskDefinitionRecord(
            key: key,
            status: try parse(TaskDefinitionStatus.self, definition.status ?? "ACTIVE", "task definition status"),
            registeredAt: definition.registeredAt,
            registeredBy: definition.registeredBy,
            deregisteredAt: definition.deregisteredAt,
            deleteRequestedAt: definition.deleteRequestedAt,
            tags: record.tags.map(Tag.init),
            spec: definition
        )
    }

    static func instance(_ record: ContainerInstanceRecord) throws -> InstanceRecord {
        let instance = record.instance
        let arn = try required(instance.containerInstanceArn, "container instance ARN")
        guard let id = InstanceID(arnSuffix: arn) else {
            throw UpgradeError(description: "container instance \(arn) has no Wharf ID")
        }
        return InstanceRecord(
            id: id,
            cluster: record.cluster,
            ec2InstanceId: instance.ec2InstanceId,
            status: try parse(InstanceStatus.self, instance.status ?? "ACTIVE", "container instance status"),
            agentConnected: instance.agentConnected ?? false,
            registeredAt: instance.registeredAt,
            resources: InstanceResources(instance.registeredResources ?? []),
            attributes: (instance.attributes ?? []).map(InstanceAttribute.init),
            versionInfo: instance.versionInfo.map(VersionInfo.init),
            tags: (instance.tags ?? []).map(Tag.init),
            credentialHash: record.credentialHash,
            activationId: record.activationId
        )
    }

    static func task(_ task: ECS.Task) throws -> TaskRecord {
        let arn = try required(task.taskArn, "task ARN")
        guard let id = TaskID(arnSuffix: arn) else { throw UpgradeError(description: "task \(arn) has no Wharf ID") }
        guard let cluster = task.clusterArn.flatMap(ARN.init(parsing:))?.resourceID else {
            throw UpgradeError(description: "task \(arn) has no cluster")
        }
        guard let definition = task.taskDefinitionArn.flatMap({ TaskDefinitionKey($0) }) else {
            throw UpgradeError(description: "task \(arn) has no task definition")
        }
        var record = TaskRecord(
            id: id,
            cluster: cluster,
            instance: task.containerInstanceArn.flatMap { InstanceID(arnSuffix: $0) },
            taskDefinition: definition,
            group: task.group ?? "family:\(definition.family)",
            startedBy: task.startedBy,
            launchType: try parse(LaunchType.self, task.launchType ?? "EC2", "launch type"),
            lastStatus: try parse(TaskStatus.self, task.lastStatus ?? "PROVISIONING", "task status"),
            desiredStatus: try parse(DesiredStatus.self, task.desiredStatus ?? "RUNNING", "desired status"),
            health: try parse(HealthStatus.self, task.healthStatus ?? "UNKNOWN", "health status"),
            stopCode: try task.stopCode.map { try parse(TaskStopCode.self, $0, "stop code") },
            stoppedReason: task.stoppedReason,
            cpu: task.cpu,
            memory: task.memory,
            createdAt: task.createdAt ?? Date(),
            version: task.version ?? 1,
            containers: try (task.containers ?? []).map(container),
            overrides: task.overrides.flatMap { $0 == ECS.TaskOverride(containerOverrides: []) ? nil : Shared($0) },
            tags: (task.tags ?? []).map(Tag.init)
        )
        record.pullStartedAt = task.pullStartedAt
        record.pullStoppedAt = task.pullStoppedAt
        record.startedAt = task.startedAt
        record.stoppingAt = task.stoppingAt
        record.stoppedAt = task.stoppedAt
        record.executionStoppedAt = task.executionStoppedAt
        return record
    }

    static func container(_ container: ECS.Container) throws -> ContainerRecord {
        let arn = try required(container.containerArn, "container ARN")
        guard let id = ContainerID(arn.split(separator: "/").last ?? "") else {
            throw UpgradeError(description: "container \(arn) has no UUID")
        }
        return ContainerRecord(
            id: id,
            name: container.name ?? "",
            image: container.image,
            cpu: Int(container.cpu ?? "0") ?? 0,
            memory: container.memory.flatMap { Int($0) },
            memoryReservation: container.memoryReservation.flatMap { Int($0) },
            runtimeId: container.runtimeId,
            lastStatus: try parse(ContainerStatus.self, container.lastStatus ?? "PENDING", "container status"),
            exitCode: container.exitCode,
            reason: container.reason,
            networkBindings: (container.networkBindings ?? []).map(NetworkBinding.init),
            health: try container.healthStatus.map { try parse(HealthStatus.self, $0, "container health") }
        )
    }

    static func activation(_ record: ActivationRecord) throws -> WharfState.ActivationRecord {
        let activation = record.activation
        return WharfState.ActivationRecord(
            id: try required(activation.activationId, "activation ID"),
            description: activation.description,
            defaultInstanceName: activation.defaultInstanceName,
            iamRole: activation.iamRole ?? "",
            registrationLimit: activation.registrationLimit ?? 1,
            registrationsCount: activation.registrationsCount ?? 0,
            expirationDate: try required(activation.expirationDate, "activation expiration"),
            createdDate: activation.createdDate ?? Date(timeIntervalSince1970: 0),
            tags: (activation.tags ?? []).map { Tag(key: $0.key ?? "", value: $0.value) },
            codeHash: record.codeHash
        )
    }

    static func required<T>(_ value: T?, _ what: String) throws -> T {
        guard let value else { throw UpgradeError(description: "a stored record has no \(what)") }
        return value
    }

    static func parse<T: RawRepresentable>(_ type: T.Type, _ text: String, _ what: String) throws -> T
    where T.RawValue == String {
        guard let value = T(rawValue: text) else { throw UpgradeError(description: "\(what) \"\(text)\" is not known") }
        return value
    }
}
