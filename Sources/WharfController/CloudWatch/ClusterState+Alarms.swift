import Foundation
import WharfModel
import WharfMonitoring
import WharfState
import WharfStore

/// CloudWatch's alarm operations over the state. Each write also returns the history entries it
/// makes, which the caller appends to `metrics.db` once the write is stored.
extension ClusterState {
    typealias History = [MetricStore.HistoryItem]

    /// The ARN of the alarm named `name`.
    func alarmARN(_ name: String) -> String {
        "arn:aws:cloudwatch:\(context.region):\(context.accountID):alarm:\(name)"
    }

    /// PutMetricAlarm: creates the alarm (INSUFFICIENT_DATA until first evaluated) or replaces its
    /// configuration, keeping its state and (as CloudWatch does) its tags.
    func putMetricAlarm(
        _ input: CloudWatch.PutMetricAlarmInput,
        now: Date,
        periods: Set<Int>
    ) throws(ECSError) -> Outcome<History> {
        let name = input.alarmName ?? ""
        for (member, given) in [
            ("Metrics", input.metrics != nil), ("ThresholdMetricId", input.thresholdMetricId != nil),
            ("EvaluationCriteria", input.evaluationCriteria != nil),
            ("EvaluationInterval", input.evaluationInterval != nil),
        ] where given {
            throw ECSError(
                .invalidParameterValue,
                "\(member) is not supported by Wharf, whose alarms watch one metric against a static threshold"
            )
        }
        func required<T>(_ value: T?, _ member: String) throws(ECSError) -> T {
            guard let value else { throw ECSError(.missingParameter, "The parameter \(member) is required.") }
            return value
        }
        let metricName = try required(input.metricName, "MetricName")
        let namespace = try required(input.namespace, "Namespace")
        let period = try required(input.period, "Period")
        let evaluationPeriods = try required(input.evaluationPeriods, "EvaluationPeriods")
        let threshold = try required(input.threshold, "Threshold")
        let comparisonText = try required(input.comparisonOperator, "ComparisonOperator")
        guard let comparison = ComparisonOperator(rawValue: comparisonText) else {
            throw ECSError(
                .invalidParameterValue,
                "The value \(comparisonText) for parameter ComparisonOperator is not supported: Wharf has no "
                    + "anomaly detection bands."
            )
        }
        let statistic: String
        switch (input.statistic, input.extendedStatistic) {
        case (let standard?, nil): statistic = standard
        case (nil, let extended?):
            guard case .percentile = MetricStatistic(extended) else {
                throw ECSError(
                    .invalidParameterValue,
                    "The value \(extended) for parameter ExtendedStatistic is not supported: Wharf computes "
                        + "percentiles (p0 to p100)."
                )
            }
            statistic = extended
        default:
            throw ECSError(
                .invalidParameterCombination,
                "Exactly one of the parameters Statistic and ExtendedStatistic must be specified."
            )
        }
        guard period % 60 == 0 || [10, 20, 30].contains(period) || periods.contains(period) else {
            throw ECSError(
                .invalidParameterValue,
                "The parameter Period must be 10, 20, 30 or a multiple of 60."
            )
        }
        guard period * evaluationPeriods <= 86_400 else {
            throw ECSError(
                .invalidParameterCombination,
                "The product of EvaluationPeriods and Period must not exceed 86400 seconds (one day)."
            )
        }
        if let datapoints = input.datapointsToAlarm, datapoints > evaluationPeriods {
            throw ECSError(
                .invalidParameterValue,
                "DatapointsToAlarm (\(datapoints)) must be less than or equal to EvaluationPeriods "
                    + "(\(evaluationPeriods))."
            )
        }
        let missing = input.treatMissingData ?? "missing"
        guard let treatment = MissingDataTreatment(rawValue: missing) else {
            throw ECSError(
                .invalidParameterValue,
                "The value \(missing) for parameter TreatMissingData is invalid: it must be breaching, "
                    + "notBreaching, ignore or missing."
            )
        }
        if let low = input.evaluateLowSampleCountPercentile {
            guard input.extendedStatistic != nil, low == "evaluate" || low == "ignore" else {
                throw ECSError(
                    .invalidParameterValue,
                    "EvaluateLowSampleCountPercentile must be evaluate or ignore, and only with an ExtendedStatistic."
                )
            }
        }
        let actions = [
            ("OKActions", input.okActions ?? []), ("AlarmActions", input.alarmActions ?? []),
            ("InsufficientDataActions", input.insufficientDataActions ?? []),
        ]
        for (member, arns) in actions {
            for arn in arns {
                if let problem = alarmActionProblem(arn) {
                    throw ECSError(.invalidParameterValue, "Invalid \(member) \(arn): \(problem)")
                }
            }
        }
        let dimensions = try CloudWatchOperations.dimensions(input.dimensions, at: "Dimensions")
        let tags = try Self.alarmTags(input.tags ?? [])
        var record = AlarmRecord(
            name: name,
            description: input.alarmDescription,
            actionsEnabled: input.actionsEnabled ?? true,
            okActions: input.okActions ?? [],
            alarmActions: input.alarmActions ?? [],
            insufficientDataActions: input.insufficientDataActions ?? [],
            namespace: namespace,
            metricName: metricName,
            dimensions: dimensions,
            statistic: statistic,
            unit: input.unit,
            period: period,
            evaluationPeriods: evaluationPeriods,
            datapointsToAlarm: input.datapointsToAlarm,
            threshold: threshold,
            comparison: comparison,
            treatMissingData: treatment,
            evaluateLowSampleCountPercentile: input.evaluateLowSampleCountPercentile,
            tags: tags,
            createdAt: now
        )
        if let existing = alarms[name] {
            record.tags = existing.tags
            record.state = existing.state
            record.stateReason = existing.stateReason
            record.stateReasonData = existing.stateReasonData
            record.stateUpdatedAt = existing.stateUpdatedAt
            record.stateTransitionedAt = existing.stateTransitionedAt
        } else if alarms.count >= Self.maxAlarms {
            throw ECSError(.limitExceededFault, "The maximum number of alarms (\(Self.maxAlarms)) has been reached.")
        }
        let history = [AlarmHistory.configuration(name, alarms[name] == nil ? "Create" : "Update", at: now)]
        return Outcome(history, [.putAlarm(record)])
    }

    /// The most alarms Wharf keeps.
    static let maxAlarms = 10_000

    /// Why `arn` cannot be an alarm action; nil when it can (an Application Auto Scaling policy).
    func alarmActionProblem(_ arn: String) -> String? {
        autoScaling.policy(arn: arn) != nil
            ? nil : "Wharf runs Application Auto Scaling policies as alarm actions, and no such policy has this ARN"
    }

    /// Tags as CloudWatch allows them: at most 50, keys of 1 to 128 characters not starting with
    /// `aws:`, each key once.
    static func alarmTags(_ given: [CloudWatch.Tag]) throws(ECSError) -> [Tag] {
        guard given.count <= 50 else {
            throw ECSError(.invalidParameterValue, "A resource may have at most 50 tags.")
        }
        var seen = Set<String>()
        var tags: [Tag] = []
        for tag in given {
            let key = tag.key ?? ""
            guard !key.lowercased().hasPrefix("aws:") else {
                throw ECSError(.invalidParameterValue, "Tag keys starting with aws: are reserved for AWS: \(key)")
            }
            guard seen.insert(key).inserted else {
                throw ECSError(.invalidParameterValue, "The tag key \(key) is given more than once.")
            }
            tags.append(Tag(key: key, value: tag.value ?? ""))
        }
        return tags
    }

    /// An alarm in CloudWatch's shape.
    func metricAlarm(_ record: AlarmRecord) -> CloudWatch.MetricAlarm {
        let extended = MetricStatistic.standard[record.statistic] == nil
        return CloudWatch.MetricAlarm(
            alarmName: record.name,
            alarmArn: alarmARN(record.name),
            alarmDescription: record.description,
            alarmConfigurationUpdatedTimestamp: record.configurationUpdatedAt,
            actionsEnabled: record.actionsEnabled,
            okActions: record.okActions,
            alarmActions: record.alarmActions,
            insufficientDataActions: record.insufficientDataActions,
            stateValue: record.state.rawValue,
            stateReason: record.stateReason,
            stateReasonData: record.stateReasonData,
            stateUpdatedTimestamp: record.stateUpdatedAt,
            metricName: record.metricName,
            namespace: record.namespace,
            statistic: extended ? nil : record.statistic,
            extendedStatistic: extended ? record.statistic : nil,
            dimensions: record.dimensions.map { CloudWatch.Dimension(name: $0.name, value: $0.value) },
            period: record.period,
            unit: record.unit,
            evaluationPeriods: record.evaluationPeriods,
            datapointsToAlarm: record.datapointsToAlarm,
            threshold: record.threshold,
            comparisonOperator: record.comparison.rawValue,
            treatMissingData: record.treatMissingData.rawValue,
            evaluateLowSampleCountPercentile: record.evaluateLowSampleCountPercentile,
            stateTransitionedTimestamp: record.stateTransitionedAt
        )
    }

    /// DescribeAlarms: metric alarms by name, prefix, state and action, a page at a time. Wharf
    /// has no composite alarms, so asking for them, or for an alarm's parents or children, finds none.
    func describeAlarms(_ input: CloudWatch.DescribeAlarmsInput) throws(ECSError) -> CloudWatch.DescribeAlarmsOutput {
        if input.alarmNames != nil && input.alarmNamePrefix != nil {
            throw ECSError(
                .invalidParameterCombination,
                "AlarmNames and AlarmNamePrefix cannot be specified together."
            )
        }
        let types = input.alarmTypes ?? ["MetricAlarm"]
        for type in types where type != "MetricAlarm" && type != "CompositeAlarm" {
            throw ECSError(.invalidParameterValue, "The value \(type) for parameter AlarmTypes is invalid.")
        }
        let related = input.childrenOfAlarmName != nil || input.parentsOfAlarmName != nil
        let names = input.alarmNames.map(Set.init)
        let matching =
            types.contains("MetricAlarm") && !related
            ? alarms.all.filter { alarm in
                (names?.contains(alarm.name) ?? true)
                    && (input.alarmNamePrefix.map { alarm.name.hasPrefix($0) } ?? true)
                    && (input.stateValue.map { $0 == alarm.state.rawValue } ?? true)
                    && (input.actionPrefix.map { prefix in
                        (alarm.okActions + alarm.alarmActions + alarm.insufficientDataActions).contains {
                            $0.hasPrefix(prefix)
                        }
                    } ?? true)
            } : []
        let page: (items: [AlarmRecord], nextToken: String?)
        do {
            page = try PageToken.page(
                matching,
                key: \.name,
                size: input.maxRecords ?? 50,
                after: input.nextToken,
                // One line: a token's scope ends at its first newline.
                scope: "alarms|\(names?.sorted().joined(separator: ",") ?? "")|\(input.alarmNamePrefix ?? "")"
                    + "|\(input.stateValue ?? "")|\(input.actionPrefix ?? "")"
            )
        } catch {
            throw ECSError(.invalidNextToken, "The service cannot process the request: the NextToken is not valid.")
        }
        return CloudWatch.DescribeAlarmsOutput(
            compositeAlarms: types.contains("CompositeAlarm") ? [] : nil,
            metricAlarms: types.contains("MetricAlarm") ? page.items.map(metricAlarm) : nil,
            nextToken: page.nextToken
        )
    }

    /// DescribeAlarmsForMetric: the alarms on one metric, narrowed by what else is given.
    func describeAlarmsForMetric(
        _ input: CloudWatch.DescribeAlarmsForMetricInput
    ) throws(ECSError) -> CloudWatch.DescribeAlarmsForMetricOutput {
        let dimensions = try input.dimensions.map { (given) throws(ECSError) in
            try CloudWatchOperations.dimensions(given, at: "Dimensions")
        }
        let key = dimensions.map {
            MetricKey(namespace: input.namespace ?? "", name: input.metricName ?? "", dimensions: $0)
        }
        let matching = alarms.all.filter { alarm in
            alarm.namespace == input.namespace && alarm.metricName == input.metricName
                && (key.map { $0 == alarm.metric } ?? true)
                && (input.statistic.map { $0 == alarm.statistic } ?? true)
                && (input.extendedStatistic.map { $0 == alarm.statistic } ?? true)
                && (input.period.map { $0 == alarm.period } ?? true)
                && (input.unit.map { $0 == alarm.unit } ?? true)
        }
        return CloudWatch.DescribeAlarmsForMetricOutput(metricAlarms: matching.map(metricAlarm))
    }

    /// DeleteAlarms: all of them, or none when one is not there.
    func deleteAlarms(_ input: CloudWatch.DeleteAlarmsInput, now: Date) throws(ECSError) -> Outcome<History> {
        let names = input.alarmNames ?? []
        let missing = names.filter { alarms[$0] == nil }
        guard missing.isEmpty else {
            throw ECSError(.alarmNotFound, "The following alarms were not found: [\(missing.joined(separator: ", "))]")
        }
        let unique = Array(Set(names)).sorted()
        return Outcome(
            unique.map { AlarmHistory.configuration($0, "Delete", at: now) },
            unique.map { .deleteAlarm(name: $0) }
        )
    }

    /// SetAlarmState: the state until the next evaluation says otherwise.
    func setAlarmState(_ input: CloudWatch.SetAlarmStateInput, now: Date) throws(ECSError) -> Outcome<History> {
        let name = input.alarmName ?? ""
        guard var record = alarms[name] else {
            throw ECSError(.alarmNotFound, "Alarm \(name) not found")
        }
        guard let state = AlarmStateValue(rawValue: input.stateValue ?? "") else {
            throw ECSError(
                .invalidParameterValue,
                "The value \(input.stateValue ?? "") for parameter StateValue is invalid."
            )
        }
        if let data = input.stateReasonData {
            guard (try? JSONSerialization.jsonObject(with: Data(data.utf8))) != nil else {
                throw ECSError(.invalidFormat, "The StateReasonData is not valid JSON.")
            }
        }
        let old = record
        record.state = state
        record.stateReason = input.stateReason ?? ""
        record.stateReasonData = input.stateReasonData
        record.stateUpdatedAt = now
        if old.state != state { record.stateTransitionedAt = now }
        return Outcome([AlarmHistory.state(from: old, to: record, at: now)], [.putAlarm(record)])
    }

    /// EnableAlarmActions and DisableAlarmActions.
    func setAlarmActions(_ names: [String], enabled: Bool) throws(ECSError) -> Outcome<CloudWatch.Empty> {
        var changes: [StateChange] = []
        for name in Set(names).sorted() {
            guard var record = alarms[name] else { continue }
            record.actionsEnabled = enabled
            changes.append(.putAlarm(record))
        }
        return Outcome(CloudWatch.Empty(), changes)
    }

    /// The alarm an ARN names, for the tag operations.
    private func alarm(arn: String) throws(ECSError) -> AlarmRecord {
        let prefix = alarmARN("")
        guard arn.hasPrefix(prefix), let record = alarms[String(arn.dropFirst(prefix.count))] else {
            throw ECSError(.resourceNotFound, "The specified resource \(arn) does not exist.")
        }
        return record
    }

    /// TagResource on an alarm.
    func tagAlarm(_ input: CloudWatch.TagResourceInput) throws(ECSError) -> Outcome<CloudWatch.Empty> {
        var record = try alarm(arn: input.resourceARN ?? "")
        let added = try Self.alarmTags(input.tags ?? [])
        record.tags = record.tags.filter { tag in !added.contains { $0.key == tag.key } } + added
        _ = try Self.alarmTags(record.tags.map { CloudWatch.Tag(key: $0.key, value: $0.value) })
        return Outcome(CloudWatch.Empty(), [.putAlarm(record)])
    }

    /// UntagResource on an alarm.
    func untagAlarm(_ input: CloudWatch.UntagResourceInput) throws(ECSError) -> Outcome<CloudWatch.Empty> {
        var record = try alarm(arn: input.resourceARN ?? "")
        let keys = Set(input.tagKeys ?? [])
        record.tags.removeAll { keys.contains($0.key) }
        return Outcome(CloudWatch.Empty(), [.putAlarm(record)])
    }

    /// ListTagsForResource on an alarm.
    func listAlarmTags(
        _ input: CloudWatch.ListTagsForResourceInput
    ) throws(ECSError) -> CloudWatch.ListTagsForResourceOutput {
        let record = try alarm(arn: input.resourceARN ?? "")
        return CloudWatch.ListTagsForResourceOutput(
            tags: record.tags.map { CloudWatch.Tag(key: $0.key, value: $0.value) }
        )
    }

    /// The evaluations that change an alarm's state, applied (with their reasons), and the history
    /// of each. An alarm deleted or reconfigured since it was evaluated is left alone.
    func recordEvaluations(
        _ evaluations: [(alarm: AlarmRecord, evaluation: AlarmEvaluation)],
        now: Date
    ) -> Outcome<(history: History, transitions: [AlarmRecord])> {
        var changes: [StateChange] = []
        var history: History = []
        var transitions: [AlarmRecord] = []
        for (evaluated, evaluation) in evaluations {
            guard var record = alarms[evaluated.name],
                record.configurationUpdatedAt == evaluated.configurationUpdatedAt,
                record.state != evaluation.state
            else { continue }
            let old = record
            record.state = evaluation.state
            record.stateReason = evaluation.reason
            record.stateReasonData = evaluation.reasonData
            record.stateUpdatedAt = now
            record.stateTransitionedAt = now
            history.append(AlarmHistory.state(from: old, to: record, at: now))
            transitions.append(record)
            changes.append(.putAlarm(record))
        }
        return Outcome((history, transitions), changes)
    }
}
