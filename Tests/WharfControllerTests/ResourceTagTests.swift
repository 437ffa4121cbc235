import Foundation
import Testing
import WharfModel
import WharfProtocol
@testable import WharfController

@Suite("Tags on services, tasks and container instances")
struct ResourceTagTests {
    func tags(_ harness: Harness, _ arn: String) async throws -> [ECS.Tag] {
        try await harness.controller.read { state in
            try state.listTagsForResource(ECS.ListTagsForResourceRequest(resourceArn: arn))
        }.tags ?? []
    }

    @Test(
        """
        TagResource, UntagResource and ListTagsForResource on a service, a task and a container instance; ECS's \
        managed tags stay, cannot be removed and do not count toward the 50
        """
    )
    func tagging() async throws {
        let harness = try await Harness()
        let node = try await harness.join("node-1")
        let ran = try await harness.controller.write { state, now in
            try state.runTask(
                ECS.RunTaskRequest(
                    cluster: "lab",
                    enableECSManagedTags: true,
                    tags: [ECS.Tag(key: "team", value: "web")],
                    taskDefinition: "web"
                ),
                now: now,
                seed: 7
            )
        }
        let task = try #require(ran.tasks?.first?.taskArn)
        let created = try await harness.controller.write { state, now in
            try state.createService(
                ECS.CreateServiceRequest(cluster: "lab", serviceName: "svc", taskDefinition: "web", desiredCount: 0),
                now: now,
                deploymentID: "ecs-svc/1"
            )
        }
        let service = try #require(created.service?.serviceArn)
        for arn in [service, task, node.containerInstanceArn] {
            _ = try await harness.controller.write { state, _ in
                try state.tagResource(
                    ECS.TagResourceRequest(resourceArn: arn, tags: [ECS.Tag(key: "env", value: "prod")])
                )
            }
            #expect(try await tags(harness, arn).contains(ECS.Tag(key: "env", value: "prod")), "\(arn)")
            _ = try await harness.controller.write { state, _ in
                try state.untagResource(ECS.UntagResourceRequest(resourceArn: arn, tagKeys: ["env"]))
            }
            #expect(try await tags(harness, arn).contains { $0.key == "env" } == false, "\(arn)")
        }
        let taskTags = try await tags(harness, task)
        #expect(taskTags.contains(ECS.Tag(key: "team", value: "web")))
        #expect(taskTags.contains(ECS.Tag(key: "aws:ecs:clusterName", value: "lab")))
        await #expect {
            _ = try await harness.controller.write { state, _ in
                try state.untagResource(ECS.UntagResourceRequest(resourceArn: task, tagKeys: ["aws:ecs:clusterName"]))
            }
        } throws: { ($0 as? ECSError)?.code == .invalidParameter }
        // 49 of the user's own beside "team" make 50; the managed tag is not counted.
        let many = (0..<49).map { ECS.Tag(key: "k\($0)", value: "v") }
        _ = try await harness.controller.write { state, _ in
            try state.tagResource(ECS.TagResourceRequest(resourceArn: task, tags: many))
        }
        #expect(try await tags(harness, task).count == 51)
        let described = try await harness.controller.read { state in
            try state.describeTasks(ECS.DescribeTasksRequest(cluster: "lab", tasks: [task], include: ["TAGS"]))
        }
        #expect(described.tasks?.first?.tags?.count == 51)
        let unknown = task.replacingOccurrences(of: "/lab/", with: "/lab/0")
        await #expect {
            _ = try await harness.controller.read { state in
                try state.listTagsForResource(ECS.ListTagsForResourceRequest(resourceArn: unknown))
            }
        } throws: { ($0 as? ECSError)?.code == .resourceNotFound }
    }

    @Test(
        """
        a service's tasks carry ECS's managed tags (aws:ecs:clusterName, aws:ecs:serviceName) with \
        enableECSManagedTags, and the task definition's tags with propagateTags TASK_DEFINITION, or the \
        service's with SERVICE; none without
        """
    )
    func serviceTaskTags() async throws {
        let harness = try await Harness()
        _ = try await harness.join("node-1")
        _ = try await harness.controller.write { state, now in
            try state.registerTaskDefinition(
                ECS.RegisterTaskDefinitionRequest(
                    family: "tagged",
                    containerDefinitions: [ECS.ContainerDefinition(name: "app", image: "busybox", memory: 16)],
                    tags: [ECS.Tag(key: "team", value: "web")]
                ),
                now: now
            )
        }
        let cases: [(name: String, propagate: String?, managed: Bool, expected: [String: String])] = [
            ("from-definition", "TASK_DEFINITION", true,
             ["team": "web", "aws:ecs:clusterName": "lab", "aws:ecs:serviceName": "from-definition"]),
            ("from-service", "SERVICE", false, ["tier": "gold"]),
            ("plain", nil, false, [:]),
        ]
        for (name, propagate, managed, _) in cases {
            _ = try await harness.controller.write { state, now in
                try state.createService(
                    ECS.CreateServiceRequest(
                        cluster: "lab",
                        serviceName: name,
                        taskDefinition: "tagged",
                        desiredCount: 1,
                        tags: [ECS.Tag(key: "tier", value: "gold")],
                        enableECSManagedTags: managed,
                        propagateTags: propagate
                    ),
                    now: now,
                    deploymentID: "ecs-svc/\(name)"
                )
            }
        }
        #expect(try await harness.controller.scheduleServices().started == 3)
        for (name, _, _, expected) in cases {
            let listed = try await harness.controller.read { state in
                try state.listTasks(ECS.ListTasksRequest(cluster: "lab", serviceName: name))
            }
            let arns = listed.taskArns ?? []
            #expect(arns.count == 1, "\(name)")
            let described = try await harness.controller.read { state in
                try state.describeTasks(ECS.DescribeTasksRequest(cluster: "lab", tasks: arns, include: ["TAGS"]))
            }
            let tags = Dictionary(
                (described.tasks?.first?.tags ?? []).map { ($0.key ?? "", $0.value ?? "") },
                uniquingKeysWith: { first, _ in first }
            )
            #expect(tags == expected, "\(name)")
        }
    }
}
