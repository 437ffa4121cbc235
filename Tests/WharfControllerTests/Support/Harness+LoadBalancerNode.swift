import Foundation
import WharfModel
import WharfProtocol

@testable import WharfController

extension Harness {
    /// Joins `lb-1` to cluster `lab` as a load balancer node (the attribute that makes it one, and
    /// an address HAProxy would listen on).
    func joinLoadBalancerNode() async throws -> RegisterResponse {
        try await controller.register(
            RegisterRequest(
                cluster: "lab",
                hostname: "lb-1",
                resources: NodeResources(cpu: 1, memoryMiB: 1, reservedTCPPorts: [], reservedUDPPorts: []),
                attributes: [ECS.Attribute(name: LoadBalancerPlan.nodeAttribute)],
                versionInfo: ECS.VersionInfo(agentVersion: "0.1.0"),
                nodeAddress: "10.250.0.20"
            )
        )
    }
}
