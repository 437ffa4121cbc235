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

    /// The networks made so far, by name.
    public var networks: [String: TaskNetworkSpec] { state.withLock { $0.networks } }
}
