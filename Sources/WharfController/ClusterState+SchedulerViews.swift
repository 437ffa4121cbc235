import Foundation
import WharfModel
import WharfScheduler
import WharfState

extension ClusterState {
    /// What a round looks up for many tasks and keeps once: each instance's state as the
    /// scheduler sees it and its ARN, each cluster's task ARN prefix, and whether a task
    /// definition has health checks.
    struct SchedulerViews {
        var instances: [InstanceID: ServiceTask.Instance] = [:]
        var instanceARNs: [InstanceID: String] = [:]
        var taskARNPrefixes: [String: [UInt8]] = [:]
        var healthChecked: [TaskDefinitionKey: Bool] = [:]
        /// Whether a lost instance's tasks are replaced in each cluster (``replacesLostTasks(_:)``).
        var replacesLost: [String: Bool] = [:]
    }

    /// A task as the scheduler sees it, with what it looks up kept in `views`.
    func schedulerView(_ task: TaskRecord, views: inout SchedulerViews) -> ServiceTask {
        var instance = ServiceTask.Instance.gone
        if let id = task.instance {
            if let known = views.instances[id] {
                instance = known
            } else {
                let record = instances[id]
                switch (record?.status, record?.agentConnected) {
                case (nil, _), (.inactive?, _): instance = .gone
                case (_, false?):
                    // The task's cluster is its instance's.
                    let replaces = views.replacesLost[task.cluster] ?? replacesLostTasks(task.cluster)
                    views.replacesLost[task.cluster] = replaces
                    instance = replaces ? .lost : .usable
                case (.draining?, _): instance = .draining
                default: instance = .usable
                }
                views.instances[id] = instance
            }
        }
        let health: ServiceTask.Health
        switch task.health {
        case .healthy: health = .healthy
        case .unhealthy: health = .unhealthy
        case .unknown:
            let checked: Bool
            if let known = views.healthChecked[task.taskDefinition] {
                checked = known
            } else {
                checked = taskDefinitions[task.taskDefinition]?.hasHealthChecks ?? false
                views.healthChecked[task.taskDefinition] = checked
            }
            health = checked ? .unknown : .none
        }
        var instanceARN = ""
        if let id = task.instance {
            if let known = views.instanceARNs[id] {
                instanceARN = known
            } else {
                instanceARN = instances.arn(of: id, cluster: task.cluster)
                views.instanceARNs[id] = instanceARN
            }
        }
        let prefix: [UInt8]
        if let known = views.taskARNPrefixes[task.cluster] {
            prefix = known
        } else {
            prefix = taskARNPrefix(cluster: task.cluster)
            views.taskARNPrefixes[task.cluster] = prefix
        }
        var view = ServiceTask(
            arn: Self.taskARN(task.id, prefix: prefix),
            deployment: task.startedBy ?? "",
            instanceArn: instanceARN,
            instance: instance,
            lastStatus: task.lastStatus,
            desiredStatus: task.desiredStatus,
            health: health,
            startedAt: task.startedAt?.timeIntervalSince1970,
            stopCode: task.stopCode,
            stoppedReason: task.stoppedReason
        )
        view.capacityProvider = task.capacityProviderName
        return view
    }
}
