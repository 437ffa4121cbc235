import Logging
import ServiceLifecycle

/// Runs the service scheduler: a round after every stored change (a task reported, an instance
/// joined or drained, a service updated) over the services the change concerns, and a round over
/// every service at least every `sweep`, so throttled launches and health-check grace periods
/// are picked up without a change. Rounds are at least `spacing` apart, and twice as long apart
/// as the last round took to compute (its wait for the writer and its commit do not count: under
/// load they grew the gaps to seconds): a burst of agent reports is planned in a few rounds rather
/// than one round per report, and rounds over a large fleet hold the writer at most a third of the
/// time, leaving the rest to syncs and API calls. A round starts at most `launchBudget` tasks, so
/// no batch's commit holds the writes behind it for long. Stops on graceful shutdown.
struct ServiceSchedulerService: Service {
    let controller: Controller
    let sweep: Duration
    let logger: Logger
    var metrics: ControllerMetrics?
    var spacing: Duration = .milliseconds(20)
    /// The most tasks one round starts; more wait for the next round, a few milliseconds later.
    var launchBudget = 5000

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastFull = ContinuousClock.now - sweep
            var computing = Duration.zero
            while !Task.isCancelled {
                do {
                    let started = ContinuousClock.now
                    let full = started - lastFull >= sweep
                    if full { lastFull = started }
                    let round = try await controller.scheduleServices(onlyChanged: !full, launchBudget: launchBudget)
                    computing = round.computeTime
                    metrics?.schedulerRound(round, duration: ContinuousClock.now - started)
                    if round.started + round.stopped > 0 {
                        logger.debug(
                            "service scheduler round",
                            metadata: [
                                "tasks.started": "\(round.started)", "tasks.stopped": "\(round.stopped)",
                                "services.planned": "\(round.evaluated.count)", "round.full": "\(full)",
                                "round.compute": "\(round.computeTime)",
                                "round.total": "\(ContinuousClock.now - started)",
                            ]
                        )
                    }
                } catch {
                    logger.error("a service scheduler round failed; retrying", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                }
                try? await Task.sleep(for: min(max(spacing, computing * 2), sweep))
                await controller.waitForSchedulingWork(timeout: sweep)
            }
        }
    }
}
