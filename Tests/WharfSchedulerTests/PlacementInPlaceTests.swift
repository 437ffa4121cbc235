import Testing
import WharfModel
import WharfState

@testable import WharfScheduler

/// Placement reads each instance in place when it ranks a cluster (``Placement/fits(_:_:group:)``
/// with a pointer); it must decide as the check of a copied instance does.
@Suite("Placement's in-place check")
struct PlacementInPlaceTests {
    @Test("the in-place check and the check of a copy agree on 2,000 random instances and demands")
    func agrees() throws {
        var random = SeededRandom(seed: 7)
        let ports = [80, 443, 8080].map { TaskDemand.HostPort(port: $0, transport: "tcp") }
        let statuses: [InstanceStatus] = [.active, .active, .active, .draining, .inactive]
        let constraints: [[ECS.PlacementConstraint]] = [
            [],
            [ECS.PlacementConstraint(type: "distinctInstance")],
            [ECS.PlacementConstraint(type: "memberOf", expression: "attribute:zone == a")],
        ]
        var fitting = 0
        var refused = 0
        for index in 0..<2_000 {
            let candidate = PlacementCandidate(
                arn: "i-\(index)",
                status: statuses[Int(random.next() % 5)],
                agentConnected: random.next() % 8 != 0,
                remainingCPU: Int(random.next() % 1024),
                remainingMemoryMiB: Int(random.next() % 2048),
                remainingGPUs: Int(random.next() % 2),
                usedPorts: Set(ports.filter { _ in random.next() % 3 == 0 }),
                attributes: ["zone": random.next() % 2 == 0 ? "a" : "b"],
                tasksByGroup: random.next() % 2 == 0 ? ["web": 1] : [:]
            )
            let demand = TaskDemand(
                cpu: Int(random.next() % 1024),
                memoryMiB: Int(random.next() % 2048),
                hostPorts: Set(ports.filter { _ in random.next() % 4 == 0 }),
                gpus: Int(random.next() % 2)
            )
            let placement = try Placement(strategies: [], constraints: constraints[index % 3], seed: 1)
            let copied = placement.fits(candidate, demand, group: "web")
            let inPlace = withUnsafePointer(to: candidate) { placement.fits($0, demand, group: "web") }
            #expect(inPlace == copied, "instance \(index)")
            if copied { fitting += 1 } else { refused += 1 }
        }
        // Both outcomes are exercised.
        #expect(fitting > 100)
        #expect(refused > 100)
    }
}
