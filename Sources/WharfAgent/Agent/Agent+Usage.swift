import WharfProtocol

/// What the containers use, sampled from the engine's stats and reported with each sync.
extension Agent {
    /// The containers whose output goes to the controller (`awslogs`).
    public func logSources() -> [LogSource] {
        tasks.values.sorted { $0.arn < $1.arn }.flatMap(\.logSources)
    }

    /// Keeps the buffer of container output, for `/metrics`.
    func attach(_ buffer: LogBuffer) {
        logBuffer = buffer
    }

    /// The instance ARN and credential, once registered.
    public func shippingIdentity() -> (arn: String, credential: String)? {
        identity.map { ($0.containerInstanceArn, $0.credential) }
    }

    /// Takes a stats sample of every running container and keeps its CPU (ECS units, since the
    /// previous sample) and memory for the next sync.
    public func sampleUsage() async {
        let running = Set(tasks.values.flatMap { task in task.containers.filter { $0.phase == .running }.compactMap(\.runtimeId) })
        for id in running.sorted() {
            guard let sample = try? await runtime.stats(id: id) else { continue }
            if let previous = lastSamples[id], sample.readAt > previous.readAt, sample.cpuNanos >= previous.cpuNanos {
                let cpu = Double(sample.cpuNanos - previous.cpuNanos) / ((sample.readAt - previous.readAt) * 1_000_000_000) * 1024
                usage[id] = ContainerUsage(cpuUnits: (cpu * 10).rounded() / 10, memoryMiB: (Double(sample.memoryBytes) / 1_048_576 * 10).rounded() / 10,
                                           sampledAt: sample.readAt)
            } else if usage[id] == nil {
                usage[id] = ContainerUsage(cpuUnits: 0, memoryMiB: (Double(sample.memoryBytes) / 1_048_576 * 10).rounded() / 10, sampledAt: sample.readAt)
            }
            lastSamples[id] = sample
        }
        for id in Set(lastSamples.keys).subtracting(running) {
            lastSamples[id] = nil
            usage[id] = nil
        }
    }
}
