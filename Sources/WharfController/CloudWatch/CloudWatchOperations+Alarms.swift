import Foundation
import Logging
import WharfModel
import WharfMonitoring
import WharfState
import WharfStore

/// The alarm operations: configuration in the cluster state, history in the metric store.
extension CloudWatchOperations {
    mutating func addAlarms() {
        let controller = self.controller
        let metrics = self.metrics
        let periods: Set<Int> = [settings.periodSeconds]
        /// Runs a write that makes history, then appends the history once the write is stored.
        @Sendable func recording(
            _ body: @escaping @Sendable (ClusterState, Date) throws -> Outcome<ClusterState.History>
        ) async throws -> CloudWatch.Empty {
            let history = try await controller.write(body)
            do {
                try await metrics.appendHistory(history)
            } catch {
                controller.logger.error("could not record alarm history", metadata: ["error": "\(error)"])
            }
            return CloudWatch.Empty()
        }
        on("PutMetricAlarm") { (input: CloudWatch.PutMetricAlarmInput) in
            try await recording { state, now in try state.putMetricAlarm(input, now: now, periods: periods) }
        }
        on("DescribeAlarms") { (input: CloudWatch.DescribeAlarmsInput) in
            try await controller.read { state in try state.describeAlarms(input) }
        }
        on("DescribeAlarmsForMetric") { (input: CloudWatch.DescribeAlarmsForMetricInput) in
            try await controller.read { state in try state.describeAlarmsForMetric(input) }
        }
        on("DeleteAlarms") { (input: CloudWatch.DeleteAlarmsInput) in
            try await recording { state, now in try state.deleteAlarms(input, now: now) }
        }
        on("SetAlarmState") { (input: CloudWatch.SetAlarmStateInput) in
            try await recording { state, now in try state.setAlarmState(input, now: now) }
        }
        on("EnableAlarmActions") { (input: CloudWatch.EnableAlarmActionsInput) in
            try await controller.write { state, _ in try state.setAlarmActions(input.alarmNames ?? [], enabled: true) }
        }
        on("DisableAlarmActions") { (input: CloudWatch.DisableAlarmActionsInput) in
            try await controller.write { state, _ in try state.setAlarmActions(input.alarmNames ?? [], enabled: false) }
        }
        on("TagResource") { (input: CloudWatch.TagResourceInput) in
            try await controller.write { state, _ in try state.tagAlarm(input) }
        }
        on("UntagResource") { (input: CloudWatch.UntagResourceInput) in
            try await controller.write { state, _ in try state.untagAlarm(input) }
        }
        on("ListTagsForResource") { (input: CloudWatch.ListTagsForResourceInput) in
            try await controller.read { state in try state.listAlarmTags(input) }
        }
        on("DescribeAlarmHistory") { (input: CloudWatch.DescribeAlarmHistoryInput) in
            try await Self.history(input, store: metrics)
        }
    }

    /// DescribeAlarmHistory: an alarm's (or every alarm's) history, newest first unless asked,
    /// `MaxRecords` (100 at most) at a time.
    static func history(
        _ input: CloudWatch.DescribeAlarmHistoryInput,
        store: MetricStore
    ) async throws -> CloudWatch.DescribeAlarmHistoryOutput {
        if input.alarmContributorId != nil {
            throw ECSError(
                .invalidParameterValue,
                "AlarmContributorId is not supported by Wharf, whose alarms have no contributors."
            )
        }
        if input.historyItemType?.hasPrefix("AlarmContributor") == true {
            return CloudWatch.DescribeAlarmHistoryOutput(alarmHistoryItems: [])
        }
        let types = input.alarmTypes ?? ["MetricAlarm", "CompositeAlarm"]
        for type in types where type != "MetricAlarm" && type != "CompositeAlarm" {
            throw ECSError(.invalidParameterValue, "The value \(type) for parameter AlarmTypes is invalid.")
        }
        let start = input.startDate.map(millis) ?? 0
        let end = input.endDate.map(millis) ?? Int.max
        guard start <= end else {
            throw ECSError(.invalidParameterValue, "The parameter StartDate must be before the parameter EndDate.")
        }
        let ascending = input.scanBy == "TimestampAscending"
        var items = try await store.history(alarmName: input.alarmName, start: start, end: end, ascending: ascending)
        items = items.filter { item in
            types.contains(item.item.alarmType)
                && (input.historyItemType.map { $0 == item.item.itemType } ?? true)
        }
        let page = try RowPage.page(
            items.map { ($0.id, $0.item) },
            size: input.maxRecords ?? 100,
            token: input.nextToken,
            invalid: ECSError(.invalidNextToken, "The service cannot process the request: the NextToken is not valid.")
        )
        return CloudWatch.DescribeAlarmHistoryOutput(
            alarmHistoryItems: page.rows.map { item in
                CloudWatch.AlarmHistoryItem(
                    alarmName: item.alarmName,
                    alarmType: item.alarmType,
                    timestamp: Date(timeIntervalSince1970: Double(item.timestamp) / 1000),
                    historyItemType: item.itemType,
                    historySummary: item.summary,
                    historyData: item.data
                )
            },
            nextToken: page.nextToken
        )
    }
}
