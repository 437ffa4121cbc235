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

    @Test("records stay found by ID as others are removed from anywhere among them, and replaced in place")
    func removalsKeepLookups() {
        var state = Sample.state()
        for n in 1...5 { state.apply(.putTask(Sample.task(UInt64(n)))) }
        // The first, the last and one between: each removal moves another record to fill its place.
        for n in [1, 5, 3] { state.apply(.deleteTask(TaskID(high: 1, low: UInt64(n)))) }
        state.apply(.putTask(Sample.task(4, status: .running)))
        #expect(state.tasks.count == 2)
        #expect(state.tasks[TaskID(high: 1, low: 1)] == nil)
        #expect(state.tasks[TaskID(high: 1, low: 3)] == nil)
        #expect(state.tasks[TaskID(high: 1, low: 2)]?.lastStatus == .provisioning)
        #expect(state.tasks[TaskID(high: 1, low: 4)]?.lastStatus == .running)
        #expect(state.tasks.contains(TaskID(high: 1, low: 4)) { $0.lastStatus == .running })
        #expect(!state.tasks.contains(TaskID(high: 1, low: 5)) { _ in true })
        #expect(state.tasks.withRecord(TaskID(high: 1, low: 4)) { $0.lastStatus } == .running)
        #expect(state.tasks.withRecord(TaskID(high: 1, low: 5)) { _ in true } == nil, "a removed task is not looked at")
        #expect(Set(state.tasks.all.map(\.id)) == [TaskID(high: 1, low: 2), TaskID(high: 1, low: 4)])
        state.apply(.putTask(Sample.task(6)))
        #expect(state.tasks[TaskID(high: 1, low: 6)]?.id == TaskID(high: 1, low: 6))
        #expect(state.tasks.count == 3)
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

    @Test("a group's counts by deployment follow its tasks as a scan counts them")
    func deploymentCounts() {
        var state = Sample.state()
        let group = GroupKey(cluster: "lab", group: "service:web")
        func task(
            _ number: UInt64,
            _ deployment: String,
            _ status: TaskStatus,
            _ desired: DesiredStatus = .running
        ) -> TaskRecord {
            var record = Sample.task(
                number,
                on: number % 2 + 1,
                group: "service:web",
                status: status,
                desired: desired,
                stoppedAt: status == .stopped ? Sample.time : nil
            )
            record.startedBy = deployment
            return record
        }
        let changes: [TaskRecord] = [
            task(1, "d1", .running), task(2, "d1", .pending), task(3, "d2", .provisioning), task(4, "d2", .running),
            task(2, "d1", .running), task(4, "d2", .running, .stopped), task(1, "d1", .stopped, .stopped),
            task(5, "d2", .pending, .stopped),
        ]
        for record in changes {
            state.apply(.putTask(record))
            var expected: [String?: DeploymentCounts] = [:]
            for id in state.tasks.ids(in: group) {
                guard let task = state.tasks[id], !task.isStopped else { continue }
                var counts = expected[task.startedBy, default: DeploymentCounts()]
                if task.lastStatus == .running {
                    counts.running += 1
                } else if task.desiredStatus == .running {
                    counts.pending += 1
                }
                expected[task.startedBy] = counts
            }
            let kept = state.tasks.counts(in: group).mapValues { [$0.running, $0.pending] }
            #expect(
                kept.filter { $0.value != [0, 0] }
                    == expected.mapValues { [$0.running, $0.pending] }.filter { $0.value != [0, 0] }
            )
        }
        #expect(state.tasks.counts(in: group)["d1"]?.running == 1)
        #expect(state.tasks.counts(in: group)["d2"]?.running == 1, "a running task wanted STOPPED still runs")
    }
}
