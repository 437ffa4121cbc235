import Foundation
import Testing
import WharfModel

@testable import WharfController

/// `/metrics` of a controller that serves several regions: the gauges count every open region.
@Suite("The controller's /metrics across regions")
struct ControllerMetricsTests {
    @Test("the nodes and tasks of every region are counted, not the home region's alone")
    func everyRegion() async throws {
        let home = try await Harness()
        let other = try await Harness()
        _ = try await home.join("node-1")
        _ = try await other.join("node-2")
        _ = try await other.join("node-3")
        let metrics = ControllerMetrics()
        let text = await metrics.exposition(regions: [(home.controller, nil), (other.controller, nil)])
        #expect(text.contains("wharf_container_instances{status=\"ACTIVE\"} 3"), "\(text)")
        let homeOnly = await ControllerMetrics().exposition(regions: [(home.controller, nil)])
        #expect(homeOnly.contains("wharf_container_instances{status=\"ACTIVE\"} 1"), "\(homeOnly)")
    }
}
