import Foundation
import Testing
import WharfModel
import WharfState

@Suite("Instances aggregate and its placement pool")
struct InstancesTests {
    @Test(
        """
        a task's arrival, stop and deletion move its instance's view by its demand, and the view equals one \
        derived afresh
        """
    )
    func pool() throws {
        var state = Sample.state()
        let node = InstanceID(high: 0, low: 1)
        let empty = try #require(state.instances.candidate(node))
        #expect(empty.remainingMemoryMiB == 2048)
        #expect(empty.usedPorts == [TaskDemand.HostPort(port: 22, transport: "tcp")])
        state.apply(.putTask(Sample.task(1)))
        state.apply(.putTask(Sample.task(2, group: "service:api")))
        let busy = try #require(state.instances.candidate(node))
        #expect(busy.remainingMemoryMiB == 1024)
        #expect(busy.remainingCPU == 2048 - 512)
        #expect(busy.tasksByGroup == ["family:web": 1, "service:api": 1])
        #expect(busy.usedPorts.contains(TaskDemand.HostPort(port: 8080, transport: "tcp")))
        #expect(busy == state.derivedCandidate(of: node))
        state.apply(.putTask(Sample.task(1, status: .stopped, desired: .stopped, stoppedAt: Sample.time)))
        #expect(state.instances.candidate(node)?.remainingMemoryMiB == 1536)
        #expect(state.instances.candidate(node) == state.derivedCandidate(of: node))
        state.apply(.deleteTask(TaskID(high: 1, low: 2)))
        #expect(state.instances.candidate(node) == empty)
        #expect(
            state.instances.candidates(inCluster: "lab").map(\.arn) == [
                "arn:aws:ecs:us-east-1:000000000000:container-instance/lab/00000000000000000000000000000001",
                "arn:aws:ecs:us-east-1:000000000000:container-instance/lab/00000000000000000000000000000002",
            ]
        )
    }

    @Test("a node's desired version rises for a task placed on it and for a change in what is wanted, not for reports")
    func desiredVersion() {
        var state = Sample.state(generation: 3)
        let node = InstanceID(high: 0, low: 1)
        let start = state.instances.desiredVersion(of: node)
        #expect(start >> 32 == 3, "the generation is the high half")
        #expect(state.apply(.putTask(Sample.task(1))).woken == node)
        let placed = state.instances.desiredVersion(of: node)
        #expect(placed > start)
        #expect(state.apply(.putTask(Sample.task(1, status: .running))).woken == nil)
        #expect(state.instances.desiredVersion(of: node) == placed)
        #expect(state.apply(.putTask(Sample.task(1, status: .running, desired: .stopped))).woken == node)
        #expect(state.instances.desiredVersion(of: node) > placed)
        // Every version of a later start is newer than any of this one.
        #expect(
            Sample.state(generation: 4).instances.desiredVersion(of: node) > state.instances.desiredVersion(of: node)
        )
        var drained = Sample.instance(1)
        drained.status = .inactive
        #expect(state.apply(.putInstance(drained)).woken == node)
        var renamed = drained
        renamed.ec2InstanceId = "other"
        #expect(state.apply(.putInstance(renamed)).woken == nil)
    }

    @Test(
        "the pool stays in ARN order as instances join out of order, move to another cluster, leave and come back"
    )
    func poolOrder() throws {
        var state = Sample.state()
        let registered = state
        state.apply(.putInstance(Sample.instance(9)))
        state.apply(.putInstance(Sample.instance(5)))
        state.apply(.putInstance(Sample.instance(7, status: .inactive)))
        state.apply(.putTask(Sample.task(1, on: 5)))
        func lows(_ cluster: String) -> [UInt64] {
            state.instances.candidates(inCluster: cluster).compactMap { InstanceID(arnSuffix: $0.arn)?.low }
        }
        #expect(lows("lab") == [1, 2, 5, 9], "INACTIVE node 7 is left out")
        #expect(state.instances.ids(inCluster: "lab").map(\.low) == [1, 2, 5, 7, 9])
        #expect(state.instances.candidate(InstanceID(high: 0, low: 7))?.status == .inactive)
        let applied = state.apply(.putInstance(Sample.instance(5, cluster: "edge")))
        #expect(lows("lab") == [1, 2, 9])
        #expect(lows("edge") == [5])
        state.revert(applied)
        #expect(lows("lab") == [1, 2, 5, 9])
        #expect(lows("edge") == [])
        state.apply(.putInstance(Sample.instance(7)))
        #expect(lows("lab") == [1, 2, 5, 7, 9], "node 7 came back")
        for low: UInt64 in [1, 2, 5, 7, 9] {
            let id = InstanceID(high: 0, low: low)
            #expect(state.instances.candidate(id) == state.derivedCandidate(of: id))
        }
        #expect(state.instances.candidate(InstanceID(high: 0, low: 5))?.taskCount == 1)
        #expect(registered.instances.candidates(inCluster: "lab").count == 2, "a copy of the state is not changed")
    }

    @Test("a deregistered instance leaves the placement pool but stays listed")
    func deregistered() {
        var state = Sample.state()
        state.apply(.putInstance(Sample.instance(2, status: .inactive)))
        #expect(state.instances.candidates(inCluster: "lab").count == 1)
        #expect(state.instances.ids(inCluster: "lab").count == 2)
    }
}
