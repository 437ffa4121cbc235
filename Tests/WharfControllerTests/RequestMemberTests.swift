import Foundation
import Testing
import WharfModel
import WharfState
@testable import WharfController

/// Request members that were accepted and ignored: each now takes effect or is refused by name.
@Suite("Request members that take effect: filters, cluster scope, back to the launch type")
struct RequestMemberTests {
    func service(
        _ controller: Controller,
        _ name: String,
        strategy: [ECS.CapacityProviderStrategyItem]? = nil
    ) async throws
        -> ECS.Service?
    {
        try await controller.write { state, now in
            try state.createService(
                ECS.CreateServiceRequest(
                    serviceName: name,
                    taskDefinition: "web",
                    desiredCount: 1,
                    capacityProviderStrategy: strategy
                ),
                now: now,
                deploymentID: "ecs-svc/\(name)"
            )
        }.service
    }

    @Test("ListServices: resourceManagementType ECS lists nothing, CUSTOMER every service; DescribeServices says so")
    func resourceManagementType() async throws {
        let controller = try await CapacityProviderTests.cluster()
        let created = try #require(
            try await service(controller, "web")
        )
        #expect(created.resourceManagementType == "CUSTOMER")
        #expect(created.availabilityZoneRebalancing == "DISABLED")
        func list(_ type: String?) async throws -> [String] {
            try await controller.read { state in
                try state.listServices(ECS.ListServicesRequest(resourceManagementType: type))
            }.serviceArns ?? []
        }
        #expect(try await list(nil) == [created.serviceArn ?? ""])
        #expect(try await list("CUSTOMER") == [created.serviceArn ?? ""])
        #expect(try await list("ECS") == [])
    }

    @Test("DescribeCapacityProviders with a cluster shows only the providers associated with it")
    func providersOfCluster() async throws {
        let controller = try await CapacityProviderTests.cluster()
        _ = try await CapacityProviderTests.create(controller, "gpu", group: "gpu-nodes")
        _ = try await CapacityProviderTests.create(controller, "general", group: "general")
        _ = try await controller.write { state, _ in
            try state.createCluster(ECS.CreateClusterRequest(clusterName: "other"))
        }
        try await CapacityProviderTests.associate(controller, ["gpu", "FARGATE"])
        func names(
            _ request: ECS.DescribeCapacityProvidersRequest
        ) async throws -> ECS.DescribeCapacityProvidersResponse {
            try await controller.read { state in try state.describeCapacityProviders(request) }
        }
        #expect(
            try await names(.init()).capacityProviders?.map(\.name) == ["FARGATE", "FARGATE_SPOT", "general", "gpu"]
        )
        #expect(try await names(.init(cluster: "default")).capacityProviders?.map(\.name) == ["FARGATE", "gpu"])
        #expect(try await names(.init(cluster: "other")).capacityProviders?.map(\.name) == [])
        let named = try await names(.init(capacityProviders: ["gpu", "general"], cluster: "default"))
        #expect(named.capacityProviders?.map(\.name) == ["gpu"])
        #expect(named.failures?.map(\.arn) == ["general"])
        let unknown = await ecsRefusal { try await names(.init(cluster: "nowhere")) }
        #expect(unknown?.code == .clusterNotFound)
    }

    @Test("DeleteCapacityProvider refuses a cluster: only Managed Instances providers belong to one")
    func deleteWithCluster() async throws {
        let controller = try await CapacityProviderTests.cluster()
        _ = try await CapacityProviderTests.create(controller, "gpu", group: "gpu-nodes")
        let refused = await ecsRefusal {
            try await controller.write { state, _ in
                try state.deleteCapacityProvider(
                    ECS.DeleteCapacityProviderRequest(capacityProvider: "gpu", cluster: "default")
                )
            }
        }
        #expect(refused?.message.contains("cluster") == true)
        let shown = try await controller.read { state in
            try state.describeCapacityProviders(ECS.DescribeCapacityProvidersRequest(capacityProviders: ["gpu"]))
        }
        #expect(shown.capacityProviders?.first?.status == "ACTIVE")
    }

    @Test("UpdateService with an empty capacityProviderStrategy goes back to the launch type, without a deployment")
    func backToLaunchType() async throws {
        let controller = try await CapacityProviderTests.cluster()
        _ = try await CapacityProviderTests.create(controller, "gpu", group: "gpu-nodes")
        try await CapacityProviderTests.associate(controller, ["gpu"])
        let created = try #require(
            try await service(controller, "web", strategy: [ECS.CapacityProviderStrategyItem(capacityProvider: "gpu")])
        )
        #expect(created.launchType == nil && created.capacityProviderStrategy?.count == 1)
        func emptyStrategy(_ deployment: String) async throws -> ECS.Service? {
            try await controller.write { state, now in
                try state.updateService(
                    ECS.UpdateServiceRequest(service: "web", capacityProviderStrategy: []),
                    now: now,
                    deploymentID: deployment
                )
            }.service
        }
        let updated = try await emptyStrategy("ecs-svc/2")
        #expect(updated?.launchType == "EC2")
        #expect(updated?.capacityProviderStrategy == nil)
        #expect(updated?.deployments?.count == 1)
        // With no strategy left, an empty list changes nothing.
        let again = try await emptyStrategy("ecs-svc/3")
        #expect(again?.launchType == "EC2" && again?.deployments?.count == 1)
    }

    @Test("DeleteAttributes checks what PutAttributes checks: at most 10, the target type, the name")
    func deleteAttributesChecked() async throws {
        let controller = try await CapacityProviderTests.cluster()
        let instance =
            try await controller.read { state in
                try state.listContainerInstances(ECS.ListContainerInstancesRequest())
            }.containerInstanceArns?.first ?? ""
        func delete(_ attributes: [ECS.Attribute]) async -> ECSError? {
            await ecsRefusal {
                try await controller.write { state, _ in
                    try state.deleteAttributes(ECS.DeleteAttributesRequest(attributes: attributes))
                }
            }
        }
        let wrongType = await delete([ECS.Attribute(name: "stack", targetType: "service", targetId: instance)])
        #expect(wrongType?.code == .invalidParameter && wrongType?.message.contains("targetType") == true)
        let badName = await delete([ECS.Attribute(name: "no spaces", targetId: instance)])
        #expect(badName?.code == .invalidParameter)
        let many = await delete((0..<11).map { ECS.Attribute(name: "a\($0)", targetId: instance) })
        #expect(many?.message.contains("at most 10") == true)
        #expect(
            await delete([ECS.Attribute(name: "stack", targetType: "container-instance", targetId: instance)]) == nil
        )
    }
}
