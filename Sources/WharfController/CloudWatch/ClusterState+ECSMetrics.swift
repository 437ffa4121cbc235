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
    ///
    /// It reads the placement pools and the sampled tasks only, not every task: a tick of a
    /// cluster of 100,000 tasks costs what its instances and its running, sampled tasks cost.
    func ecsMetricPoints(usage: [String: Utilization], timestamp: Int) -> [MetricPoint] {
        // What the sampled running tasks use, by cluster and by service (its task group).
        var used: [String: (cpu: Double, memory: Double)] = [:]
        var byService: [GroupKey: [(usage: Utilization, demand: TaskDemand)]] = [:]
        for (arn, sample) in usage {
            guard let id = TaskID(arnSuffix: arn), let task = tasks[id], task.lastStatus == .running,
                task.instance != nil
            else { continue }
            used[task.cluster, default: (0, 0)].cpu += sample.cpuUnits
            used[task.cluster, default: (0, 0)].memory += sample.memoryMiB
            if task.group.hasPrefix("service:") {
                byService[GroupKey(cluster: task.cluster, group: task.group), default: []]
                    .append((sample, tasks.demand(of: id) ?? .zero))
            }
        }
        var points: [MetricPoint] = []
        for cluster in clusters.all.map(\.name).sorted() {
            let dimension = MetricDimension(name: "ClusterName", value: cluster)
            // Registered and reserved from the placement pool: what is left is what tasks took.
            var registered = (cpu: 0.0, memory: 0.0)
            var reserved = (cpu: 0.0, memory: 0.0)
            for candidate in instances.candidates(inCluster: cluster)
            where candidate.status == .active || candidate.status == .draining {
                guard let id = InstanceID(arnSuffix: candidate.arn), let instance = instances[id] else { continue }
                registered.cpu += Double(instance.resources.cpu)
                registered.memory += Double(instance.resources.memoryMiB)
                reserved.cpu += Double(instance.resources.cpu - candidate.remainingCPU)
                reserved.memory += Double(instance.resources.memoryMiB - candidate.remainingMemoryMiB)
            }
            let clusterUse = used[cluster] ?? (0, 0)
            if registered.cpu > 0 {
                points.append(point("CPUReservation", [dimension], reserved.cpu / registered.cpu * 100, timestamp))
                points.append(point("CPUUtilization", [dimension], clusterUse.cpu / registered.cpu * 100, timestamp))
            }
            if registered.memory > 0 {
                points.append(
                    point("MemoryReservation", [dimension], reserved.memory / registered.memory * 100, timestamp)
                )
                points.append(
                    point("MemoryUtilization", [dimension], clusterUse.memory / registered.memory * 100, timestamp)
                )
            }
            for service in services.inCluster(cluster) where service.status != .inactive {
                let samples = byService[GroupKey(cluster: cluster, group: "service:\(service.name)")] ?? []
                points += servicePoints(service, samples: samples, cluster: dimension, timestamp: timestamp)
            }
        }
        return points
    }

    private func servicePoints(
        _ service: ServiceRecord,
        samples: [(usage: Utilization, demand: TaskDemand)],
        cluster: MetricDimension,
        timestamp: Int
    ) -> [MetricPoint] {
        let dimensions = [cluster, MetricDimension(name: "ServiceName", value: service.name)]
        let cpu = samples.map { sample in
            (
                used: sample.usage.cpuUnits,
                reserved: sample.demand.cpu > 0 ? Double(sample.demand.cpu) : Self.unreservedCPUUnits
            )
        }
        let memory = samples.filter { $0.demand.memoryMiB > 0 }.map { sample in
            (used: sample.usage.memoryMiB, reserved: Double(sample.demand.memoryMiB))
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
