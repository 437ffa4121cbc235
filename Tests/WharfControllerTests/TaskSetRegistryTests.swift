import Foundation
import Testing
import WharfModel
import WharfProtocol
import WharfState
@testable import WharfController

@Suite("Task sets in Cloud Map: each task set's running tasks are instances of its registry")
struct TaskSetRegistryTests {
    @Test(
        """
        two task sets registered in one Cloud Map service both have their running task as an instance; the task set \
        scaled to 0 loses its instance and the other keeps its own
        """
    )
    func registries() async throws {
        let base = ServiceRegistryTests()
        let (harness, map, node, arn) = try await base.setUp()
        // Port 80 on a dynamic host port, so the one node takes both task sets' tasks.
        _ = try await harness.controller.write { state, now in
            try state.registerTaskDefinition(
                ECS.RegisterTaskDefinitionRequest(
                    family: "dynamic",
                    containerDefinitions: [
                        ECS.ContainerDefinition(
                            name: "httpd",
                            image: "busybox",
                            memory: 64,
                            portMappings: [ECS.PortMapping(containerPort: 80, hostPort: 0)]
                        )
                    ]
                ),
                now: now
            )
        }
        try await TaskSetTests.createExternal(harness, desired: 1)
        let registry = ECS.ServiceRegistry(registryArn: arn, containerName: "httpd", containerPort: 80)
        for id in ["ecs-svc/1", "ecs-svc/2"] {
            let set = try await harness.controller.write { state, now in
                try state.createTaskSet(
                    ECS.CreateTaskSetRequest(
                        service: "web",
                        cluster: "lab",
                        taskDefinition: "dynamic",
                        serviceRegistries: [registry]
                    ),
                    now: now,
                    id: id
                )
            }.taskSet
            #expect(set?.serviceRegistries?.first?.registryArn == arn)
        }
        try await harness.controller.scheduleServices()
        let desired = try await harness.sync(node, version: 0)
        let reports = desired.tasks.enumerated().map { index, task in
            TaskReport(
                taskArn: task.taskArn,
                lastStatus: "RUNNING",
                containers: [
                    ContainerReport(
                        name: "httpd",
                        runtimeId: "c-\(index)",
                        lastStatus: "RUNNING",
                        networkBindings: [
                            ECS.NetworkBinding(containerPort: 80, hostPort: 8080 + index, protocol: "tcp")
                        ]
                    )
                ],
                startedAt: harness.clock.now().timeIntervalSince1970
            )
        }
        _ = try await harness.sync(node, version: 0, reports: reports)
        try await harness.controller.scheduleServices()
        func instances() async throws -> Set<String> {
            let found = try await map.ok("DiscoverInstances", ["NamespaceName": "internal", "ServiceName": "web"])
            return Set((found["Instances"] as? [[String: Any]] ?? []).compactMap { $0["InstanceId"] as? String })
        }
        let ids = desired.tasks.map { String($0.taskArn.split(separator: "/").last ?? "") }
        let startedBy = await harness.controller.read { state in
            Dictionary(uniqueKeysWithValues: state.tasks.all.map { ($0.id.description, $0.startedBy ?? "") })
        }
        #expect(try await instances() == Set(ids), "one instance for each task set's task")
        _ = try await harness.controller.write { state, now in
            try state.updateTaskSet(
                ECS.UpdateTaskSetRequest(
                    cluster: "lab",
                    service: "web",
                    taskSet: "ecs-svc/1",
                    scale: ECS.Scale(value: 0, unit: "PERCENT")
                ),
                now: now
            )
        }
        try await harness.controller.scheduleServices()
        #expect(try await instances() == Set(ids.filter { startedBy[$0] == "ecs-svc/2" }))
    }
}
