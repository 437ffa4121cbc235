import Foundation
import Testing
import WharfModel
import WharfProtocol
import WharfState
@testable import WharfController

/// Service operations and scheduler rounds on a controller with fake agents.
@Suite("Services: operations and scheduler rounds")
struct ServiceFlowTests {
    /// A harness with an `api` definition (no host port) in revisions 1 and 2.
    func harness() async throws -> Harness {
        let harness = try await Harness()
        for command in [["sleep", "1"], ["sleep", "2"]] {
            _ = try await harness.controller.write { state, now in
                try state.registerTaskDefinition(ECS.RegisterTaskDefinitionRequest(
                    family: "api", containerDefinitions: [ECS.ContainerDefinition(name: "app", image: "busybox", memory: 128, command: command)]), now: now)
            }
        }
        return harness
    }

    func create(_ harness: Harness, _ request: ECS.CreateServiceRequest) async throws -> ECS.Service? {
        try await harness.controller.write { state, now in try state.createService(request, now: now, deploymentID: "ecs-svc/1") }.service
    }

    func update(_ harness: Harness, _ request: ECS.UpdateServiceRequest, id: String = "ecs-svc/2") async throws -> ECS.Service? {
        try await harness.controller.write { state, now in try state.updateService(request, now: now, deploymentID: id) }.service
    }

    func describe(_ harness: Harness, _ name: String = "api") async throws -> ECS.Service? {
        try await harness.controller.read { state in try state.describeServices(ECS.DescribeServicesRequest(cluster: "lab", services: [name])) }.services?.first
    }

    /// Reports the node's tasks as an agent would: those wanted RUNNING as RUNNING, or (with
    /// `status` STOPPED) those wanted STOPPED as STOPPED.
    func report(_ harness: Harness, _ node: RegisterResponse, _ status: String = "RUNNING", stopCode: String? = nil) async throws {
        let desired = try await harness.sync(node, version: 0)
        let reports = desired.tasks.filter { $0.desiredStatus == (status == "STOPPED" ? "STOPPED" : "RUNNING") }.map { task in
            TaskReport(taskArn: task.taskArn, lastStatus: status,
                       containers: [ContainerReport(name: "app", runtimeId: "c-\(task.taskArn.suffix(6))", lastStatus: status)],
                       startedAt: 1_760_000_000, stopCode: stopCode)
        }
        _ = try await harness.sync(node, version: 0, reports: reports)
    }

    @Test("CreateService refuses what ECS refuses, naming the member", arguments: [
        (ECS.CreateServiceRequest(cluster: "lab", serviceName: "bad name", taskDefinition: "api", desiredCount: 1), "serviceName"),
        (ECS.CreateServiceRequest(cluster: "lab", serviceName: "api", taskDefinition: "api"), "desiredCount is required"),
        (ECS.CreateServiceRequest(cluster: "lab", serviceName: "api", taskDefinition: "api", desiredCount: -1), "desiredCount -1"),
        (ECS.CreateServiceRequest(cluster: "lab", serviceName: "api", desiredCount: 1), "taskDefinition is required"),
        (ECS.CreateServiceRequest(cluster: "lab", serviceName: "api", taskDefinition: "api", desiredCount: 1, launchType: "FARGATE"), "Task definition does not support launch_type FARGATE."),
        (ECS.CreateServiceRequest(cluster: "lab", serviceName: "api", taskDefinition: "api", desiredCount: 1,
                                  deploymentConfiguration: ECS.DeploymentConfiguration(maximumPercent: 90)), "maximumPercent 90"),
        (ECS.CreateServiceRequest(cluster: "lab", serviceName: "api", taskDefinition: "api", desiredCount: 1,
                                  deploymentConfiguration: ECS.DeploymentConfiguration(minimumHealthyPercent: 120)), "minimumHealthyPercent 120"),
        (ECS.CreateServiceRequest(cluster: "lab", serviceName: "api", taskDefinition: "api", desiredCount: 1, schedulingStrategy: "DAEMON"), "DAEMON"),
        (ECS.CreateServiceRequest(cluster: "lab", serviceName: "api", taskDefinition: "api", loadBalancers: [ECS.LoadBalancer(containerPort: 80)],
                                  desiredCount: 1), "loadBalancers"),
        (ECS.CreateServiceRequest(cluster: "lab", serviceName: "api", taskDefinition: "api", desiredCount: 1,
                                  deploymentController: ECS.DeploymentController(type: "CODE_DEPLOY")), "deploymentController CODE_DEPLOY"),
    ])
    func refused(_ request: ECS.CreateServiceRequest, _ fragment: String) async throws {
        let harness = try await harness()
        await #expect { _ = try await create(harness, request) } throws: { error in
            guard let error = error as? ECSError else { return false }
            return error.code == .invalidParameter && error.message.contains(fragment)
        }
        let listed = try await harness.controller.read { state in try state.listServices(ECS.ListServicesRequest(cluster: "lab")) }
        #expect(listed.serviceArns == [], "nothing half-created")
    }

    @Test("create, describe and list; a retry with the same clientToken is idempotent, another create of the name is refused")
    func createDescribeList() async throws {
        let harness = try await harness()
        let request = ECS.CreateServiceRequest(cluster: "lab", serviceName: "api", taskDefinition: "api:1", desiredCount: 2, clientToken: "t-1",
                                               tags: [ECS.Tag(key: "team", value: "web")])
        let created = try #require(try await create(harness, request))
        #expect(created.serviceArn == "arn:aws:ecs:us-east-1:000000000000:service/lab/api")
        #expect(created.status == "ACTIVE")
        #expect(created.deploymentConfiguration?.maximumPercent == 200)
        #expect(created.deploymentConfiguration?.minimumHealthyPercent == 100)
        #expect(created.deployments?.first?.status == "PRIMARY")
        #expect(created.deployments?.first?.rolloutState == "IN_PROGRESS")
        #expect(try await create(harness, request)?.serviceArn == created.serviceArn)
        var other = request
        other.clientToken = "t-2"
        await #expect { _ = try await create(harness, other) } throws: { ($0 as? ECSError)?.message.contains("not idempotent") == true }
        let listed = try await harness.controller.read { state in try state.listServices(ECS.ListServicesRequest(cluster: "lab")) }
        #expect(listed.serviceArns == [created.serviceArn ?? ""])
        let missing = try await harness.controller.read { state in
            try state.describeServices(ECS.DescribeServicesRequest(cluster: "lab", services: ["api", "nope"], include: ["TAGS"]))
        }
        #expect(missing.services?.first?.tags == [ECS.Tag(key: "team", value: "web")])
        #expect(missing.failures == [ECS.Failure(arn: "arn:aws:ecs:us-east-1:000000000000:service/lab/nope", reason: "MISSING")])
        await #expect {
            _ = try await update(harness, ECS.UpdateServiceRequest(cluster: "lab", service: "nope", desiredCount: 1))
        } throws: { ($0 as? ECSError)?.code == .serviceNotFound }
    }

    @Test("scheduler rounds: tasks start, run, are replaced when they stop, roll to a new revision, and drain on delete")
    func lifecycle() async throws {
        let harness = try await harness()
        let node = try await harness.join("node-1", memory: 4096)
        _ = try await create(harness, ECS.CreateServiceRequest(cluster: "lab", serviceName: "api", taskDefinition: "api:1", desiredCount: 2))
        var round = try await harness.controller.scheduleServices()
        #expect(round.started == 2)
        var service = try #require(try await describe(harness))
        #expect(service.pendingCount == 2)
        #expect(service.events?.first?.message?.hasPrefix("(service api) has started 2 tasks: (task ") == true)
        let tasks = try await harness.controller.read { state in try state.listTasks(ECS.ListTasksRequest(cluster: "lab", serviceName: "api")) }
        #expect(tasks.taskArns?.count == 2)

        try await report(harness, node)
        round = try await harness.controller.scheduleServices()
        service = try #require(try await describe(harness))
        #expect(service.runningCount == 2)
        #expect(service.deployments?.first?.rolloutState == "COMPLETED")
        #expect(service.events?.first?.message == "(service api) has reached a steady state.")

        // Scale to 3, then roll to revision 2.
        _ = try await update(harness, ECS.UpdateServiceRequest(cluster: "lab", service: "api", desiredCount: 3))
        #expect(try await harness.controller.scheduleServices().started == 1)
        try await report(harness, node)
        _ = try await harness.controller.scheduleServices()
        let rolled = try #require(try await update(harness, ECS.UpdateServiceRequest(cluster: "lab", service: "api", taskDefinition: "api:2")))
        #expect(rolled.deployments?.map(\.status) == ["PRIMARY", "ACTIVE"])
        #expect(try await harness.controller.scheduleServices().started == 3, "200%: all three new tasks start beside the old")
        try await report(harness, node)
        #expect(try await harness.controller.scheduleServices().stopped == 3, "the old ones stop once the new run")
        try await report(harness, node, "STOPPED")
        _ = try await harness.controller.scheduleServices()
        service = try #require(try await describe(harness))
        #expect(service.deployments?.count == 1)
        #expect(service.deployments?.first?.taskDefinition == "arn:aws:ecs:us-east-1:000000000000:task-definition/api:2")
        #expect(service.deployments?.first?.rolloutState == "COMPLETED")
        let history = try await harness.controller.read { state in
            try state.listServiceDeployments(ECS.ListServiceDeploymentsRequest(service: "api", cluster: "lab"))
        }.serviceDeployments ?? []
        #expect(history.map(\.status) == ["SUCCESSFUL", "SUCCESSFUL"])
        #expect(history.first?.serviceDeploymentArn == "arn:aws:ecs:us-east-1:000000000000:service-deployment/lab/api/2")
        #expect(history.first?.targetServiceRevisionArn == "arn:aws:ecs:us-east-1:000000000000:service-revision/lab/api/2")
        let detail = try await harness.controller.read { state in
            try state.describeServiceDeployments(ECS.DescribeServiceDeploymentsRequest(serviceDeploymentArns: [
                history.first?.serviceDeploymentArn ?? "", "arn:aws:ecs:us-east-1:000000000000:service-deployment/lab/api/9",
            ]))
        }
        #expect(detail.serviceDeployments?.first?.targetServiceRevision?.runningTaskCount == 3)
        #expect(detail.serviceDeployments?.first?.sourceServiceRevisions?.map(\.arn) == ["arn:aws:ecs:us-east-1:000000000000:service-revision/lab/api/1"],
                "it started from revision 1's deployment")
        #expect(detail.failures?.map(\.reason) == ["MISSING"])

        // Delete: refused while scaled up, then drains to INACTIVE.
        await #expect {
            _ = try await harness.controller.write { state, now in try state.deleteService(ECS.DeleteServiceRequest(cluster: "lab", service: "api"), now: now) }
        } throws: { ($0 as? ECSError)?.message == "The service cannot be stopped while it is scaled above 0." }
        await #expect {
            _ = try await harness.controller.write { state, _ in try state.deleteCluster(ECS.DeleteClusterRequest(cluster: "lab")) }
        } throws: { ($0 as? ECSError)?.code == .clusterContainsServices }
        _ = try await harness.controller.write { state, now in
            try state.deleteService(ECS.DeleteServiceRequest(cluster: "lab", service: "api", force: true), now: now)
        }
        #expect(try await harness.controller.scheduleServices().stopped == 3)
        try await report(harness, node, "STOPPED")
        _ = try await harness.controller.scheduleServices()
        #expect(try await describe(harness)?.status == "INACTIVE")
        await #expect {
            _ = try await update(harness, ECS.UpdateServiceRequest(cluster: "lab", service: "api", desiredCount: 1))
        } throws: { ($0 as? ECSError)?.code == .serviceNotActive }
    }

    @Test("a lost node's service tasks are replaced on the others and told to stop; a cluster tag keeps ECS's behaviour", arguments: [true, false])
    func lostNode(replace: Bool) async throws {
        let harness = try await harness()
        if !replace {
            _ = try await harness.controller.write { state, _ in
                try state.tagResource(ECS.TagResourceRequest(resourceArn: "arn:aws:ecs:us-east-1:000000000000:cluster/lab",
                                                             tags: [ECS.Tag(key: "wharf:lost-task-replacement", value: "disabled")]))
            }
        }
        let first = try await harness.join("node-1", memory: 4096)
        let second = try await harness.join("node-2", memory: 4096)
        _ = try await create(harness, ECS.CreateServiceRequest(cluster: "lab", serviceName: "api", taskDefinition: "api:1", desiredCount: 2))
        #expect(try await harness.controller.scheduleServices().started == 2)
        try await report(harness, first)
        try await report(harness, second)
        _ = try await harness.controller.scheduleServices()
        let onSecond = try await harness.controller.read { state in
            try state.listTasks(ECS.ListTasksRequest(cluster: "lab", containerInstance: second.containerInstanceArn))
        }.taskArns ?? []
        #expect(onSecond.count == 1, "spread puts one task on each node")

        harness.clock.advance(61)
        _ = try await harness.sync(first, version: 0)
        await harness.controller.sweepLiveness()
        #expect(try await harness.instance(second.containerInstanceArn)?.agentConnected == false)
        let round = try await harness.controller.scheduleServices()
        if replace {
            #expect(round.started == 1 && round.stopped == 1)
            let back = try await harness.sync(second, version: 0)
            #expect(back.tasks.first { $0.taskArn == onSecond.first }?.desiredStatus == "STOPPED", "the node that returns stops the replaced task")
        } else {
            #expect(round.started == 0 && round.stopped == 0)
        }
    }

    @Test("a lost node's service tasks stay when no other node is connected to take them: one node, or every node lost")
    func lostWithNowhereToGo() async throws {
        let harness = try await harness()
        let first = try await harness.join("node-1", memory: 4096)
        _ = try await create(harness, ECS.CreateServiceRequest(cluster: "lab", serviceName: "api", taskDefinition: "api:1", desiredCount: 2))
        #expect(try await harness.controller.scheduleServices().started == 2)
        try await report(harness, first)
        _ = try await harness.controller.scheduleServices()

        harness.clock.advance(61)
        await harness.controller.sweepLiveness()
        #expect(try await harness.instance(first.containerInstanceArn)?.agentConnected == false)
        let alone = try await harness.controller.scheduleServices()
        #expect(alone.started == 0 && alone.stopped == 0, "a lone node's tasks are left running")
        let back = try await harness.sync(first, version: 0)
        #expect(back.tasks.count == 2 && back.tasks.allSatisfy { $0.desiredStatus == "RUNNING" })

        // A second node, then both lost: still nowhere to go.
        let second = try await harness.join("node-2", memory: 4096)
        harness.clock.advance(61)
        await harness.controller.sweepLiveness()
        #expect(try await harness.instance(second.containerInstanceArn)?.agentConnected == false)
        let both = try await harness.controller.scheduleServices()
        #expect(both.started == 0 && both.stopped == 0, "no connected node to take them")
        // The second comes back: now the first's tasks have somewhere to go.
        _ = try await harness.sync(second, version: 0)
        let replaced = try await harness.controller.scheduleServices()
        #expect(replaced.started == 2 && replaced.stopped == 2)
    }
}
