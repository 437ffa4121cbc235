#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// ECS's rules for a task definition, checked before anything is stored. Each rule throws the
/// exception ECS throws, with a message that names the container or member and what is allowed.
public enum TaskDefinitionRules {
    /// The most containers one task definition may hold, as in ECS.
    public static let maxContainers = 10
    /// The smallest memory limit a container may have, in MiB (Docker's minimum).
    public static let minContainerMemory = 6

    /// Checks a registration request; returns the task-level CPU units and memory MiB when given.
    public static func check(_ request: ECS.RegisterTaskDefinitionRequest) throws(ECSError) -> (cpu: Int?, memory: Int?) {
        guard let family = request.family else { throw ECSError(.invalidParameter, "family is required") }
        try NameRules.check(family, field: "family", code: .client)
        let containers = request.containerDefinitions ?? []
        guard !containers.isEmpty else {
            throw ECSError(.client, "Container list cannot be empty.")
        }
        guard containers.count <= maxContainers else {
            throw ECSError(.client, "task definition has \(containers.count) containers; at most \(maxContainers) are allowed")
        }
        let cpu = try request.cpu.map { (text) throws(ECSError) in try TaskSize.cpuUnits(text) }
        let memory = try request.memory.map { (text) throws(ECSError) in try TaskSize.memoryMiB(text) }
        let networkMode = request.networkMode ?? "bridge"

        var names = Set<String>()
        for container in containers {
            let name = try checkName(container, seen: &names)
            try checkResources(container, name: name, taskCPU: cpu, taskMemory: memory)
            try checkPorts(container, name: name, networkMode: networkMode)
            try checkHealthCheck(container, name: name)
            for limit in container.ulimits ?? [] where (limit.softLimit ?? 0) > (limit.hardLimit ?? 0) {
                throw ECSError(.client, "container \"\(name)\": ulimit \(limit.name ?? "") softLimit \(limit.softLimit ?? 0) exceeds hardLimit \(limit.hardLimit ?? 0)")
            }
            if container.links?.isEmpty == false, networkMode != "bridge" {
                throw ECSError(.client, "container \"\(name)\": links are supported only in the bridge network mode, not \(networkMode)")
            }
        }
        guard containers.contains(where: { $0.essential ?? true }) else {
            throw ECSError(.client, "task definition must have at least one essential container; set \"essential\": true on one")
        }
        try checkTotals(containers, taskCPU: cpu, taskMemory: memory)
        try checkReferences(containers, volumes: request.volumes ?? [])
        try checkHostPortsUnique(containers, networkMode: networkMode)
        for constraint in request.placementConstraints ?? [] where constraint.type != "memberOf" {
            throw ECSError(.client, "placementConstraints: task definitions accept only memberOf constraints, not \(constraint.type ?? "an untyped one")")
        }
        if request.placementConstraints?.count ?? 0 > 10 {
            throw ECSError(.client, "placementConstraints: at most 10 are allowed")
        }
        try TagRules.check(request.tags ?? [])
        return (cpu, memory)
    }

    static func checkName(_ container: ECS.ContainerDefinition, seen: inout Set<String>) throws(ECSError) -> String {
        guard let name = container.name, !name.isEmpty else {
            throw ECSError(
                .client,
                "Container.name should not be null or empty.",
                hint: "every container definition needs a name (up to 255 letters, numbers, hyphens and underscores)"
            )
        }
        try NameRules.check(name, field: "container name", code: .client)
        guard seen.insert(name).inserted else {
            throw ECSError(.client, "container name \"\(name)\" is used more than once; container names must be unique within a task definition")
        }
        guard let image = container.image, !image.trimmingWhitespace().isEmpty else {
            throw ECSError(
                .client,
                "Container.image should not be null or empty.",
                hint: "container \"\(name)\" needs an image, such as \"nginx:latest\""
            )
        }
        return name
    }

    static func checkResources(_ container: ECS.ContainerDefinition, name: String, taskCPU: Int?, taskMemory: Int?) throws(ECSError) {
        if let cpu = container.cpu, cpu < 0 {
            throw ECSError(.client, "container \"\(name)\": cpu \(cpu) is negative; give CPU units from 0")
        }
        if let cpu = container.cpu, let taskCPU, cpu > taskCPU {
            throw ECSError(.client, "container \"\(name)\": cpu \(cpu) exceeds the task's cpu \(taskCPU)")
        }
        if let memory = container.memory, memory < minContainerMemory {
            throw ECSError(.client, "container \"\(name)\": memory \(memory) MiB is too low; at least \(minContainerMemory) MiB is required")
        }
        if let reservation = container.memoryReservation, reservation < minContainerMemory {
            throw ECSError(.client, "container \"\(name)\": memoryReservation \(reservation) MiB is too low; at least \(minContainerMemory) MiB is required")
        }
        if let memory = container.memory, let reservation = container.memoryReservation, reservation > memory {
            throw ECSError(.client, "container \"\(name)\": memoryReservation \(reservation) MiB must not exceed memory \(memory) MiB")
        }
        if let memory = container.memory, let taskMemory, memory > taskMemory {
            throw ECSError(.client, "container \"\(name)\": memory \(memory) MiB exceeds the task's memory \(taskMemory) MiB")
        }
        if taskMemory == nil, container.memory == nil, container.memoryReservation == nil {
            throw ECSError(
                .client,
                "Invalid setting for container '\(name)'. At least one of 'memory' or 'memoryReservation' must be "
                    + "specified.",
                hint: "or set memory at the task level"
            )
        }
    }

    static func checkPorts(_ container: ECS.ContainerDefinition, name: String, networkMode: String) throws(ECSError) {
        let mappings = container.portMappings ?? []
        if networkMode == "none", !mappings.isEmpty {
            throw ECSError(.client, "container \"\(name)\": port mappings are not allowed in the none network mode")
        }
        for mapping in mappings {
            if let range = mapping.containerPortRange {
                try checkPortRange(range, mapping: mapping, name: name, networkMode: networkMode)
                continue
            }
            guard let containerPort = mapping.containerPort else {
                throw ECSError(.client, "container \"\(name)\": each port mapping needs a containerPort (1-65535)")
            }
            guard (1...65535).contains(containerPort) else {
                throw ECSError(.client, "container \"\(name)\": containerPort \(containerPort) is outside 1-65535")
            }
            if let hostPort = mapping.hostPort, !(0...65535).contains(hostPort) {
                throw ECSError(.client, "container \"\(name)\": hostPort \(hostPort) is outside 0-65535")
            }
            if networkMode == "awsvpc" || networkMode == "host", let hostPort = mapping.hostPort, hostPort != containerPort {
                throw ECSError(.client, "container \"\(name)\": when networkMode=\(networkMode), hostPort must match containerPort (\(hostPort) != \(containerPort)); omit hostPort or set it to \(containerPort)")
            }
        }
    }

    /// ECS's rules for `containerPortRange`: `FROM-TO` within 1-65535, FROM below TO, without
    /// `containerPort` or `hostPort`, in the bridge or awsvpc network mode.
    static func checkPortRange(
        _ range: String,
        mapping: ECS.PortMapping,
        name: String,
        networkMode: String
    ) throws(ECSError) {
        guard ["bridge", "awsvpc"].contains(networkMode) else {
            throw ECSError(.client, "container \"\(name)\": containerPortRange needs the bridge or awsvpc network mode")
        }
        guard mapping.containerPort == nil, mapping.hostPort == nil else {
            throw ECSError(
                .client,
                "container \"\(name)\": a port mapping with containerPortRange takes no containerPort or hostPort"
            )
        }
        guard PortRange(range) != nil else {
            throw ECSError(
                .client,
                "container \"\(name)\": containerPortRange \(range) is not valid; give FROM-TO within 1-65535, "
                    + "FROM below TO, such as 8000-8010"
            )
        }
    }

    static func checkHealthCheck(_ container: ECS.ContainerDefinition, name: String) throws(ECSError) {
        guard let check = container.healthCheck else { return }
        guard let command = check.command, !command.isEmpty else {
            throw ECSError(.client, "container \"\(name)\": healthCheck.command is required, such as [\"CMD-SHELL\", \"curl -f http://localhost/ || exit 1\"]")
        }
        let limits: [(String, Int?, ClosedRange<Int>)] = [
            ("interval", check.interval, 5...300), ("timeout", check.timeout, 2...120),
            ("retries", check.retries, 1...10), ("startPeriod", check.startPeriod, 0...300),
        ]
        for (field, value, range) in limits {
            if let value, !range.contains(value) {
                throw ECSError(.client, "container \"\(name)\": healthCheck.\(field) \(value) is outside \(range.lowerBound)-\(range.upperBound)")
            }
        }
    }

    static func checkTotals(_ containers: [ECS.ContainerDefinition], taskCPU: Int?, taskMemory: Int?) throws(ECSError) {
        let cpu = containers.reduce(0) { $0 + ($1.cpu ?? 0) }
        if let taskCPU, cpu > taskCPU {
            throw ECSError(.client, "the containers' cpu adds up to \(cpu), more than the task's cpu \(taskCPU)")
        }
        let memory = containers.reduce(0) { $0 + ($1.memoryReservation ?? $1.memory ?? 0) }
        if let taskMemory, memory > taskMemory {
            throw ECSError(.client, "the containers' memory reservations add up to \(memory) MiB, more than the task's memory \(taskMemory) MiB")
        }
    }

    static func checkReferences(_ containers: [ECS.ContainerDefinition], volumes: [ECS.Volume]) throws(ECSError) {
        var volumeNames = Set<String>()
        for volume in volumes {
            guard let name = volume.name, !name.isEmpty else { throw ECSError(.client, "every volume needs a name") }
            guard volumeNames.insert(name).inserted else {
                throw ECSError(.client, "volume name \"\(name)\" is used more than once")
            }
        }
        let byName = Dictionary(containers.map { ($0.name ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        for container in containers {
            let name = container.name ?? ""
            for mount in container.mountPoints ?? [] {
                guard let source = mount.sourceVolume, volumeNames.contains(source) else {
                    throw ECSError(.client, "container \"\(name)\": mount point sourceVolume \"\(mount.sourceVolume ?? "")\" is not a volume of this task definition")
                }
                if mount.containerPath?.isEmpty ?? true {
                    throw ECSError(.client, "container \"\(name)\": mount point of volume \"\(source)\" needs a containerPath")
                }
            }
            for link in container.links ?? [] {
                let parts = link.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                guard let target = parts.first, target != name, byName[target] != nil, parts.count == 1 || !parts[1].isEmpty else {
                    throw ECSError(.client, "container \"\(name)\": link \"\(link)\" must name another container of this task definition, as NAME or NAME:ALIAS")
                }
            }
            for from in container.volumesFrom ?? [] {
                guard let source = from.sourceContainer, source != name, byName[source] != nil else {
                    throw ECSError(.client, "container \"\(name)\": volumesFrom sourceContainer \"\(from.sourceContainer ?? "")\" must name another container of this task definition")
                }
            }
            for dependency in container.dependsOn ?? [] {
                guard let target = dependency.containerName, target != name, let other = byName[target] else {
                    throw ECSError(.client, "container \"\(name)\": dependsOn containerName \"\(dependency.containerName ?? "")\" must name another container of this task definition")
                }
                if dependency.condition == "HEALTHY", other.healthCheck == nil {
                    throw ECSError(.client, "container \"\(name)\": dependsOn \"\(target)\" with condition HEALTHY needs a healthCheck on \"\(target)\"")
                }
            }
        }
        if let cycle = DependencyGraph(containers).cycle() {
            throw ECSError(.client, "containers depend on each other in a cycle: \(cycle.joined(separator: " -> "))")
        }
    }

    static func checkHostPortsUnique(_ containers: [ECS.ContainerDefinition], networkMode: String) throws(ECSError) {
        var used = Set<String>()
        for container in containers {
            for mapping in container.portMappings ?? [] {
                let hostPort = (networkMode == "awsvpc" || networkMode == "host") ? (mapping.hostPort ?? mapping.containerPort ?? 0) : (mapping.hostPort ?? 0)
                guard hostPort != 0 else { continue }
                let key = "\(hostPort)/\(mapping.protocol ?? "tcp")"
                guard used.insert(key).inserted else {
                    throw ECSError(.client, "host port \(key) is mapped more than once in this task definition")
                }
            }
        }
    }
}
