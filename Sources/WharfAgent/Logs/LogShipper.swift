import Logging
import WharfProtocol

/// Sends the ``LogBuffer``'s records to the controller in batches, oldest first, soon after they
/// arrive; while the controller cannot be reached it retries with a growing pause and the
/// records wait on disk.
public struct LogShipper: Sendable {
    let buffer: LogBuffer
    let client: any ControllerClient
    let logger: Logger
    /// How long to wait after new records for more to join the batch.
    let linger: Duration
    let metrics: AgentMetrics?

    public init(buffer: LogBuffer, client: any ControllerClient, logger: Logger, metrics: AgentMetrics? = nil, linger: Duration = .milliseconds(100)) {
        self.metrics = metrics
        self.buffer = buffer
        self.client = client
        self.logger = logger
        self.linger = linger
    }

    /// Ships until cancelled, as `identity` (the instance ARN and credential) allows.
    public func run(identity: @escaping @Sendable () async -> (arn: String, credential: String)?) async {
        var warned: Set<String> = []
        var additions = buffer.additions.makeAsyncIterator()
        // Whatever an earlier run left is shipped at once.
        var pending = true
        var dropped = await buffer.snapshot
        while !Task.isCancelled {
            if !pending {
                guard await additions.next() != nil else { return }
                try? await Task.sleep(for: linger)
            }
            pending = false
            let counters = await buffer.snapshot
            if counters.droppedEvents > dropped.droppedEvents {
                metrics?.logsDropped(events: counters.droppedEvents - dropped.droppedEvents, bytes: counters.droppedBytes - dropped.droppedBytes)
                logger.warning("the log buffer is full; dropped the oldest events", metadata: [
                    "events.dropped": "\(counters.droppedEvents - dropped.droppedEvents)", "buffer.bytes": "\(buffer.maxBytes)"])
                dropped = counters
            }
            if counters.stateWriteFailures > dropped.stateWriteFailures {
                metrics?.stateWriteFailed("log-buffer", count: counters.stateWriteFailures - dropped.stateWriteFailures)
                logger.error(
                    "the log buffer cannot save what was shipped; lines may be shipped again after a restart",
                    metadata: ["error": "\(counters.lastStateWriteError ?? "")"]
                )
                dropped = counters
            }
            var delay: Duration = .milliseconds(250)
            while !Task.isCancelled, let batch = await buffer.nextBatch() {
                guard let (arn, credential) = await identity() else {
                    // Not registered (again) yet: try once more soon.
                    try? await Task.sleep(for: .seconds(1))
                    pending = true
                    break
                }
                let request = LogDeliveryRequest(containerInstanceArn: arn, credential: credential, firstSequence: batch.firstSequence,
                                                 streams: batch.streams)
                do {
                    let response = try await client.deliverLogs(request)
                    await buffer.acknowledge(batch)
                    metrics?.logsShipped(events: batch.lastSequence - batch.firstSequence + 1, bytes: batch.bytes)
                    delay = .milliseconds(250)
                    for group in response.missingGroups where warned.insert(group).inserted {
                        logger.warning("log group does not exist and awslogs-create-group is not true; its events are dropped",
                                       metadata: ["log.group": "\(group)"])
                    }
                } catch where error.code == .invalidRequest {
                    // Refused as it is (too large, a name the controller does not take): retrying
                    // would hold up every line behind it.
                    await buffer.discard(batch)
                    pending = true  // counted as dropped, in the metrics too, at the top of the loop
                    logger.warning("the controller refused a batch of log events; dropped it", metadata: [
                        "events": "\(batch.lastSequence - batch.firstSequence + 1)", "error": "\(error.message)"])
                } catch {
                    if error.isTerminal { return }
                    logger.debug("cannot ship logs yet; retrying", metadata: ["error": "\(error)", "retry.in": "\(delay)"])
                    try? await Task.sleep(for: delay)
                    delay = min(delay * 2, .seconds(5))
                }
            }
        }
    }
}
