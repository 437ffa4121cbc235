import Foundation
import WharfModel
import WharfState

extension ClusterState {
    /// Forgets what ECS forgets: STOPPED tasks that stopped at or before `cutoff`, and INACTIVE
    /// services that became so by then, up to `limit` of each; and task definition revisions
    /// whose deletion waited for their last task to stop, once none is left; and secrets whose
    /// recovery window ended by `now`, and RunTask client tokens 24 hours old, and load balancer
    /// targets whose draining ended.
    /// - Parameter loadedAt: when the state was loaded; an INACTIVE service whose record does not
    ///   say when it became so counts from then.
    /// - Returns: how many tasks and services were forgotten.
    public func expire(before cutoff: Date, loadedAt: Date, limit: Int, now: Date) -> Outcome<ExpiryCount> {
        let expiredTasks = tasks.stopped(before: cutoff, limit: limit)
        let expiredServices = services.inactive(before: cutoff, loadedAt: loadedAt, limit: limit)
        var changes = expiredTasks.map { StateChange.deleteTask($0) }
        changes += expiredServices.map { StateChange.deleteService(arn: $0) }
        let released = taskDefinitions.all.filter { $0.status == .deleteInProgress && !tasks.uses($0.key) }
        changes += released.map { .deleteTaskDefinition($0.key) }
        let deletedSecrets = secrets.all.filter { ($0.deletionAt ?? .distantFuture) <= now }.prefix(limit)
        changes += deletedSecrets.map { .deleteSecret(name: $0.name) }
        let oldTokens = runTaskTokens.all.filter { $0.createdAt.addingTimeInterval(RunTaskToken.lifetime) <= now }
        changes += oldTokens.prefix(limit).map { .deleteRunTaskToken(key: $0.key) }
        changes += drainedTargets(now: now)
        return Outcome(
            ExpiryCount(
                tasks: expiredTasks.count,
                services: expiredServices.count,
                taskDefinitions: released.count,
                secrets: deletedSecrets.count
            ),
            changes
        )
    }
}

/// What one expiry pass forgot.
public struct ExpiryCount: Equatable, Sendable {
    public var tasks: Int
    public var services: Int
    public var taskDefinitions: Int
    public var secrets: Int
}
