/// What one task takes from a container instance: CPU units, memory MiB and static host ports.
/// Task-level sizes win; otherwise the containers' sizes add up (memoryReservation where given,
/// as ECS reserves the soft limit). Overrides apply first.
public struct TaskDemand: Equatable, Sendable {
    /// A host port with its transport, such as 8080/tcp.
    public struct HostPort: Hashable, Sendable, CustomStringConvertible {
        public var port: Int
        public var transport: String
        public init(port: Int, transport: String) {
            self.port = port
            self.transport = transport
        }
        public var description: String { "\(port)/\(transport)" }
    }

    public var cpu: Int
    public var memoryMiB: Int
    /// Static host ports only; dynamic ones (hostPort 0 or absent in bridge mode) take none, nor
    /// do awsvpc tasks, which listen on their own addresses.
    public var hostPorts: Set<HostPort>
    /// GPUs: the containers' `resourceRequirements` of type GPU added up.
    public var gpus: Int

    /// What a task takes when its demand is unknown (its definition is gone): nothing.
    public static let zero = TaskDemand(cpu: 0, memoryMiB: 0, hostPorts: [])

    public init(cpu: Int, memoryMiB: Int, hostPorts: Set<HostPort>, gpus: Int = 0) {
        self.cpu = cpu
        self.memoryMiB = memoryMiB
        self.hostPorts = hostPorts
        self.gpus = gpus
    }

    /// The GPUs a container asks for in `resourceRequirements` (0 when none).
    public static func gpus(_ requirements: [ECS.ResourceRequirement]?) -> Int {
        (requirements ?? []).filter { $0.type == "GPU" }.reduce(0) { $0 + (Int($1.value ?? "") ?? 0) }
    }

    /// The demand of a task of `definition` run with `overrides`.
    /// - Throws: `InvalidParameterException` for an override that is not a valid size.
    public static func of(_ definition: ECS.TaskDefinition, overrides: ECS.TaskOverride?) throws(ECSError) -> TaskDemand {
        let containers = (definition.containerDefinitions ?? []).map { container in
            var container = container
            if let override = overrides?.containerOverrides?.first(where: { $0.name == container.name }) {
                container.cpu = override.cpu ?? container.cpu
                container.memory = override.memory ?? container.memory
                container.memoryReservation = override.memoryReservation ?? container.memoryReservation
                container.resourceRequirements = override.resourceRequirements ?? container.resourceRequirements
            }
            return container
        }
        let taskCPU = try (overrides?.cpu ?? definition.cpu).map { (text) throws(ECSError) in try TaskSize.cpuUnits(text) }
        let taskMemory = try (overrides?.memory ?? definition.memory).map { (text) throws(ECSError) in try TaskSize.memoryMiB(text) }
        let cpu = taskCPU ?? containers.reduce(0) { $0 + ($1.cpu ?? 0) }
        let memory = taskMemory ?? containers.reduce(0) { $0 + ($1.memoryReservation ?? $1.memory ?? 0) }
        let networkMode = definition.networkMode ?? "bridge"
        var ports = Set<HostPort>()
        // An awsvpc task listens on its own address: it takes no port of its node.
        for container in containers where networkMode != "awsvpc" {
            for mapping in container.portMappings ?? [] {
                let host = networkMode == "bridge" ? (mapping.hostPort ?? 0) : (mapping.hostPort ?? mapping.containerPort ?? 0)
                if host != 0 { ports.insert(HostPort(port: host, transport: mapping.protocol ?? "tcp")) }
            }
        }
        let gpus = containers.reduce(0) { $0 + Self.gpus($1.resourceRequirements) }
        return TaskDemand(cpu: cpu, memoryMiB: memory, hostPorts: ports, gpus: gpus)
    }
}
