/// The members of a task definition that Wharf refuses, because nothing on a Wharf node can give
/// them effect, and the rules on the members it gives effect to that ECS checks at registration.
/// A refusal is `InvalidParameterException` naming the member and why; a broken rule is
/// `ClientException`, as ECS throws it.
extension TaskDefinitionRules {
    /// The log drivers a container may name: Docker's own, run by the engine, and `awslogs`, which
    /// the agent ships to the controller's CloudWatch Logs.
    public static let logDrivers: Set<String> = [
        "awslogs", "json-file", "syslog", "journald", "gelf", "fluentd", "splunk",
    ]
    /// The `awslogs` options Wharf gives effect to (see `Protocols/ecs-api.md`).
    public static let awslogsOptions: Set<String> = [
        "awslogs-group", "awslogs-stream-prefix", "awslogs-create-group", "awslogs-region", "mode",
        "max-buffer-size", "awslogs-multiline-pattern", "awslogs-datetime-format",
    ]
    /// The Linux capabilities ECS accepts in `linuxParameters.capabilities`.
    public static let capabilities: Set<String> = [
        "ALL", "AUDIT_CONTROL", "AUDIT_WRITE", "BLOCK_SUSPEND", "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH",
        "FOWNER", "FSETID", "IPC_LOCK", "IPC_OWNER", "KILL", "LEASE", "LINUX_IMMUTABLE", "MAC_ADMIN",
        "MAC_OVERRIDE", "MKNOD", "NET_ADMIN", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_RAW", "SETFCAP",
        "SETGID", "SETPCAP", "SETUID", "SYS_ADMIN", "SYS_BOOT", "SYS_CHROOT", "SYS_MODULE", "SYS_NICE",
        "SYS_PACCT", "SYS_PTRACE", "SYS_RAWIO", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "SYSLOG",
        "WAKE_ALARM",
    ]


    /// Refuses what Wharf cannot run and checks the members it runs that ECS checks too.
    /// - Parameter region: the controller's region, the only one `awslogs-region` may name.
    public static func checkSupported(_ request: ECS.RegisterTaskDefinitionRequest, region: String) throws(ECSError) {
        if request.proxyConfiguration != nil {
            throw ECSError.unsupported(
                "proxyConfiguration",
                "there is no App Mesh; run the proxy as a container of the task"
            )
        }
        if !(request.inferenceAccelerators ?? []).isEmpty {
            throw ECSError.unsupported("inferenceAccelerators", "Elastic Inference accelerators exist only in AWS")
        }
        if request.ephemeralStorage != nil {
            throw ECSError.unsupported(
                "ephemeralStorage",
                "a task's scratch space cannot be sized on a node; containers write to the engine's storage"
            )
        }
        if request.enableFaultInjection == true {
            throw ECSError.unsupported(
                "enableFaultInjection",
                "there are no fault injection endpoints on Wharf's nodes"
            )
        }
        if let family = request.runtimePlatform?.operatingSystemFamily, family != "LINUX" {
            throw ECSError.unsupported(
                "runtimePlatform.operatingSystemFamily \(family)",
                "Wharf's nodes run Linux containers"
            )
        }
        if let architecture = request.runtimePlatform?.cpuArchitecture, !["X86_64", "ARM64"].contains(architecture) {
            throw ECSError(.client, "runtimePlatform.cpuArchitecture \(architecture) is not valid; use X86_64 or ARM64")
        }
        if let mode = request.pidMode, !["host", "task"].contains(mode) {
            throw ECSError(.client, "pidMode \(mode) is not valid; use host or task")
        }
        if let mode = request.ipcMode, !["host", "task", "none"].contains(mode) {
            throw ECSError(.client, "ipcMode \(mode) is not valid; use host, task or none")
        }
        for volume in request.volumes ?? [] {
            let name = volume.name ?? ""
            if volume.efsVolumeConfiguration != nil {
                throw ECSError.unsupported(
                    "volume \"\(name)\": efsVolumeConfiguration",
                    "there is no Amazon EFS; use a host path"
                )
            }
            if volume.fsxWindowsFileServerVolumeConfiguration != nil {
                throw ECSError.unsupported(
                    "volume \"\(name)\": fsxWindowsFileServerVolumeConfiguration",
                    "there is no FSx"
                )
            }
            if volume.s3filesVolumeConfiguration != nil {
                throw ECSError.unsupported("volume \"\(name)\": s3filesVolumeConfiguration", "there is no Amazon S3")
            }
            if let docker = volume.dockerVolumeConfiguration, docker.autoprovision == true, docker.scope != "shared" {
                throw ECSError(
                    .client,
                    "volume \"\(name)\": autoprovision applies only to a shared volume (scope shared); a task-scoped "
                        + "volume is always created"
                )
            }
            if volume.configuredAtLaunch == true {
                throw ECSError.unsupported("volume \"\(name)\": configuredAtLaunch", "there are no Amazon EBS volumes")
            }
        }
        let networkMode = request.networkMode ?? "bridge"
        for container in request.containerDefinitions ?? [] {
            try checkSupported(container, networkMode: networkMode, region: region)
        }
    }

    static func checkSupported(
        _ container: ECS.ContainerDefinition,
        networkMode: String,
        region: String
    )
        throws(ECSError)
    {
        let name = "container \"\(container.name ?? "")\""
        if !(container.environmentFiles ?? []).isEmpty {
            throw ECSError.unsupported(
                "\(name): environmentFiles",
                "environment files are read from Amazon S3, which Wharf does not have; give the variables in "
                    + "environment, or in secrets from Parameter Store"
            )
        }
        if container.firelensConfiguration != nil {
            throw ECSError.unsupported(
                "\(name): firelensConfiguration",
                "there is no FireLens log router; use a Docker log driver such as fluentd in logConfiguration"
            )
        }
        if !(container.credentialSpecs ?? []).isEmpty {
            throw ECSError.unsupported("\(name): credentialSpecs", "there is no Active Directory integration (gMSA)")
        }
        try checkResourceRequirements(container.resourceRequirements, name: name)
        if container.versionConsistency == "enabled" {
            throw ECSError.unsupported(
                "\(name): versionConsistency enabled",
                "a deployment does not pin its image digest; each node pulls the tag when it starts a task "
                    + "(versionConsistency disabled)"
            )
        }
        for option in container.dockerSecurityOptions ?? [] where option.hasPrefix("credentialspec:") {
            throw ECSError.unsupported(
                "\(name): dockerSecurityOptions \(option)",
                "credential specs are for Windows containers"
            )
        }
        if container.hostname != nil, networkMode == "host" || networkMode == "awsvpc" {
            throw ECSError(
                .client,
                "\(name): hostname is not supported in the \(networkMode) network mode; the task has the "
                    + (networkMode == "host" ? "node's host name" : "host name of its network interface")
            )
        }
        if !(container.extraHosts ?? []).isEmpty, networkMode == "awsvpc" {
            throw ECSError(.client, "\(name): extraHosts is not supported in the awsvpc network mode")
        }
        try checkLogConfiguration(container.logConfiguration, name: name, region: region)
        try checkLinuxParameters(container, name: name)
        try checkRestartPolicy(container.restartPolicy, name: name)
        if let timeout = container.startTimeout, timeout < 1 {
            throw ECSError(.client, "\(name): startTimeout \(timeout) must be at least 1 second")
        }
        for control in container.systemControls ?? [] {
            guard let key = control.namespace, !key.isEmpty, control.value != nil else {
                throw ECSError(.client, "\(name): each of systemControls needs a namespace and a value")
            }
            if networkMode == "host", key.hasPrefix("net.") {
                throw ECSError(
                    .client,
                    "\(name): systemControls \(key) cannot be set in the host network mode: it would change the node"
                )
            }
        }
        for option in container.dockerSecurityOptions ?? []
        where !(option == "no-new-privileges" || option.hasPrefix("apparmor:") || option.hasPrefix("label:")) {
            throw ECSError(
                .client,
                "\(name): dockerSecurityOptions \(option) is not valid; use no-new-privileges, apparmor:PROFILE or "
                    + "label:VALUE"
            )
        }
    }

    /// GPUs as a whole number from 1; an inference accelerator is refused.
    public static func checkResourceRequirements(
        _ requirements: [ECS.ResourceRequirement]?,
        name: String
    )
        throws(ECSError)
    {
        for requirement in requirements ?? [] {
            guard requirement.type == "GPU" else {
                throw ECSError.unsupported(
                    "\(name): resourceRequirements \(requirement.type ?? "")",
                    "Elastic Inference accelerators exist only in AWS; GPU is the type Wharf schedules"
                )
            }
            guard let count = Int(requirement.value ?? ""), count >= 1 else {
                throw ECSError(
                    .client,
                    "\(name): resourceRequirements GPU value \(requirement.value ?? "") must be a whole number of GPUs "
                        + "from 1"
                )
            }
        }
    }

    static func checkLogConfiguration(
        _ configuration: ECS.LogConfiguration?,
        name: String,
        region: String
    )
        throws(ECSError)
    {
        guard let configuration else { return }
        let driver = configuration.logDriver ?? ""
        if driver == "awsfirelens" {
            throw ECSError.unsupported("\(name): logDriver awsfirelens", "there is no FireLens log router; use fluentd")
        }
        guard logDrivers.contains(driver) else {
            throw ECSError(
                .client,
                "\(name): logDriver \(driver) is not valid; use one of "
                    + logDrivers.sorted().joined(separator: ", ")
            )
        }
        guard driver == "awslogs" else { return }
        let options = configuration.options ?? [:]
        guard let group = options["awslogs-group"], !group.isEmpty else {
            throw ECSError(.client, "\(name): Log driver awslogs option 'awslogs-group' should not be null or empty.")
        }
        for key in options.keys.sorted() where !awslogsOptions.contains(key) {
            throw ECSError.unsupported(
                "\(name): awslogs option \(key)",
                "the agent ships awslogs output itself and understands "
                    + awslogsOptions.sorted().joined(separator: ", ")
            )
        }
        if let wanted = options["awslogs-region"], wanted != region {
            throw ECSError.unsupported(
                "\(name): awslogs-region \(wanted)",
                "a task's logs stay in its own region, \(region)"
            )
        }
        if let mode = options["mode"], mode != "non-blocking" {
            throw ECSError.unsupported(
                "\(name): awslogs mode \(mode)",
                "the engine writes output to a file the agent ships from, so a container never waits for "
                    + "delivery; use non-blocking"
            )
        }
        do {
            _ = try AwslogsEvents.startPattern(options)
        } catch {
            throw ECSError(.client, "\(name): \(error.message)")
        }
        if let size = options["max-buffer-size"], Self.bytes(size) == nil {
            throw ECSError(.client, "\(name): max-buffer-size \(size) is not a size such as 25m or 4096k")
        }
    }

    /// Bytes in a Docker size such as `25m`, `4096k`, `1g` or `1048576`.
    public static func bytes(_ text: String) -> Int? {
        let lower = text.lowercased()
        let units: [(String, Int)] = [
            ("kb", 1 << 10), ("mb", 1 << 20), ("gb", 1 << 30),
            ("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30), ("b", 1),
        ]
        for (suffix, scale) in units where lower.hasSuffix(suffix) {
            guard let value = Int(lower.dropLast(suffix.count)), value > 0 else { return nil }
            return value * scale
        }
        return Int(lower).flatMap { $0 > 0 ? $0 : nil }
    }

    static func checkLinuxParameters(_ container: ECS.ContainerDefinition, name: String) throws(ECSError) {
        guard let parameters = container.linuxParameters else { return }
        for capability in (parameters.capabilities?.add ?? []) + (parameters.capabilities?.drop ?? [])
        where !capabilities.contains(capability) {
            throw ECSError(
                .client,
                "\(name): linuxParameters.capabilities \(capability) is not a capability ECS knows, such as "
                    + "NET_ADMIN or SYS_PTRACE"
            )
        }
        for device in parameters.devices ?? [] {
            guard let host = device.hostPath, !host.isEmpty else {
                throw ECSError(.client, "\(name): linuxParameters.devices needs a hostPath for each device")
            }
            for permission in device.permissions ?? [] where !["read", "write", "mknod"].contains(permission) {
                throw ECSError(
                    .client,
                    "\(name): device \(host) permission \(permission) is not valid; use read, write or mknod"
                )
            }
        }
        if let size = parameters.sharedMemorySize, size < 1 {
            throw ECSError(.client, "\(name): linuxParameters.sharedMemorySize \(size) MiB must be at least 1")
        }
        for mount in parameters.tmpfs ?? [] {
            guard let path = mount.containerPath, path.hasPrefix("/"), let size = mount.size, size > 0 else {
                throw ECSError(
                    .client,
                    "\(name): each of linuxParameters.tmpfs needs an absolute containerPath and a size in MiB"
                )
            }
        }
        if let swap = parameters.maxSwap {
            guard swap >= 0 else {
                throw ECSError(.client, "\(name): linuxParameters.maxSwap \(swap) must be 0 or more")
            }
            guard container.memory != nil else {
                throw ECSError(
                    .client,
                    "\(name): linuxParameters.maxSwap needs the container's memory limit (memory), which swap "
                        + "is added to"
                )
            }
        }
        if let swappiness = parameters.swappiness {
            guard (0...100).contains(swappiness) else {
                throw ECSError(.client, "\(name): linuxParameters.swappiness \(swappiness) must be 0 to 100")
            }
            guard parameters.maxSwap != nil else {
                throw ECSError(.client, "\(name): linuxParameters.swappiness needs maxSwap, as in ECS")
            }
        }
    }

    static func checkRestartPolicy(_ policy: ECS.ContainerRestartPolicy?, name: String) throws(ECSError) {
        guard let policy else { return }
        guard policy.enabled != nil else {
            throw ECSError(.client, "\(name): restartPolicy needs enabled (true or false)")
        }
        if let codes = policy.ignoredExitCodes, codes.count > 50 {
            throw ECSError(.client, "\(name): restartPolicy.ignoredExitCodes has \(codes.count) codes; at most 50")
        }
        if let period = policy.restartAttemptPeriod, !(60...1800).contains(period) {
            throw ECSError(.client, "\(name): restartPolicy.restartAttemptPeriod \(period) must be 60 to 1800 seconds")
        }
    }
}
