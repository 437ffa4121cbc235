import Foundation
import WharfModel

extension Controller {
    /// Runs one round of the service scheduler as a write, so its decisions are stored before
    /// anyone sees them.
    @discardableResult
    public func scheduleServices() async throws -> ServiceRound {
        let seed = nextPlacementSeed()
        return try await write { state, now in state.scheduleServices(now: now, seed: seed) }
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
