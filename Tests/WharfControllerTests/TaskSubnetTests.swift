import Foundation
import Logging
import Testing
import WharfModel
import WharfProtocol
import WharfState
import WharfStore
@testable import WharfController

@Suite("Task address blocks: one /24 of --task-cidr for each node, kept and given back")
struct TaskSubnetTests {
    static func controller(_ store: InMemoryStore, cidr: String = "10.64.0.0/10") async throws -> Controller {
        try await Controller(
            store: store, context: AccountContext(), logger: Logger(label: "test"), openRegistration: true,
            taskCIDR: try #require(IPv4Network(cidr)), placementSeed: 1)
    }

    static func join(_ controller: Controller, _ name: String, as identity: RegisterResponse? = nil) async throws
        -> RegisterResponse
    {
        try await controller.register(
            RegisterRequest(
                cluster: "default", containerInstanceArn: identity?.containerInstanceArn,
                credential: identity?.credential, hostname: name,
                resources: NodeResources(cpu: 1024, memoryMiB: 1024, reservedTCPPorts: [], reservedUDPPorts: []),
                attributes: [], versionInfo: ECS.VersionInfo(agentVersion: "0.1.0")))
    }

    @Test(
        """
        nodes get the lowest free blocks; a rejoin, and a controller restart, keep them; a deregistered node's is \
        reused
        """
    )
    func leases() async throws {
        let store = InMemoryStore()
        let controller = try await Self.controller(store)
        let first = try await Self.join(controller, "a")
        let second = try await Self.join(controller, "b")
        #expect(first.taskSubnet == "10.64.0.0/24")
        #expect(second.taskSubnet == "10.64.1.0/24")
        #expect(try await Self.join(controller, "a", as: first).taskSubnet == "10.64.0.0/24")
        let restarted = try await Self.controller(store)
        #expect(try await Self.join(restarted, "b", as: second).taskSubnet == "10.64.1.0/24")
        _ = try await restarted.write { state, now in
            try state.deregisterContainerInstance(
                ECS.DeregisterContainerInstanceRequest(containerInstance: first.containerInstanceArn, force: true),
                now: now)
        }
        let third = try await Self.join(restarted, "c")
        #expect(third.taskSubnet == "10.64.0.0/24", "the deregistered node's block is free again")
    }

    @Test("a node whose block is outside a new range gets one inside it; a full range refuses the node by name")
    func rangeChanges() async throws {
        let store = InMemoryStore()
        let first = try await Self.join(try await Self.controller(store), "a")
        #expect(first.taskSubnet == "10.64.0.0/24")
        let narrowed = try await Self.controller(store, cidr: "192.168.50.0/24")
        #expect(try await Self.join(narrowed, "a", as: first).taskSubnet == "192.168.50.0/24")
        await #expect {
            _ = try await Self.join(narrowed, "b")
        } throws: { error in
            (error as? AgentProtocolError)?.message.contains("every block of the task address range 192.168.50.0/24")
                == true
        }
    }
}
