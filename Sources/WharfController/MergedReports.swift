import WharfModel
import WharfProtocol
import WharfState

/// What was last merged of each task's reports, by node: a digest of the report
/// (``TaskReport/mergeDigest``) and the task's version after it.
///
/// Every sync reports every task of its node, and nearly all of those reports are the ones the
/// node sent before. Merging a report into its task (``ClusterState/merge(_:into:now:)``) copies
/// the task and compares it with what was recorded; a fleet's syncs made that a large share of the
/// writer's time, which requests wait behind. Merging again the report last merged into a task
/// that no write has changed since cannot change it (a merge is idempotent), so such a report is
/// skipped. A task some write changed in between (its version moved) has the report merged again.
public struct MergedReports: Sendable {
    /// One task's last merged report.
    struct Entry: Sendable, Equatable {
        var digest: Int
        var version: Int
    }

    private var byInstance: [InstanceID: [TaskID: Entry]] = [:]

    /// Remembers nothing.
    public init() {}

    /// Whether `digest` is the report last merged into task `id` of `instance`, and the task's
    /// version is still the one that merge left.
    func isMerged(_ id: TaskID, on instance: InstanceID, digest: Int, version: Int) -> Bool {
        byInstance[instance]?[id] == Entry(digest: digest, version: version)
    }

    /// What a sync of `instance` merged: it replaces what was remembered of the node, so tasks it
    /// no longer reports are forgotten.
    mutating func replace(_ instance: InstanceID, with entries: [TaskID: Entry]) {
        byInstance[instance] = entries.isEmpty ? nil : entries
    }

    /// Forgets a node's reports (its agent was lost).
    public mutating func forget(_ instance: InstanceID) {
        byInstance[instance] = nil
    }

    /// Forgets every report: after a batch was undone, a task's version may be reached again by
    /// another change.
    public mutating func forgetAll() {
        byInstance = [:]
    }

    /// How many tasks' reports are remembered.
    public var count: Int { byInstance.values.reduce(0) { $0 + $1.count } }
}

extension TaskReport {
    /// A digest of what ``ClusterState/merge(_:into:now:)`` reads of the report: everything but
    /// the containers' usage samples, which are recorded apart and change on every sync.
    public var mergeDigest: Int {
        var hasher = Hasher()
        hasher.combine(taskArn)
        hasher.combine(lastStatus)
        hasher.combine(pullStartedAt)
        hasher.combine(pullStoppedAt)
        hasher.combine(startedAt)
        hasher.combine(executionStoppedAt)
        hasher.combine(stopCode)
        hasher.combine(stoppedReason)
        hasher.combine(healthStatus)
        hasher.combine(macAddress)
        hasher.combine(containers.count)
        for container in containers {
            hasher.combine(container.name)
            hasher.combine(container.runtimeId)
            hasher.combine(container.lastStatus)
            hasher.combine(container.exitCode)
            hasher.combine(container.reason)
            hasher.combine(container.healthStatus)
            hasher.combine(container.gpuIds)
            // As the merge records them.
            hasher.combine(container.networkBindings.map(NetworkBinding.init))
        }
        return hasher.finalize()
    }
}
