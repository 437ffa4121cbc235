import Foundation
import Logging
import Testing
import WharfModel
import WharfState
import WharfMonitoring
import WharfStore

extension StoreMigrationTests {
    @Test(
        """
        a region's logs, metrics, alarm history and scaling activities arrive with their IDs (paging tokens keep \
        working); new rows are numbered after them; a second migration is refused
        """
    )
    func migrateTelemetry() async throws {
        try await withTemporaryDirectory { directory in
            try await TestPostgres.withLocation { location in
                let state = try await SQLiteStore.open(path: directory + "/wharf.db", logger: logger)
                try await state.apply([.putCluster(ClusterRecord(name: "home"))])
                await state.close()
                let logs = try await LogStore.open(path: directory + "/logs.db", maxStoredBytes: 1 << 30, logger: logger)
                try await logs.createGroup("/ecs/web", now: 1)
                try await logs.setRetention("/ecs/web", days: 7, now: 1)
                try await logs.createStream(group: "/ecs/web", stream: "app/1", now: 1)
                try await logs.put(
                    group: "/ecs/web",
                    stream: "app/1",
                    events: (0..<1_200).map { .init(timestamp: 10_000 + $0, message: "line \($0) ünïcode") },
                    now: 20_000
                )
                _ = try await logs.deliver(
                    source: "node-1",
                    firstSequence: 1,
                    [.init(group: "/ecs/web", stream: "app/2", createGroup: false, events: [.init(timestamp: 5, message: "x")])],
                    now: 20_001
                )
                let events = try await logs.events(group: "/ecs/web", stream: "app/1", start: nil, end: nil, from: .head, limit: 5_000)
                // The newest event goes before the move: its ID must not be given again after it.
                let newest = try #require(
                    try await logs.events(group: "/ecs/web", stream: "app/2", start: nil, end: nil, from: .head, limit: 1)
                        .first?.id
                )
                try await logs.deleteStream(group: "/ecs/web", stream: "app/2")
                let streams = try await logs.streams(group: "/ecs/web")
                let groups = try await logs.groups()
                let bytes = await logs.totalStoredBytes
                await logs.close()

                let metrics = try await MetricStore.open(path: directory + "/metrics.db", logger: logger)
                let key = MetricKey(namespace: "App", name: "Latency", dimensions: [MetricDimension(name: "S", value: "web")])
                try await metrics.put((0..<3).map {
                    MetricPoint(key: key, sample: MetricSample(timestamp: 60_000 * $0, sampleCount: 2, sum: 3.5, minimum: 1, maximum: 2.5))
                })
                try await metrics.appendHistory([
                    .init(alarmName: "high", alarmType: "MetricAlarm", timestamp: 7, itemType: "StateUpdate", summary: "s", data: "{}")
                ])
                try await metrics.appendActivities([
                    .init(
                        activityId: "a1", resourceId: "service/lab/web", scalableDimension: "ecs:service:DesiredCount",
                        startTime: 9, endTime: nil, description: "d", cause: "c", statusCode: "Failed", statusMessage: nil,
                        notScaledReasons: [.init(code: "AlreadyAtMaxCapacity", maxCapacity: 2)]
                    )
                ])
                let samples = try await metrics.samples(of: key, start: 0, end: 1_000_000)
                let history = try await metrics.history(alarmName: nil, start: 0, end: 100, ascending: true)
                let activities = try await metrics.activities(resourceId: nil)
                await metrics.close()

                let copied = try await StoreMigration.migrate(
                    dataDirectory: directory,
                    home: "us-east-1",
                    to: location,
                    logger: logger
                )
                // 1 group, 1 stream, 1,200 events, 1 source; 1 metric, 3 samples, 1 history entry, 1 activity.
                #expect(copied.map(\.telemetryRows) == [1 + 1 + 1_200 + 1 + 1 + 3 + 1 + 1])

                let movedLogs = try await LogStore.open(
                    postgres: location, region: "us-east-1", maxStoredBytes: 1 << 30, logger: logger
                )
                #expect(try await movedLogs.groups() == groups)
                #expect(try await movedLogs.streams(group: "/ecs/web") == streams)
                #expect(await movedLogs.totalStoredBytes == bytes)
                let moved = try await movedLogs.events(group: "/ecs/web", stream: "app/1", start: nil, end: nil, from: .head, limit: 5_000)
                #expect(moved == events)
                // A paging position taken before the move means the same place after it.
                let middle = events[600]
                let page = try await movedLogs.events(
                    group: "/ecs/web", stream: "app/1", start: nil, end: nil,
                    from: .after(timestamp: middle.timestamp, id: middle.id), limit: 2
                )
                #expect(page == Array(events[601...602]))
                // The agent's sequence numbers came along: its redelivery is not stored twice.
                let again = try await movedLogs.deliver(
                    source: "node-1",
                    firstSequence: 1,
                    [.init(group: "/ecs/web", stream: "app/2", createGroup: false, events: [.init(timestamp: 5, message: "x")])],
                    now: 30_000
                )
                #expect(again.storedEvents == 0)
                let next = try await movedLogs.put(
                    group: "/ecs/web", stream: "app/1", events: [.init(timestamp: 99_999, message: "new")], now: 30_000
                )
                #expect(newest > (events.last?.id ?? 0))
                #expect(next > newest, "a new event is numbered after every ID SQLite gave, the deleted newest too")
                await movedLogs.close()

                let movedMetrics = try await MetricStore.open(postgres: location, region: "us-east-1", logger: logger)
                #expect(await movedMetrics.allMetrics().map(\.key) == [key])
                #expect(try await movedMetrics.samples(of: key, start: 0, end: 1_000_000) == samples)
                #expect(try await movedMetrics.history(alarmName: nil, start: 0, end: 100, ascending: true).map(\.item)
                    == history.map(\.item))
                #expect(try await movedMetrics.activities(resourceId: nil).map(\.activity) == activities.map(\.activity))
                try await movedMetrics.appendHistory([
                    .init(alarmName: "high", alarmType: "MetricAlarm", timestamp: 8, itemType: "StateUpdate", summary: "t", data: "{}")
                ])
                let ids = try await movedMetrics.history(alarmName: nil, start: 0, end: 100, ascending: true).map(\.id)
                #expect(ids.count == 2 && ids[0] == history.first?.id && ids[1] > ids[0], "\(ids)")
                await movedMetrics.close()

                await #expect {
                    _ = try await StoreMigration.migrate(dataDirectory: directory, home: "us-east-1", to: location, logger: logger)
                } throws: { ($0 as? StoreError)?.code == .alreadyExists }
            }
        }
    }
}
