import Foundation
import Testing
import WharfModel

@testable import WharfCLI

@Suite("wharf scaling and the SCALING column")
struct ScalingViewTests {
    static let cpu = ApplicationAutoScaling.ScalingPolicy(
        policyName: "cpu50",
        resourceId: "service/lab/web",
        policyType: "TargetTrackingScaling",
        targetTrackingScalingPolicyConfiguration: ApplicationAutoScaling.TargetTrackingScalingPolicyConfiguration(
            targetValue: 50,
            predefinedMetricSpecification: ApplicationAutoScaling.PredefinedMetricSpecification(
                predefinedMetricType: "ECSServiceAverageCPUUtilization"
            )
        ),
        alarms: [
            ApplicationAutoScaling.Alarm(alarmName: "TargetTracking-service/lab/web-AlarmHigh-1"),
            ApplicationAutoScaling.Alarm(alarmName: "TargetTracking-service/lab/web-AlarmLow-1"),
        ]
    )

    static let scaling = ServiceScaling(
        target: ApplicationAutoScaling.ScalableTarget(
            resourceId: "service/lab/web",
            minCapacity: 1,
            maxCapacity: 3,
            suspendedState: ApplicationAutoScaling.SuspendedState(dynamicScalingInSuspended: true)
        ),
        policies: [cpu],
        scheduledActions: [
            ApplicationAutoScaling.ScheduledAction(
                scheduledActionName: "night",
                schedule: "cron(0 22 * * ? *)",
                scalableTargetAction: ApplicationAutoScaling.ScalableTargetAction(maxCapacity: 1)
            )
        ],
        latest: ["cpu50": 63.27]
    )

    @Test("the SCALING column: the range, then each tracked metric now against its target")
    func summary() {
        #expect(Self.scaling.summary == "1-3, CPU 63.3% of 50%")
        var unknown = Self.scaling
        unknown.latest = [:]
        #expect(unknown.summary == "1-3, CPU ? of 50%")
        #expect(ServiceScaling.metric(of: Self.cpu, cluster: "lab", service: "web")?.metricName == "CPUUtilization")
    }

    @Test("wharf scaling: the range with what is suspended, the policies with their alarms, schedules, activities")
    func rendered() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        let document = ScalingCommand.Document(
            service: "web",
            cluster: "lab",
            desiredCount: 3,
            scaling: Self.scaling,
            alarms: [
                CloudWatch.MetricAlarm(alarmName: "TargetTracking-service/lab/web-AlarmHigh-1", stateValue: "ALARM"),
                CloudWatch.MetricAlarm(alarmName: "TargetTracking-service/lab/web-AlarmLow-1", stateValue: "OK"),
            ],
            activities: [
                ApplicationAutoScaling.ScalingActivity(
                    description: "Setting desired count to 3.",
                    cause:
                        "monitor alarm TargetTracking-service/lab/web-AlarmHigh-1 in state ALARM triggered policy "
                        + "cpu50",
                    startTime: now.addingTimeInterval(-120),
                    statusCode: "Successful"
                )
            ]
        )
        let text = ScalingCommand.rendered(document, now: now)
        #expect(text.contains("3 desired, between 1 and 3 (suspended: scaling in)"), "\(text)")
        #expect(text.contains("high ALARM, low OK"), "\(text)")
        #expect(text.contains("cron(0 22 * * ? *)"), "\(text)")
        #expect(text.contains("2m") && text.contains("Setting desired count to 3."), "\(text)")
        let none = ScalingCommand.rendered(ScalingCommand.Document(service: "db", cluster: "lab"))
        #expect(none.hasPrefix("service db in cluster lab does not scale"), "\(none)")
    }
}
