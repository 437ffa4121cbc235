import Foundation

/// A scheduled action: new minimum and maximum capacities for a scalable target, once (`at`) or
/// on a schedule (`rate`, `cron`) in a time zone, between optional start and end times.
public struct ScheduledActionRecord: Codable, Equatable, Sendable {
    public var name: String
    /// `arn:aws:autoscaling:REGION:ACCOUNT:scheduledAction:ID:resource/ecs/service/CLUSTER/SERVICE:`
    /// `scheduledActionName/NAME`.
    public var arn: String
    public var resourceId: String
    public var scalableDimension: String
    /// `at(2026-12-05T12:00:00)`, `rate(5 minutes)` or `cron(0 9 * * ? *)`.
    public var schedule: String
    public var timezone: String?
    public var startTime: Date?
    public var endTime: Date?
    public var minCapacity: Int?
    public var maxCapacity: Int?
    public var createdAt: Date
    /// When it last ran.
    public var lastRunAt: Date?

    public init(
        name: String,
        arn: String,
        resourceId: String,
        scalableDimension: String,
        schedule: String,
        timezone: String? = nil,
        startTime: Date? = nil,
        endTime: Date? = nil,
        minCapacity: Int? = nil,
        maxCapacity: Int? = nil,
        createdAt: Date
    ) {
        self.name = name
        self.arn = arn
        self.resourceId = resourceId
        self.scalableDimension = scalableDimension
        self.schedule = schedule
        self.timezone = timezone
        self.startTime = startTime
        self.endTime = endTime
        self.minCapacity = minCapacity
        self.maxCapacity = maxCapacity
        self.createdAt = createdAt
    }

    /// Its target's key.
    public var target: ScalableTargetKey {
        ScalableTargetKey(resourceId: resourceId, scalableDimension: scalableDimension)
    }
}
