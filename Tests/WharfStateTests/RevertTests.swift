import Foundation
import Testing
import WharfModel
import WharfState

@Suite("Undoing a batch")
struct RevertTests {
    /// What an observer can see of a state.
    static func view(_ state: ClusterState) -> [String] {
        let tasks = state.tasks.all.sorted { $0.id < $1.id }.map { "\($0.id) \($0.lastStatus) \($0.desiredStatus)" }
        let pools = state.instances.all.sorted { $0.id < $1.id }.map { record in
            let candidate = state.instances.candidate(record.id)
            return
                "\(record.id) \(record.status) \(candidate?.remainingMemoryMiB ?? -1) \(candidate?.tasksByGroup ?? [:])"
        }
        let counts = state.tasks.counts(inCluster: "lab")
        return tasks + pools + [
            "\(counts)", "\(state.tasks.ids(in: GroupKey(cluster: "lab", group: "family:web")).sorted())",
            "\(state.clusters.all.map(\.name).sorted())", "\(state.taskDefinitions.lastRevision(of: "web"))",
            "\(state.services.count)", "\(state.credentials.activations.count)", "\(state.parameters.names)",
        ]
    }

    @Test("reverting a batch's changes in reverse order restores what every aggregate shows")
    func revert() {
        var state = Sample.state()
        state.apply(.putTask(Sample.task(1, status: .running)))
        let before = Self.view(state)
        let batch: [StateChange] = [
            .putTask(Sample.task(1, status: .stopped, desired: .stopped, stoppedAt: Sample.time)),
            .putTask(Sample.task(2, on: 2)),
            .putTask(Sample.task(2, on: 2, status: .running)),
            .putInstance(Sample.instance(3)),
            .putInstance(Sample.instance(1, status: .draining)),
            .putCluster(ClusterRecord(name: "new")),
            .putFamilyRevision(family: "web", revision: 7),
            .putAccountSetting(principal: nil, name: "containerInsights", value: "enabled"),
            .putService(Sample.service("s")),
            .putParameter(
                ParameterRecord(
                    name: "/p",
                    versions: [
                        ParameterVersion(
                            version: 1,
                            type: .string,
                            value: "v",
                            modifiedAt: Sample.time,
                            modifiedBy: "me"
                        )
                    ]
                )
            ),
            .putActivation(
                ActivationRecord(
                    id: "a",
                    description: nil,
                    defaultInstanceName: nil,
                    iamRole: "r",
                    registrationLimit: 1,
                    expirationDate: Sample.time,
                    createdDate: Sample.time,
                    codeHash: "h"
                )
            ),
            .deleteTask(TaskID(high: 1, low: 1)),
        ]
        var applied: [Applied] = []
        for change in batch { applied.append(state.apply(change)) }
        #expect(Self.view(state) != before)
        for entry in applied.reversed() { state.revert(entry) }
        #expect(Self.view(state) == before)
        #expect(state.accountSettings[AccountSettingKey(principal: nil, name: "containerInsights")] == nil)
        #expect(
            state.instances.candidate(InstanceID(high: 0, low: 1))
                == state.derivedCandidate(of: InstanceID(high: 0, low: 1))
        )
    }
}
