import Foundation
import Testing
import WharfModel
import WharfProtocol
@testable import WharfController

@Suite("DescribeContainerInstances: include CONTAINER_INSTANCE_HEALTH")
struct RuntimeHealthTests {
    func describe(_ harness: Harness, _ arn: String, include: [String]) async throws -> ECS.ContainerInstance? {
        let request = ECS.DescribeContainerInstancesRequest(cluster: "lab", containerInstances: [arn], include: include)
        let health = await ECSOperations.runtimeHealth(for: request, harness.controller)
        return try await harness.controller.read { state in
            try state.describeContainerInstances(request, runtimeHealth: health)
        }.containerInstances?.first
    }

    @Test(
        """
        INITIALIZING before the agent reports its engine, then the reported status with when it was heard and \
        when it changed; INSUFFICIENT_DATA once the agent is disconnected; nothing unless asked for
        """
    )
    func containerRuntimeCheck() async throws {
        let harness = try await Harness()
        let node = try await harness.join("node-1")
        let arn = node.containerInstanceArn
        let initializing = try await describe(harness, arn, include: ["CONTAINER_INSTANCE_HEALTH"])
        #expect(initializing?.healthStatus?.overallStatus == "INITIALIZING")

        let since = harness.clock.now().addingTimeInterval(-30)
        _ = try await harness.controller.sync(
            SyncRequest(
                containerInstanceArn: arn,
                credential: node.credential,
                desiredVersion: 0,
                tasks: [],
                runtimeHealth: RuntimeHealth(status: "IMPAIRED", since: since)
            )
        )
        let heard = harness.clock.now()
        let impaired = try #require(try await describe(harness, arn, include: ["CONTAINER_INSTANCE_HEALTH"]))
        #expect(impaired.healthStatus?.overallStatus == "IMPAIRED")
        let check = try #require(impaired.healthStatus?.details?.first)
        #expect(check.type == "CONTAINER_RUNTIME" && check.status == "IMPAIRED")
        #expect(check.lastStatusChange == since && check.lastUpdated == heard)
        #expect(try await describe(harness, arn, include: ["TAGS"])?.healthStatus == nil)
        #expect(try await describe(harness, arn, include: [])?.healthStatus == nil)

        harness.clock.advance(120)
        await harness.controller.sweepLiveness()
        let lost = try await describe(harness, arn, include: ["CONTAINER_INSTANCE_HEALTH"])
        #expect(lost?.agentConnected == false)
        #expect(lost?.healthStatus?.overallStatus == "INSUFFICIENT_DATA")
        #expect(lost?.healthStatus?.details?.first?.lastUpdated == heard)
    }
}
