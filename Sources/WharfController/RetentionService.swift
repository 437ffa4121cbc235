import Logging
import ServiceLifecycle

/// Forgets STOPPED tasks and INACTIVE services once they have been so for the retention
/// (`--task-retention`, one hour by default, as ECS keeps them), so memory, `wharf.db` and every
/// listing stay bounded however many tasks come and go. Checks every quarter of the retention
/// (between 1 s and 1 min), and at once again while a pass found a full batch. Stops on graceful
/// shutdown.
struct RetentionService: Service {
    let controller: Controller
    let retention: Duration
    let logger: Logger
    var batch = 5000
    /// How many tasks a pass must forget before the allocator is trimmed after it.
    static let trimAfter = 1000

    func run() async throws {
        let interval = min(max(retention / 4, .seconds(1)), .seconds(60))
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let expired = try await controller.expire(retention: retention, limit: batch)
                    if expired.tasks + expired.services + expired.taskDefinitions + expired.secrets > 0 {
                        logger.debug(
                            "forgot expired records",
                            metadata: [
                                "tasks": "\(expired.tasks)", "services": "\(expired.services)",
                                "task_definitions": "\(expired.taskDefinitions)", "secrets": "\(expired.secrets)",
                            ]
                        )
                    }
                    if expired.tasks == batch || expired.services == batch { continue }
                    // Back to the system, once enough was forgotten to be worth it: a trim walks
                    // every free block of the heap, holding each arena while it does.
                    if expired.tasks >= Self.trimAfter { AllocatorTrim.run() }
                } catch {
                    logger.error("could not forget expired records; retrying", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
