import Foundation
import Logging
import Testing
import WharfModel
import WharfProtocol
import WharfScheduler
import WharfState
import WharfStore
@testable import WharfController

@Suite("Capacity providers: node groups, cluster association and RunTask's strategy")
struct CapacityProviderTests {
    /// A controller with two nodes in node group `gpu-nodes` and three in `general`, and a bridge
    /// task definition `web`.
    static func cluster() async throws -> Controller {
        let controller = try await Controller(
            store: InMemoryStore(),
            context: AccountContext(),
            logger: Logger(label: "test"),
            openRegistration: true,
            placementSeed: 1
        )
        for (index, group) in ["gpu-nodes", "gpu-nodes", "general", "general", "general"].enumerated() {
            _ = try await controller.register(
                RegisterRequest(
                    cluster: "default",
                    hostname: "node-\(index)",
                    resources: NodeResources(cpu: 4096, memoryMiB: 8192, reservedTCPPorts: [], reservedUDPPorts: []),
                    attributes: [ECS.Attribute(name: CapacityProviderRecord.nodeGroupAttribute, value: group)],
                    versionInfo: ECS.VersionInfo(agentVersion: "0.1.0")
                )
            )
        }
        _ = try await controller.write { state, now in
            try state.registerTaskDefinition(
                ECS.RegisterTaskDefinitionRequest(
                    family: "web",
                    containerDefinitions: [ECS.ContainerDefinition(name: "web", image: "busybox", memory: 32)]
                ),
                now: now
            )
        }
        return controller
    }

    static func create(_ controller: Controller, _ name: String, group: String) async throws -> ECS.CapacityProvider? {
        try await controller.write { state, _ in
            try state.createCapacityProvider(
                ECS.CreateCapacityProviderRequest(
                    name: name,
                    autoScalingGroupProvider: ECS.AutoScalingGroupProvider(autoScalingGroupArn: group)
                )
            )
        }.capacityProvider
    }

    /// Associates `providers` with the default cluster, with no default strategy.
    static func associate(_ controller: Controller, _ providers: [String]) async throws {
        _ = try await controller.write { state, _ in
            try state.putClusterCapacityProviders(
                ECS.PutClusterCapacityProvidersRequest(
                    cluster: "default",
                    capacityProviders: providers,
                    defaultCapacityProviderStrategy: []
                )
            )
        }
    }

    @Test("create, describe (with FARGATE and FARGATE_SPOT), update and delete, with ECS's defaults and messages")
    func lifecycle() async throws {
        let controller = try await Self.cluster()
        let arn =
            "arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:0f1e:autoScalingGroupName/gpu-nodes"
        let created = try #require(try await Self.create(controller, "gpu", group: arn))
        #expect(created.capacityProviderArn == "arn:aws:ecs:us-east-1:000000000000:capacity-provider/gpu")
        #expect(created.status == "ACTIVE" && created.type == "EC2_AUTOSCALING")
        let provider = try #require(created.autoScalingGroupProvider)
        #expect(provider.autoScalingGroupArn == arn)
        #expect(provider.managedScaling?.status == "DISABLED" && provider.managedScaling?.targetCapacity == 100)
        #expect(provider.managedTerminationProtection == "DISABLED" && provider.managedDraining == "ENABLED")

        let all = try await controller.read { state in
            try state.describeCapacityProviders(ECS.DescribeCapacityProvidersRequest())
        }
        #expect(all.capacityProviders?.map(\.name) == ["FARGATE", "FARGATE_SPOT", "gpu"])
        #expect(all.capacityProviders?.first?.type == "FARGATE")
        let page = try await controller.read { state in
            try state.describeCapacityProviders(ECS.DescribeCapacityProvidersRequest(maxResults: 2))
        }
        #expect(page.capacityProviders?.count == 2 && page.nextToken != nil)
        let named = try await controller.read { state in
            try state.describeCapacityProviders(
                ECS.DescribeCapacityProvidersRequest(capacityProviders: [created.capacityProviderArn ?? "", "nope"])
            )
        }
        #expect(named.capacityProviders?.map(\.name) == ["gpu"])
        #expect(named.failures?.map(\.reason) == ["MISSING"])

        let updated = try await controller.write { state, _ in
            try state.updateCapacityProvider(
                ECS.UpdateCapacityProviderRequest(
                    name: "gpu",
                    autoScalingGroupProvider: ECS.AutoScalingGroupProviderUpdate(managedDraining: "DISABLED")
                )
            )
        }
        #expect(updated.capacityProvider?.autoScalingGroupProvider?.managedDraining == "DISABLED")

        let duplicate = await ecsRefusal { try await Self.create(controller, "gpu", group: "other") }
        #expect(duplicate?.code == .client)
        #expect(duplicate?.message.hasPrefix("The specified capacity provider already exists.") == true)
        let reserved = await ecsRefusal { try await Self.create(controller, "ecs-gpu", group: "other") }
        #expect(reserved?.message == "The capacity provider name can't be prefixed with 'aws', 'ecs', or 'fargate'.")
        let sameGroup = await ecsRefusal { try await Self.create(controller, "gpu2", group: "gpu-nodes") }
        #expect(sameGroup?.code == .invalidParameter)
        let scaling = await ecsRefusal {
            try await controller.write { state, _ in
                try state.createCapacityProvider(
                    ECS.CreateCapacityProviderRequest(
                        name: "scaled",
                        autoScalingGroupProvider: ECS.AutoScalingGroupProvider(
                            autoScalingGroupArn: "scaled",
                            managedScaling: ECS.ManagedScaling(status: "ENABLED")
                        )
                    )
                )
            }
        }
        #expect(scaling?.message.contains("managedScaling status ENABLED is not supported by Wharf") == true)

        // Associated with a cluster, it cannot be deleted; nor given to a second cluster.
        _ = try await controller.write { state, _ in
            try state.putClusterCapacityProviders(
                ECS.PutClusterCapacityProvidersRequest(
                    cluster: "default",
                    capacityProviders: ["gpu"],
                    defaultCapacityProviderStrategy: []
                )
            )
        }
        let inUse = await ecsRefusal {
            try await controller.write { state, _ in
                try state.deleteCapacityProvider(ECS.DeleteCapacityProviderRequest(capacityProvider: "gpu"))
            }
        }
        #expect(inUse?.message == "The specified capacity provider is in use and cannot be removed.")
        _ = try await controller.write { state, _ in
            try state.createCluster(ECS.CreateClusterRequest(clusterName: "other"))
        }
        let twice = await ecsRefusal {
            try await controller.write { state, _ in
                try state.putClusterCapacityProviders(
                    ECS.PutClusterCapacityProvidersRequest(
                        cluster: "other",
                        capacityProviders: ["gpu"],
                        defaultCapacityProviderStrategy: []
                    )
                )
            }
        }
        #expect(twice?.message == "The specified capacity provider is already associated with another cluster.")
        let unknown = await ecsRefusal {
            try await controller.write { state, _ in
                try state.putClusterCapacityProviders(
                    ECS.PutClusterCapacityProvidersRequest(
                        cluster: "other",
                        capacityProviders: ["nope"],
                        defaultCapacityProviderStrategy: []
                    )
                )
            }
        }
        #expect(unknown?.message.hasPrefix("The specified capacity provider was not found.") == true)

        _ = try await controller.write { state, _ in
            try state.putClusterCapacityProviders(
                ECS.PutClusterCapacityProvidersRequest(
                    cluster: "default",
                    capacityProviders: [],
                    defaultCapacityProviderStrategy: []
                )
            )
        }
        let deleted = try await controller.write { state, _ in
            try state.deleteCapacityProvider(ECS.DeleteCapacityProviderRequest(capacityProvider: "gpu"))
        }
        #expect(deleted.capacityProvider?.status == "INACTIVE")
        let after = try await controller.read { state in
            try state.describeCapacityProviders(ECS.DescribeCapacityProvidersRequest())
        }
        #expect(after.capacityProviders?.map(\.name) == ["FARGATE", "FARGATE_SPOT"])
    }

    @Test(
        """
        RunTask spreads tasks over a strategy's providers by base and weight, each on the nodes of its group; \
        DescribeContainerInstances names each node's provider; the cluster's default strategy applies without one
        """
    )
    func runTaskStrategy() async throws {
        let controller = try await Self.cluster()
        _ = try await Self.create(controller, "gpu", group: "gpu-nodes")
        _ = try await Self.create(controller, "general", group: "general")
        _ = try await controller.write { state, _ in
            try state.putClusterCapacityProviders(
                ECS.PutClusterCapacityProvidersRequest(
                    cluster: "default",
                    capacityProviders: ["gpu", "general", "FARGATE"],
                    defaultCapacityProviderStrategy: [ECS.CapacityProviderStrategyItem(capacityProvider: "gpu")]
                )
            )
        }
        let strategy = [
            ECS.CapacityProviderStrategyItem(capacityProvider: "gpu", weight: 1, base: 1),
            ECS.CapacityProviderStrategyItem(capacityProvider: "general", weight: 3),
        ]
        let response = try await controller.write { state, now in
            try state.runTask(
                ECS.RunTaskRequest(capacityProviderStrategy: strategy, count: 5, taskDefinition: "web"),
                now: now,
                seed: 3
            )
        }
        let tasks = response.tasks ?? []
        #expect(tasks.count == 5 && (response.failures ?? []).isEmpty, "\(response)")
        #expect(tasks.filter { $0.capacityProviderName == "gpu" }.count == 2)
        #expect(tasks.filter { $0.capacityProviderName == "general" }.count == 3)
        #expect(tasks.allSatisfy { $0.launchType == "EC2" })
        let instances = try await controller.read { state in
            try state.describeContainerInstances(
                ECS.DescribeContainerInstancesRequest(
                    containerInstances: state.listContainerInstances(ECS.ListContainerInstancesRequest())
                        .containerInstanceArns ?? []
                )
            )
        }
        let providerOf = Dictionary(
            uniqueKeysWithValues: (instances.containerInstances ?? []).map {
                ($0.containerInstanceArn ?? "", $0.capacityProviderName)
            }
        )
        #expect(Set(providerOf.values.compactMap { $0 }) == ["gpu", "general"])
        for task in tasks {
            #expect(providerOf[task.containerInstanceArn ?? ""] == task.capacityProviderName, "\(task)")
        }

        // Neither a launch type nor a strategy: the cluster's default (all on gpu).
        let byDefault = try await controller.write { state, now in
            try state.runTask(ECS.RunTaskRequest(count: 2, taskDefinition: "web"), now: now, seed: 4)
        }
        #expect(byDefault.tasks?.map(\.capacityProviderName) == ["gpu", "gpu"])
        // CreateService takes the default likewise.
        let defaulted = try await controller.write { state, now in
            try state.createService(
                ECS.CreateServiceRequest(serviceName: "defaulted", taskDefinition: "web", desiredCount: 0),
                now: now,
                deploymentID: "ecs-svc/7"
            )
        }.service
        #expect(defaulted?.capacityProviderStrategy?.map(\.capacityProvider) == ["gpu"] && defaulted?.launchType == nil)
        // A default RunTask could not use is refused when it is set.
        let mixedDefault = await ecsRefusal {
            try await controller.write { state, _ in
                try state.putClusterCapacityProviders(
                    ECS.PutClusterCapacityProvidersRequest(
                        cluster: "default",
                        capacityProviders: ["gpu", "general", "FARGATE"],
                        defaultCapacityProviderStrategy: [
                            ECS.CapacityProviderStrategyItem(capacityProvider: "gpu", weight: 1),
                            ECS.CapacityProviderStrategyItem(capacityProvider: "FARGATE", weight: 1),
                        ]
                    )
                )
            }
        }
        #expect(mixedDefault?.message.hasPrefix("The capacity provider strategy cannot contain a mix") == true)

        let mixed = await ecsRefusal {
            try await controller.write { state, now in
                try state.runTask(
                    ECS.RunTaskRequest(
                        capacityProviderStrategy: [
                            ECS.CapacityProviderStrategyItem(capacityProvider: "gpu", weight: 1),
                            ECS.CapacityProviderStrategyItem(capacityProvider: "FARGATE", weight: 1),
                        ],
                        taskDefinition: "web"
                    ),
                    now: now,
                    seed: 5
                )
            }
        }
        #expect(mixed?.message.hasPrefix("The capacity provider strategy cannot contain a mix") == true)
    }

    @Test(
        """
        a service with a strategy of the account's own providers gets its tasks spread by base and weight over \
        their groups, and keeps the split when it scales out
        """
    )
    func serviceStrategy() async throws {
        let controller = try await Self.cluster()
        _ = try await Self.create(controller, "gpu", group: "gpu-nodes")
        _ = try await Self.create(controller, "general", group: "general")
        try await Self.associate(controller, ["gpu", "general"])
        let strategy = [
            ECS.CapacityProviderStrategyItem(capacityProvider: "gpu", weight: 1, base: 1),
            ECS.CapacityProviderStrategyItem(capacityProvider: "general", weight: 3),
        ]
        let created = try await controller.write { state, now in
            try state.createService(
                ECS.CreateServiceRequest(
                    serviceName: "web",
                    taskDefinition: "web",
                    desiredCount: 5,
                    capacityProviderStrategy: strategy
                ),
                now: now,
                deploymentID: "ecs-svc/1"
            )
        }
        #expect(created.service?.launchType == nil && created.service?.capacityProviderStrategy?.count == 2)
        func placed() async throws -> [String: Int] {
            _ = try await controller.scheduleServices()
            return await controller.read { state in
                var counts: [String: Int] = [:]
                for task in state.tasks.all where task.desiredStatus == .running {
                    let group = task.instance.flatMap { state.instances[$0] }?.attributes
                        .first { $0.name == CapacityProviderRecord.nodeGroupAttribute }?.value
                    #expect(
                        group == state.capacityProviders[task.capacityProviderName ?? ""]?.nodeGroup,
                        "a task of \(task.capacityProviderName ?? "none") on a node of \(group ?? "none")"
                    )
                    #expect(task.launchType == .ec2)
                    counts[task.capacityProviderName ?? "none", default: 0] += 1
                }
                return counts
            }
        }
        func scale(to count: Int) async throws {
            _ = try await controller.write { state, now in
                try state.updateService(
                    ECS.UpdateServiceRequest(service: "web", desiredCount: count),
                    now: now,
                    deploymentID: "ecs-svc/\(count)"
                )
            }
        }
        #expect(try await placed() == ["gpu": 2, "general": 3])
        try await scale(to: 9)
        #expect(try await placed() == ["gpu": 3, "general": 6])
        // Scaling in stops the tasks of the providers above their share first.
        try await scale(to: 5)
        #expect(try await placed() == ["gpu": 2, "general": 3])
    }

    @Test("the split gives a base first, then tasks in proportion to the weights, ties to the provider listed first")
    func split() {
        let even = [
            CapacityProviderStrategyItem(capacityProvider: "a", weight: 1, base: nil),
            CapacityProviderStrategyItem(capacityProvider: "b", weight: 1, base: nil),
        ]
        #expect(CapacityProviderSplit.split(4, strategy: even) == ["a", "b", "a", "b"])
        let based = [
            CapacityProviderStrategyItem(capacityProvider: "a", weight: 1, base: 2),
            CapacityProviderStrategyItem(capacityProvider: "b", weight: 4, base: nil),
        ]
        let ten = CapacityProviderSplit.split(12, strategy: based)
        #expect(ten.prefix(2) == ["a", "a"])
        #expect(ten.filter { $0 == "a" }.count == 4 && ten.filter { $0 == "b" }.count == 8)
        #expect(CapacityProviderSplit.split(3, strategy: based, existing: ["a": 2, "b": 8]) == ["a", "a", "b"])
        let single = [CapacityProviderStrategyItem(capacityProvider: "only", weight: nil, base: nil)]
        #expect(CapacityProviderSplit.split(2, strategy: single) == ["only", "only"])
    }
}
