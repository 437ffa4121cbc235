import Foundation
import Synchronization
import WharfModel
import WharfState

extension Controller {
    /// Runs one round of the service scheduler: decides it on a copy of the state, away from the
    /// writer, then carries it out as a write, so its decisions are stored before anyone sees them.
    /// Requests go on being served while a round is decided; each waits at most for the write
    /// that carries a round out, which checks the plans against the state as it is by then
    /// (``ClusterState/applyRound(_:now:)``).
    /// - Parameter onlyChanged: plan only the services whose tasks, record, cluster or instances
    ///   changed since their last plan (a round after a change); otherwise every service (a round
    ///   that also sees time pass: health-check grace periods, throttled launches).
    /// - Parameter launchBudget: the most tasks one round starts
    ///   (``ClusterState/scheduleServices(now:seed:evaluated:launchBudget:targetHealth:)``).
    @discardableResult
    public func scheduleServices(onlyChanged: Bool = false, launchBudget: Int = .max) async throws -> ServiceRound {
        let seed = nextSeed()
        let evaluated = onlyChanged ? lastEvaluated : [:]
        let health = observedTargetHealth()
        let deciding = ContinuousClock.now
        let plan = await Self.planRound(
            inspect { $0 },
            now: now(),
            seed: seed,
            evaluated: evaluated,
            launchBudget: launchBudget,
            targetHealth: health
        )
        let decided = ContinuousClock.now - deciding
        let applying = Mutex(Duration.zero)
        var round = try await write { state, now in
            let started = ContinuousClock.now
            let outcome = state.applyRound(plan, now: now)
            applying.withLock { $0 = ContinuousClock.now - started }
            return outcome
        }
        round.computeTime = decided + applying.withLock { $0 }
        if onlyChanged {
            lastEvaluated.merge(round.evaluated) { _, new in new }
        } else {
            lastEvaluated = round.evaluated
        }
        for arn in round.replan { lastEvaluated[arn] = nil }
        return round
    }

    /// Decides a round on `state`, a copy that the writer's later changes do not reach, on the
    /// global executor.
    @concurrent
    private static func planRound(
        _ state: ClusterState,
        now: Date,
        seed: UInt64,
        evaluated: [String: ServiceInputs],
        launchBudget: Int,
        targetHealth: [TargetKey: ObservedHealth]
    ) async -> ServiceRoundPlan {
        state.planRound(
            now: now,
            seed: seed,
            evaluated: evaluated,
            launchBudget: launchBudget,
            targetHealth: targetHealth
        )
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
