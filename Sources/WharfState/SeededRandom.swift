/// A small, fast, seedable generator (SplitMix64). Everything the state decides at random, IDs and
/// placement tiebreaks, is drawn from one, so a test that fixes the seed gets the same IDs and the
/// same placements every run.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose sequence `seed` fixes.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A new task ID.
    public mutating func taskID() -> TaskID { .random(using: &self) }

    /// A new container instance ID.
    public mutating func instanceID() -> InstanceID { .random(using: &self) }

    /// A new container ID.
    public mutating func containerID() -> ContainerID { .random(using: &self) }

    /// A new UUID in its usual lowercase form (service event IDs).
    public mutating func uuid() -> String { ContainerID.random(using: &self).description }

    /// A deployment ID in ECS's form: `ecs-svc/` and 19 digits.
    public mutating func deploymentID() -> String {
        "ecs-svc/" + String(UInt64.random(in: 1_000_000_000_000_000_000...9_999_999_999_999_999_999, using: &self))
    }
}
