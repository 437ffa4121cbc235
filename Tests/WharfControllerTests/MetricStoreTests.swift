import Foundation
import Logging
import Testing
import WharfMonitoring
import WharfStore

/// The metric database: samples in and out by metric and time, all or nothing, kept across a
/// reopen, deleted past the retention.
@Suite("SQLiteMetricStore")
struct MetricStoreTests {
    func withStore(_ body: (String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory.appendingPathComponent("metrics.db").path)
    }

    @Test("samples come back by metric and time range, after a reopen too, and go past the retention")
    func roundTrip() async throws {
        try await withStore { path in
            let logger = Logger(label: "test")
            let latency = MetricKey(
                namespace: "App",
                name: "Latency",
                dimensions: [MetricDimension(name: "Service", value: "web")]
            )
            let requests = MetricKey(namespace: "App", name: "Requests")
            var store = try await SQLiteMetricStore.open(path: path, logger: logger)
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
            store = try await SQLiteMetricStore.open(path: path, logger: logger)
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
}
