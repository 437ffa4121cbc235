import WharfModel
import WharfMonitoring
import WharfState

extension ClusterState {
    /// The CPU a task that reserves none is measured against: one vCPU. ECS leaves the case
    /// undefined; a percentage of nothing would be infinite.
    static let unreservedCPUUnits = 1024.0

    /// `AWS/ECS`'s metrics at `timestamp` (milliseconds), from what the running tasks use
    /// (`usage`, by task ARN), computed as ECS computes them:
    /// - per cluster (`ClusterName`): CPUReservation and MemoryReservation (what the tasks on its
    ///   container instances reserve over what the instances registered), CPUUtilization and
    ///   MemoryUtilization (what those tasks use over what the instances registered);
    /// - per service (`ClusterName`, `ServiceName`): CPUUtilization and MemoryUtilization, whose
    ///   Average is what the service's running tasks use over what they reserve, and whose
    ///   Minimum and Maximum are the least and most of any one task.
    func ecsMetricPoints(usage: [String: Utilization], timestamp: Int) -> [MetricPoint] {
        var points: [MetricPoint] = []
        for cluster in clusters.all.map(\.name).sorted() {
            let dimension = MetricDimension(name: "ClusterName", value: cluster)
            var registered = (cpu: 0.0, memory: 0.0)
            for id in instances.ids(inCluster: cluster) {
                guard let instance = instances[id], instance.status == .active || instance.status == .draining
                else { continue }
                registered.cpu += Double(instance.resources.cpu)
                registered.memory += Double(instance.resources.memoryMiB)
            }
            var reserved = (cpu: 0.0, memory: 0.0)
            var used = (cpu: 0.0, memory: 0.0)
            for id in tasks.ids(inCluster: cluster) {
                guard let task = tasks[id], task.instance != nil, task.lastStatus != .stopped else { continue }
                let demand = tasks.demand(of: id) ?? .zero
                reserved.cpu += Double(demand.cpu)
                reserved.memory += Double(demand.memoryMiB)
                if task.lastStatus == .running, let sample = usage[arn(of: task)] {
                    used.cpu += sample.cpuUnits
                    used.memory += sample.memoryMiB
                }
            }
            if registered.cpu > 0 {
                points.append(point("CPUReservation", [dimension], reserved.cpu / registered.cpu * 100, timestamp))
                points.append(point("CPUUtilization", [dimension], used.cpu / registered.cpu * 100, timestamp))
            }
            if registered.memory > 0 {
                points.append(
                    point("MemoryReservation", [dimension], reserved.memory / registered.memory * 100, timestamp)
                )
                points.append(point("MemoryUtilization", [dimension], used.memory / registered.memory * 100, timestamp))
            }
            for service in services.inCluster(cluster) where service.status != .inactive {
                points += servicePoints(service, usage: usage, cluster: dimension, timestamp: timestamp)
            }
        }
        return points
    }

    private func servicePoints(
        _ service: ServiceRecord,
        usage: [String: Utilization],
        cluster: MetricDimension,
        timestamp: Int
    ) -> [MetricPoint] {
        let dimensions = [cluster, MetricDimension(name: "ServiceName", value: service.name)]
        var cpu: [(used: Double, reserved: Double)] = []
        var memory: [(used: Double, reserved: Double)] = []
        for id in tasks.ids(in: GroupKey(cluster: service.cluster, group: "service:\(service.name)")) {
            guard let task = tasks[id], task.lastStatus == .running, let sample = usage[arn(of: task)] else {
                continue
            }
            let demand = tasks.demand(of: id) ?? .zero
            cpu.append((sample.cpuUnits, demand.cpu > 0 ? Double(demand.cpu) : Self.unreservedCPUUnits))
            if demand.memoryMiB > 0 { memory.append((sample.memoryMiB, Double(demand.memoryMiB))) }
        }
        var points: [MetricPoint] = []
        for (name, shares) in [("CPUUtilization", cpu), ("MemoryUtilization", memory)] where !shares.isEmpty {
            let average = shares.reduce(0) { $0 + $1.used } / shares.reduce(0) { $0 + $1.reserved } * 100
            let each = shares.map { $0.used / $0.reserved * 100 }
            let count = Double(shares.count)
            points.append(
                MetricPoint(
                    key: MetricKey(namespace: "AWS/ECS", name: name, dimensions: dimensions),
                    sample: MetricSample(
                        timestamp: timestamp,
                        unit: "Percent",
                        sampleCount: count,
                        sum: average * count,
                        minimum: each.min() ?? average,
                        maximum: each.max() ?? average
                    )
                )
            )
        }
        return points
    }

    private func point(
        _ name: String,
        _ dimensions: [MetricDimension],
        _ value: Double,
        _ timestamp: Int
    ) -> MetricPoint {
        MetricPoint(
            key: MetricKey(namespace: "AWS/ECS", name: name, dimensions: dimensions),
            sample: MetricSample(timestamp: timestamp, unit: "Percent", value: value)
        )
    }
}
