import Foundation
import WharfModel
import WharfState

/// Records for the aggregate tests: a cluster `lab`, a revision `web:1` (256 CPU units, 512 MiB,
/// host port 8080), nodes of 2048 CPU units and 2048 MiB, tasks of `web:1`.
enum Sample {
    static let time = Date(timeIntervalSince1970: 1_800_000_000)
    static let web = TaskDefinitionKey(family: "web", revision: 1)

    static func definition(_ key: TaskDefinitionKey = web, hostPort: Int? = 8080) -> TaskDefinitionRecord {
        let container = ECS.ContainerDefinition(
            name: "app",
            image: "busybox",
            cpu: 256,
            memory: 512,
            portMappings: hostPort.map { [ECS.PortMapping(containerPort: 80, hostPort: $0, protocol: "tcp")] } ?? []
        )
        return TaskDefinitionRecord(
            key: key,
            registeredAt: time,
            registeredBy: "root",
            spec: ECS.TaskDefinition(containerDefinitions: [container], family: key.family, revision: key.revision)
        )
    }

    static func instance(_ number: UInt64, cluster: String = "lab", status: InstanceStatus = .active) -> InstanceRecord
    {
        InstanceRecord(
            id: InstanceID(high: 0, low: number),
            cluster: cluster,
            ec2InstanceId: "node-\(number)",
            status: status,
            agentConnected: true,
            registeredAt: time,
            resources: InstanceResources(cpu: 2048, memoryMiB: 2048, reservedTCPPorts: [22]),
            attributes: [InstanceAttribute(name: "ecs.os-type", value: "linux")],
            credentialHash: "h\(number)"
        )
    }

    static func task(
        _ number: UInt64,
        on instance: UInt64? = 1,
        group: String = "family:web",
        status: TaskStatus = .provisioning,
        desired: DesiredStatus = .running,
        stoppedAt: Date? = nil,
        definition: TaskDefinitionKey = web
    ) -> TaskRecord {
        var record = TaskRecord(
            id: TaskID(high: 1, low: number),
            cluster: "lab",
            instance: instance.map { InstanceID(high: 0, low: $0) },
            taskDefinition: definition,
            group: group,
            lastStatus: status,
            desiredStatus: desired,
            createdAt: time,
            containers: [
                ContainerRecord(
                    id: ContainerID(high: 2, low: number),
                    name: "app",
                    image: "busybox",
                    cpu: 256,
                    memory: 512
                )
            ]
        )
        record.stoppedAt = stoppedAt
        return record
    }

    /// A state with cluster `lab`, revision `web:1` and nodes 1 and 2.
    static func service(_ name: String, cluster: String = "lab", status: ServiceStatus = .active) -> ServiceRecord {
        ServiceRecord(
            arn: "arn:aws:ecs:us-east-1:000000000000:service/\(cluster)/\(name)",
            name: name,
            cluster: cluster,
            status: status,
            desiredCount: 0,
            taskDefinition: web,
            createdAt: time
        )
    }

    static func state(generation: Int = 3) -> ClusterState {
        var stored = StoredState()
        stored.generation = generation
        stored.clusters = [ClusterRecord(name: "lab")]
        stored.taskDefinitions = [definition()]
        stored.familyRevisions = ["web": 1]
        stored.instances = [instance(1), instance(2)]
        return ClusterState(context: AccountContext(), stored: stored)
    }
}
