import Foundation
import Testing
import WharfModel

/// A small valid request that each case below breaks in one way.
func webRequest(_ change: (inout ECS.RegisterTaskDefinitionRequest) -> Void = { _ in }) -> ECS.RegisterTaskDefinitionRequest {
    var request = ECS.RegisterTaskDefinitionRequest(
        family: "web",
        containerDefinitions: [ECS.ContainerDefinition(name: "app", image: "nginx:latest", memory: 256,
                                                       portMappings: [ECS.PortMapping(containerPort: 80, hostPort: 8080)])]
    )
    change(&request)
    return request
}

func register(_ request: ECS.RegisterTaskDefinitionRequest) throws -> ECS.TaskDefinition {
    try ECS.TaskDefinition.registering(request, revision: 1, context: AccountContext(),
                                       registeredAt: Date(timeIntervalSince1970: 1_700_000_000), registeredBy: "arn:aws:iam::000000000000:root")
}

struct RuleCase: CustomTestStringConvertible, Sendable {
    typealias Change = @Sendable (inout ECS.RegisterTaskDefinitionRequest) -> Void
    let name: String
    let code: ECSError.Code
    let fragment: String
    let change: Change
    var testDescription: String { name }

    /// Registering the broken request fails with the case's exception and a message holding its
    /// fragment.
    func expectRefused() {
        let request = webRequest(change)
        #expect {
            _ = try register(request)
        } throws: { error in
            guard let error = error as? ECSError else { return false }
            return error.code == code && error.message.contains(fragment)
        }
    }
}

@Suite("Task definition validation")
struct TaskDefinitionRulesTests {
    static let cases: [RuleCase] = [
        RuleCase(name: "family with invalid characters", code: .client, fragment: "contains \"/\"") { $0.family = "web/app" },
        RuleCase(name: "family over 255", code: .client, fragment: "at most 255") { $0.family = String(repeating: "f", count: 256) },
        RuleCase(name: "no family", code: .invalidParameter, fragment: "family is required") { $0.family = nil },
        RuleCase(name: "no containers", code: .client, fragment: "Container list cannot be empty.") { $0.containerDefinitions = [] },
        RuleCase(name: "too many containers", code: .client, fragment: "at most 10") { request in
            request.containerDefinitions = (0..<11).map { ECS.ContainerDefinition(name: "c\($0)", image: "x", memory: 8) }
        },
        RuleCase(name: "duplicate container names", code: .client, fragment: "used more than once") { request in
            request.containerDefinitions?.append(ECS.ContainerDefinition(name: "app", image: "redis", memory: 64))
        },
        RuleCase(name: "container without name", code: .client, fragment: "Container.name should not be null or empty.") { $0.containerDefinitions?[0].name = nil },
        RuleCase(name: "container without image", code: .client, fragment: "Container.image should not be null or empty.") { $0.containerDefinitions?[0].image = " " },
        RuleCase(name: "no essential container", code: .client, fragment: "at least one essential") { $0.containerDefinitions?[0].essential = false },
        RuleCase(name: "container memory above task memory", code: .client, fragment: "exceeds the task's memory") { $0.memory = "128" },
        RuleCase(name: "container cpu above task cpu", code: .client, fragment: "exceeds the task's cpu") { request in
            request.cpu = "256"
            request.containerDefinitions?[0].cpu = 512
        },
        RuleCase(name: "containers' reservations above task memory", code: .client, fragment: "add up to") { request in
            request.memory = "300"
            request.containerDefinitions?.append(ECS.ContainerDefinition(name: "side", image: "x", memory: 100))
        },
        RuleCase(name: "no memory anywhere", code: .client, fragment: "At least one of 'memory' or 'memoryReservation' must be specified.") { $0.containerDefinitions?[0].memory = nil },
        RuleCase(name: "memory below 6 MiB", code: .client, fragment: "too low") { $0.containerDefinitions?[0].memory = 4 },
        RuleCase(name: "reservation above limit", code: .client, fragment: "must not exceed memory") { $0.containerDefinitions?[0].memoryReservation = 512 },
        RuleCase(name: "bad task cpu string", code: .client, fragment: "task cpu") { $0.cpu = "two cores" },
        RuleCase(name: "hostPort differs from containerPort under awsvpc", code: .client, fragment: "hostPort must match containerPort") { $0.networkMode = "awsvpc" },
        RuleCase(name: "hostPort differs under host networking", code: .client, fragment: "hostPort must match containerPort") { $0.networkMode = "host" },
        RuleCase(name: "port mappings with network mode none", code: .client, fragment: "none network mode") { $0.networkMode = "none" },
        RuleCase(name: "containerPort out of range", code: .client, fragment: "outside 1-65535") { $0.containerDefinitions?[0].portMappings?[0].containerPort = 70000 },
        RuleCase(name: "same host port twice", code: .client, fragment: "mapped more than once") { request in
            request.containerDefinitions?.append(ECS.ContainerDefinition(
                name: "b", image: "x", memory: 8, portMappings: [ECS.PortMapping(containerPort: 81, hostPort: 8080)]))
        },
        RuleCase(name: "FARGATE without awsvpc", code: .client, fragment: "Fargate only supports network mode 'awsvpc'") { request in
            request.requiresCompatibilities = ["FARGATE"]
            request.cpu = "256"
            request.memory = "512"
        },
        RuleCase(name: "FARGATE without task cpu", code: .client, fragment: "'cpu' be defined") { request in
            request.requiresCompatibilities = ["FARGATE"]
            request.networkMode = "awsvpc"
            request.containerDefinitions?[0].portMappings = []
        },
        RuleCase(name: "FARGATE with an invalid cpu/memory combination", code: .client, fragment: "No Fargate configuration exists") { request in
            request.requiresCompatibilities = ["FARGATE"]
            request.networkMode = "awsvpc"
            request.cpu = "256"
            request.memory = "4096"
            request.containerDefinitions?[0].portMappings = []
        },
        RuleCase(name: "FARGATE with pidMode host", code: .client, fragment: "Fargate does not support pidMode 'host'") {
            request in
            request.requiresCompatibilities = ["FARGATE"]
            request.networkMode = "awsvpc"
            request.cpu = "256"
            request.memory = "512"
            request.pidMode = "host"
            request.containerDefinitions?[0].portMappings = []
        },
        RuleCase(name: "FARGATE with a device", code: .client, fragment: "not support linuxParameters.devices") {
            request in
            request.requiresCompatibilities = ["FARGATE"]
            request.networkMode = "awsvpc"
            request.cpu = "256"
            request.memory = "512"
            let fuse = ECS.Device(hostPath: "/dev/fuse")
            request.containerDefinitions?[0].linuxParameters = ECS.LinuxParameters(devices: [fuse])
            request.containerDefinitions?[0].portMappings = []
        },
        RuleCase(name: "EXTERNAL with awsvpc", code: .client, fragment: "does not support launch_type EXTERNAL") { request in
            request.requiresCompatibilities = ["EXTERNAL"]
            request.networkMode = "awsvpc"
            request.containerDefinitions?[0].portMappings = []
        },
        RuleCase(name: "mount of an unknown volume", code: .client, fragment: "is not a volume") { request in
            request.containerDefinitions?[0].mountPoints = [ECS.MountPoint(sourceVolume: "data", containerPath: "/data")]
        },
        RuleCase(name: "dependsOn an unknown container", code: .client, fragment: "must name another container") { request in
            request.containerDefinitions?[0].dependsOn = [ECS.ContainerDependency(containerName: "db", condition: "START")]
        },
        RuleCase(name: "dependsOn HEALTHY without a health check", code: .client, fragment: "needs a healthCheck") { request in
            request.containerDefinitions?.append(ECS.ContainerDefinition(name: "db", image: "postgres", memory: 64))
            request.containerDefinitions?[0].dependsOn = [ECS.ContainerDependency(containerName: "db", condition: "HEALTHY")]
        },
        RuleCase(name: "dependency cycle", code: .client, fragment: "cycle") { request in
            request.containerDefinitions?[0].dependsOn = [ECS.ContainerDependency(containerName: "db", condition: "START")]
            request.containerDefinitions?.append(ECS.ContainerDefinition(
                name: "db", image: "postgres", memory: 64, dependsOn: [ECS.ContainerDependency(containerName: "app", condition: "START")]))
        },
        RuleCase(name: "health check interval out of range", code: .client, fragment: "healthCheck.interval") { request in
            request.containerDefinitions?[0].healthCheck = ECS.HealthCheck(command: ["CMD", "true"], interval: 1)
        },
        RuleCase(name: "ulimit soft above hard", code: .client, fragment: "exceeds hardLimit") { request in
            request.containerDefinitions?[0].ulimits = [ECS.Ulimit(name: "nofile", softLimit: 2048, hardLimit: 1024)]
        },
        RuleCase(name: "links outside bridge mode", code: .client, fragment: "links are supported only") { request in
            request.networkMode = "host"
            request.containerDefinitions?[0].portMappings = []
            request.containerDefinitions?[0].links = ["db"]
        },
        RuleCase(name: "link to nothing", code: .client, fragment: "must name another container") { $0.containerDefinitions?[0].links = [":"] },
        RuleCase(name: "link to an unknown container", code: .client, fragment: "must name another container") { $0.containerDefinitions?[0].links = ["db:database"] },
        RuleCase(name: "distinctInstance in a task definition", code: .client, fragment: "only memberOf") { request in
            request.placementConstraints = [ECS.TaskDefinitionPlacementConstraint(type: "distinctInstance")]
        },
        RuleCase(name: "tag with reserved prefix", code: .invalidParameter, fragment: "reserved prefix") { $0.tags = [ECS.Tag(key: "aws:x", value: "1")] },
    ]

    @Test("each broken rule is refused with ECS's exception and a message naming it", arguments: cases)
    func refused(_ rule: RuleCase) {
        rule.expectRefused()
    }

    @Test("a valid definition gets ECS's defaults and computed compatibilities")
    func defaults() throws {
        let definition = try register(webRequest())
        let container = try #require(definition.containerDefinitions?.first)
        #expect(container.essential == true)
        #expect(container.cpu == 0)
        #expect(container.environment == [])
        #expect(container.mountPoints == [])
        #expect(container.volumesFrom == [])
        #expect(container.portMappings == [ECS.PortMapping(containerPort: 80, hostPort: 8080, protocol: "tcp")])
        #expect(definition.compatibilities == ["EXTERNAL", "EC2"])
        #expect(definition.status == "ACTIVE")
        #expect(definition.revision == 1)
        #expect(definition.taskDefinitionArn == "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1")
        #expect(definition.networkMode == nil)
        #expect(definition.volumes == [])
        #expect(definition.placementConstraints == [])
    }

    @Test("an awsvpc Fargate definition: sizes normalised, host ports filled, FARGATE compatible")
    func fargate() throws {
        let definition = try register(webRequest { request in
            request.networkMode = "awsvpc"
            request.requiresCompatibilities = ["FARGATE"]
            request.cpu = "1 vCPU"
            request.memory = "2 GB"
            request.containerDefinitions?[0].portMappings = [ECS.PortMapping(containerPort: 80)]
        })
        #expect(definition.cpu == "1024")
        #expect(definition.memory == "2048")
        #expect(definition.compatibilities == ["EC2", "FARGATE"])
        #expect(definition.containerDefinitions?[0].portMappings?[0].hostPort == 80)
        #expect(definition.requiresAttributes?.contains(ECS.Attribute(name: "ecs.capability.task-eni")) == true)
    }

    @Test("the whole container surface is kept as given")
    func surfaceKept() throws {
        let container = ECS.ContainerDefinition(
            name: "app", image: "nginx", memory: 128, links: ["db"], entryPoint: ["sh", "-c"], command: ["nginx"],
            environment: [ECS.KeyValuePair(name: "A", value: "1")], linuxParameters: ECS.LinuxParameters(initProcessEnabled: true),
            secrets: [ECS.Secret(name: "S", valueFrom: "arn:aws:ssm:us-east-1:000000000000:parameter/s")],
            stopTimeout: 30, user: "1000", workingDirectory: "/srv", dockerLabels: ["team": "web"],
            ulimits: [ECS.Ulimit(name: "nofile", softLimit: 1024, hardLimit: 2048)],
            logConfiguration: ECS.LogConfiguration(logDriver: "awslogs", options: ["awslogs-group": "/ecs/web"]),
            healthCheck: ECS.HealthCheck(command: ["CMD-SHELL", "true"], interval: 10, timeout: 5, retries: 3, startPeriod: 0)
        )
        let database = ECS.ContainerDefinition(name: "db", image: "postgres", memory: 256)
        let definition = try register(webRequest { $0.containerDefinitions = [container, database] })
        var expected = container
        expected.cpu = 0
        expected.essential = true
        expected.portMappings = []
        expected.mountPoints = []
        expected.volumesFrom = []
        #expect(definition.containerDefinitions?[0] == expected)
        #expect(definition.requiresAttributes?.map(\.name) == [
            "com.amazonaws.ecs.capability.logging-driver.awslogs", "ecs.capability.container-health-check",
        ])
    }
}
