import Foundation
import Testing
import WharfModel
import WharfScheduler
import WharfState

func candidate(_ name: String, cpu: Int = 2048, memory: Int = 4096, ports: Set<TaskDemand.HostPort> = [],
               status: InstanceStatus = .active, connected: Bool = true, groups: [String: Int] = [:]) -> PlacementCandidate {
    PlacementCandidate(arn: name, status: status, agentConnected: connected, remainingCPU: cpu, remainingMemoryMiB: memory,
                       usedPorts: ports, tasksByGroup: groups, taskCount: groups.values.reduce(0, +))
}

let small = TaskDemand(cpu: 256, memoryMiB: 512, hostPorts: [])

@Suite("Placement")
struct PlacementTests {
    @Test("each kind of misfit is reported with ECS's reason", arguments: [
        (candidate("a", cpu: 100), "RESOURCE:CPU"),
        (candidate("a", memory: 100), "RESOURCE:MEMORY"),
        (candidate("a", ports: [TaskDemand.HostPort(port: 80, transport: "tcp")]), "RESOURCE:PORTS"),
        (candidate("a", connected: false), "AGENT"),
        (candidate("a", status: .draining), "INACTIVE"),
    ])
    func misfits(candidate: PlacementCandidate, reason: String) throws {
        var placement = try Placement(strategies: [], constraints: [], seed: 1)
        let demand = TaskDemand(cpu: 256, memoryMiB: 512, hostPorts: [TaskDemand.HostPort(port: 80, transport: "tcp")])
        let result = placement.place(demand, count: 1, group: "g", on: [candidate])
        #expect(result.placements.isEmpty)
        #expect(result.failures == [Placement.Failure(arn: "a", reason: reason)])
    }

    @Test("a port taken over udp does not block the same port over tcp")
    func transports() throws {
        var placement = try Placement(strategies: [], constraints: [], seed: 1)
        let demand = TaskDemand(cpu: 1, memoryMiB: 1, hostPorts: [TaskDemand.HostPort(port: 53, transport: "tcp")])
        let result = placement.place(demand, count: 1, group: "g", on: [candidate("a", ports: [TaskDemand.HostPort(port: 53, transport: "udp")])])
        #expect(result.placements == ["a"])
    }

    @Test("no instances at all is its own failure")
    func empty() throws {
        var placement = try Placement(strategies: [], constraints: [], seed: 1)
        #expect(placement.place(small, count: 1, group: "g", on: []).failures.first?.reason == "No Container Instances were found in your cluster.")
    }

    @Test("resources taken by earlier tasks of the same call count: a static port fits once per instance")
    func accumulates() throws {
        var placement = try Placement(strategies: [], constraints: [], seed: 1)
        let demand = TaskDemand(cpu: 10, memoryMiB: 10, hostPorts: [TaskDemand.HostPort(port: 8080, transport: "tcp")])
        let result = placement.place(demand, count: 3, group: "g", on: [candidate("a"), candidate("b")])
        #expect(result.placements.sorted() == ["a", "b"])
        #expect(Set(result.failures.map(\.reason)) == ["RESOURCE:PORTS"])
    }

    @Test("binpack fills the fullest instance; spread balances; distinctInstance keeps one per instance")
    func strategies() throws {
        let pool = [candidate("a", memory: 4096), candidate("b", memory: 1024), candidate("c", memory: 8192)]
        var binpack = try Placement(strategies: [ECS.PlacementStrategy(type: "binpack", field: "memory")], constraints: [], seed: 7)
        #expect(binpack.place(small, count: 2, group: "g", on: pool).placements == ["b", "b"])
        var spread = try Placement(strategies: [ECS.PlacementStrategy(type: "spread", field: "instanceId")], constraints: [], seed: 7)
        #expect(spread.place(small, count: 3, group: "g", on: pool).placements.sorted() == ["a", "b", "c"])
        var distinct = try Placement(strategies: [], constraints: [ECS.PlacementConstraint(type: "distinctInstance")], seed: 7)
        let result = distinct.place(small, count: 4, group: "g", on: pool)
        #expect(result.placements.sorted() == ["a", "b", "c"])
        #expect(result.failures.allSatisfy { $0.reason == "DistinctInstance placement constraint unsatisfied." })
    }

    @Test("the same seed gives the same choices")
    func deterministic() throws {
        let pool = (0..<20).map { candidate("i\($0)") }
        var first = try Placement(strategies: [ECS.PlacementStrategy(type: "random")], constraints: [], seed: 42)
        var second = try Placement(strategies: [ECS.PlacementStrategy(type: "random")], constraints: [], seed: 42)
        #expect(first.place(small, count: 5, group: "g", on: pool) == second.place(small, count: 5, group: "g", on: pool))
    }

    @Test("many tasks at once: spread stays even over a large fleet, binpack fills instance by instance, ties are seeded")
    func large() throws {
        let fleet = (0..<2000).map { PlacementCandidate(arn: String(format: "i%04d", $0), remainingCPU: 4096, remainingMemoryMiB: 8192) }
        var spread = try Placement(strategies: [ECS.PlacementStrategy(type: "spread", field: "instanceId")], constraints: [], seed: 5)
        let even = spread.place(small, count: 15_000, group: "g", on: fleet)
        #expect(even.placements.count == 15_000)
        let perInstance = Dictionary(grouping: even.placements) { $0 }.mapValues(\.count)
        #expect(perInstance.count == 2000 && Set(perInstance.values) == [7, 8], "15,000 over 2,000: 7 or 8 each")

        var binpack = try Placement(strategies: [ECS.PlacementStrategy(type: "binpack", field: "memory")], constraints: [], seed: 5)
        let packed = binpack.place(small, count: 100, group: "g", on: fleet)
        #expect(Dictionary(grouping: packed.placements) { $0 }.values.map(\.count).sorted() == [4, 16, 16, 16, 16, 16, 16],
                "16 tasks of 512 MiB fill an 8 GiB instance before the next one is used")

        var again = try Placement(strategies: [ECS.PlacementStrategy(type: "spread", field: "instanceId")], constraints: [], seed: 5)
        #expect(again.place(small, count: 15_000, group: "g", on: fleet) == even, "the same seed places the same way")
        var full = try Placement(strategies: [], constraints: [], seed: 5)
        let overflow = full.place(TaskDemand(cpu: 4096, memoryMiB: 1, hostPorts: []), count: 2001, group: "g", on: fleet)
        #expect(overflow.placements.count == 2000)
        #expect(overflow.failures.count == 2000 && overflow.failures.allSatisfy { $0.reason == "RESOURCE:CPU" })
    }

    @Test("invalid strategies and constraints are refused", arguments: [
        ([ECS.PlacementStrategy(type: "binpack", field: "disk")], [ECS.PlacementConstraint]()),
        ([ECS.PlacementStrategy(type: "fill")], []),
        ([], [ECS.PlacementConstraint(type: "sameHost")]),
        ([], [ECS.PlacementConstraint(type: "distinctInstance", expression: "attribute:a == b")]),
        ([], [ECS.PlacementConstraint(type: "memberOf", expression: "attribute:a ==")]),
    ])
    func refused(strategies: [ECS.PlacementStrategy], constraints: [ECS.PlacementConstraint]) {
        #expect(throws: ECSError.self) { try Placement(strategies: strategies, constraints: constraints, seed: 1) }
    }
}

@Suite("Task demand")
struct TaskDemandTests {
    @Test("task-level sizes win; otherwise containers add up, reservations first; static ports only")
    func demand() throws {
        let definition = ECS.TaskDefinition(containerDefinitions: [
            ECS.ContainerDefinition(name: "a", cpu: 100, memory: 512, memoryReservation: 128,
                                    portMappings: [ECS.PortMapping(containerPort: 80, hostPort: 8080, protocol: "tcp"), ECS.PortMapping(containerPort: 81)]),
            ECS.ContainerDefinition(name: "b", cpu: 50, memory: 64),
        ], networkMode: "bridge")
        let demand = try TaskDemand.of(definition, overrides: nil)
        #expect(demand == TaskDemand(cpu: 150, memoryMiB: 192, hostPorts: [TaskDemand.HostPort(port: 8080, transport: "tcp")]))
        var sized = definition
        sized.cpu = "1024"
        sized.memory = "2048"
        #expect(try TaskDemand.of(sized, overrides: nil).cpu == 1024)
        let overridden = try TaskDemand.of(definition, overrides: ECS.TaskOverride(containerOverrides: [ECS.ContainerOverride(name: "b", memory: 1000)]))
        #expect(overridden.memoryMiB == 1128)
        var host = definition
        host.networkMode = "host"
        #expect(try TaskDemand.of(host, overrides: nil).hostPorts.count == 2)
    }
}
