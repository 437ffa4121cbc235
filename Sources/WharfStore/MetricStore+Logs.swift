import Foundation

/// The append-only logs `metrics.db` keeps beside the samples: alarm history and scaling
/// activities, read newest first with their row IDs for paging.
extension MetricStore {
    /// Appends entries to alarms' history.
    public func appendHistory(_ items: [HistoryItem]) async throws(StoreError) {
        guard !items.isEmpty else { return }
        try await transaction("storing alarm history") { store in
            for item in items {
                _ = try await store.connection.query(
                    """
                    INSERT INTO alarm_history (alarm_name, alarm_type, ts, item_type, summary, data)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(item.alarmName), .text(item.alarmType), .integer(item.timestamp),
                        .text(item.itemType), .text(item.summary), .text(item.data),
                    ]
                )
            }
        }
    }

    /// The history entries with `start <= timestamp <= end`, of one alarm when `alarmName` is
    /// given, newest first (oldest first when `ascending`), each with its row ID for paging.
    public func history(
        alarmName: String?,
        start: Int,
        end: Int,
        ascending: Bool
    ) async throws(StoreError) -> [(id: Int, item: HistoryItem)] {
        var sql = """
            SELECT id, alarm_name, alarm_type, ts, item_type, summary, data FROM alarm_history
            WHERE ts >= ? AND ts <= ?
            """
        var binds: [SQLValue] = [.integer(start), .integer(end)]
        if let alarmName {
            sql += " AND alarm_name = ?"
            binds.append(.text(alarmName))
        }
        sql += ascending ? " ORDER BY ts, id" : " ORDER BY ts DESC, id DESC"
        return try await reading("reading alarm history") { store in
            try await store.connection.query(sql, binds).compactMap { row in
                guard let id = row.column("id")?.integer, let name = row.column("alarm_name")?.string,
                    let type = row.column("alarm_type")?.string, let ts = row.column("ts")?.integer,
                    let itemType = row.column("item_type")?.string, let summary = row.column("summary")?.string,
                    let data = row.column("data")?.string
                else { return nil }
                return (
                    id,
                    HistoryItem(
                        alarmName: name,
                        alarmType: type,
                        timestamp: ts,
                        itemType: itemType,
                        summary: summary,
                        data: data
                    )
                )
            }
        }
    }

    /// Appends scaling activities.
    public func appendActivities(_ activities: [Activity]) async throws(StoreError) {
        guard !activities.isEmpty else { return }
        try await transaction("storing scaling activities") { store in
            let encoder = JSONEncoder()
            for activity in activities {
                let reasons = try activity.notScaledReasons.map { try encoder.encode($0) }
                _ = try await store.connection.query(
                    """
                    INSERT INTO scaling_activities (activity_id, resource_id, dimension, ts, end_ts, description,
                        cause, status_code, status_message, details, not_scaled)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(activity.activityId), .text(activity.resourceId), .text(activity.scalableDimension),
                        .integer(activity.startTime), activity.endTime.map { .integer($0) } ?? .null,
                        .text(activity.description), .text(activity.cause), .text(activity.statusCode),
                        activity.statusMessage.map { .text($0) } ?? .null,
                        activity.details.map { .text($0) } ?? .null,
                        reasons.map { .text(String(decoding: $0, as: UTF8.self)) } ?? .null,
                    ]
                )
            }
        }
    }

    /// The scaling activities, of one resource when `resourceId` is given, newest first, each with
    /// its row ID for paging.
    public func activities(resourceId: String?) async throws(StoreError) -> [(id: Int, activity: Activity)] {
        var sql = """
            SELECT id, activity_id, resource_id, dimension, ts, end_ts, description, cause, status_code,
                status_message, details, not_scaled FROM scaling_activities
            """
        var binds: [SQLValue] = []
        if let resourceId {
            sql += " WHERE resource_id = ?"
            binds.append(.text(resourceId))
        }
        sql += " ORDER BY ts DESC, id DESC"
        return try await reading("reading scaling activities") { store in
            let decoder = JSONDecoder()
            return try await store.connection.query(sql, binds).compactMap { row in
                guard let id = row.column("id")?.integer, let activityId = row.column("activity_id")?.string,
                    let resource = row.column("resource_id")?.string, let dimension = row.column("dimension")?.string,
                    let start = row.column("ts")?.integer, let description = row.column("description")?.string,
                    let cause = row.column("cause")?.string, let status = row.column("status_code")?.string
                else { return nil }
                return (
                    id,
                    Activity(
                        activityId: activityId,
                        resourceId: resource,
                        scalableDimension: dimension,
                        startTime: start,
                        endTime: row.column("end_ts")?.integer,
                        description: description,
                        cause: cause,
                        statusCode: status,
                        statusMessage: row.column("status_message")?.string,
                        details: row.column("details")?.string,
                        notScaledReasons: row.column("not_scaled")?.string.flatMap {
                            try? decoder.decode([NotScaledReason].self, from: Data($0.utf8))
                        }
                    )
                )
            }
        }
    }
}
