import WharfModel

/// The labels every container Wharf creates carries, named as Amazon's ECS agent names them so
/// tools that know those keep working; `org.wharf.instance-arn` adds the node's identity.
public enum ContainerLabels {
    public static let cluster = "com.amazonaws.ecs.cluster"
    public static let taskArn = "com.amazonaws.ecs.task-arn"
    public static let containerName = "com.amazonaws.ecs.container-name"
    public static let family = "com.amazonaws.ecs.task-definition-family"
    public static let revision = "com.amazonaws.ecs.task-definition-version"
    public static let instanceArn = "org.wharf.instance-arn"
}

extension ContainerSpec {
    /// The spec for one container of `task`, with the task's overrides applied.
    /// - Parameters:
    ///   - instanceArn: the node's identity, recorded in a label.
    ///   - secrets: the values of the container's `secrets`, as environment variables.
    ///   - logSecrets: the values of its `logConfiguration.secretOptions`, as log driver options.
    ///   - cgroup: the task's own cgroup, which holds its task-level size; without one, the size
    ///     bounds each container.
    ///   - runtimeID: the engine ID of another container of the task, for `volumesFrom`.
    public init(
        container name: String,
        of task: ManagedTask,
        instanceArn: String,
        secrets: [String: String] = [:],
        logSecrets: [String: String] = [:],
        cgroup: TaskCgroup? = nil,
        runtimeID: (String) -> String?
    ) {
        let definition = task.definition(of: name) ?? ECS.ContainerDefinition(name: name)
        let override = task.overrides?.containerOverrides?.first { $0.name == name }
        let family = task.definition.family ?? "task"
        let revision = task.definition.revision ?? 0
        let taskID = task.id
        let networkMode = task.definition.networkMode ?? "bridge"

        var environment: [String: String] = [:]
        for pair in (definition.environment ?? []) + (override?.environment ?? []) {
            if let key = pair.name { environment[key] = pair.value ?? "" }
        }
        environment.merge(secrets) { _, secret in secret }
        var labels = definition.dockerLabels ?? [:]
        labels[ContainerLabels.cluster] = task.clusterArn
        labels[ContainerLabels.taskArn] = task.arn
        labels[ContainerLabels.containerName] = name
        labels[ContainerLabels.family] = family
        labels[ContainerLabels.revision] = String(revision)
        labels[ContainerLabels.instanceArn] = instanceArn

        // A containerPortRange publishes each of its ports on a host port the engine chooses.
        let ports: [Port] =
            networkMode == "bridge"
            ? (definition.portMappings ?? []).flatMap { mapping -> [Port] in
                let transport = mapping.protocol ?? "tcp"
                if let range = mapping.containerPortRange.flatMap(PortRange.init) {
                    return range.ports.map { Port(containerPort: $0, hostPort: nil, transport: transport) }
                }
                guard let containerPort = mapping.containerPort else { return [] }
                return [Port(containerPort: containerPort, hostPort: mapping.hostPort, transport: transport)]
            } : []

        let volumes = task.definition.volumes ?? []
        let mounts: [Mount] = (definition.mountPoints ?? []).compactMap { point in
            guard let volume = volumes.first(where: { $0.name == point.sourceVolume }), let volumeName = volume.name,
                let path = point.containerPath
            else { return nil }
            let source: Mount.Source
            if let hostPath = volume.host?.sourcePath {
                source = .hostPath(hostPath)
            } else if let docker = volume.dockerVolumeConfiguration, docker.scope == "shared" {
                source = .volume(
                    name: volumeName,
                    driver: docker.driver,
                    driverOptions: docker.driverOpts ?? [:],
                    labels: docker.labels ?? [:]
                )
            } else {
                // Task-scoped: named after the task and labelled with it, removed with its containers.
                let docker = volume.dockerVolumeConfiguration
                source = .volume(
                    name: ManagedTask.volumeName(task: taskID, volume: volumeName),
                    driver: docker?.driver,
                    driverOptions: docker?.driverOpts ?? [:],
                    labels: (docker?.labels ?? [:]).merging([
                        ContainerLabels.taskArn: task.arn, ContainerLabels.cluster: task.clusterArn,
                    ]) { _, ours in ours }
                )
            }
            return Mount(source: source, containerPath: path, readOnly: point.readOnly ?? false)
        }

        let health = definition.healthCheck.map { check in
            HealthCheck(
                test: check.command ?? [],
                intervalSeconds: check.interval ?? 30,
                timeoutSeconds: check.timeout ?? 5,
                retries: check.retries ?? 3,
                startPeriodSeconds: check.startPeriod ?? 0
            )
        }

        let passThroughDrivers: Set<String> = [
            "json-file", "local", "none", "syslog", "journald", "fluentd", "gelf", "splunk",
        ]
        let logDriver = definition.logConfiguration?.logDriver
        let (driver, options): (String, [String: String]) =
            if let logDriver, passThroughDrivers.contains(logDriver) {
                (logDriver, (definition.logConfiguration?.options ?? [:]).merging(logSecrets) { _, secret in secret })
            } else {
                // json-file with rotation; for awslogs the agent reads it from the engine and ships it,
                // so max-buffer-size is how much a file holds that the agent has not shipped yet.
                ("json-file", ["max-size": definition.logConfiguration?.options?["max-buffer-size"] ?? "10m",
                               "max-file": "3"])
            }

        self.init(
            name: task.engineName(of: name),
            image: definition.image ?? "",
            entryPoint: definition.entryPoint,
            command: override?.command ?? definition.command,
            environment: environment,
            workingDirectory: definition.workingDirectory,
            user: definition.user,
            hostname: networkMode == "host" || networkMode == "awsvpc" ? nil : definition.hostname,
            labels: labels,
            networkMode: networkMode,
            ports: ports,
            cpuShares: override?.cpu ?? definition.cpu ?? 0,
            memoryMiB: override?.memory ?? definition.memory,
            memoryReservationMiB: override?.memoryReservation ?? definition.memoryReservation,
            ulimits: (definition.ulimits ?? []).compactMap {
                // The model requires all three; registration refused a definition without them.
                guard let name = $0.name, let soft = $0.softLimit, let hard = $0.hardLimit else { return nil }
                return Ulimit(name: name, soft: soft, hard: hard)
            },
            initProcess: definition.linuxParameters?.initProcessEnabled ?? false,
            mounts: mounts,
            volumesFrom: (definition.volumesFrom ?? []).compactMap { from in
                guard let source = from.sourceContainer, let id = runtimeID(source) else { return nil }
                return VolumesFrom(containerID: id, readOnly: from.readOnly ?? false)
            },
            logDriver: driver,
            logOptions: options,
            healthCheck: health,
            stopTimeoutSeconds: definition.stopTimeout ?? TaskEngine.defaultStopTimeout,
            privileged: definition.privileged ?? false,
            readOnlyRootFilesystem: definition.readonlyRootFilesystem ?? false,
            // An awsvpc task's containers share its pause container's resolv.conf, which has them.
            dnsServers: networkMode == "awsvpc" ? [] : definition.dnsServers ?? [],
            dnsSearchDomains: networkMode == "awsvpc" ? [] : definition.dnsSearchDomains ?? [],
            extraHosts: (definition.extraHosts ?? []).compactMap { entry in
                guard let host = entry.hostname, let ip = entry.ipAddress else { return nil }
                return "\(host):\(ip)"
            },
            links: networkMode == "bridge"
                ? (definition.links ?? []).compactMap { link in
                    // "name" or "name:alias"; Docker wants the engine's container for "name".
                    let parts = link.split(separator: ":", maxSplits: 1).map(String.init)
                    guard let target = parts.first, let id = runtimeID(target) else { return nil }
                    return "\(id):\(parts.count > 1 ? parts[1] : target)"
                } : []
        )
        apply(definition, of: task, cgroup: cgroup, runtimeID: runtimeID)
    }

    /// What `linuxParameters`, `dockerSecurityOptions`, `systemControls`, the task's `pidMode`
    /// and `ipcMode`, `interactive`, `pseudoTerminal` and `disableNetworking` ask of the engine.
    mutating func apply(
        _ definition: ECS.ContainerDefinition,
        of task: ManagedTask,
        cgroup: TaskCgroup?,
        runtimeID: (String) -> String?
    ) {
        let parameters = definition.linuxParameters
        capabilitiesAdded = parameters?.capabilities?.add ?? []
        capabilitiesDropped = parameters?.capabilities?.drop ?? []
        devices = (parameters?.devices ?? []).compactMap { device in
            guard let host = device.hostPath else { return nil }
            let permissions = (device.permissions ?? ["read", "write", "mknod"])
                .compactMap { $0.first.map(String.init) }
            return Device(
                hostPath: host,
                containerPath: device.containerPath ?? host,
                permissions: ["r", "w", "m"].filter(permissions.contains).joined()
            )
        }
        sharedMemoryMiB = parameters?.sharedMemorySize
        tmpfs = Dictionary(
            (parameters?.tmpfs ?? []).compactMap { mount -> (String, String)? in
                guard let path = mount.containerPath, let size = mount.size else { return nil }
                return (path, (["size=\(size)m"] + (mount.mountOptions ?? [])).joined(separator: ","))
            },
            uniquingKeysWith: { first, _ in first }
        )
        maxSwapMiB = parameters?.maxSwap
        swappiness = parameters?.swappiness
        securityOptions = definition.dockerSecurityOptions ?? []
        sysctls = Dictionary(
            (definition.systemControls ?? []).compactMap { control -> (String, String)? in
                guard let key = control.namespace, let value = control.value else { return nil }
                return (key, value)
            },
            uniquingKeysWith: { _, last in last }
        )
        openStdin = definition.interactive ?? false
        tty = definition.pseudoTerminal ?? false
        networkDisabled = definition.disableNetworking ?? false
        if task.definition.networkMode == "awsvpc" {
            // The task's network namespace is its pause container's; a container with networking
            // off gets one of its own with nothing in it.
            networkMode = networkDisabled ? "none" : task.network?.pauseID.map { "container:\($0)" } ?? "none"
            networkDisabled = false
        }
        let volumes = task.definition.volumes ?? []
        existingVolumes = (definition.mountPoints ?? []).compactMap { point in
            guard let volume = volumes.first(where: { $0.name == point.sourceVolume }),
                let docker = volume.dockerVolumeConfiguration, docker.scope == "shared", docker.autoprovision != true
            else { return nil }
            return volume.name
        }
        if let cgroup {
            cgroupParent = cgroup.parent
        } else if let size = task.size {
            // No cgroup of the task's own: its size bounds each container.
            cpuQuotaUnits = size.cpu
            memoryMiB = memoryMiB ?? size.memoryMiB
        }
        gpuDeviceIDs = task.containers.first { $0.name == definition.name }?.gpuIDs ?? []
        if !gpuDeviceIDs.isEmpty {
            // As ECS's agent sets it, for programs that read which GPUs they have.
            environment["NVIDIA_VISIBLE_DEVICES"] = gpuDeviceIDs.joined(separator: ",")
        }
        let owner = task.namespaceOwner
        let ownerID = owner.flatMap(runtimeID)
        let isOwner = owner == definition.name
        switch task.definition.pidMode {
        case "host": pidNamespace = .host
        case "task" where !isOwner: pidNamespace = ownerID.map(Namespace.container)
        default: pidNamespace = nil
        }
        switch task.definition.ipcMode {
        case "host": ipcNamespace = .host
        case "none": ipcNamespace = .disabled
        case "task": ipcNamespace = isOwner ? .shareable : ownerID.map(Namespace.container)
        default: ipcNamespace = nil
        }
    }
}
