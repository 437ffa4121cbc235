import CoreMetrics
import WharfMetrics
import WharfModel
import WharfState
import WharfStore

/// What the controller counts, served at `GET /metrics` in Prometheus' text format. Counters and
/// timers move as work happens; the gauges (agents, tasks, stored logs) are set from the state at
/// each scrape.
public final class ControllerMetrics: Sendable {
    /// The registry behind `/metrics`.
    public let registry = MetricsRegistry(help: [
        "wharf_api_requests_total": "API calls (ECS, CloudWatch Logs, SSM, admin) by operation and outcome (ok, client_error, server_error).",
        "wharf_api_request_duration_seconds": "Time to answer an API call, by operation.",
        "wharf_agent_syncs_total": "Agent syncs received, by outcome.",
        "wharf_agent_sync_duration_seconds": "Time to authenticate and record an agent's sync report (before any long poll).",
        "wharf_agents_connected": "Container instances whose agent is connected.",
        "wharf_container_instances": "Registered container instances, by status.",
        "wharf_tasks": "Tasks the controller knows, by last status.",
        "wharf_scheduler_decisions_total": "Tasks the service scheduler started or stopped, by action.",
        "wharf_scheduler_round_duration_seconds": "Time of one service scheduler round.",
        "wharf_log_events_ingested_total": "Log events stored, from agents and PutLogEvents.",
        "wharf_log_bytes_ingested_total": "Bytes of log messages stored.",
        "wharf_log_stored_bytes": "Bytes the stored log events take, as CloudWatch Logs counts them.",
        "wharf_store_operation_duration_seconds":
            "Time of one read of the whole state (load) or one write transaction, by store.",
        "wharf_leader": "1 while this controller leads (always, on SQLite), 0 while it follows.",
        "wharf_leadership_changes_total":
            "Times this controller took the lead or lost it, by event (acquired, lost, resigned).",
    ])

    public init() {}

    /// One answered API call.
    func apiCall(operation: String, status: Int, duration: Duration) {
        let outcome = status < 400 ? "ok" : (status < 500 ? "client_error" : "server_error")
        Counter(label: "wharf_api_requests_total", dimensions: [("operation", operation), ("outcome", outcome)], factory: registry).increment()
        Timer(label: "wharf_api_request_duration_seconds", dimensions: [("operation", operation)], factory: registry)
            .recordNanoseconds(duration.nanoseconds)
    }

    /// One agent sync, recorded or refused.
    func sync(outcome: String, duration: Duration) {
        Counter(label: "wharf_agent_syncs_total", dimensions: [("outcome", outcome)], factory: registry).increment()
        Timer(label: "wharf_agent_sync_duration_seconds", factory: registry).recordNanoseconds(duration.nanoseconds)
    }

    /// One service scheduler round.
    func schedulerRound(_ round: ServiceRound, duration: Duration) {
        if round.started > 0 {
            Counter(label: "wharf_scheduler_decisions_total", dimensions: [("action", "start")], factory: registry).increment(by: round.started)
        }
        if round.stopped > 0 {
            Counter(label: "wharf_scheduler_decisions_total", dimensions: [("action", "stop")], factory: registry).increment(by: round.stopped)
        }
        Timer(label: "wharf_scheduler_round_duration_seconds", factory: registry).recordNanoseconds(duration.nanoseconds)
    }

    /// One store operation.
    func storeOperation(_ store: String, _ operation: String, duration: Duration) {
        Timer(
            label: "wharf_store_operation_duration_seconds",
            dimensions: [("store", store), ("operation", operation)],
            factory: registry
        ).recordNanoseconds(duration.nanoseconds)
    }

    /// Whether this controller leads now.
    func leading(_ leads: Bool) {
        Gauge(label: "wharf_leader", factory: registry).record(leads ? 1 : 0)
    }

    /// A change of leadership: `acquired`, `lost` or `resigned`.
    func leadershipChange(_ event: String) {
        Counter(label: "wharf_leadership_changes_total", dimensions: [("event", event)], factory: registry).increment()
    }

    /// Log events stored.
    func logsIngested(events: Int, bytes: Int) {
        guard events > 0 else { return }
        Counter(label: "wharf_log_events_ingested_total", factory: registry).increment(by: events)
        Counter(label: "wharf_log_bytes_ingested_total", factory: registry).increment(by: bytes)
    }

    /// Sets the gauges from every region's state (summed: the counters count every region's work
    /// too), then renders everything.
    func exposition(regions: [(controller: Controller, logs: LogStore?)]) async -> String {
        var connected = 0
        var instances: [InstanceStatus: Int] = [:]
        var tasks: [TaskStatus: Int] = [:]
        var storedBytes: Int?
        for (controller, logs) in regions {
            let counted = await controller.read { state in
                var connected = 0
                var instances: [InstanceStatus: Int] = [:]
                var tasks: [TaskStatus: Int] = [:]
                for record in state.instances.all {
                    instances[record.status, default: 0] += 1
                    if record.agentConnected { connected += 1 }
                }
                for record in state.tasks.all { tasks[record.lastStatus, default: 0] += 1 }
                return (connected, instances, tasks)
            }
            connected += counted.0
            instances.merge(counted.1, uniquingKeysWith: +)
            tasks.merge(counted.2, uniquingKeysWith: +)
            if let logs { storedBytes = (storedBytes ?? 0) + (await logs.totalStoredBytes) }
        }
        Gauge(label: "wharf_agents_connected", factory: registry).record(connected)
        for status in [InstanceStatus.active, .draining, .inactive, .registering, .deregistering] {
            Gauge(label: "wharf_container_instances", dimensions: [("status", status.rawValue)], factory: registry)
                .record(instances[status] ?? 0)
        }
        for status in TaskStatus.allCases where status != .deleted {
            Gauge(label: "wharf_tasks", dimensions: [("last_status", status.rawValue)], factory: registry).record(tasks[status] ?? 0)
        }
        if let storedBytes { Gauge(label: "wharf_log_stored_bytes", factory: registry).record(storedBytes) }
        return registry.exposition()
    }
}

extension Duration {
    /// The duration in whole nanoseconds.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
