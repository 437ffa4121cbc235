import WharfProtocol
import WharfState

/// A registered target of a target group: what health is known of.
public struct TargetKey: Hashable, Sendable {
    public var targetGroupID: String
    public var id: String
    public var port: Int

    public init(targetGroupID: String, id: String, port: Int) {
        self.targetGroupID = targetGroupID
        self.id = id
        self.port = port
    }
}

/// What the load balancer nodes' health checks see of a target.
public enum ObservedHealth: Hashable, Sendable {
    case healthy
    /// Failing its checks; HAProxy's last check result (`L7STS`, `L4CON`, `L4TOUT`, ...).
    case unhealthy(detail: String?)
}

extension Controller {
    /// Keeps what a load balancer node's sync reports of its targets, replacing its last report.
    func recordTargetHealth(_ request: SyncRequest, instance: InstanceID) {
        guard let reports = request.targetHealth, targetHealth[instance] != reports else { return }
        let before = Set(targetHealth[instance] ?? [])
        targetHealth[instance] = reports
        // The services behind the target groups whose health changed plan again at once.
        let changed = Set(before.symmetricDifference(reports).map(\.targetGroupId))
        let affected = inspect { state in
            state.services.all.filter { service in
                !service.balancedTargetGroups.isDisjoint(with: changed)
            }.map(\.arn)
        }
        for arn in affected { lastEvaluated[arn] = nil }
        if !affected.isEmpty { wakeScheduler() }
    }

    /// Each target's health as the connected load balancer nodes see it: healthy when one of them
    /// sees it healthy, unhealthy when every one that checks it sees it failing.
    public func observedTargetHealth() -> [TargetKey: ObservedHealth] {
        var observed: [TargetKey: ObservedHealth] = [:]
        let connected = inspect { state in
            Set(targetHealth.keys.filter { state.instances[$0]?.agentConnected == true })
        }
        for (instance, reports) in targetHealth where connected.contains(instance) {
            for report in reports {
                let key = TargetKey(targetGroupID: report.targetGroupId, id: report.id, port: report.port)
                if report.state == "healthy" {
                    observed[key] = .healthy
                } else if observed[key] == nil {
                    observed[key] = .unhealthy(detail: report.detail)
                }
            }
        }
        return observed
    }
}
