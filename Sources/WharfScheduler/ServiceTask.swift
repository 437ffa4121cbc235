import WharfModel
import WharfState

/// One task of a service as the service scheduler sees it.
public struct ServiceTask: Equatable, Sendable {
    /// What the task's health checks say.
    public enum Health: Equatable, Sendable {
        /// The definition has no health check: a RUNNING task counts as healthy.
        case none
        /// Checks are defined but have not passed yet.
        case unknown
        case healthy
        case unhealthy
    }

    /// Where the task's container instance stands.
    public enum Instance: Equatable, Sendable {
        /// ACTIVE and its agent connected.
        case usable
        /// DRAINING: its service tasks are replaced elsewhere, then stopped.
        case draining
        /// Its agent has been disconnected past the grace period.
        case lost
        /// Deregistered or unknown.
        case gone
    }

    /// What the service's load balancers' health checks see of the task.
    public enum TargetHealth: Equatable, Sendable {
        /// The service has no load balancer.
        case none
        /// Not registered yet, or its checks have not passed yet.
        case initial
        case healthy
        /// Failing the checks of this target group (its ARN).
        case unhealthy(targetGroup: String)
    }

    public var arn: String
    /// The deployment that started it (the task's `startedBy`).
    public var deployment: String
    /// Its container instance's ARN.
    public var instanceArn: String
    public var instance: Instance
    public var lastStatus: TaskStatus
    public var desiredStatus: DesiredStatus
    public var health: Health
    /// When it reached RUNNING (epoch seconds).
    public var startedAt: Double?
    public var stopCode: TaskStopCode?
    public var stoppedReason: String?
    public var targetHealth: TargetHealth = .none
    /// Protected from scale-in and deployments (UpdateTaskProtection) at the round's moment.
    public var isProtected = false
    /// The capacity provider it was placed for (`capacityProviderName`), if any.
    public var capacityProvider: String?

    /// Creates a task view.
    public init(
        arn: String,
        deployment: String,
        instanceArn: String,
        instance: Instance = .usable,
        lastStatus: TaskStatus,
        desiredStatus: DesiredStatus = .running,
        health: Health = .none,
        startedAt: Double? = nil,
        stopCode: TaskStopCode? = nil,
        stoppedReason: String? = nil
    ) {
        self.arn = arn
        self.deployment = deployment
        self.instanceArn = instanceArn
        self.instance = instance
        self.lastStatus = lastStatus
        self.desiredStatus = desiredStatus
        self.health = health
        self.startedAt = startedAt
        self.stopCode = stopCode
        self.stoppedReason = stoppedReason
    }

    /// Wanted running: not yet asked to stop.
    public var isLive: Bool { desiredStatus == .running && lastStatus != .stopped }
    /// RUNNING, and its health checks (if any) and its load balancers' (if any) pass.
    public var isHealthy: Bool {
        isLive && lastStatus == .running && (health == .none || health == .healthy)
            && (targetHealth == .none || targetHealth == .healthy)
    }
    /// Stopped on its own (it failed to start or its essential container exited), not by the
    /// scheduler or a user.
    public var failed: Bool {
        lastStatus == .stopped && (stopCode == .taskFailedToStart || stopCode == .essentialContainerExited)
    }
    /// The task's ID (the last part of its ARN), as events name it.
    public var id: String { String(arn.split(separator: "/").last ?? "") }
}
