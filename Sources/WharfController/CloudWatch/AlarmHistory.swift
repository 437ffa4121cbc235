import Foundation
import WharfMonitoring
import WharfState
import WharfStore

/// The entries CloudWatch writes to an alarm's history: its configuration changes, its state
/// changes and the actions it ran, with CloudWatch's summaries and JSON data.
enum AlarmHistory {
    static func configuration(_ name: String, _ kind: String, at date: Date) -> MetricStore.HistoryItem {
        let verb = kind == "Create" ? "created" : kind == "Delete" ? "deleted" : "updated"
        return MetricStore.HistoryItem(
            alarmName: name,
            alarmType: "MetricAlarm",
            timestamp: CloudWatchOperations.millis(date),
            itemType: "ConfigurationUpdate",
            summary: "Alarm \"\(name)\" \(verb)",
            data: "{\"version\":\"1.0\",\"type\":\"\(kind)\"}"
        )
    }

    static func state(from old: AlarmRecord, to new: AlarmRecord, at date: Date) -> MetricStore.HistoryItem {
        var newState = [
            "\"stateValue\":\(json(new.state.rawValue))", "\"stateReason\":\(json(new.stateReason))",
        ]
        if let data = new.stateReasonData { newState.append("\"stateReasonData\":\(data)") }
        let data =
            "{\"version\":\"1.0\",\"oldState\":{\"stateValue\":\(json(old.state.rawValue)),"
            + "\"stateReason\":\(json(old.stateReason))},\"newState\":{\(newState.joined(separator: ","))}}"
        return MetricStore.HistoryItem(
            alarmName: new.name,
            alarmType: "MetricAlarm",
            timestamp: CloudWatchOperations.millis(date),
            itemType: "StateUpdate",
            summary: "Alarm updated from \(old.state.rawValue) to \(new.state.rawValue)",
            data: data
        )
    }

    static func action(_ name: String, _ summary: String, at date: Date) -> MetricStore.HistoryItem {
        MetricStore.HistoryItem(
            alarmName: name,
            alarmType: "MetricAlarm",
            timestamp: CloudWatchOperations.millis(date),
            itemType: "Action",
            summary: summary,
            data: "{\"version\":\"1.0\",\"summary\":\(json(summary))}"
        )
    }

    /// `text` as a JSON string.
    static func json(_ text: String) -> String {
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
