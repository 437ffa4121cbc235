import Foundation
import WharfProtocol
import WharfState

/// A node's container engine health as its agent last reported it, and when the controller heard.
public struct HeardRuntimeHealth: Equatable, Sendable {
    /// The agent's report.
    public var report: RuntimeHealth
    /// When the sync that carried it arrived.
    public var heard: Date

    public init(report: RuntimeHealth, heard: Date) {
        self.report = report
        self.heard = heard
    }
}

extension Controller {
    /// Keeps what a sync reports of the node's container engine (memory only: after a restart a
    /// node is INITIALIZING until its next sync).
    func recordRuntimeHealth(_ request: SyncRequest, instance: InstanceID) {
        guard let report = request.runtimeHealth else { return }
        runtimeHealth[instance] = HeardRuntimeHealth(report: report, heard: now())
    }

    /// The container engine health each node last reported.
    public func runtimeHealthReports() -> [InstanceID: HeardRuntimeHealth] {
        runtimeHealth
    }
}
