import Foundation
import WharfModel

/// A service's Application Auto Scaling, as `wharf scaling` and `wharf status` show it: its
/// scalable target, policies and scheduled actions, and the newest value of each target
/// tracking policy's metric.
struct ServiceScaling: Encodable, Sendable {
    var target: ApplicationAutoScaling.ScalableTarget
    var policies: [ApplicationAutoScaling.ScalingPolicy]
    var scheduledActions: [ApplicationAutoScaling.ScheduledAction]
    /// The newest value of each target tracking policy's metric, by policy name.
    var latest: [String: Double]

    /// The metric a target tracking policy follows.
    static func metric(
        of policy: ApplicationAutoScaling.ScalingPolicy,
        cluster: String,
        service: String
    ) -> CloudWatch.Metric? {
        guard let configuration = policy.targetTrackingScalingPolicyConfiguration else { return nil }
        if let predefined = configuration.predefinedMetricSpecification {
            switch predefined.predefinedMetricType {
            case "ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization":
                return CloudWatch.Metric(
                    namespace: "AWS/ECS",
                    metricName: predefined.predefinedMetricType == "ECSServiceAverageCPUUtilization"
                        ? "CPUUtilization" : "MemoryUtilization",
                    dimensions: [
                        CloudWatch.Dimension(name: "ClusterName", value: cluster),
                        CloudWatch.Dimension(name: "ServiceName", value: service),
                    ]
                )
            case "ALBRequestCountPerTarget":
                let label = predefined.resourceLabel ?? ""
                guard let range = label.range(of: "targetgroup/") else { return nil }
                return CloudWatch.Metric(
                    namespace: "AWS/ApplicationELB",
                    metricName: "RequestCountPerTarget",
                    dimensions: [CloudWatch.Dimension(name: "TargetGroup", value: String(label[range.lowerBound...]))]
                )
            default:
                return nil
            }
        }
        guard let custom = configuration.customizedMetricSpecification else { return nil }
        return CloudWatch.Metric(
            namespace: custom.namespace,
            metricName: custom.metricName,
            dimensions: custom.dimensions?.map { CloudWatch.Dimension(name: $0.name, value: $0.value) }
        )
    }

    /// The statistic a target tracking policy's metric is read with.
    static func statistic(of policy: ApplicationAutoScaling.ScalingPolicy) -> String {
        let configuration = policy.targetTrackingScalingPolicyConfiguration
        if configuration?.predefinedMetricSpecification?.predefinedMetricType == "ALBRequestCountPerTarget" {
            return "Sum"
        }
        return configuration?.customizedMetricSpecification?.statistic ?? "Average"
    }

    /// A policy's metric, named short: `CPU`, `memory`, `requests/target`, or the metric's name.
    static func metricLabel(_ policy: ApplicationAutoScaling.ScalingPolicy) -> String {
        let configuration = policy.targetTrackingScalingPolicyConfiguration
        switch configuration?.predefinedMetricSpecification?.predefinedMetricType {
        case "ECSServiceAverageCPUUtilization": return "CPU"
        case "ECSServiceAverageMemoryUtilization": return "memory"
        case "ALBRequestCountPerTarget": return "requests/target"
        default: return configuration?.customizedMetricSpecification?.metricName ?? "metric"
        }
    }

    /// What `wharf status` shows: the capacity range and, for each target tracking policy, its
    /// metric now against its target (`1-3, CPU 63% of 50%`).
    var summary: String {
        var parts = ["\(target.minCapacity ?? 0)-\(target.maxCapacity ?? 0)"]
        for policy in policies {
            guard let configuration = policy.targetTrackingScalingPolicyConfiguration else {
                parts.append("step \(policy.policyName ?? "")")
                continue
            }
            let label = Self.metricLabel(policy)
            let percent = label == "CPU" || label == "memory"
            let now = latest[policy.policyName ?? ""].map { Self.number($0) + (percent ? "%" : "") } ?? "?"
            let goal = Self.number(configuration.targetValue ?? 0) + (percent ? "%" : "")
            parts.append("\(label) \(now) of \(goal)")
        }
        return parts.joined(separator: ", ")
    }

    /// A value with no more decimals than it needs, at most one.
    static func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}

extension APISession {
    /// The scaling of the cluster's services that have a scalable target, by service name.
    func scaling(cluster: String) async throws -> [String: ServiceScaling] {
        let prefix = "service/\(cluster)/"
        let targets = try await autoScalingPages("DescribeScalableTargets") { token in
            ApplicationAutoScaling.DescribeScalableTargetsRequest(serviceNamespace: "ecs", nextToken: token)
        } read: { (page: ApplicationAutoScaling.DescribeScalableTargetsResponse) in
            (page.scalableTargets ?? [], page.nextToken)
        }.filter { $0.resourceId?.hasPrefix(prefix) == true }
        guard !targets.isEmpty else { return [:] }
        let policies = try await autoScalingPages("DescribeScalingPolicies") { token in
            ApplicationAutoScaling.DescribeScalingPoliciesRequest(serviceNamespace: "ecs", nextToken: token)
        } read: { (page: ApplicationAutoScaling.DescribeScalingPoliciesResponse) in
            (page.scalingPolicies ?? [], page.nextToken)
        }
        let actions = try await autoScalingPages("DescribeScheduledActions") { token in
            ApplicationAutoScaling.DescribeScheduledActionsRequest(serviceNamespace: "ecs", nextToken: token)
        } read: { (page: ApplicationAutoScaling.DescribeScheduledActionsResponse) in
            (page.scheduledActions ?? [], page.nextToken)
        }
        // The newest value of every target tracking policy's metric, in one GetMetricData.
        var queries: [CloudWatch.MetricDataQuery] = []
        var owners: [String: (service: String, policy: String)] = [:]
        for target in targets {
            let service = String(target.resourceId?.dropFirst(prefix.count) ?? "")
            for policy in policies where policy.resourceId == target.resourceId {
                guard let metric = ServiceScaling.metric(of: policy, cluster: cluster, service: service) else {
                    continue
                }
                let id = "m\(queries.count)"
                owners[id] = (service, policy.policyName ?? "")
                queries.append(
                    CloudWatch.MetricDataQuery(
                        id: id,
                        metricStat: CloudWatch.MetricStat(
                            metric: metric,
                            period: 60,
                            stat: ServiceScaling.statistic(of: policy)
                        )
                    )
                )
            }
        }
        var latest: [String: [String: Double]] = [:]
        if !queries.isEmpty {
            let now = Date()
            let data = try await cloudWatch(
                "GetMetricData",
                CloudWatch.GetMetricDataInput(
                    metricDataQueries: Array(queries.prefix(500)),
                    startTime: now.addingTimeInterval(-900),
                    endTime: now.addingTimeInterval(60),
                    scanBy: "TimestampDescending"
                ),
                as: CloudWatch.GetMetricDataOutput.self
            )
            for result in data.metricDataResults ?? [] {
                guard let owner = owners[result.id ?? ""], let value = result.values?.first else { continue }
                latest[owner.service, default: [:]][owner.policy] = value
            }
        }
        var scaling: [String: ServiceScaling] = [:]
        for target in targets {
            let service = String(target.resourceId?.dropFirst(prefix.count) ?? "")
            scaling[service] = ServiceScaling(
                target: target,
                policies: policies.filter { $0.resourceId == target.resourceId },
                scheduledActions: actions.filter { $0.resourceId == target.resourceId },
                latest: latest[service] ?? [:]
            )
        }
        return scaling
    }

    /// Every item of an Application Auto Scaling describe operation, page after page.
    func autoScalingPages<Request: Encodable, Response: Decodable, Item>(
        _ operation: String,
        request: (String?) -> Request,
        read: (Response) -> ([Item], String?)
    ) async throws -> [Item] {
        var items: [Item] = []
        var token: String?
        repeat {
            let (page, next) = read(try await autoScaling(operation, request(token), as: Response.self))
            items += page
            token = next
        } while token != nil
        return items
    }
}
