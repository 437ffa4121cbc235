import Foundation
import WharfModel

/// How a deployment moves production traffic from the running revision (blue) to the new one
/// (green) behind a load balancer: ECS's BLUE_GREEN, LINEAR and CANARY strategies. Green runs
/// beside blue at full size, then takes the traffic all at once (BLUE_GREEN), in equal steps
/// (LINEAR) or a first share then the rest (CANARY); blue stays through the bake time, then stops.
public enum TrafficShift: Equatable, Sendable {
    case blueGreen
    /// `stepPercent` more of the traffic every `stepBakeSeconds`.
    case linear(stepPercent: Double, stepBakeSeconds: Double)
    /// `percent` of the traffic for `bakeSeconds`, then the rest.
    case canary(percent: Double, bakeSeconds: Double)

    /// The share of production traffic green takes first.
    public var firstPercent: Double {
        switch self {
        case .blueGreen: 100
        case .linear(let step, _): min(100, step)
        case .canary(let percent, _): min(100, percent)
        }
    }

    /// The share after `percent`, and how long green holds `percent` before it.
    public func next(after percent: Double) -> (percent: Double, wait: Double) {
        switch self {
        case .blueGreen: (100, 0)
        case .linear(let step, let bake): (min(100, percent + step), bake)
        case .canary(_, let bake): (100, bake)
        }
    }

    /// The strategy's name in ECS (`deploymentConfiguration.strategy`).
    public var name: String {
        switch self {
        case .blueGreen: "BLUE_GREEN"
        case .linear: "LINEAR"
        case .canary: "CANARY"
        }
    }
}

/// A lifecycle stage of a blue/green, linear or canary deployment, as DescribeServiceDeployments
/// names it.
public enum LifecycleStage: String, Codable, Sendable, Comparable {
    case reconcileService = "RECONCILE_SERVICE"
    case preScaleUp = "PRE_SCALE_UP"
    case scaleUp = "SCALE_UP"
    case postScaleUp = "POST_SCALE_UP"
    case testTrafficShift = "TEST_TRAFFIC_SHIFT"
    case postTestTrafficShift = "POST_TEST_TRAFFIC_SHIFT"
    case productionTrafficShift = "PRODUCTION_TRAFFIC_SHIFT"
    case postProductionTrafficShift = "POST_PRODUCTION_TRAFFIC_SHIFT"
    case bakeTime = "BAKE_TIME"
    case cleanUp = "CLEAN_UP"

    /// The stages in the order a deployment goes through them.
    public static let order: [LifecycleStage] = [
        .reconcileService, .preScaleUp, .scaleUp, .postScaleUp, .testTrafficShift, .postTestTrafficShift,
        .productionTrafficShift, .postProductionTrafficShift, .bakeTime, .cleanUp,
    ]

    public static func < (a: LifecycleStage, b: LifecycleStage) -> Bool {
        (order.firstIndex(of: a) ?? 0) < (order.firstIndex(of: b) ?? 0)
    }

    /// The stage after this one; the last is its own.
    public var next: LifecycleStage {
        guard let index = Self.order.firstIndex(of: self), index + 1 < Self.order.count else { return self }
        return Self.order[index + 1]
    }
}

/// A blue/green (linear, canary) deployment in progress, kept in its service's record: which
/// deployment is green, which serve production (blue), the stage it is at and how much of the
/// production traffic green takes.
public struct BlueGreenState: Codable, Equatable, Sendable {
    /// The green deployment (an `ecs-svc/…` ID): its tasks are in the target groups that do not
    /// serve production, until it completes.
    public var green: String
    /// The deployments whose tasks serve production while green comes up.
    public var blue: [String]
    public var stage: LifecycleStage
    /// When it reached its stage (epoch seconds).
    public var stageSince: Double
    /// The share of production traffic green takes, 0 to 100.
    public var percent: Double
    /// When the next share of traffic moves (LINEAR, CANARY), or the bake time ends (epoch seconds).
    public var waitUntil: Double?
    /// Set once the deployment failed and traffic went back to blue: green's tasks are stopped,
    /// then the state is dropped.
    public var rolledBack: Bool
    /// How many of blue's tasks ran when the deployment began: blue is kept at that count until
    /// CLEAN_UP, so that it can take all the traffic back.
    public var blueCount: Int?

    /// Creates the state of a deployment that starts scaling green up.
    public init(green: String, blue: [String], now: Double) {
        self.green = green
        self.blue = blue
        self.stage = .scaleUp
        self.stageSince = now
        self.percent = 0
        self.waitUntil = nil
        self.rolledBack = false
    }

    /// Which of a service's two sets of target groups a task of `deployment` is registered in:
    /// the production set (each load balancer's `targetGroupArn`, or its alternate after an odd
    /// number of completed deployments), the other one, or none (a deployment a newer one
    /// replaced before it took traffic).
    public static func targetSet(
        of deployment: String?,
        state: BlueGreenState?
    ) -> TargetSet? {
        guard let state else { return .production }
        if deployment == state.green { return .other }
        // After a rollback only green, draining, is on the other side: whatever runs now serves.
        if state.rolledBack { return .production }
        return deployment.map(state.blue.contains) == true ? .production : nil
    }

    /// The production or the other set of a service's target groups.
    public enum TargetSet: Sendable {
        case production
        case other
    }
}

/// The alternate target group and the listener rules of a service's load balancer in blue/green
/// deployments (ECS's `advancedConfiguration`).
public struct AlternateTarget: Codable, Equatable, Sendable {
    /// The 16 hex digits that end the alternate target group's ARN.
    public var alternateTargetGroupID: String
    /// The listener rule (application load balancer) or listener (network) that forwards
    /// production traffic, by ARN, as given.
    public var productionListenerRule: String
    /// The one that forwards test traffic, if any.
    public var testListenerRule: String?
    /// The IAM role ECS would use to change the load balancer; kept and shown.
    public var roleArn: String

    /// Creates one.
    public init(
        alternateTargetGroupID: String,
        productionListenerRule: String,
        testListenerRule: String?,
        roleArn: String
    ) {
        self.alternateTargetGroupID = alternateTargetGroupID
        self.productionListenerRule = productionListenerRule
        self.testListenerRule = testListenerRule
        self.roleArn = roleArn
    }
}
