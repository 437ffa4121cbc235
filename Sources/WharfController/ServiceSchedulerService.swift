import Logging
import ServiceLifecycle

/// Runs the service scheduler: a round after every stored change (a task reported, an instance
/// joined or drained, a service updated) and at least every `sweep`, so throttled launches and
/// health-check grace periods are picked up without a change. Stops on graceful shutdown.
struct ServiceSchedulerService: Service {
    let controller: Controller
    let sweep: Duration
    let logger: Logger
    var metrics: ControllerMetrics?

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let started = ContinuousClock.now
                    let round = try await controller.scheduleServices()
                    metrics?.schedulerRound(round, duration: ContinuousClock.now - started)
                    if round.started + round.stopped > 0 {
                        logger.debug("service scheduler round", metadata: ["tasks.started": "\(round.started)", "tasks.stopped": "\(round.stopped)"])
                    }
                } catch {
                    logger.error("a service scheduler round failed; retrying", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                }
                await controller.waitForSchedulingWork(timeout: sweep)
            }
        }
    }
}
