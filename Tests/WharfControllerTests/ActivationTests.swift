import Foundation
import Testing
import WharfModel
import WharfProtocol
import WharfState
@testable import WharfController

@Suite("Activations: CreateActivation, DescribeActivations, DeleteActivation, and joining with them")
struct ActivationTests {
    func create(_ harness: Harness, _ request: SSM.CreateActivationRequest, id: String = "0f8f4a6e-8f3e-4a1f-9d6a-1c2b3d4e5f60",
                code: String = "m0E5n1pLq2rS3tU4vW5x") async throws -> SSM.CreateActivationResult {
        try await harness.controller.write { state, now in
            try state.createActivation(request, now: now, id: id, code: code, codeHash: Controller.hash)
        }
    }

    func describe(_ harness: Harness, _ request: SSM.DescribeActivationsRequest = SSM.DescribeActivationsRequest()) async throws -> SSM.DescribeActivationsResult {
        try await harness.controller.write { state, now in Outcome(try state.describeActivations(request, now: now)) }
    }

    func refusal(_ harness: Harness, _ hostname: String, _ activation: (id: String, code: String)?) async -> String? {
        do {
            _ = try await harness.join(hostname, activation: activation)
            return nil
        } catch let error as AgentProtocolError {
            return error.code == .activationRefused ? error.message : "wrong code \(error.code)"
        } catch {
            return "\(error)"
        }
    }

    @Test("an activation is created with SSM's defaults, described without its code, filtered, paged and deleted")
    func operations() async throws {
        let harness = try await Harness(openRegistration: false)
        let created = try await create(harness, SSM.CreateActivationRequest(description: "lab nodes", iamRole: "ecsAnywhereRole",
                                                                            tags: [SSM.Tag(key: "team", value: "infra")]))
        #expect(created == SSM.CreateActivationResult(activationId: "0f8f4a6e-8f3e-4a1f-9d6a-1c2b3d4e5f60", activationCode: "m0E5n1pLq2rS3tU4vW5x"))
        _ = try await create(harness, SSM.CreateActivationRequest(iamRole: "otherRole", registrationLimit: 3),
                             id: "1f8f4a6e-8f3e-4a1f-9d6a-1c2b3d4e5f61", code: "x")
        let all = try await describe(harness)
        #expect(all.activationList?.count == 2)
        let first = try #require(all.activationList?.first { $0.activationId == created.activationId })
        #expect(first.registrationLimit == 1 && first.registrationsCount == 0 && first.expired == false)
        #expect(first.expirationDate == harness.clock.now().addingTimeInterval(24 * 3600), "24 hours by default, as SSM")
        #expect(first.tags == [SSM.Tag(key: "team", value: "infra")])
        let data = try ECSWire.encode(all)
        #expect(!String(decoding: data, as: UTF8.self).contains("m0E5n1pLq2rS3tU4vW5x"), "the code is shown once, never described")
        let byRole = try await describe(harness, SSM.DescribeActivationsRequest(filters: [SSM.DescribeActivationsFilter(filterKey: "IamRole", filterValues: ["otherRole"])]))
        #expect(byRole.activationList?.map(\.registrationLimit) == [3])
        let page = try await describe(harness, SSM.DescribeActivationsRequest(maxResults: 1))
        #expect(page.activationList?.count == 1 && page.nextToken != nil)
        let rest = try await describe(harness, SSM.DescribeActivationsRequest(maxResults: 1, nextToken: page.nextToken))
        #expect(rest.activationList?.count == 1 && rest.nextToken == nil && rest.activationList != page.activationList)
        await #expect { _ = try await describe(harness, SSM.DescribeActivationsRequest(nextToken: "nope")) } throws: { ($0 as? ECSError)?.code == .invalidNextToken }

        await #expect {
            _ = try await harness.controller.write { state, _ in try state.deleteActivation(SSM.DeleteActivationRequest(activationId: "not-a-uuid")) }
        } throws: { ($0 as? ECSError)?.code == .invalidActivationId }
        _ = try await harness.controller.write { state, _ in try state.deleteActivation(SSM.DeleteActivationRequest(activationId: created.activationId)) }
        await #expect {
            _ = try await harness.controller.write { state, _ in try state.deleteActivation(SSM.DeleteActivationRequest(activationId: created.activationId)) }
        } throws: { ($0 as? ECSError)?.code == .invalidActivation }
        #expect(try await describe(harness).activationList?.count == 1)
    }

    @Test("CreateActivation refuses what SSM refuses", arguments: [
        (SSM.CreateActivationRequest(), "IamRole is required"),
        (SSM.CreateActivationRequest(iamRole: "r", expirationDate: Date(timeIntervalSince1970: 1_000)), "in the past"),
        (SSM.CreateActivationRequest(iamRole: "r", expirationDate: Date(timeIntervalSince1970: 1_760_000_000 + 40 * 86400)), "more than 30 days"),
    ])
    func refused(_ request: SSM.CreateActivationRequest, _ fragment: String) async throws {
        let harness = try await Harness(openRegistration: false)
        await #expect { _ = try await create(harness, request) } throws: { error in
            guard let error = error as? ECSError else { return false }
            return error.code == .ssmInvalidParameters && error.message.contains(fragment)
        }
        #expect(try await describe(harness).activationList == [])
    }

    @Test("nodes join with an activation up to its limit; wrong, expired, deleted and missing activations are refused, saying which")
    func joining() async throws {
        let harness = try await Harness(openRegistration: false)
        let result = try await create(harness, SSM.CreateActivationRequest(iamRole: "ecsAnywhereRole", registrationLimit: 3))
        let activation = (id: result.activationId ?? "", code: result.activationCode ?? "")
        #expect(await refusal(harness, "node-0", nil)?.contains("joins new nodes with an activation") == true)
        var joined: [RegisterResponse] = []
        for index in 1...3 { joined.append(try await harness.join("node-\(index)", activation: activation)) }
        #expect(await refusal(harness, "node-4", activation)?.contains("registration limit of 3") == true)
        #expect(try await describe(harness).activationList?.first?.registrationsCount == 3)
        let instance = try #require(try await harness.instance(joined[0].containerInstanceArn))
        #expect(instance.attributes?.contains(ECS.Attribute(name: "ecs.capability.external")) == true)
        // A rejoin needs no activation and keeps the capability.
        // An agent's instance takes EXTERNAL tasks.
        let external = try await harness.controller.write { state, now in
            try state.runTask(ECS.RunTaskRequest(cluster: "lab", launchType: "EXTERNAL", taskDefinition: "web"), now: now, seed: 1)
        }
        #expect(external.tasks?.first?.launchType == "EXTERNAL")
        let again = try await harness.join("node-1", identity: joined[0])
        #expect(again.containerInstanceArn == joined[0].containerInstanceArn)
        #expect(try await harness.instance(again.containerInstanceArn)?.attributes?.contains(ECS.Attribute(name: "ecs.capability.external")) == true)

        let fresh = try await create(harness, SSM.CreateActivationRequest(iamRole: "ecsAnywhereRole", registrationLimit: 5),
                                     id: "2f8f4a6e-8f3e-4a1f-9d6a-1c2b3d4e5f62", code: "right")
        #expect(await refusal(harness, "node-5", (fresh.activationId ?? "", "wrong"))?.contains("code does not match") == true)
        harness.clock.advance(25 * 3600)
        #expect(await refusal(harness, "node-6", (fresh.activationId ?? "", "right"))?.contains("expired") == true)
        #expect(try await describe(harness).activationList?.first { $0.activationId == fresh.activationId }?.expired == true)
        _ = try await harness.controller.write { state, _ in try state.deleteActivation(SSM.DeleteActivationRequest(activationId: fresh.activationId)) }
        #expect(await refusal(harness, "node-7", (fresh.activationId ?? "", "right"))?.contains("does not exist or was deleted") == true)
        #expect(try await describe(harness).activationList?.first?.registrationsCount == 3, "refused joins are not counted")
    }
}

@Suite("A node that lost its identity joins again as the instance it was")
struct RejoinTests {
    func rejoin(_ harness: Harness, _ arn: String, _ activation: SSM.CreateActivationResult, code: String? = nil)
        async throws -> RegisterResponse
    {
        try await harness.controller.register(
            RegisterRequest(
                cluster: "lab",
                containerInstanceArn: arn,
                activationId: activation.activationId,
                activationCode: code ?? activation.activationCode,
                hostname: "node-1",
                resources: NodeResources(cpu: 1024, memoryMiB: 1024, reservedTCPPorts: [], reservedUDPPorts: []),
                attributes: [],
                versionInfo: ECS.VersionInfo(agentVersion: "0.1.0")
            )
        )
    }

    @Test(
        """
        with a fresh activation made for the instance and its ARN: same instance, its tasks kept, a new credential \
        (the old one refused); a wrong code, an activation made for no instance, an unknown ARN or a deregistered \
        instance refused without a write
        """
    )
    func rejoinWithActivation() async throws {
        let harness = try await Harness(openRegistration: false)
        let tests = ActivationTests()
        let first = try await tests.create(harness, SSM.CreateActivationRequest(iamRole: "ecsAnywhereRole"))
        let code = try #require(first.activationCode)
        let joined = try await harness.join("node-1", activation: (try #require(first.activationId), code))
        let ran = try await harness.controller.write { state, now in
            try state.runTask(ECS.RunTaskRequest(cluster: "lab", taskDefinition: "web"), now: now, seed: 1)
        }
        let task = try #require(ran.tasks?.first?.taskArn)
        let instanceID = String(joined.containerInstanceArn.split(separator: "/").last ?? "")
        let fresh = try await tests.create(
            harness,
            SSM.CreateActivationRequest(defaultInstanceName: instanceID, iamRole: "ecsAnywhereRole"),
            id: "1f8f4a6e-8f3e-4a1f-9d6a-1c2b3d4e5f61",
            code: "fresh-code"
        )
        let other = try await tests.create(
            harness,
            SSM.CreateActivationRequest(iamRole: "ecsAnywhereRole"),
            id: "4f8f4a6e-8f3e-4a1f-9d6a-1c2b3d4e5f64",
            code: "other-code"
        )
        let before = harness.controller.writesQueued
        await #expect(throws: AgentProtocolError.self) {
            _ = try await rejoin(harness, joined.containerInstanceArn, fresh, code: "wrong")
        }
        await #expect {
            _ = try await rejoin(harness, joined.containerInstanceArn, other)
        } throws: { error in
            (error as? AgentProtocolError)?.message.contains("was not made for container instance") == true
        }
        let unknown = joined.containerInstanceArn.replacingOccurrences(of: "/lab/", with: "/lab/0") + "0"
        await #expect {
            _ = try await rejoin(harness, unknown, fresh)
        } throws: { error in
            (error as? AgentProtocolError)?.message.contains("is not registered with this controller") == true
        }
        #expect(harness.controller.writesQueued == before, "refusals reach no writer")

        let again = try await rejoin(harness, joined.containerInstanceArn, fresh)
        #expect(again.containerInstanceArn == joined.containerInstanceArn)
        #expect(again.credential != joined.credential)
        let listed = try await harness.controller.read { state in
            try state.listTasks(ECS.ListTasksRequest(cluster: "lab", containerInstance: joined.containerInstanceArn))
        }
        #expect(listed.taskArns == [task], "the node's task stays its own")
        await #expect(throws: AgentProtocolError.self) {
            _ = try await harness.join("node-1", identity: joined)
        }
        #expect(try await harness.join("node-1", identity: again).containerInstanceArn == joined.containerInstanceArn)
        let described = try await harness.controller.write { state, now in
            Outcome(try state.describeActivations(SSM.DescribeActivationsRequest(), now: now))
        }
        #expect(described.activationList?.first { $0.activationId == fresh.activationId }?.registrationsCount == 1)

        _ = try await harness.controller.write { state, now in
            try state.deregisterContainerInstance(
                ECS.DeregisterContainerInstanceRequest(
                    cluster: "lab",
                    containerInstance: joined.containerInstanceArn,
                    force: true
                ),
                now: now
            )
        }
        let third = try await tests.create(
            harness,
            SSM.CreateActivationRequest(defaultInstanceName: instanceID, iamRole: "ecsAnywhereRole"),
            id: "3f8f4a6e-8f3e-4a1f-9d6a-1c2b3d4e5f63",
            code: "third-code"
        )
        await #expect {
            _ = try await rejoin(harness, joined.containerInstanceArn, third)
        } throws: { error in
            (error as? AgentProtocolError)?.message.contains("was deregistered") == true
        }
    }
}
