import Foundation
import Logging
import Testing
import WharfModel
import WharfProtocol
import WharfState
import WharfStore
@testable import WharfController

@Suite("AWS's own messages for the common refusals; Wharf's hints go to the log")
struct AWSMessageTests {
    @Test("services, task definitions, tasks and cluster deletion are refused with ECS's words")
    func messages() async throws {
        let controller = try await Controller(
            store: InMemoryStore(),
            context: AccountContext(),
            logger: Logger(label: "test"),
            openRegistration: true
        )
        _ = try await controller.write { state, _ in try state.createCluster(ECS.CreateClusterRequest(clusterName: "c"))
        }
        _ = try await controller.write { state, now in
            try state.registerTaskDefinition(
                ECS.RegisterTaskDefinitionRequest(
                    family: "f",
                    containerDefinitions: [ECS.ContainerDefinition(name: "a", image: "busybox", memory: 32)]
                ),
                now: now
            )
        }
        func create() async throws {
            _ = try await controller.write { state, now in
                try state.createService(
                    ECS.CreateServiceRequest(cluster: "c", serviceName: "s", taskDefinition: "f", desiredCount: 0),
                    now: now,
                    deploymentID: "ecs-svc/1"
                )
            }
        }
        let cases: [(String, ECSError.Code, String, () async throws -> Void)] = [
            (
                "UpdateService of a service that is not there", .serviceNotFound, "Service not found.",
                {
                    _ = try await controller.write { state, now in
                        try state.updateService(
                            ECS.UpdateServiceRequest(cluster: "c", service: "nope", desiredCount: 1),
                            now: now,
                            deploymentID: "ecs-svc/2"
                        )
                    }
                }
            ),
            (
                "DescribeTaskDefinition of one that is not there", .client, "Unable to describe task definition.",
                {
                    _ = try await controller.read { state in
                        try state.describeTaskDefinition(ECS.DescribeTaskDefinitionRequest(taskDefinition: "nope:1"))
                    }
                }
            ),
            (
                "RunTask of one that is not there", .client, "TaskDefinition not found.",
                {
                    _ = try await controller.write { state, now in
                        try state.runTask(ECS.RunTaskRequest(cluster: "c", taskDefinition: "nope"), now: now, seed: 1)
                    }
                }
            ),
            (
                "StopTask of a task that is not there", .invalidParameter, "The referenced task was not found.",
                {
                    _ = try await controller.write { state, now in
                        try state.stopTask(
                            ECS.StopTaskRequest(cluster: "c", task: "0123456789abcdef0123456789abcdef"),
                            now: now
                        )
                    }
                }
            ),
        ]
        for (name, code, message, body) in cases {
            let error = await ecsRefusal(body)
            #expect(error?.code == code && error?.message == message, "\(name): \(String(describing: error))")
            #expect(error?.hint != nil, "\(name): Wharf's hint kept for the log")
        }
        try await create()
        let twice = await ecsRefusal(create)
        #expect(twice?.message == "Creation of service was not idempotent.")
        let busy = await ecsRefusal {
            try await controller.write { state, _ in try state.deleteCluster(ECS.DeleteClusterRequest(cluster: "c")) }
        }
        #expect(busy?.code == .clusterContainsServices)
        #expect(busy?.message == "The Cluster cannot be deleted while Services are active.")
        _ = try await controller.write { state, now in
            try state.deleteService(ECS.DeleteServiceRequest(cluster: "c", service: "s"), now: now)
        }
        let inactive = await ecsRefusal {
            try await controller.write { state, now in
                try state.updateService(
                    ECS.UpdateServiceRequest(cluster: "c", service: "s", desiredCount: 1),
                    now: now,
                    deploymentID: "ecs-svc/3"
                )
            }
        }
        #expect(inactive?.code == .serviceNotActive && inactive?.message == "Service was not ACTIVE.")
    }
}
