import Foundation
import Logging
import Testing
import WharfModel
import WharfProtocol
import WharfState
import WharfStore
@testable import WharfController

@Suite("awsvpc tasks and the FARGATE launch type on the controller")
struct TaskNetworkTests {
    static let awsvpc = ECS.NetworkConfiguration(
        awsvpcConfiguration: ECS.AwsVpcConfiguration(
            subnets: ["subnet-abc123"],
            securityGroups: ["sg-xyz456"],
            assignPublicIp: "ENABLED"
        )
    )

    /// A controller with two nodes that run awsvpc and FARGATE tasks, a Fargate task definition
    /// (`fargate`) and a bridge one (`bridge`).
    static func cluster() async throws -> (Controller, [RegisterResponse]) {
        let controller = try await Controller(
            store: InMemoryStore(), context: AccountContext(), logger: Logger(label: "test"), openRegistration: true,
            placementSeed: 1)
        var nodes: [RegisterResponse] = []
        for index in 1...2 {
            nodes.append(
                try await controller.register(
                    RegisterRequest(
                        cluster: "default", hostname: "node-\(index)",
                        resources: NodeResources(cpu: 2048, memoryMiB: 4096, reservedTCPPorts: [], reservedUDPPorts: []),
                        attributes: [ECS.Attribute(name: "ecs.capability.task-eni"), ECS.Attribute(name: "ecs.capability.fargate")],
                        versionInfo: ECS.VersionInfo(agentVersion: "0.1.0"), nodeAddress: "192.168.1.\(10 + index)")))
        }
        for (family, mode) in [("fargate", "awsvpc"), ("bridge", "bridge")] {
            _ = try await controller.write { state, now in
                try state.registerTaskDefinition(
                    ECS.RegisterTaskDefinitionRequest(
                        family: family,
                        networkMode: mode,
                        containerDefinitions: [
                            ECS.ContainerDefinition(
                                name: "web", image: "busybox", memory: mode == "bridge" ? 32 : nil,
                                portMappings: [ECS.PortMapping(containerPort: 80, hostPort: mode == "bridge" ? 0 : 80)])
                        ],
                        requiresCompatibilities: mode == "awsvpc" ? ["FARGATE"] : nil,
                        cpu: mode == "awsvpc" ? "256" : nil,
                        memory: mode == "awsvpc" ? "512" : nil
                    ),
                    now: now)
            }
        }
        return (controller, nodes)
    }

    static func run(_ controller: Controller, _ request: ECS.RunTaskRequest) async throws -> ECS.RunTaskResponse {
        try await controller.write { state, now in try state.runTask(request, now: now, seed: 7) }
    }

    static func refusal(_ controller: Controller, _ request: ECS.RunTaskRequest) async -> String? {
        do {
            _ = try await run(controller, request)
            return nil
        } catch {
            return (error as? ECSError)?.message
        }
    }

    @Test(
        """
        FARGATE tasks of an awsvpc definition each get their own address from their node's block, an \
        ElasticNetworkInterface attachment and network interfaces, no port of the node, and platform version 1.4.0
        """
    )
    func fargateTasks() async throws {
        let (controller, nodes) = try await Self.cluster()
        let response = try await Self.run(
            controller,
            ECS.RunTaskRequest(count: 4, launchType: "FARGATE", networkConfiguration: Self.awsvpc, taskDefinition: "fargate"))
        let tasks = response.tasks ?? []
        try #require(tasks.count == 4, "\(response.failures ?? [])")
        _ = try ECS.RunTaskResponse(tasks: tasks, failures: []).validated()
        let addresses = tasks.compactMap { $0.containers?.first?.networkInterfaces?.first?.privateIpv4Address }
        #expect(Set(addresses).count == 4, "\(addresses)")
        for task in tasks {
            #expect(task.launchType == "FARGATE" && task.platformVersion == "1.4.0" && task.platformFamily == "Linux")
            let attachment = try #require(task.attachments?.first)
            #expect(attachment.type == "ElasticNetworkInterface" && attachment.status == "PRECREATED")
            let details = Dictionary(
                (attachment.details ?? []).compactMap { pair in pair.name.map { ($0, pair.value ?? "") } },
                uniquingKeysWith: { first, _ in first })
            #expect(details["subnetId"] == "subnet-abc123")
            #expect(details["networkInterfaceId"]?.hasPrefix("eni-") == true && details["networkInterfaceId"]?.count == 21)
            let address = try #require(details["privateIPv4Address"])
            #expect(details["privateDnsName"] == "ip-\(address.replacingOccurrences(of: ".", with: "-")).ec2.internal")
            let node = nodes.first { $0.containerInstanceArn == task.containerInstanceArn }
            let block = try #require(node?.taskSubnet.flatMap(IPv4Network.init))
            #expect(block.contains(try #require(IPv4Network.address(address))))
            #expect(!address.hasSuffix(".0") && !address.hasSuffix(".1"), "the gateway and network are never given")
            #expect(task.containers?.first?.networkInterfaces?.first?.attachmentId == attachment.id)
            #expect(task.containers?.first?.networkBindings?.isEmpty ?? true)
        }
        // Two tasks listening on port 80 on one node: awsvpc tasks take no host port.
        let perNode = Dictionary(grouping: tasks, by: { $0.containerInstanceArn ?? "" })
        #expect(perNode.values.contains { $0.count >= 2 })
        let remaining = await controller.read { state in
            state.instances.candidates(inCluster: "default").map { $0.usedPorts.contains(.init(port: 80, transport: "tcp")) }
        }
        #expect(remaining == [false, false])
    }

    @Test("the node's sync carries each task's address and the routes to every node's block, once per version")
    func syncCarriesAddressesAndRoutes() async throws {
        let (controller, nodes) = try await Self.cluster()
        _ = try await Self.run(
            controller,
            ECS.RunTaskRequest(count: 2, launchType: "FARGATE", networkConfiguration: Self.awsvpc, taskDefinition: "fargate"))
        let first = try #require(InstanceID(arnSuffix: nodes[0].containerInstanceArn))
        let answer = try await controller.read { try $0.desiredState(for: first, reported: []) }
        let routes = try #require(answer.taskRoutes)
        #expect(
            routes.routes == [
                TaskRoute(subnet: try #require(nodes[0].taskSubnet), via: "192.168.1.11"),
                TaskRoute(subnet: try #require(nodes[1].taskSubnet), via: "192.168.1.12"),
            ])
        #expect(answer.tasks.allSatisfy { $0.network?.subnet == nodes[0].taskSubnet })
        let again = try await controller.read {
            try $0.desiredState(for: first, reported: [], routesVersion: routes.version)
        }
        #expect(again.taskRoutes == nil, "the routes the node holds are not sent again")
        // A node that leaves takes its route away, and every node hears of it at once.
        let before = await controller.read { $0.instances.desiredVersion(of: first) }
        _ = try await controller.write { state, now in
            try state.deregisterContainerInstance(
                ECS.DeregisterContainerInstanceRequest(containerInstance: nodes[1].containerInstanceArn, force: true),
                now: now)
        }
        let after = try await controller.read {
            try $0.desiredState(for: first, reported: [], routesVersion: routes.version)
        }
        #expect(after.desiredVersion > before)
        #expect(after.taskRoutes?.routes == [TaskRoute(subnet: try #require(nodes[0].taskSubnet), via: "192.168.1.11")])
        // A node on the controller's machine, reached at a loopback address, is no route for others.
        _ = try await controller.register(
            RegisterRequest(
                cluster: "default", hostname: "local",
                resources: NodeResources(cpu: 1024, memoryMiB: 1024, reservedTCPPorts: [], reservedUDPPorts: []),
                attributes: [], versionInfo: ECS.VersionInfo(agentVersion: "0.1.0"), nodeAddress: "127.0.0.1"))
        let local = await controller.read { $0.instances.routes }
        #expect(local.map(\.via) == ["192.168.1.11"])
    }

    @Test("a released address is not the next one given: addresses go round the block")
    func roundRobin() async throws {
        let (controller, nodes) = try await Self.cluster()
        let instance = nodes[0].containerInstanceArn
        func start() async throws -> String {
            let response = try await controller.write { state, now in
                try state.startTask(
                    ECS.StartTaskRequest(
                        containerInstances: [instance], networkConfiguration: ECS.NetworkConfiguration(
                            awsvpcConfiguration: ECS.AwsVpcConfiguration(subnets: ["subnet-1"])),
                        taskDefinition: "fargate"),
                    now: now, seed: UInt64.random(in: 0...UInt64.max))
            }
            return try #require(response.tasks?.first?.containers?.first?.networkInterfaces?.first?.privateIpv4Address)
        }
        let a = try await start()
        let b = try await start()
        #expect([a, b] == ["10.64.0.2", "10.64.0.3"])
        let id = try #require(InstanceID(arnSuffix: instance))
        _ = try await controller.write { state, now in
            var task = try #require(state.tasks.holding(id).first { $0.network?.privateIPv4Address == a })
            task.lastStatus = .stopped
            task.desiredStatus = .stopped
            return Outcome((), [.putTask(task)])
        }
        #expect(try await start() == "10.64.0.4", "the freed .2 waits its turn")
    }

    @Test("a node whose block has no address left is a RESOURCE:ENI failure")
    func blockFull() async throws {
        let (controller, nodes) = try await Self.cluster()
        let id = try #require(InstanceID(arnSuffix: nodes[0].containerInstanceArn))
        _ = try await controller.write { state, _ in
            var record = try #require(state.instances[id])
            record.taskSubnet = "10.64.0.0/29"
            return Outcome((), [.putInstance(record)])
        }
        let arn = nodes[0].containerInstanceArn
        let response = try await controller.write { state, now in
            try state.startTask(
                ECS.StartTaskRequest(
                    containerInstances: Array(repeating: arn, count: 6),
                    networkConfiguration: ECS.NetworkConfiguration(
                        awsvpcConfiguration: ECS.AwsVpcConfiguration(subnets: ["subnet-1"])),
                    taskDefinition: "fargate"),
                now: now, seed: 3)
        }
        let addresses = (response.tasks ?? []).compactMap {
            $0.containers?.first?.networkInterfaces?.first?.privateIpv4Address
        }
        #expect(addresses == ["10.64.0.2", "10.64.0.3", "10.64.0.4", "10.64.0.5", "10.64.0.6"], "a /29 has five")
        #expect(response.failures?.map(\.reason) == ["RESOURCE:ENI"])
    }

    @Test("ECS's rules: networkConfiguration with awsvpc only; assignPublicIp, platformVersion and placement for FARGATE only")
    func rules() async throws {
        let (controller, _) = try await Self.cluster()
        #expect(
            await Self.refusal(controller, ECS.RunTaskRequest(launchType: "FARGATE", taskDefinition: "fargate"))
                == "Network Configuration must be provided when networkMode 'awsvpc' is specified.")
        #expect(
            await Self.refusal(
                controller, ECS.RunTaskRequest(networkConfiguration: Self.awsvpc, taskDefinition: "bridge"))
                == "Network Configuration is not valid for the given networkMode of this task definition.")
        #expect(
            await Self.refusal(
                controller,
                ECS.RunTaskRequest(launchType: "EC2", networkConfiguration: Self.awsvpc, taskDefinition: "fargate"))
                == "Assign public IP is not supported for this launch type.")
        #expect(
            await Self.refusal(
                controller,
                ECS.RunTaskRequest(
                    launchType: "FARGATE",
                    networkConfiguration: ECS.NetworkConfiguration(awsvpcConfiguration: ECS.AwsVpcConfiguration(subnets: [])),
                    taskDefinition: "fargate")) == "subnets can not be empty.")
        #expect(
            await Self.refusal(
                controller,
                ECS.RunTaskRequest(
                    launchType: "FARGATE", networkConfiguration: Self.awsvpc, platformVersion: "1.3.0",
                    taskDefinition: "fargate"))?.contains("Platform version 1.3.0 is not supported") == true)
        #expect(
            await Self.refusal(
                controller,
                ECS.RunTaskRequest(
                    launchType: "EC2", platformVersion: "LATEST", taskDefinition: "bridge"))?
                .contains("only supported for the FARGATE launch type") == true)
        #expect(
            await Self.refusal(
                controller,
                ECS.RunTaskRequest(
                    launchType: "FARGATE", networkConfiguration: Self.awsvpc,
                    placementConstraints: [ECS.PlacementConstraint(type: "distinctInstance")],
                    taskDefinition: "fargate")) == "Placement constraints are not supported with FARGATE launch type.")
        #expect(
            await Self.refusal(controller, ECS.RunTaskRequest(launchType: "FARGATE", taskDefinition: "bridge"))?
                .contains("Task definition does not support launch_type FARGATE.") == true)
        // EC2 runs awsvpc tasks too, without a public IP.
        let ec2 = try await Self.run(
            controller,
            ECS.RunTaskRequest(
                launchType: "EC2",
                networkConfiguration: ECS.NetworkConfiguration(awsvpcConfiguration: ECS.AwsVpcConfiguration(subnets: ["s"])),
                taskDefinition: "fargate"))
        #expect(ec2.tasks?.first?.launchType == "EC2" && ec2.tasks?.first?.attachments?.count == 1)
        #expect(ec2.tasks?.first?.platformVersion == nil)
    }

    @Test("a FARGATE or FARGATE_SPOT capacity provider strategy runs FARGATE tasks once the cluster has the provider")
    func capacityProviders() async throws {
        let (controller, _) = try await Self.cluster()
        let strategy = [ECS.CapacityProviderStrategyItem(capacityProvider: "FARGATE_SPOT", weight: 1)]
        let request = ECS.RunTaskRequest(
            capacityProviderStrategy: strategy, networkConfiguration: Self.awsvpc, taskDefinition: "fargate")
        #expect(await Self.refusal(controller, request)?.contains("not associated with the cluster") == true)
        _ = try await controller.write { state, _ in
            try state.putClusterCapacityProviders(
                ECS.PutClusterCapacityProvidersRequest(
                    cluster: "default", capacityProviders: ["FARGATE", "FARGATE_SPOT"],
                    defaultCapacityProviderStrategy: []))
        }
        let task = try #require(try await Self.run(controller, request).tasks?.first)
        #expect(task.launchType == "FARGATE" && task.capacityProviderName == "FARGATE_SPOT")
        var mixed = request
        mixed.launchType = "FARGATE"
        #expect(await Self.refusal(controller, mixed)?.contains("Specifying both a launchType") == true)
        var other = request
        other.capacityProviderStrategy = [ECS.CapacityProviderStrategyItem(capacityProvider: "my-asg")]
        #expect(await Self.refusal(controller, other)?.contains("The specified capacity provider was not found.") == true)
    }

    @Test("CreateService with launchType FARGATE and the guide's networkConfiguration starts tasks with addresses")
    func fargateService() async throws {
        let (controller, _) = try await Self.cluster()
        let created = try await controller.write { state, now in
            try state.createService(
                ECS.CreateServiceRequest(
                    cluster: "default", serviceName: "fargate-service", taskDefinition: "fargate", desiredCount: 4,
                    launchType: "FARGATE", networkConfiguration: Self.awsvpc),
                now: now, deploymentID: "ecs-svc/1")
        }
        let service = try #require(created.service)
        #expect(service.launchType == "FARGATE" && service.platformVersion == "1.4.0")
        #expect(service.networkConfiguration == Self.awsvpc)
        _ = try await controller.scheduleServices()
        let tasks = await controller.read { state in
            state.tasks.ids(in: GroupKey(cluster: "default", group: "service:fargate-service")).compactMap { state.tasks[$0] }
        }
        #expect(tasks.count == 4)
        #expect(Set(tasks.compactMap { $0.network?.privateIPv4Address }).count == 4)
        #expect(tasks.allSatisfy { $0.launchType == .fargate && $0.platformVersion == "1.4.0" })
        #expect(tasks.allSatisfy { $0.network?.subnetID == "subnet-abc123" && $0.network?.assignPublicIp == true })

        // UpdateService keeps ECS's rules: a network configuration the definition cannot take is refused,
        // and a new one starts a deployment.
        await #expect {
            _ = try await controller.write { state, now in
                try state.updateService(
                    ECS.UpdateServiceRequest(cluster: "default", service: "fargate-service", taskDefinition: "bridge"),
                    now: now, deploymentID: "ecs-svc/2")
            }
        } throws: { error in
            (error as? ECSError)?.message.contains("Task definition does not support launch_type FARGATE.") == true
        }
        let moved = try await controller.write { state, now in
            try state.updateService(
                ECS.UpdateServiceRequest(
                    cluster: "default", service: "fargate-service",
                    networkConfiguration: ECS.NetworkConfiguration(
                        awsvpcConfiguration: ECS.AwsVpcConfiguration(subnets: ["subnet-def456"]))),
                now: now, deploymentID: "ecs-svc/3")
        }
        #expect(moved.service?.deployments?.count == 2)
        let subnets = moved.service?.deployments?.first?.networkConfiguration?.awsvpcConfiguration?.subnets
        #expect(subnets == ["subnet-def456"])
        #expect(moved.service?.deployments?.first?.platformVersion == "1.4.0")

        // A service whose task definition was deleted since can still be scaled down.
        _ = try await controller.write { state, now in
            var record = try #require(state.services.all.first { $0.name == "fargate-service" })
            record.taskDefinition = TaskDefinitionKey(family: "gone", revision: 1)
            return Outcome((), [.putService(record)])
        }
        let scaled = try await controller.write { state, now in
            try state.updateService(
                ECS.UpdateServiceRequest(cluster: "default", service: "fargate-service", desiredCount: 0),
                now: now, deploymentID: "ecs-svc/4")
        }
        #expect(scaled.service?.desiredCount == 0)
    }
}
