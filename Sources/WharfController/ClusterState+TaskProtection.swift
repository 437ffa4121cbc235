import Foundation
import WharfModel
import WharfState

extension ClusterState {
    /// How long a protection lasts when `expiresInMinutes` is not given: two hours, as ECS's.
    static let defaultProtectionMinutes = 120

    /// UpdateTaskProtection: protects a service's tasks from scale-in and deployments until the
    /// expiry (1 to 2,880 minutes, 120 by default), or ends their protection. A task that is not a
    /// service's fails with `TASK_NOT_VALID`, one not found with `MISSING`, as ECS's do.
    public func updateTaskProtection(
        _ request: ECS.UpdateTaskProtectionRequest,
        now: Date
    ) throws(ECSError) -> Outcome<ECS.UpdateTaskProtectionResponse> {
        let cluster = try activeCluster(request.cluster)
        let references = request.tasks ?? []
        guard (1...10).contains(references.count) else {
            throw ECSError(.invalidParameter, "tasks names \(references.count) tasks; give 1 to 10")
        }
        let enabled = request.protectionEnabled ?? false
        if let minutes = request.expiresInMinutes, !(1...2_880).contains(minutes) {
            throw ECSError(
                .invalidParameter,
                "expiresInMinutes \(minutes) is out of range; give 1 to 2880 minutes (48 hours)"
            )
        }
        let until = now.addingTimeInterval(Double(request.expiresInMinutes ?? Self.defaultProtectionMinutes) * 60)
        var protected: [ECS.ProtectedTask] = []
        var failures: [ECS.Failure] = []
        var changes: [StateChange] = []
        var services = Set<String>()
        for reference in references {
            guard var task = try? self.task(reference, cluster: cluster.name) else {
                failures.append(ECS.Failure(arn: reference, reason: "MISSING"))
                continue
            }
            guard let service = Self.serviceName(ofGroup: task.group), task.desiredStatus == .running else {
                failures.append(
                    ECS.Failure(
                        arn: arn(of: task),
                        reason: "TASK_NOT_VALID",
                        detail: "The task is not part of a service or is stopping"
                    )
                )
                continue
            }
            task.protectedUntil = enabled ? until : nil
            task.version += 1
            changes.append(.putTask(task))
            services.insert(service)
            protected.append(Self.protection(of: task, arn: arn(of: task), now: now))
        }
        // The services plan again at once: a task no longer protected may be scaled in now.
        for name in services.sorted() {
            guard var record = serviceRecord(name, cluster: cluster.name) else { continue }
            record.protectionLapsesAt = now.timeIntervalSince1970
            changes.append(.putService(record))
        }
        return Outcome(ECS.UpdateTaskProtectionResponse(protectedTasks: protected, failures: failures), changes)
    }

    /// GetTaskProtection: the protection of the tasks named, or of every protected task of the
    /// cluster's services when none is named.
    public func getTaskProtection(
        _ request: ECS.GetTaskProtectionRequest,
        now: Date
    ) throws(ECSError) -> ECS.GetTaskProtectionResponse {
        let cluster = try activeCluster(request.cluster)
        var protected: [ECS.ProtectedTask] = []
        var failures: [ECS.Failure] = []
        guard let references = request.tasks, !references.isEmpty else {
            let all = tasks.ids(inCluster: cluster.name).sorted { $0.description < $1.description }
                .compactMap { tasks[$0] }.filter { $0.isProtected(at: now) }
            return ECS.GetTaskProtectionResponse(
                protectedTasks: all.map { Self.protection(of: $0, arn: arn(of: $0), now: now) },
                failures: []
            )
        }
        guard references.count <= 100 else {
            throw ECSError(.invalidParameter, "tasks names \(references.count) tasks; give 1 to 100")
        }
        for reference in references {
            guard let task = try? self.task(reference, cluster: cluster.name) else {
                failures.append(ECS.Failure(arn: reference, reason: "MISSING"))
                continue
            }
            guard Self.serviceName(ofGroup: task.group) != nil else {
                failures.append(
                    ECS.Failure(
                        arn: arn(of: task),
                        reason: "TASK_NOT_VALID",
                        detail: "The task is not part of a service"
                    )
                )
                continue
            }
            protected.append(Self.protection(of: task, arn: arn(of: task), now: now))
        }
        return ECS.GetTaskProtectionResponse(protectedTasks: protected, failures: failures)
    }

    /// The service a task group (`service:NAME`) belongs to.
    static func serviceName(ofGroup group: String) -> String? {
        group.hasPrefix("service:") ? String(group.dropFirst("service:".count)) : nil
    }

    static func protection(of task: TaskRecord, arn: String, now: Date) -> ECS.ProtectedTask {
        let active = task.isProtected(at: now)
        return ECS.ProtectedTask(
            taskArn: arn,
            protectionEnabled: active,
            expirationDate: active ? task.protectedUntil : nil
        )
    }
}
