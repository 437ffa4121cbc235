import Foundation
import Testing
import WharfModel
import WharfState

@Suite("Tasks aggregate")
struct TasksTests {
    @Test("indexes and counts follow a task from placement through RUNNING to STOPPED and deletion")
    func lifecycle() {
        var state = Sample.state()
        let group = GroupKey(cluster: "lab", group: "family:web")
        let node = InstanceID(high: 0, low: 1)
        let revisionBefore = state.tasks.revision(of: group)
        state.apply(.putTask(Sample.task(1)))
        #expect(state.tasks.ids(holding: node) == [TaskID(high: 1, low: 1)])
        #expect(state.tasks.ids(in: group) == [TaskID(high: 1, low: 1)])
        #expect(state.tasks.ids(inCluster: "lab") == [TaskID(high: 1, low: 1)])
        #expect(state.tasks.counts(inCluster: "lab").pendingEC2 == 1)
        #expect(state.tasks.uses(Sample.web))
        #expect(
            state.tasks.demand(of: TaskID(high: 1, low: 1))
                == TaskDemand(
                    cpu: 256,
                    memoryMiB: 512,
                    hostPorts: [
                        TaskDemand.HostPort(port: 8080, transport: "tcp")
                    ]
                )
        )
        #expect(state.tasks.revision(of: group) > revisionBefore)

        state.apply(.putTask(Sample.task(1, status: .running)))
        #expect(
            state.tasks.counts(inCluster: "lab")
                == {
                    var c = TaskCounts(); c.runningEC2 = 1; return c
                }()
        )

        state.apply(.putTask(Sample.task(1, status: .stopped, desired: .stopped, stoppedAt: Sample.time)))
        #expect(state.tasks.ids(holding: node).isEmpty)
        #expect(state.tasks.counts(inCluster: "lab").total == 0)
        #expect(!state.tasks.uses(Sample.web))
        #expect(state.tasks.demand(of: TaskID(high: 1, low: 1)) == nil)
        #expect(state.tasks.ids(in: group).count == 1, "a STOPPED task stays in its group until it is forgotten")

        state.apply(.deleteTask(TaskID(high: 1, low: 1)))
        #expect(state.tasks.count == 0)
        #expect(state.tasks.ids(in: group).isEmpty)
        #expect(state.tasks.ids(inCluster: "lab").isEmpty)
    }

    @Test("STOPPED tasks expire in the order they stopped, however they were loaded, and only once past the cutoff")
    func expiryOrder() {
        var stored = StoredState()
        stored.clusters = [ClusterRecord(name: "lab")]
        stored.taskDefinitions = [Sample.definition()]
        // Loaded in ID order, which is not the order they stopped in.
        stored.tasks =
            [30, 10, 20, 40].enumerated().map { index, minutes in
                Sample.task(
                    UInt64(index),
                    status: .stopped,
                    desired: .stopped,
                    stoppedAt: Sample.time.addingTimeInterval(Double(minutes) * 60)
                )
            } + [Sample.task(9, status: .running)]
        let state = ClusterState(context: AccountContext(), stored: stored)
        let cutoff = Sample.time.addingTimeInterval(25 * 60)
        #expect(state.tasks.stopped(before: cutoff, limit: 10) == [TaskID(high: 1, low: 1), TaskID(high: 1, low: 2)])
        #expect(state.tasks.stopped(before: cutoff, limit: 1) == [TaskID(high: 1, low: 1)])
        #expect(state.tasks.stopped(before: Sample.time, limit: 10).isEmpty)
        var later = state
        later.apply(.deleteTask(TaskID(high: 1, low: 1)))
        #expect(later.tasks.stopped(before: cutoff, limit: 10) == [TaskID(high: 1, low: 2)])
    }
}
