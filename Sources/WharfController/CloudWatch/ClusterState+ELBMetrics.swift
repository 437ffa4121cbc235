import WharfModel
import WharfMonitoring
import WharfState

/// What the load balancer nodes served in one sample's time, by target group.
struct TargetGroupSample: Equatable, Sendable {
    /// Requests since the last sample.
    var requests: Int
    /// The mean response time of the latest requests, in milliseconds, if there were requests.
    var responseTimeMs: Double?
    var healthy: Int
    var unhealthy: Int
}

extension ClusterState {
    /// `AWS/ApplicationELB`'s metrics for the target groups of application load balancers, at
    /// `timestamp` (milliseconds), as Elastic Load Balancing names them:
    /// - `RequestCount` per `LoadBalancer` and per `TargetGroup` with `LoadBalancer`;
    /// - `RequestCountPerTarget`, the requests over the healthy targets, per `TargetGroup` and per
    ///   `TargetGroup` with `LoadBalancer` (its Sum is what counts);
    /// - `TargetResponseTime` in seconds, per `LoadBalancer` and per `TargetGroup` with `LoadBalancer`;
    /// - `HealthyHostCount` and `UnHealthyHostCount` per `TargetGroup` with `LoadBalancer`.
    func elbMetricPoints(_ samples: [String: TargetGroupSample], timestamp: Int) -> [MetricPoint] {
        var points: [MetricPoint] = []
        func add(_ name: String, _ dimensions: [MetricDimension], _ value: Double, unit: String) {
            points.append(
                MetricPoint(
                    key: MetricKey(namespace: "AWS/ApplicationELB", name: name, dimensions: dimensions),
                    sample: MetricSample(timestamp: timestamp, unit: unit, value: value)
                )
            )
        }
        for (groupID, sample) in samples.sorted(by: { $0.key < $1.key }) {
            guard let group = loadBalancing.targetGroup(groupID) else { continue }
            let targetGroup = MetricDimension(name: "TargetGroup", value: "targetgroup/\(group.name)/\(group.id)")
            for balancerID in loadBalancing.loadBalancerIDs(using: groupID) {
                guard let balancer = loadBalancing.loadBalancer(balancerID), balancer.type == .application else {
                    continue
                }
                let loadBalancer = MetricDimension(name: "LoadBalancer", value: "app/\(balancer.name)/\(balancer.id)")
                let both = [targetGroup, loadBalancer]
                let requests = Double(sample.requests)
                add("RequestCount", [loadBalancer], requests, unit: "Count")
                add("RequestCount", both, requests, unit: "Count")
                if sample.healthy > 0 {
                    add("RequestCountPerTarget", [targetGroup], requests / Double(sample.healthy), unit: "Count")
                    add("RequestCountPerTarget", both, requests / Double(sample.healthy), unit: "Count")
                }
                if let time = sample.responseTimeMs, sample.requests > 0 {
                    add("TargetResponseTime", [loadBalancer], time / 1000, unit: "Seconds")
                    add("TargetResponseTime", both, time / 1000, unit: "Seconds")
                }
                add("HealthyHostCount", both, Double(sample.healthy), unit: "Count")
                add("UnHealthyHostCount", both, Double(sample.unhealthy), unit: "Count")
            }
        }
        return points
    }
}
