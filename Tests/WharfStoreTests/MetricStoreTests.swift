import Foundation
import Logging
import Testing
import WharfMonitoring
import WharfStore

/// The metric database: samples in and out by metric and time, all or nothing, kept across a
/// reopen, deleted past the retention; on SQLite and on PostgreSQL alike.
@Suite("Metric store, on SQLite and on PostgreSQL")
struct MetricStoreTests {
    let logger = Logger(label: "test")

    @Test(
        "samples come back by metric and time range, after a reopen too, and go past the retention",
        arguments: StoreKind.allCases
    )
    func roundTrip(kind: StoreKind) async throws {
        try await kind.withMetricStore(logger: logger) { open in
            let latency = MetricKey(
                namespace: "App",
                name: "Latency",
                dimensions: [MetricDimension(name: "Service", value: "web")]
            )
            let requests = MetricKey(namespace: "App", name: "Requests")
            var store = try await open()
            try await store.put([
                MetricPoint(key: latency, sample: MetricSample(timestamp: 1_000, unit: "Milliseconds", value: 5)),
                MetricPoint(key: latency, sample: MetricSample(timestamp: 61_000, unit: "Milliseconds", value: 7)),
                MetricPoint(
                    key: requests,
                    sample: MetricSample(timestamp: 2_000, sampleCount: 3, sum: 9, minimum: 1, maximum: 5)
                ),
            ])
            try await store.appendHistory([
                .init(
                    alarmName: "high",
                    alarmType: "MetricAlarm",
                    timestamp: 1_000,
                    itemType: "StateUpdate",
                    summary: "Alarm updated from OK to ALARM",
                    data: "{}"
                )
            ])
            await store.close()
            store = try await open()
            #expect(await store.allMetrics().map(\.key) == [latency, requests])
            let samples = try await store.samples(of: latency, start: 0, end: 61_000)
            #expect(samples == [MetricSample(timestamp: 1_000, unit: "Milliseconds", value: 5)])
            #expect(try await store.samples(of: MetricKey(namespace: "App", name: "Other"), start: 0, end: 1).isEmpty)
            #expect(try await store.history(alarmName: "high", start: 0, end: 5_000, ascending: false).count == 1)

            let deleted = try await store.deleteOlder(than: 60_000)
            #expect(deleted == 2)
            #expect(await store.allMetrics().map(\.key) == [latency], "a metric without samples is gone")
            #expect(try await store.history(alarmName: nil, start: 0, end: 5_000, ascending: true).isEmpty)
            await store.close()
        }
    }

    @Test("scaling activities keep their not scaled reasons across a reopen, newest first", arguments: StoreKind.allCases)
    func notScaledActivities(kind: StoreKind) async throws {
        try await kind.withMetricStore(logger: logger) { open in
            func activity(_ id: String, at time: Int, reasons: [MetricStore.NotScaledReason]?)
                -> MetricStore.Activity
            {
                MetricStore.Activity(
                    activityId: id,
                    resourceId: "service/lab/web",
                    scalableDimension: "ecs:service:DesiredCount",
                    startTime: time,
                    endTime: reasons == nil ? time : nil,
                    description: reasons == nil ? "Setting desired count to 2." : "Attempting to scale",
                    cause: "monitor alarm high in state ALARM triggered policy cpu",
                    statusCode: reasons == nil ? "Successful" : "Failed",
                    statusMessage: nil,
                    notScaledReasons: reasons
                )
            }
            let blocked = [MetricStore.NotScaledReason(code: "AlreadyAtMaxCapacity", maxCapacity: 2)]
            var store = try await open()
            try await store.appendActivities([
                activity("a", at: 1_000, reasons: nil), activity("b", at: 2_000, reasons: blocked),
            ])
            await store.close()
            store = try await open()
            let rows = try await store.activities(resourceId: "service/lab/web")
            #expect(rows.map(\.activity.activityId) == ["b", "a"])
            #expect(rows.first?.activity.notScaledReasons == blocked)
            #expect(rows.last?.activity.notScaledReasons == nil)
            await store.close()
        }
    }

    @Test(
        """
        1,200 samples put at once from 12 tasks are all stored (in batches of multi-row INSERTs), and each \
        metric's newest time is kept across a reopen
        """,
        arguments: StoreKind.allCases
    )
    func manySamples(kind: StoreKind) async throws {
        try await kind.withMetricStore(logger: logger) { open in
            let store = try await open()
            let keys = (0..<3).map { MetricKey(namespace: "App", name: "M\($0)") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<12 {
                    group.addTask {
                        let points = (0..<100).map { index in
                            MetricPoint(
                                key: keys[writer % 3],
                                sample: MetricSample(timestamp: writer * 1_000 + index, unit: "Count", value: 1)
                            )
                        }
                        try await store.put(points)
                    }
                }
                try await group.waitForAll()
            }
            await store.close()
            let reopened = try await open()
            let newest = await reopened.allMetrics()
            #expect(newest.map(\.key) == keys)
            #expect(newest.map(\.lastTimestamp) == [9_099, 10_099, 11_099])
            for key in keys {
                #expect(try await reopened.samples(of: key, start: 0, end: 100_000).count == 400, "\(key.name)")
            }
            await reopened.close()
        }
    }

    @Test(
        """
        samples, history and activities written at once from several tasks (PutMetricData beside the \
        monitoring loop) are all stored; a writer cancelled mid-write leaves the database usable
        """,
        arguments: StoreKind.allCases
    )
    func concurrentWrites(kind: StoreKind) async throws {
        try await kind.withMetricStore(logger: logger) { open in
            let store = try await open()
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for writer in 0..<8 {
                        group.addTask {
                            let key = MetricKey(namespace: "App", name: "Writer\(writer)")
                            let points = (0..<20).map { index in
                                MetricPoint(
                                    key: key,
                                    sample: MetricSample(timestamp: 1_000 + index, unit: "Count", value: Double(index))
                                )
                            }
                            try await store.put(points)
                            try await store.appendHistory([
                                MetricStore.HistoryItem(
                                    alarmName: "a\(writer)", alarmType: "MetricAlarm", timestamp: 1_000,
                                    itemType: "StateUpdate", summary: "s", data: "{}"
                                )
                            ])
                        }
                    }
                    try await group.waitForAll()
                }
                #expect(await store.allMetrics().count == 8)
                for writer in 0..<8 {
                    let samples = try await store.samples(
                        of: MetricKey(namespace: "App", name: "Writer\(writer)"),
                        start: 0,
                        end: 10_000
                    )
                    #expect(samples.count == 20, "writer \(writer)")
                }
                // A writer cancelled while it waits or writes: the next write still goes through.
                let cancelled = Task {
                    try await store.put([
                        MetricPoint(
                            key: MetricKey(namespace: "App", name: "Cancelled"),
                            sample: MetricSample(timestamp: 2_000, unit: "Count", value: 1)
                        )
                    ])
                }
                cancelled.cancel()
                _ = try? await cancelled.value
                try await store.put([
                    MetricPoint(
                        key: MetricKey(namespace: "App", name: "After"),
                        sample: MetricSample(timestamp: 3_000, unit: "Count", value: 1)
                    )
                ])
                let after = try await store.samples(of: MetricKey(namespace: "App", name: "After"), start: 0, end: 10_000)
                #expect(after.count == 1)
            } catch {
                await store.close()
                throw error
            }
            await store.close()
        }
    }
}
