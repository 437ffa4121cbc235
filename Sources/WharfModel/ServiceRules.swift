/// ECS's rules for services, with messages that name the member and what is allowed.
public enum ServiceRules {
    /// Checks what CreateService takes besides the task definition and placement.
    /// - Throws: `InvalidParameterException` naming the member at fault.
    public static func check(_ request: ECS.CreateServiceRequest, strategy: String) throws(ECSError) {
        guard ["REPLICA", "DAEMON"].contains(strategy) else {
            throw ECSError(.invalidParameter, "schedulingStrategy \(strategy) is not valid; use REPLICA or DAEMON")
        }
        if strategy == "REPLICA" {
            guard let desired = request.desiredCount else {
                throw ECSError(.invalidParameter, "desiredCount is required for a REPLICA service: how many tasks to keep running")
            }
            try checkDesiredCount(desired)
        } else {
            if request.desiredCount != nil {
                throw ECSError(.invalidParameter, "desiredCount must not be given for a DAEMON service: it runs one task on every instance that qualifies")
            }
            if !(request.placementStrategy ?? []).isEmpty {
                throw ECSError(.invalidParameter, "placementStrategy is not supported with the DAEMON scheduling strategy")
            }
        }
        try checkSupported(request)
        if let grace = request.healthCheckGracePeriodSeconds, grace < 0 {
            throw ECSError(.invalidParameter, "healthCheckGracePeriodSeconds \(grace) must be 0 or more")
        }
        if let propagate = request.propagateTags, !["TASK_DEFINITION", "SERVICE", "NONE"].contains(propagate) {
            throw ECSError(.invalidParameter, "propagateTags \(propagate) is not valid; use TASK_DEFINITION, SERVICE or NONE")
        }
        if let token = request.clientToken, token.isEmpty || token.count > 36 || !token.allSatisfy(\.isASCII) {
            throw ECSError(.invalidParameter, "clientToken must be 1 to 36 ASCII characters")
        }
        try TagRules.check(request.tags ?? [])
    }

    /// A desired count ECS accepts.
    public static func checkDesiredCount(_ desired: Int) throws(ECSError) {
        guard desired >= 0 else { throw ECSError(.invalidParameter, "desiredCount \(desired) must be 0 or more") }
        guard desired <= 5000 else { throw ECSError(.invalidParameter, "desiredCount \(desired) is above the 5,000 tasks a service may run") }
    }

    /// The deployment configuration a service keeps: `update` merged over `base` (or over ECS's
    /// defaults: 200/100 for REPLICA, 100/0 for DAEMON; the circuit breaker off).
    /// - Throws: `InvalidParameterException` for percentages ECS refuses.
    public static func deploymentConfiguration(_ update: ECS.DeploymentConfiguration?, base: ECS.DeploymentConfiguration?,
                                               daemon: Bool) throws(ECSError) -> ECS.DeploymentConfiguration {
        var merged = base ?? ECS.DeploymentConfiguration(
            deploymentCircuitBreaker: ECS.DeploymentCircuitBreaker(enable: false, rollback: false),
            maximumPercent: daemon ? 100 : 200, minimumHealthyPercent: daemon ? 0 : 100)
        if let update {
            if let breaker = update.deploymentCircuitBreaker {
                guard breaker.enable != nil, breaker.rollback != nil else {
                    throw ECSError(.invalidParameter, "deploymentCircuitBreaker needs both enable and rollback (true or false)")
                }
                merged.deploymentCircuitBreaker = breaker
            }
            merged.maximumPercent = update.maximumPercent ?? merged.maximumPercent
            merged.minimumHealthyPercent = update.minimumHealthyPercent ?? merged.minimumHealthyPercent
            merged.alarms = update.alarms ?? merged.alarms
            merged.strategy = update.strategy ?? merged.strategy
            merged.bakeTimeInMinutes = update.bakeTimeInMinutes ?? merged.bakeTimeInMinutes
            merged.linearConfiguration = update.linearConfiguration ?? merged.linearConfiguration
            merged.canaryConfiguration = update.canaryConfiguration ?? merged.canaryConfiguration
            merged.lifecycleHooks = update.lifecycleHooks ?? merged.lifecycleHooks
            try checkSupported(update)
            // Settings of another strategy do not carry over when the strategy changes.
            if let strategy = update.strategy {
                if strategy == "ROLLING", update.bakeTimeInMinutes == nil { merged.bakeTimeInMinutes = nil }
                if strategy != "LINEAR", update.linearConfiguration == nil { merged.linearConfiguration = nil }
                if strategy != "CANARY", update.canaryConfiguration == nil { merged.canaryConfiguration = nil }
            }
        }
        try checkStrategy(merged, daemon: daemon)
        let maximum = merged.maximumPercent ?? 200
        let minimum = merged.minimumHealthyPercent ?? 100
        guard (0...100).contains(minimum) else {
            throw ECSError(.invalidParameter, "deploymentConfiguration.minimumHealthyPercent \(minimum) must be 0 to 100")
        }
        if daemon {
            guard maximum == 100 else {
                throw ECSError(.invalidParameter, "deploymentConfiguration.maximumPercent \(maximum) is not allowed for a DAEMON service; it must be 100")
            }
        } else {
            guard (100...2000).contains(maximum) else {
                throw ECSError(.invalidParameter, "deploymentConfiguration.maximumPercent \(maximum) must be 100 to 2000")
            }
            guard maximum > minimum else {
                throw ECSError(.invalidParameter, "deploymentConfiguration.maximumPercent (\(maximum)) must be above minimumHealthyPercent (\(minimum)), or no deployment could make progress")
            }
        }
        return merged
    }
}
