import WharfProtocol
import WharfState

extension Controller {
    /// Keeps what a load balancer node's sync reports of its traffic, replacing its last report.
    func recordTargetTraffic(_ request: SyncRequest, instance: InstanceID) {
        guard let traffic = request.targetTraffic else { return }
        targetTraffic[instance] = traffic
    }

    /// What each connected load balancer node served of each target group, by node and group.
    func trafficCounters() -> [InstanceID: [TargetGroupTraffic]] {
        inspect { state in targetTraffic.filter { state.instances[$0.key]?.agentConnected == true } }
    }
}
