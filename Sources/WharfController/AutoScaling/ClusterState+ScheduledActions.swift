import Foundation
import WharfModel
import WharfMonitoring
import WharfState

/// Application Auto Scaling's scheduled actions over the state.
extension ClusterState {
    /// PutScheduledAction: creates a scheduled action, or changes what is given of one.
    func putScheduledAction(
        _ request: ApplicationAutoScaling.PutScheduledActionRequest,
        now: Date,
        seed: UInt64
    ) throws(ECSError) -> Outcome<ApplicationAutoScaling.PutScheduledActionResponse> {
        let key = try Self.targetKey(
            namespace: request.serviceNamespace,
            resourceId: request.resourceId,
            dimension: request.scalableDimension
        )
        _ = try scalableTarget(key)
        let name = request.scheduledActionName ?? ""
        var random = SeededRandom(seed: seed)
        let existing = autoScaling.allScheduledActions.first { $0.target == key && $0.name == name }
        guard let schedule = request.schedule ?? existing?.schedule else {
            throw ECSError(.validation, "Schedule is required to create a scheduled action")
        }
        do {
            _ = try ScalingSchedule(schedule)
        } catch {
            throw ECSError(.validation, "Schedule \(schedule) is not valid: \(error.message)")
        }
        if let zone = request.timezone, TimeZone(identifier: zone) == nil {
            throw ECSError(
                .validation,
                "Timezone \(zone) is not a time zone of the IANA database, such as Europe/Berlin"
            )
        }
        var record =
            existing
            ?? ScheduledActionRecord(
                name: name,
                arn: "arn:aws:autoscaling:\(context.region):\(context.accountID):scheduledAction:\(random.uuid()):"
                    + "resource/ecs/\(key.resourceId):scheduledActionName/\(name)",
                resourceId: key.resourceId,
                scalableDimension: key.scalableDimension,
                schedule: schedule,
                createdAt: now
            )
        record.schedule = schedule
        record.timezone = request.timezone ?? record.timezone
        record.startTime = request.startTime ?? record.startTime
        record.endTime = request.endTime ?? record.endTime
        if let action = request.scalableTargetAction {
            record.minCapacity = action.minCapacity ?? record.minCapacity
            record.maxCapacity = action.maxCapacity ?? record.maxCapacity
        }
        guard record.minCapacity != nil || record.maxCapacity != nil else {
            throw ECSError(.validation, "ScalableTargetAction needs MinCapacity, MaxCapacity or both")
        }
        if let minimum = record.minCapacity, let maximum = record.maxCapacity, minimum > maximum {
            throw ECSError(
                .validation,
                "Maximum capacity (\(maximum)) cannot be less than minimum capacity (\(minimum))"
            )
        }
        if (record.minCapacity ?? 0) < 0 || (record.maxCapacity ?? 0) < 0 {
            throw ECSError(.validation, "Capacities cannot be negative")
        }
        if let start = record.startTime, let end = record.endTime, start >= end {
            throw ECSError(.validation, "StartTime must be before EndTime")
        }
        if existing != nil, request.schedule != nil || request.timezone != nil || request.startTime != nil {
            // A new schedule runs afresh.
            record.lastRunAt = nil
            record.createdAt = now
        }
        return Outcome(ApplicationAutoScaling.PutScheduledActionResponse(), [.putScheduledAction(record)])
    }

    /// A scheduled action in Application Auto Scaling's shape.
    func scheduledActionShape(_ record: ScheduledActionRecord) -> ApplicationAutoScaling.ScheduledAction {
        ApplicationAutoScaling.ScheduledAction(
            scheduledActionName: record.name,
            scheduledActionARN: record.arn,
            serviceNamespace: Self.ecsNamespace,
            schedule: record.schedule,
            timezone: record.timezone,
            resourceId: record.resourceId,
            scalableDimension: record.scalableDimension,
            startTime: record.startTime,
            endTime: record.endTime,
            scalableTargetAction: ApplicationAutoScaling.ScalableTargetAction(
                minCapacity: record.minCapacity,
                maxCapacity: record.maxCapacity
            ),
            creationTime: record.createdAt
        )
    }

    /// DescribeScheduledActions: by names, resource and dimension, 50 at most a page.
    func describeScheduledActions(
        _ request: ApplicationAutoScaling.DescribeScheduledActionsRequest
    ) throws(ECSError) -> ApplicationAutoScaling.DescribeScheduledActionsResponse {
        try Self.checkScalingNamespace(request.serviceNamespace, dimension: request.scalableDimension)
        let names = request.scheduledActionNames.map(Set.init)
        let matching = autoScaling.allScheduledActions.filter { action in
            (names?.contains(action.name) ?? true) && (request.resourceId.map { $0 == action.resourceId } ?? true)
        }
        let page = try Self.scalingPage(
            matching,
            key: { "\($0.target.text)|\($0.name)" },
            size: request.maxResults,
            token: request.nextToken,
            scope: "scheduled|\(names?.sorted().joined(separator: ",") ?? "")|\(request.resourceId ?? "")"
        )
        return ApplicationAutoScaling.DescribeScheduledActionsResponse(
            scheduledActions: page.items.map(scheduledActionShape),
            nextToken: page.nextToken
        )
    }

    /// DeleteScheduledAction.
    func deleteScheduledAction(
        _ request: ApplicationAutoScaling.DeleteScheduledActionRequest
    ) throws(ECSError) -> Outcome<ApplicationAutoScaling.DeleteScheduledActionResponse> {
        let key = try Self.targetKey(
            namespace: request.serviceNamespace,
            resourceId: request.resourceId,
            dimension: request.scalableDimension
        )
        let name = request.scheduledActionName ?? ""
        guard let action = autoScaling.allScheduledActions.first(where: { $0.target == key && $0.name == name }) else {
            throw ECSError(
                .objectNotFound,
                "No scheduled action found for service namespace: ecs, resource ID: \(key.resourceId), scalable "
                    + "dimension: \(key.scalableDimension), scheduled action name: \(name)"
            )
        }
        return Outcome(
            ApplicationAutoScaling.DeleteScheduledActionResponse(),
            [.deleteScheduledAction(arn: action.arn)]
        )
    }
}
