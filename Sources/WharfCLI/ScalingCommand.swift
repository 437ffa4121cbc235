import ArgumentParser
import Foundation
import WharfModel

/// `wharf scaling SERVICE`: a service's Application Auto Scaling and what it did lately.
struct ScalingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scaling",
        abstract: "Show a service's scaling: its capacity range, policies with their metrics, schedules, activities."
    )

    @OptionGroup var connection: ControllerConnection
    @OptionGroup var cluster: ClusterOption

    @Argument(help: "The service's name.")
    var service: String

    @Option(help: "How many of the newest scaling activities to show (1 to 50).")
    var activities = 10

    /// What `scaling` shows, and prints as it is for `--output json`.
    struct Document: Encodable {
        var service: String
        var cluster: String
        var desiredCount: Int?
        var scaling: ServiceScaling?
        var alarms: [CloudWatch.MetricAlarm] = []
        var activities: [ApplicationAutoScaling.ScalingActivity] = []
    }

    func validate() throws {
        guard (1...50).contains(activities) else { throw ValidationError("--activities must be 1 to 50") }
    }

    func run() async throws {
        let document = try await APISession.with(connection) { session -> Document in
            let described = try await session.ecs(
                "DescribeServices",
                ECS.DescribeServicesRequest(cluster: cluster.name, services: [service]),
                as: ECS.DescribeServicesResponse.self
            )
            var document = Document(
                service: service,
                cluster: cluster.name,
                desiredCount: described.services?.first?.desiredCount
            )
            document.scaling = try await session.scaling(cluster: cluster.name)[service]
            guard let scaling = document.scaling else { return document }
            let names = Array(
                Set(scaling.policies.flatMap { $0.alarms ?? [] }.compactMap(\.alarmName)).sorted().prefix(100)
            )
            if !names.isEmpty {
                document.alarms =
                    try await session.cloudWatch(
                        "DescribeAlarms",
                        CloudWatch.DescribeAlarmsInput(alarmNames: names),
                        as: CloudWatch.DescribeAlarmsOutput.self
                    ).metricAlarms ?? []
            }
            document.activities =
                try await session.autoScaling(
                    "DescribeScalingActivities",
                    ApplicationAutoScaling.DescribeScalingActivitiesRequest(
                        serviceNamespace: "ecs",
                        resourceId: "service/\(cluster.name)/\(service)",
                        maxResults: activities
                    ),
                    as: ApplicationAutoScaling.DescribeScalingActivitiesResponse.self
                ).scalingActivities ?? []
            return document
        }
        if connection.output == "json" { return try Terminal.printJSON(document) }
        print(Self.rendered(document))
    }

    /// The document as text.
    static func rendered(_ document: Document, now: Date = Date()) -> String {
        guard let scaling = document.scaling else {
            return "service \(document.service) in cluster \(document.cluster) does not scale: register it with "
                + "aws application-autoscaling register-scalable-target --service-namespace ecs --resource-id "
                + "service/\(document.cluster)/\(document.service) --scalable-dimension ecs:service:DesiredCount "
                + "--min-capacity N --max-capacity M"
        }
        let target = scaling.target
        var paused: [String] = []
        if target.suspendedState?.dynamicScalingInSuspended == true { paused.append("scaling in") }
        if target.suspendedState?.dynamicScalingOutSuspended == true { paused.append("scaling out") }
        if target.suspendedState?.scheduledScalingSuspended == true { paused.append("scheduled scaling") }
        var lines = [
            Terminal.paint("\(document.service) in \(document.cluster)", .blue)
                + ": \(document.desiredCount.map(String.init) ?? "?") desired, between \(target.minCapacity ?? 0) and "
                + "\(target.maxCapacity ?? 0)"
                + (paused.isEmpty ? "" : " (suspended: \(paused.joined(separator: ", ")))")
        ]
        let states = Dictionary(
            document.alarms.map { ($0.alarmName ?? "", $0.stateValue ?? "?") },
            uniquingKeysWith: { first, _ in first }
        )
        if !scaling.policies.isEmpty {
            let rows = scaling.policies.map { policy -> [String] in
                let alarms = (policy.alarms ?? []).map { alarm in
                    let name = alarm.alarmName ?? ""
                    let short = name.contains("-AlarmHigh-") ? "high" : name.contains("-AlarmLow-") ? "low" : name
                    return "\(short) \(states[name] ?? "?")"
                }.joined(separator: ", ")
                if let tracking = policy.targetTrackingScalingPolicyConfiguration {
                    let label = ServiceScaling.metricLabel(policy)
                    let now = scaling.latest[policy.policyName ?? ""].map(ServiceScaling.number) ?? "-"
                    return [
                        policy.policyName ?? "-", "target tracking", label, now,
                        ServiceScaling.number(tracking.targetValue ?? 0), alarms,
                    ]
                }
                let steps = (policy.stepScalingPolicyConfiguration?.stepAdjustments ?? []).map { step in
                    let adjustment = step.scalingAdjustment ?? 0
                    return (adjustment > 0 ? "+" : "") + String(adjustment)
                }.joined(separator: " ")
                return [policy.policyName ?? "-", "step", "-", "-", steps, alarms]
            }
            lines.append("")
            lines.append(Table(header: ["POLICY", "TYPE", "METRIC", "NOW", "TARGET", "ALARMS"], rows: rows).rendered)
        }
        if !scaling.scheduledActions.isEmpty {
            let rows = scaling.scheduledActions.map { action in
                [
                    action.scheduledActionName ?? "-", action.schedule ?? "-", action.timezone ?? "UTC",
                    action.scalableTargetAction?.minCapacity.map(String.init) ?? "-",
                    action.scalableTargetAction?.maxCapacity.map(String.init) ?? "-",
                ]
            }
            lines.append("")
            lines.append(
                Table(header: ["SCHEDULED ACTION", "SCHEDULE", "TIME ZONE", "MIN", "MAX"], rows: rows).rendered
            )
        }
        lines.append("")
        if document.activities.isEmpty {
            lines.append("no scaling activity yet")
        } else {
            let rows = document.activities.map { activity in
                [
                    Terminal.ago(activity.startTime?.timeIntervalSince1970, now: now),
                    Terminal.status(activity.statusCode ?? "-"), activity.description ?? "-", activity.cause ?? "-",
                ]
            }
            lines.append(Table(header: ["WHEN", "STATUS", "ACTIVITY", "CAUSE"], rows: rows).rendered)
        }
        return lines.joined(separator: "\n")
    }
}
