/// What running containers use, as Wharf's agents last sampled it: the `utilization` member the
/// controller adds beside ECS's members of tasks, services and container instances when a request
/// carries `X-Wharf-Include: utilization`.
struct Usage: Codable, Equatable, Sendable {
    /// CPU in ECS units (1024 per core).
    var cpuUnits: Double?
    /// Memory in MiB.
    var memoryMiB: Double?
    /// How many containers were sampled.
    var containers: Int?
}
