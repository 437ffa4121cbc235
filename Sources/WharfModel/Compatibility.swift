/// Which launch types a task definition can run on, and why not where it can't: EC2 always;
/// EXTERNAL unless it needs awsvpc; FARGATE when it uses awsvpc with a Fargate task size and no
/// feature Fargate lacks.
struct Compatibility {
    /// The launch types, in the order ECS lists them.
    var supported: [String] = []
    /// Why a launch type is not supported, by launch type.
    var reasons: [String: String] = [:]

    init(_ definition: ECS.TaskDefinition, cpu: Int?, memory: Int?) {
        let networkMode = definition.networkMode ?? "bridge"
        if networkMode == "awsvpc" {
            reasons["EXTERNAL"] = "External instances do not support the awsvpc network mode."
        } else {
            supported.append("EXTERNAL")
        }
        supported.append("EC2")
        if let reason = Self.fargateProblem(definition, networkMode: networkMode, cpu: cpu, memory: memory) {
            reasons["FARGATE"] = reason
        } else {
            supported.append("FARGATE")
        }
    }

    static func fargateProblem(_ definition: ECS.TaskDefinition, networkMode: String, cpu: Int?, memory: Int?) -> String? {
        guard networkMode == "awsvpc" else { return "Fargate only supports network mode 'awsvpc'." }
        guard let cpu else { return "Fargate requires that 'cpu' be defined at the task level." }
        guard let memory else { return "Fargate requires that 'memory' be defined at the task level." }
        guard TaskSize.isFargateSize(cpu: cpu, memory: memory) else {
            let options = TaskSize.fargateMemoryOptions.first { $0.cpu == cpu }
            let hint = options.map { "for \(cpu) CPU units Fargate offers \($0.memory.map(String.init).joined(separator: ", ")) MiB" }
                ?? "Fargate CPU sizes are \(TaskSize.fargateMemoryOptions.map { String($0.cpu) }.joined(separator: ", "))"
            return "No Fargate configuration exists for given values: \(cpu) CPU, \(memory) memory; \(hint)."
        }
        let containers = definition.containerDefinitions ?? []
        if containers.contains(where: { $0.privileged == true }) {
            return "Fargate does not support privileged containers."
        }
        if (definition.volumes ?? []).contains(where: { $0.dockerVolumeConfiguration != nil || $0.host?.sourcePath != nil }) {
            return "Fargate supports only bind mounts without a host sourcePath and EFS volumes."
        }
        if !(definition.placementConstraints ?? []).isEmpty {
            return "Fargate does not support task placement constraints."
        }
        if definition.ipcMode != nil {
            return "Fargate does not support ipcMode."
        }
        if definition.pidMode == "host" {
            return "Fargate does not support pidMode 'host'."
        }
        if let problem = containers.lazy.compactMap(Self.fargateContainerProblem).first {
            return problem
        }
        if containers.contains(where: { TaskDemand.gpus($0.resourceRequirements) > 0 }) {
            return "Fargate does not support GPUs."
        }
        return nil
    }

    /// What a container definition uses that Fargate does not run, in the words of ECS's
    /// parameter reference ("not supported for tasks run on Fargate").
    static func fargateContainerProblem(_ container: ECS.ContainerDefinition) -> String? {
        let linux = container.linuxParameters
        let unsupported: [(Bool, String)] = [
            (!(linux?.devices ?? []).isEmpty, "linuxParameters.devices"),
            (linux?.sharedMemorySize != nil, "linuxParameters.sharedMemorySize"),
            (!(linux?.tmpfs ?? []).isEmpty, "linuxParameters.tmpfs"),
            (linux?.maxSwap != nil, "linuxParameters.maxSwap"),
            (linux?.swappiness != nil, "linuxParameters.swappiness"),
            (!(container.dockerSecurityOptions ?? []).isEmpty, "dockerSecurityOptions"),
            (!(container.links ?? []).isEmpty, "links"),
            (container.hostname != nil, "hostname"),
        ]
        guard let member = unsupported.first(where: \.0)?.1 else { return nil }
        let which = container.name.map { "container '\($0)'" } ?? "a container without a name"
        return "Fargate does not support \(member) (\(which))."
    }
}
