import Logging
import ServiceLifecycle

/// Runs the service scheduler: a round after every stored change (a task reported, an instance
/// joined or drained, a service updated) over the services the change concerns, and a round over
/// every service at least every `sweep`, so throttled launches and health-check grace periods
/// are picked up without a change. Rounds are at least `spacing` apart, and twice as long apart
/// as the last round took: a burst of agent reports is planned in a few rounds rather than one
/// round per report, and rounds over a large fleet hold the single writer at most a third of the
/// time, leaving the rest to syncs and API calls. Stops on graceful shutdown.
struct ServiceSchedulerService: Service {
    let controller: Controller
    let sweep: Duration
    let logger: Logger
    var metrics: ControllerMetrics?
    var spacing: Duration = .milliseconds(20)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastFull = ContinuousClock.now - sweep
            var took = Duration.zero
            while !Task.isCancelled {
                do {
                    let started = ContinuousClock.now
                    let full = started - lastFull >= sweep
                    if full { lastFull = started }
                    let round = try await controller.scheduleServices(onlyChanged: !full)
                    took = ContinuousClock.now - started
                    metrics?.schedulerRound(round, duration: took)
                    if round.started + round.stopped > 0 {
                        logger.debug("service scheduler round", metadata: ["tasks.started": "\(round.started)", "tasks.stopped": "\(round.stopped)"])
                    }
                } catch {
                    logger.error("a service scheduler round failed; retrying", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                }
                try? await Task.sleep(for: min(max(spacing, took * 2), sweep))
                await controller.waitForSchedulingWork(timeout: sweep)
            }
        }
    }
}
