import Foundation
import Logging
import Testing
import WharfModel
import WharfMonitoring
import WharfStore

@testable import WharfController

/// What DescribeScalingActivities shows of the activities the metric database keeps (the store
/// itself is tested in WharfStoreTests, on SQLite and on PostgreSQL).
@Suite("Scaling activities from the metric store")
struct ScalingActivitiesTests {
    func withStore(_ body: (String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory.appendingPathComponent("metrics.db").path)
    }

    @Test("scaling activities keep their not scaled reasons across a reopen; only asked-for ones are shown")
    func notScaledActivities() async throws {
        try await withStore { path in
            let logger = Logger(label: "test")
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
            var store = try await MetricStore.open(path: path, logger: logger)
            try await store.appendActivities([
                activity("a", at: 1_000, reasons: nil), activity("b", at: 2_000, reasons: blocked),
            ])
            await store.close()
            store = try await MetricStore.open(path: path, logger: logger)
            let rows = try await store.activities(resourceId: "service/lab/web")
            #expect(rows.map(\.activity.activityId) == ["b", "a"])
            #expect(rows.first?.activity.notScaledReasons == blocked)
            #expect(rows.last?.activity.notScaledReasons == nil)
            await store.close()

            func shown(_ include: Bool?) throws -> [String] {
                let request = ApplicationAutoScaling.DescribeScalingActivitiesRequest(
                    serviceNamespace: "ecs",
                    includeNotScaledActivities: include
                )
                let response = try AutoScalingOperations.activities(rows, request: request)
                return (response.scalingActivities ?? []).map { activity in
                    let codes = (activity.notScaledReasons ?? []).compactMap(\.code)
                    return ([activity.activityId ?? "?"] + codes).joined(separator: " ")
                }
            }
            #expect(try shown(nil) == ["a"])
            #expect(try shown(false) == ["a"])
            #expect(try shown(true) == ["b AlreadyAtMaxCapacity", "a"])
        }
    }
}
