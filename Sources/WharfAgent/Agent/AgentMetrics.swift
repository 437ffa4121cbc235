import CoreMetrics
import WharfMetrics

/// What an agent counts, served at `GET /metrics` on its introspection endpoint.
public final class AgentMetrics: Sendable {
    /// The registry behind `/metrics`.
    public let registry = MetricsRegistry(help: [
        "wharf_agent_syncs_total": "Syncs with the controller, by outcome (ok, error).",
        "wharf_agent_container_starts_total": "Containers started.",
        "wharf_agent_container_start_failures_total": "Containers that could not be pulled, created or started, by reason.",
        "wharf_agent_log_events_shipped_total": "Log events the controller acknowledged.",
        "wharf_agent_log_bytes_shipped_total": "Bytes of log messages the controller acknowledged.",
        "wharf_agent_log_events_dropped_total": "Log events dropped from the full on-disk buffer before they were shipped.",
        "wharf_agent_log_bytes_dropped_total": "Bytes dropped from the full on-disk buffer before they were shipped.",
        "wharf_agent_log_buffer_bytes": "Bytes the on-disk log buffer takes.",
        "wharf_agent_tasks": "Tasks on this node, by last status.",
        "wharf_agent_state_write_failures_total": "Failed writes of the agent's files, by file (tasks, log-buffer).",
    ])

    public init() {}

    func sync(ok: Bool) {
        Counter(label: "wharf_agent_syncs_total", dimensions: [("outcome", ok ? "ok" : "error")], factory: registry).increment()
    }

    func containerStarted() {
        Counter(label: "wharf_agent_container_starts_total", factory: registry).increment()
    }

    /// A launch that failed, by the ECS reason's name (`CannotPullContainerError`, ...).
    func containerFailed(reason: String) {
        let name = reason.split(separator: ":").first.map(String.init) ?? "Unknown"
        Counter(label: "wharf_agent_container_start_failures_total", dimensions: [("reason", name)], factory: registry).increment()
    }

    func logsShipped(events: Int, bytes: Int) {
        Counter(label: "wharf_agent_log_events_shipped_total", factory: registry).increment(by: events)
        Counter(label: "wharf_agent_log_bytes_shipped_total", factory: registry).increment(by: bytes)
    }

    func logsDropped(events: Int, bytes: Int) {
        Counter(label: "wharf_agent_log_events_dropped_total", factory: registry).increment(by: events)
        Counter(label: "wharf_agent_log_bytes_dropped_total", factory: registry).increment(by: bytes)
    }

    /// A write of one of the agent's files that failed (`tasks`: tasks.json; `log-buffer`: what
    /// the log buffer shipped).
    func stateWriteFailed(_ file: String, count: Int = 1) {
        Counter(label: "wharf_agent_state_write_failures_total", dimensions: [("file", file)], factory: registry)
            .increment(by: count)
    }

    /// Sets the gauges from the agent's state, then renders everything.
    func exposition(agent: Agent) async -> String {
        // Present from the start, so a scrape shows them at zero.
        Counter(label: "wharf_agent_log_events_dropped_total", factory: registry).increment(by: 0)
        Counter(label: "wharf_agent_log_bytes_dropped_total", factory: registry).increment(by: 0)
        for file in ["tasks", "log-buffer"] { stateWriteFailed(file, count: 0) }
        let statuses = await agent.taskSnapshot.map(\.lastStatus)
        for status in ["PROVISIONING", "PENDING", "RUNNING", "STOPPING", "STOPPED"] {
            Gauge(label: "wharf_agent_tasks", dimensions: [("last_status", status)], factory: registry).record(statuses.filter { $0 == status }.count)
        }
        if let buffer = await agent.logBuffer {
            Gauge(label: "wharf_agent_log_buffer_bytes", factory: registry).record(await buffer.storedBytes)
        }
        return registry.exposition()
    }
}
