import Logging
import ServiceLifecycle

/// Runs the service scheduler: a round after every stored change (a task reported, an instance
/// joined or drained, a service updated) over the services the change concerns, and a round over
/// every service at least every `sweep`, so throttled launches and health-check grace periods
/// are picked up without a change. A round is carried out in writes of at most `launchesPerWrite`
/// new tasks and `tasksPerWrite` tasks looked at, each in the writer's scheduler lane, so requests
/// and reports are stored between them and none waits behind a whole round of thousands of
/// launches. Rounds are at least `spacing` apart, and twice as long apart as the last round took
/// to compute (its waits for the writer and its commits do not count: under load they grew the
/// gaps to seconds): a burst of agent reports is planned in a few rounds rather than one round
/// per report. Stops on graceful shutdown.
struct ServiceSchedulerService: Service {
    let controller: Controller
    let sweep: Duration
    let logger: Logger
    var metrics: ControllerMetrics?
    var spacing: Duration = .milliseconds(20)
    /// The most tasks one write of a round starts; the round goes on in the next write.
    var launchesPerWrite = 1000
    /// The most tasks of the services it plans one write looks at (but all of the first's).
    var tasksPerWrite = 5000

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastFull = ContinuousClock.now - sweep
            var computing = Duration.zero
            var cursor: String?
            var full = false
            while !Task.isCancelled {
                do {
                    let started = ContinuousClock.now
                    if cursor == nil {
                        full = started - lastFull >= sweep
                        if full { lastFull = started }
                        computing = .zero
                    }
                    let round = try await controller.scheduleServices(
                        onlyChanged: !full,
                        launchBudget: launchesPerWrite,
                        from: cursor,
                        taskBudget: tasksPerWrite
                    )
                    cursor = round.resumeAt
                    computing += round.computeTime
                    metrics?.schedulerRound(round, duration: ContinuousClock.now - started)
                    if round.started + round.stopped > 0 {
                        logger.debug(
                            "service scheduler round",
                            metadata: [
                                "tasks.started": "\(round.started)", "tasks.stopped": "\(round.stopped)",
                                "services.planned": "\(round.evaluated.count)", "round.full": "\(full)",
                                "round.compute": "\(round.computeTime)",
                                "round.total": "\(ContinuousClock.now - started)",
                                "round.resumes": "\(cursor != nil)",
                            ]
                        )
                    }
                    if cursor != nil { continue }
                } catch {
                    cursor = nil
                    logger.error("a service scheduler round failed; retrying", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                }
                try? await Task.sleep(for: min(max(spacing, computing * 2), sweep))
                await controller.waitForSchedulingWork(timeout: sweep)
            }
        }
    }
}
