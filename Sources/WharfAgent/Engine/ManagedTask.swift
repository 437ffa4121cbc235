import WharfModel

/// Where a container of a task stands on the node.
public enum ContainerPhase: String, Codable, Sendable {
    /// Not created yet (waiting for its image or its dependencies).
    case pending
    /// Created and started; the engine says it runs.
    case running
    /// Exited, failed to start, or never started because the task stopped first.
    case stopped
}

/// One container of a task as the agent tracks it.
public struct ManagedContainer: Codable, Equatable, Sendable {
    public var name: String
    /// The engine's container ID once created.
    public var runtimeId: String?
    public var phase: ContainerPhase
    public var exitCode: Int?
    /// Why it stopped or could not start, in ECS's words.
    public var reason: String?
    /// `healthy`, `unhealthy` or `starting` from the engine; nil without a health check.
    public var health: String?
    public var bindings: [ECS.NetworkBinding]
    /// Whether the agent has asked the engine to stop it.
    public var stopRequested: Bool
    /// Whether a launch (pull, create, start) is under way; a restarted agent clears it after
    /// looking for the container by its labels, so nothing starts twice.
    public var launchRequested: Bool
    /// When the engine last started it (seconds since 1970): its first start or its last restart.
    public var startedAt: Double?
    /// How often its `restartPolicy` restarted it.
    public var restartCount: Int?
    /// Since when it has waited for its dependencies (seconds since 1970), for `startTimeout`.
    public var waitingSince: Double?
    /// The node's GPUs given to it at its first launch.
    public var gpuIDs: [String]?
    /// The secret part of its task metadata endpoint's address (`ECS_CONTAINER_METADATA_URI_V4`).
    public var metadataToken: String?

    public init(name: String, runtimeId: String? = nil, phase: ContainerPhase = .pending, exitCode: Int? = nil, reason: String? = nil,
                health: String? = nil, bindings: [ECS.NetworkBinding] = [], stopRequested: Bool = false, launchRequested: Bool = false) {
        self.name = name
        self.runtimeId = runtimeId
        self.phase = phase
        self.exitCode = exitCode
        self.reason = reason
        self.health = health
        self.bindings = bindings
        self.stopRequested = stopRequested
        self.launchRequested = launchRequested
    }

    /// Whether it ever ran (as opposed to failing to start or never starting).
    public var started: Bool { runtimeId != nil && reason?.hasPrefix("Cannot") != true }
}

/// The network namespace of an awsvpc task: its address, and the pause container that holds it
/// and that the task's containers join.
public struct TaskNetwork: Codable, Equatable, Sendable {
    /// Where it stands.
    public enum Phase: String, Codable, Sendable {
        /// Not made yet.
        case pending
        /// The pause container is being made.
        case attaching
        /// The pause container runs: the task's containers may start.
        case attached
        /// The pause container is being removed (the task's containers have all stopped).
        case detaching
        /// Gone (or never made): the address is free on the node.
        case released
    }

    /// The task's address, such as `10.64.3.7`.
    public var address: String
    /// The node's block, such as `10.64.3.0/24`.
    public var subnet: String
    public var phase: Phase
    /// The pause container's engine ID, once made.
    public var pauseID: String?
    /// The MAC address of the task's interface, once made.
    public var macAddress: String?

    public init(address: String, subnet: String, phase: Phase = .pending) {
        self.address = address
        self.subnet = subnet
        self.phase = phase
    }

    /// The pause container's name in the task's labels, as ECS's agent names it.
    public static let pauseContainerName = "~internal~ecs~pause"
}

/// A task the agent runs: what the controller asked for and what happened on the node. Kept under
/// the data directory, so a restarted agent knows its tasks.
public struct ManagedTask: Codable, Equatable, Sendable {
    public var arn: String
    public var clusterArn: String
    public var definition: ECS.TaskDefinition
    public var overrides: ECS.TaskOverride?
    /// `RUNNING` or `STOPPED`, as the controller last said.
    public var desiredStatus: String
    public var containers: [ManagedContainer]
    public var pullStartedAt: Double?
    public var pullStoppedAt: Double?
    public var startedAt: Double?
    public var executionStoppedAt: Double?
    /// Set when the task stops: `UserInitiated`, `EssentialContainerExited`, `TaskFailedToStart`.
    public var stopCode: String?
    public var stoppedReason: String?
    /// Seconds since 1970 after which the stopped task's containers are removed; set once the
    /// controller has acknowledged the STOPPED report (the task is then no longer reported).
    public var cleanupAt: Double?
    /// The network namespace of an awsvpc task.
    public var network: TaskNetwork?
    /// `EC2`, `EXTERNAL` or `FARGATE`, as the controller said.
    public var launchType: String?

    public init(arn: String, clusterArn: String, definition: ECS.TaskDefinition, overrides: ECS.TaskOverride?, desiredStatus: String) {
        self.arn = arn
        self.clusterArn = clusterArn
        self.definition = definition
        self.overrides = overrides
        self.desiredStatus = desiredStatus
        self.containers = (definition.containerDefinitions ?? []).map { ManagedContainer(name: $0.name ?? "") }
    }

    /// The engine's name for a task-scoped volume of the task with ID `task`.
    public static func volumeName(task: String, volume: String) -> String { "ecs-\(task)-\(volume)" }

    /// The engine's name for a container of the task, as ECS's agent names them:
    /// `ecs-FAMILY-REVISION-CONTAINER-` and the task ID's first 12 characters.
    public func engineName(of container: String) -> String {
        "ecs-\(definition.family ?? "task")-\(definition.revision ?? 0)-\(container)-\(id.prefix(12))"
    }

    /// The engine names of this task's task-scoped volumes.
    public var taskScopedVolumes: [String] {
        let taskID = id
        return (definition.volumes ?? []).filter { $0.host?.sourcePath == nil && $0.dockerVolumeConfiguration?.scope != "shared" }
            .map { Self.volumeName(task: taskID, volume: $0.name ?? "") }
    }

    /// The container whose PID and IPC namespaces the others join when the definition's `pidMode`
    /// or `ipcMode` is `task`: the first container that depends on no other. The others start
    /// once it runs.
    public var namespaceOwner: String? {
        guard definition.pidMode == "task" || definition.ipcMode == "task" else { return nil }
        let containers = definition.containerDefinitions ?? []
        return (containers.first { ($0.dependsOn ?? []).isEmpty } ?? containers.first)?.name
    }

    /// The task-level `cpu` units and `memory` MiB (overrides first), when either is given.
    public var size: (cpu: Int?, memoryMiB: Int?)? {
        let cpu = (overrides?.cpu ?? definition.cpu).flatMap { try? TaskSize.cpuUnits($0) }
        let memory = (overrides?.memory ?? definition.memory).flatMap { try? TaskSize.memoryMiB($0) }
        return cpu == nil && memory == nil ? nil : (cpu, memory)
    }

    /// The task's ID: the last part of its ARN.
    public var id: String { arn.split(separator: "/").last.map(String.init) ?? arn }

    /// How many GPUs a container asks for (`resourceRequirements`, or its override).
    public func gpus(of name: String) -> Int {
        let override = overrides?.containerOverrides?.first { $0.name == name }?.resourceRequirements
        return TaskDemand.gpus(override ?? definition(of: name)?.resourceRequirements)
    }

    /// The container definition of a container, by name.
    public func definition(of name: String) -> ECS.ContainerDefinition? {
        definition.containerDefinitions?.first { $0.name == name }
    }

    /// Whether the task is on its way down (asked to, or decided on the node).
    public var isStopping: Bool { desiredStatus == "STOPPED" || stopCode != nil }

    /// ECS's task status for what the containers do.
    public var lastStatus: String {
        if containers.allSatisfy({ $0.phase == .stopped }) {
            // An awsvpc task is STOPPED once its address is free again.
            return (network?.phase ?? .released) == .released ? "STOPPED" : "DEPROVISIONING"
        }
        if isStopping { return "STOPPING" }
        if containers.allSatisfy({ $0.phase == .running || ($0.phase == .stopped && $0.started) }) { return "RUNNING" }
        return containers.contains { $0.runtimeId != nil } || pullStartedAt != nil ? "PENDING" : "PROVISIONING"
    }

    /// `HEALTHY` when every essential container with a health check is healthy, `UNHEALTHY` when
    /// one is not, else `UNKNOWN`.
    public var healthStatus: String {
        let checked = containers.filter { container in
            let definition = self.definition(of: container.name)
            return (definition?.essential ?? true) && definition?.healthCheck != nil
        }
        if checked.isEmpty { return "UNKNOWN" }
        if checked.contains(where: { $0.health == "unhealthy" }) { return "UNHEALTHY" }
        return checked.allSatisfy { $0.health == "healthy" } ? "HEALTHY" : "UNKNOWN"
    }
}
