#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ECS.TaskDefinition {
    /// Builds the stored revision from a registration request, as ECS does: validated, task-level
    /// sizes converted to units, defaults filled in (`essential`, `cpu`, port `protocol`, host
    /// ports under awsvpc/host, empty lists), `compatibilities` computed and checked against
    /// `requiresCompatibilities`.
    /// - Throws: ``ECSError`` with the exception ECS would throw for the first rule broken.
    public static func registering(
        _ request: ECS.RegisterTaskDefinitionRequest,
        revision: Int,
        context: AccountContext,
        registeredAt: Date,
        registeredBy: String
    ) throws(ECSError) -> ECS.TaskDefinition {
        let sizes = try TaskDefinitionRules.check(request)
        try TaskDefinitionRules.checkSupported(request, region: context.region)
        let family = request.family ?? ""
        let networkMode = request.networkMode ?? "bridge"
        var definition = ECS.TaskDefinition(
            taskDefinitionArn: context.taskDefinitionARN(family: family, revision: revision),
            containerDefinitions: (request.containerDefinitions ?? []).map { withDefaults($0, networkMode: networkMode) },
            family: family,
            taskRoleArn: request.taskRoleArn,
            executionRoleArn: request.executionRoleArn,
            networkMode: request.networkMode,
            revision: revision,
            volumes: (request.volumes ?? []).map(withDefaults),
            status: "ACTIVE",
            placementConstraints: request.placementConstraints ?? [],
            runtimePlatform: request.runtimePlatform,
            requiresCompatibilities: request.requiresCompatibilities,
            cpu: sizes.cpu.map(String.init),
            memory: sizes.memory.map(String.init),
            inferenceAccelerators: request.inferenceAccelerators,
            pidMode: request.pidMode,
            ipcMode: request.ipcMode,
            proxyConfiguration: request.proxyConfiguration,
            registeredAt: registeredAt,
            registeredBy: registeredBy,
            ephemeralStorage: request.ephemeralStorage,
            enableFaultInjection: request.enableFaultInjection
        )
        let compatibility = Compatibility(definition, cpu: sizes.cpu, memory: sizes.memory)
        definition.compatibilities = compatibility.supported
        definition.requiresAttributes = requiredAttributes(definition)
        for wanted in request.requiresCompatibilities ?? [] where !compatibility.supported.contains(wanted) {
            let why = compatibility.reasons[wanted].map { " \($0)" } ?? ""
            throw ECSError(.client, "Task definition does not support launch_type \(wanted).\(why)")
        }
        return definition
    }

    static func withDefaults(_ container: ECS.ContainerDefinition, networkMode: String) -> ECS.ContainerDefinition {
        var container = container
        container.cpu = container.cpu ?? 0
        container.essential = container.essential ?? true
        container.environment = container.environment ?? []
        container.mountPoints = container.mountPoints ?? []
        container.volumesFrom = container.volumesFrom ?? []
        container.portMappings = (container.portMappings ?? []).map { mapping in
            var mapping = mapping
            mapping.protocol = mapping.protocol ?? "tcp"
            if networkMode == "awsvpc" || networkMode == "host", mapping.hostPort == nil {
                mapping.hostPort = mapping.containerPort
            }
            return mapping
        }
        return container
    }

    static func withDefaults(_ volume: ECS.Volume) -> ECS.Volume {
        var volume = volume
        if volume.host == nil, volume.dockerVolumeConfiguration == nil, volume.efsVolumeConfiguration == nil,
           volume.fsxWindowsFileServerVolumeConfiguration == nil, volume.s3filesVolumeConfiguration == nil,
           volume.configuredAtLaunch != true {
            volume.host = ECS.HostVolumeProperties()
        }
        return volume
    }

    /// The container-instance attributes a task of this definition needs, named as ECS names them.
    static func requiredAttributes(_ definition: ECS.TaskDefinition) -> [ECS.Attribute] {
        var names: [String] = []
        let containers = definition.containerDefinitions ?? []
        for driver in Set(containers.compactMap { $0.logConfiguration?.logDriver }).sorted() {
            names.append("com.amazonaws.ecs.capability.logging-driver.\(driver)")
        }
        if containers.contains(where: { $0.healthCheck != nil }) {
            names.append("ecs.capability.container-health-check")
        }
        if containers.contains(where: { !($0.dependsOn ?? []).isEmpty }) {
            names.append("ecs.capability.container-ordering")
        }
        if definition.networkMode == "awsvpc" {
            names.append("ecs.capability.task-eni")
        }
        if definition.taskRoleArn != nil {
            names.append("com.amazonaws.ecs.capability.task-iam-role")
        }
        return names.map { ECS.Attribute(name: $0) }
    }
}
