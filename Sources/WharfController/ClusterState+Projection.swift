import Foundation
import WharfModel
import WharfState

/// The API edge: ECS's shapes made from the records, when an answer is written. ARNs are derived
/// from the records' IDs here; counts and what is left on an instance from the aggregates.
extension ClusterState {
    /// A task's ARN.
    func arn(of task: TaskRecord) -> String {
        taskARNs(cluster: task.cluster, [task.id])[0]
    }

    /// The ARNs of tasks of one cluster, written byte by byte after a prefix made once: listings
    /// and scheduler rounds make thousands.
    func taskARNs(cluster: String, _ ids: [TaskID]) -> [String] {
        let prefix = taskARNPrefix(cluster: cluster)
        return ids.map { Self.taskARN($0, prefix: prefix) }
    }

    /// What every task ARN of `cluster` begins with, as bytes.
    func taskARNPrefix(cluster: String) -> [UInt8] {
        Array("arn:aws:ecs:\(context.region):\(context.accountID):task/\(cluster)/".utf8)
    }

    /// A task's ARN: its cluster's ``taskARNPrefix(cluster:)`` and its ID.
    static func taskARN(_ id: TaskID, prefix: [UInt8]) -> String {
        // Written in place: an array of bytes first, then a string of them, cost a ListTasks page
        // of 100 ARNs a tenth of the controller's time.
        String(unsafeUninitializedCapacity: prefix.count + 32) { buffer in
            let end = buffer.initialize(fromContentsOf: prefix)
            id.write(into: UnsafeMutableBufferPointer(rebasing: buffer[end...]))
            return end + 32
        }
    }

    /// A container instance's ARN.
    func arn(of instance: InstanceRecord) -> String {
        instances.arn(of: instance.id, cluster: instance.cluster)
    }

    /// A task definition revision's ARN.
    func arn(of key: TaskDefinitionKey) -> String {
        context.taskDefinitionARN(family: key.family, revision: key.revision)
    }

    /// A task as DescribeTasks, RunTask and StopTask show it.
    func project(_ task: TaskRecord, includeTags: Bool = true) -> ECS.Task {
        let taskArn = arn(of: task)
        let containers = task.containers.map { container in
            ECS.Container(
                containerArn: context.ecsARN("container", "\(task.cluster)/\(task.id)/\(container.id)").description,
                taskArn: taskArn,
                name: container.name,
                image: container.image,
                runtimeId: container.runtimeId,
                lastStatus: container.lastStatus.rawValue,
                exitCode: container.exitCode,
                reason: container.reason,
                networkBindings: container.networkBindings.map(\.ecs),
                networkInterfaces: task.network.map {
                    [ECS.NetworkInterface(attachmentId: $0.attachmentID, privateIpv4Address: $0.privateIPv4Address)]
                },
                healthStatus: container.health?.rawValue,
                managedAgents: task.enableExecuteCommand == true ? [execAgent(container, of: task)] : nil,
                cpu: String(container.cpu),
                memory: container.memory.map(String.init),
                memoryReservation: container.memoryReservation.map(String.init),
                gpuIds: container.gpuIDs
            )
        }
        var shown = ECS.Task(
            attachments: task.network.map { [attachment(of: $0, task: task)] },
            attributes: [],
            clusterArn: context.clusterARN(task.cluster),
            connectivity: "CONNECTED",
            connectivityAt: task.createdAt,
            containerInstanceArn: task.instance.map { instances.arn(of: $0, cluster: task.cluster) },
            containers: containers,
            cpu: task.cpu,
            createdAt: task.createdAt,
            desiredStatus: task.desiredStatus.rawValue,
            enableExecuteCommand: task.enableExecuteCommand ?? false,
            executionStoppedAt: task.executionStoppedAt,
            group: task.group,
            healthStatus: task.health.rawValue,
            lastStatus: task.isDeactivating && task.lastStatus == .running
                ? TaskStatus.deactivating.rawValue : task.lastStatus.rawValue,
            launchType: task.launchType.rawValue,
            memory: task.memory,
            overrides: task.overrides?.value ?? ECS.TaskOverride(containerOverrides: []),
            pullStartedAt: task.pullStartedAt,
            pullStoppedAt: task.pullStoppedAt,
            startedAt: task.startedAt,
            startedBy: task.startedBy,
            stopCode: task.stopCode?.rawValue,
            stoppedAt: task.stoppedAt,
            stoppedReason: task.stoppedReason,
            stoppingAt: task.stoppingAt,
            tags: includeTags ? task.tags.map(\.ecs) : nil,
            taskArn: taskArn,
            taskDefinitionArn: arn(of: task.taskDefinition),
            version: task.version
        )
        shown.platformVersion = task.platformVersion
        shown.platformFamily = task.platformVersion == nil ? nil : "Linux"
        shown.capacityProviderName = task.capacityProviderName
        return shown
    }

    /// An awsvpc task's `ElasticNetworkInterface` attachment, as ECS shows it: PRECREATED until
    /// its node has made the interface, ATTACHED while the task has it, DELETED once it stopped.
    func attachment(of network: TaskNetworkRecord, task: TaskRecord) -> ECS.Attachment {
        let status = task.isStopped ? "DELETED" : (network.macAddress == nil ? "PRECREATED" : "ATTACHED")
        var details = [ECS.KeyValuePair(name: "subnetId", value: network.subnetID)]
        details.append(ECS.KeyValuePair(name: "networkInterfaceId", value: network.networkInterfaceID))
        if let mac = network.macAddress { details.append(ECS.KeyValuePair(name: "macAddress", value: mac)) }
        details.append(ECS.KeyValuePair(name: "privateDnsName", value: privateDNSName(network.privateIPv4Address)))
        details.append(ECS.KeyValuePair(name: "privateIPv4Address", value: network.privateIPv4Address))
        return ECS.Attachment(
            id: network.attachmentID,
            type: "ElasticNetworkInterface",
            status: status,
            details: details
        )
    }

    /// The DNS name EC2 gives an address: `ip-10-64-3-7.ec2.internal` in us-east-1,
    /// `ip-10-64-3-7.REGION.compute.internal` elsewhere.
    func privateDNSName(_ address: String) -> String {
        let host = "ip-" + address.replacingOccurrences(of: ".", with: "-")
        return context.region == "us-east-1" ? "\(host).ec2.internal" : "\(host).\(context.region).compute.internal"
    }

    /// A container instance as DescribeContainerInstances shows it: what is left on it and its
    /// task counts come from the tasks it holds, its version from its desired state.
    func project(_ record: InstanceRecord, includeTags: Bool = true) -> ECS.ContainerInstance {
        let held = tasks.holding(record.id)
        let running = held.filter { $0.lastStatus == .running }.count
        var cpu = record.resources.cpu
        var memory = record.resources.memoryMiB
        var takenTCP: [Int] = []
        var takenUDP: [Int] = []
        var gpusHeld = 0
        var gpusSeen: Set<String> = []
        for task in held {
            gpusSeen.formUnion(task.containers.flatMap { $0.gpuIDs ?? [] })
            guard let demand = tasks.demand(of: task.id) else { continue }
            cpu -= demand.cpu
            memory -= demand.memoryMiB
            gpusHeld += demand.gpus
            for port in demand.hostPorts {
                if port.transport == "udp" { takenUDP.append(port.port) } else { takenTCP.append(port.port) }
            }
        }
        return ECS.ContainerInstance(
            containerInstanceArn: arn(of: record),
            ec2InstanceId: record.ec2InstanceId,
            capacityProviderName: capacityProvider(of: record)?.name,
            version: instances.desiredVersion(of: record.id),
            versionInfo: record.versionInfo?.ecs,
            remainingResources: record.resources.ecs(
                cpu: cpu,
                memoryMiB: memory,
                takenTCP: takenTCP,
                takenUDP: takenUDP,
                // The IDs no task's container reported, as many as no task's demand holds.
                gpus: Array(
                    (record.resources.other.first { $0.name == "GPU" }?.stringSetValue ?? [])
                        .filter { !gpusSeen.contains($0) }
                        .prefix(max(0, record.resources.gpuCount - gpusHeld))
                )
            ),
            registeredResources: record.resources.ecs(),
            status: record.status.rawValue,
            agentConnected: record.agentConnected,
            runningTasksCount: running,
            pendingTasksCount: held.count - running,
            attributes: record.attributes.map(\.ecs),
            registeredAt: record.registeredAt,
            tags: includeTags ? record.tags.map(\.ecs) : nil
        )
    }

    /// The capacity provider of the cluster whose node group the instance is in, if any.
    func capacityProvider(of record: InstanceRecord) -> CapacityProviderRecord? {
        guard let group = record.attributes.first(where: { $0.name == CapacityProviderRecord.nodeGroupAttribute })?
            .value,
            let provider = capacityProviders.provider(ofNodeGroup: group),
            clusters[record.cluster]?.capacityProviders.contains(provider.name) == true
        else { return nil }
        return provider
    }

    /// A cluster as DescribeClusters shows it: counts filled in, optional parts only when included.
    func project(_ cluster: ClusterRecord, include: Set<String>) -> ECS.Cluster {
        let name = cluster.name
        let live = tasks.counts(inCluster: name)
        let services = activeServicesCount(name)
        var shape = ECS.Cluster(
            clusterArn: context.clusterARN(name),
            clusterName: name,
            configuration: cluster.configuration?.value,
            status: cluster.status.rawValue,
            registeredContainerInstancesCount: registeredInstancesCount(name),
            runningTasksCount: live.running,
            pendingTasksCount: live.pending,
            activeServicesCount: services,
            statistics: include.contains("STATISTICS") ? Self.statistics(live, services: services) : [],
            // AWS leaves the key out when the cluster has no tags.
            tags: cluster.tags.isEmpty ? nil : cluster.tags.map(\.ecs),
            settings: cluster.settings.map { ECS.ClusterSetting(name: $0.name, value: $0.value) },
            capacityProviders: cluster.capacityProviders,
            defaultCapacityProviderStrategy: cluster.defaultCapacityProviderStrategy.map(\.ecs),
            serviceConnectDefaults: cluster.serviceConnectNamespace.map {
                ECS.ClusterServiceConnectDefaults(namespace: $0)
            }
        )
        if !include.contains("TAGS") { shape.tags = nil }
        if !include.contains("SETTINGS") { shape.settings = nil }
        if !include.contains("CONFIGURATIONS") { shape.configuration = nil }
        if include.contains("ATTACHMENTS") { shape.attachments = [] }
        return shape
    }

    /// The STATISTICS of DescribeClusters, as ECS names them (EXTERNAL tasks count as EC2).
    static func statistics(_ live: TaskCounts, services: Int) -> [ECS.KeyValuePair] {
        let values = [
            ("runningEC2TasksCount", live.runningEC2), ("runningFargateTasksCount", live.runningFargate),
            ("pendingEC2TasksCount", live.pendingEC2), ("pendingFargateTasksCount", live.pendingFargate),
            ("activeEC2ServiceCount", services), ("activeFargateServiceCount", 0),
            ("drainingEC2ServiceCount", 0), ("drainingFargateServiceCount", 0),
        ]
        return values.map { ECS.KeyValuePair(name: $0.0, value: "\($0.1)") }
    }

    /// An activation as DescribeActivations shows it.
    static func project(_ record: ActivationRecord, now: Date) -> SSM.Activation {
        SSM.Activation(
            activationId: record.id,
            description: record.description,
            defaultInstanceName: record.defaultInstanceName,
            iamRole: record.iamRole,
            registrationLimit: record.registrationLimit,
            registrationsCount: record.registrationsCount,
            expirationDate: record.expirationDate,
            expired: record.expirationDate <= now,
            createdDate: record.createdDate,
            tags: record.tags.map(\.ssm)
        )
    }
}
