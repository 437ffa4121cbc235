import Synchronization
import WharfAgent

extension FakeRuntime {
    /// Keeps the network by name; one of that name with another subnet is replaced.
    public func ensureTaskNetwork(_ network: TaskNetworkSpec) async throws(RuntimeError) {
        try state.withLock { state throws(RuntimeError) in
            try state.record(.ensureTaskNetwork(network), .ensureTaskNetwork)
            state.networks[network.name] = network
        }
    }

    /// Makes the image present.
    public func importImage(_ reference: String, rootfs: [UInt8], command: [String]) async throws(RuntimeError) {
        try state.withLock { state throws(RuntimeError) in
            try state.record(.importImage(reference, command: command), .importImage)
            state.images[reference] = .present
        }
    }

    /// The gateway of a network made by ``ensureTaskNetwork(_:)``; `172.17.0.1` for `bridge`.
    public func networkGateway(_ name: String) async throws(RuntimeError) -> String? {
        state.withLock { state in name == "bridge" ? "172.17.0.1" : state.networks[name]?.gateway }
    }

    /// A stats document in the engine's shape, from what ``stats(id:)`` answers.
    public func statsDocument(id: String) async throws(RuntimeError) -> [UInt8] {
        let sample = try await stats(id: id)
        return Array(
            """
            {"cpu_stats":{"cpu_usage":{"total_usage":\(sample.cpuNanos)}},\
            "memory_stats":{"usage":\(sample.memoryBytes)}}
            """.utf8)
    }

    /// The networks made so far, by name.
    public var networks: [String: TaskNetworkSpec] { state.withLock { $0.networks } }
}
