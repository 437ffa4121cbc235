import Foundation
import Synchronization
import WharfModel
import WharfState

extension Controller {
    /// Runs one round of the service scheduler as a write, so its decisions are stored before
    /// anyone sees them. The write queues in the scheduler's own lane: it waits for the requests
    /// queued before it, and then for at most one batch of reports (``PendingWrites``).
    /// - Parameter onlyChanged: plan only the services whose tasks, record, cluster or instances
    ///   changed since their last plan (a round after a change); otherwise also every service that
    ///   is not quiet (a round that sees time pass: health-check grace periods, throttled
    ///   launches, bake times). A quiet service (``ServiceInputs/isQuiet``) waits for a change.
    /// - Parameter launchBudget: the most tasks one write starts
    ///   (``ClusterState/scheduleServices(now:seed:evaluated:launchBudget:from:taskBudget:targetHealth:)``).
    /// - Parameters:
    ///   - cursor: where the write before, of the same round, left off (its ``ServiceRound/resumeAt``).
    ///   - taskBudget: the most tasks of the planned services the write looks at.
    @discardableResult
    public func scheduleServices(
        onlyChanged: Bool = false,
        launchBudget: Int = .max,
        from cursor: String? = nil,
        taskBudget: Int = .max
    ) async throws -> ServiceRound {
        let seed = nextSeed()
        let evaluated = onlyChanged ? lastEvaluated : lastEvaluated.filter(\.value.isQuiet)
        let computed = Mutex(Duration.zero)
        let health = observedTargetHealth()
        var round = try await write(lane: .scheduler) { state, now in
            let started = ContinuousClock.now
            let outcome = state.scheduleServices(
                now: now,
                seed: seed,
                evaluated: evaluated,
                launchBudget: launchBudget,
                from: cursor,
                taskBudget: taskBudget,
                targetHealth: health
            )
            computed.withLock { $0 = ContinuousClock.now - started }
            return outcome
        }
        round.computeTime = computed.withLock { $0 }
        if onlyChanged {
            lastEvaluated.merge(round.evaluated) { _, new in new }
        } else {
            // Services gone since are forgotten: those in the part of the ARN order this write
            // went through that it neither planned nor left out.
            let resume = round.resumeAt
            lastEvaluated = lastEvaluated.filter { arn, inputs in
                let visited = (cursor.map { arn >= $0 } ?? true) && (resume.map { arn < $0 } ?? true)
                return !visited || (round.leftOut.contains(arn) && inputs.isQuiet)
            }
            .merging(round.evaluated) { _, new in new }
        }
        for arn in round.replan { lastEvaluated[arn] = nil }
        return round
    }

    /// Forgets STOPPED tasks and INACTIVE services that have been so for longer than `retention`,
    /// up to `limit` of each in one write (see ``ClusterState/expire(before:loadedAt:limit:)``).
    @discardableResult
    public func expire(retention: Duration, limit: Int = 5000) async throws -> ExpiryCount {
        let loaded = loadedAt
        let seconds = Double(retention.components.seconds) + Double(retention.components.attoseconds) / 1e18
        return try await write(background: true) { state, now in
            state.expire(before: now.addingTimeInterval(-seconds), loadedAt: loaded, limit: limit, now: now)
        }
    }

    /// Waits until a change arrived since the last call, `timeout` passed, or the task is
    /// cancelled.
    func waitForSchedulingWork(timeout: Duration) async {
        if schedulingPending || Task.isCancelled {
            schedulingPending = false
            return
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                schedulingWaiter?.resume()
                schedulingWaiter = continuation
                schedulingTimer?.cancel()
                schedulingTimer = Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    await self?.releaseScheduler()
                }
            }
        } onCancel: {
            Task { await self.releaseScheduler() }
        }
        schedulingPending = false
    }

    /// Notes that the state changed, waking the scheduler if it waits.
    func wakeScheduler() {
        schedulingPending = true
        releaseScheduler()
    }

    private func releaseScheduler() {
        schedulingTimer?.cancel()
        schedulingTimer = nil
        schedulingWaiter?.resume()
        schedulingWaiter = nil
    }
}
