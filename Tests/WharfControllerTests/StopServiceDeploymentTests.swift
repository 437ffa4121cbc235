import Foundation
import Testing
import WharfModel
import WharfProtocol
import WharfState
@testable import WharfController

@Suite("StopServiceDeployment")
struct StopServiceDeploymentTests {
    let flow = ServiceFlowTests()

    func stop(_ harness: Harness, _ arn: String, type: String? = nil) async throws {
        _ = try await harness.controller.write { state, _ in
            try state.stopServiceDeployment(ECS.StopServiceDeploymentRequest(serviceDeploymentArn: arn, stopType: type))
        }
    }

    func refusal(_ harness: Harness, _ arn: String, type: String? = nil) async -> ECSError? {
        do {
            try await stop(harness, arn, type: type)
            return nil
        } catch {
            return error as? ECSError
        }
    }

    @Test(
        """
        a deployment in progress is stopped and rolled back to the last completed revision, even without a \
        rollback configured; a finished one is a ConflictException, an unknown one ServiceDeploymentNotFound
        """
    )
    func rollback() async throws {
        let harness = try await flow.harness()
        let node = try await harness.join("node-1", memory: 4096)
        _ = try await flow.create(
            harness,
            ECS.CreateServiceRequest(cluster: "lab", serviceName: "api", taskDefinition: "api:1", desiredCount: 1)
        )
        _ = try await harness.controller.scheduleServices()
        try await flow.report(harness, node)
        _ = try await harness.controller.scheduleServices()
        _ = try await flow.update(
            harness,
            ECS.UpdateServiceRequest(cluster: "lab", service: "api", taskDefinition: "api:2")
        )
        let listed = try await harness.controller.read { state in
            try state.listServiceDeployments(ECS.ListServiceDeploymentsRequest(service: "api", cluster: "lab"))
        }
        let deployments = listed.serviceDeployments ?? []
        let inProgress = try #require(deployments.first { $0.status == "IN_PROGRESS" }?.serviceDeploymentArn)
        let completed = try #require(deployments.first { $0.status == "SUCCESSFUL" }?.serviceDeploymentArn)

        #expect(await refusal(harness, completed)?.code == .conflict)
        #expect(await refusal(harness, inProgress, type: "ABORT")?.code == .invalidParameter)
        let unknown = inProgress.dropLast(3) + "999"
        #expect(await refusal(harness, String(unknown))?.code == .serviceDeploymentNotFound)

        try await stop(harness, inProgress)
        _ = try await harness.controller.scheduleServices()
        let service = try #require(try await flow.describe(harness))
        #expect(service.taskDefinition == "arn:aws:ecs:us-east-1:000000000000:task-definition/api:1", "rolled back")
        #expect(service.deployments?.first?.taskDefinition == service.taskDefinition)
        let described = try await harness.controller.read { state in
            try state.describeServiceDeployments(
                ECS.DescribeServiceDeploymentsRequest(serviceDeploymentArns: [inProgress])
            )
        }
        let stopped = try #require(described.serviceDeployments?.first)
        #expect(stopped.status?.hasPrefix("ROLLBACK") == true, "\(stopped.status ?? "")")
        let reason = stopped.rollback?.reason ?? ""
        #expect(reason.contains("StopServiceDeployment"), "\(reason)")
    }

    @Test("DescribeServiceRevisions: each revision's task definition and settings, from the deployments' ARNs")
    func revisions() async throws {
        let harness = try await flow.harness()
        _ = try await flow.create(
            harness,
            ECS.CreateServiceRequest(cluster: "lab", serviceName: "api", taskDefinition: "api:1", desiredCount: 1)
        )
        _ = try await flow.update(
            harness,
            ECS.UpdateServiceRequest(cluster: "lab", service: "api", taskDefinition: "api:2")
        )
        let listed = try await harness.controller.read { state in
            try state.listServiceDeployments(ECS.ListServiceDeploymentsRequest(service: "api", cluster: "lab"))
        }
        let newest = try #require(listed.serviceDeployments?.first?.serviceDeploymentArn)
        let deployment = try #require(
            try await harness.controller.read { state in
                try state.describeServiceDeployments(
                    ECS.DescribeServiceDeploymentsRequest(serviceDeploymentArns: [newest])
                )
            }.serviceDeployments?.first
        )
        let target = try #require(deployment.targetServiceRevision?.arn)
        let source = try #require(deployment.sourceServiceRevisions?.first?.arn)
        let missing = target.dropLast(3) + "999"
        let described = try await harness.controller.read { state in
            try state.describeServiceRevisions(
                ECS.DescribeServiceRevisionsRequest(serviceRevisionArns: [target, source, String(missing)])
            )
        }
        let definitions = described.serviceRevisions?.map(\.taskDefinition) ?? []
        #expect(
            definitions == [
                "arn:aws:ecs:us-east-1:000000000000:task-definition/api:2",
                "arn:aws:ecs:us-east-1:000000000000:task-definition/api:1",
            ]
        )
        #expect(described.serviceRevisions?.first?.serviceArn == "arn:aws:ecs:us-east-1:000000000000:service/lab/api")
        #expect(described.failures?.map(\.reason) == ["MISSING"])
        await #expect {
            _ = try await harness.controller.read { state in
                try state.describeServiceRevisions(ECS.DescribeServiceRevisionsRequest(serviceRevisionArns: []))
            }
        } throws: { ($0 as? ECSError)?.code == .invalidParameter }
    }
}
