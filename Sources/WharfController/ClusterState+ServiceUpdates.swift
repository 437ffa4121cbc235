import Foundation
import WharfModel
import WharfMonitoring
import WharfState
import WharfScheduler

extension ClusterState {
    /// UpdateService: a new desired count takes effect at once; a new task definition, a new
    /// network configuration or `forceNewDeployment` starts a deployment, which the scheduler rolls
    /// out within the deployment configuration.
    public func updateService(
        _ request: ECS.UpdateServiceRequest,
        now: Date,
        deploymentID: String
    ) throws(ECSError) -> Outcome<ECS.UpdateServiceResponse> {
        let name = try activeCluster(request.cluster).name
        var record = try activeService(request.service, cluster: name)
        let before = record
        try ServiceRules.checkSupported(request)
        try Self.checkController(request, of: record)
        let daemon = record.isDaemon
        if let desired = request.desiredCount {
            guard !daemon else {
                throw ECSError(
                    .invalidParameter,
                    "desiredCount cannot be set on a DAEMON service: it runs one task on every instance that qualifies"
                )
            }
            try ServiceRules.checkDesiredCount(desired)
            record.desiredCount = desired
        }
        let configuration = try ServiceRules.deploymentConfiguration(
            request.deploymentConfiguration,
            base: record.deploymentConfiguration.ecs,
            daemon: daemon
        )
        record.deploymentConfiguration = try deploymentSettings(configuration, daemon: daemon)
        if record.isExternal { try Self.checkControllerStrategy(configuration) }
        if let constraints = request.placementConstraints { record.placementConstraints = constraints }
        if let strategy = request.placementStrategy {
            guard !daemon || strategy.isEmpty else {
                throw ECSError(
                    .invalidParameter,
                    "placementStrategy is not supported with the DAEMON scheduling strategy"
                )
            }
            record.placementStrategy = strategy
        }
        _ = try Placement(strategies: record.placementStrategy, constraints: record.placementConstraints, seed: 0)
        if let grace = request.healthCheckGracePeriodSeconds {
            guard grace >= 0 else {
                throw ECSError(.invalidParameter, "healthCheckGracePeriodSeconds \(grace) must be 0 or more")
            }
            record.healthCheckGracePeriodSeconds = grace
        }
        if let propagate = request.propagateTags {
            guard let value = PropagateTags(rawValue: propagate) else {
                throw ECSError(
                    .invalidParameter,
                    "propagateTags \(propagate) is not valid; use TASK_DEFINITION, SERVICE or NONE"
                )
            }
            record.propagateTags = value
        }
        if let managed = request.enableECSManagedTags { record.enableECSManagedTags = managed }
        // As in ECS, tasks started from now on have it; forceNewDeployment replaces the running ones.
        if let exec = request.enableExecuteCommand { record.enableExecuteCommand = exec }
        if let given = request.loadBalancers {
            try updateAlternates(&record, given: given)
        }
        try Self.checkTrafficShift(record, before: before)
        if let given = request.serviceRegistries, given != projectServiceRegistries(record) {
            throw ECSError.unsupported(
                "Changing serviceRegistries with UpdateService",
                "a service keeps the registry it was created with; create a new service to change it"
            )
        }
        if record.isExternal {
            // The task sets carry the rest; the scheduler resizes them to the new desired count.
            record.steady = false
            return Outcome(
                ECS.UpdateServiceResponse(service: presentService(record, includeTags: false)),
                [.putService(record)]
            )
        }
        var redeploy = request.forceNewDeployment == true
        if let strategy = request.capacityProviderStrategy, !strategy.isEmpty {
            _ = try serviceLaunch(launchType: nil, strategy: strategy, cluster: clusters[name])
            let items = strategy.map(CapacityProviderStrategyItem.init)
            if items != record.capacityProviderStrategy || record.launchType != nil { redeploy = true }
            record.capacityProviderStrategy = items
            record.launchType = nil
        } else if request.capacityProviderStrategy != nil, let current = record.capacityProviderStrategy {
            // An empty list goes back to the launch type: FARGATE from FARGATE and FARGATE_SPOT,
            // EC2 from the account's own providers. Its tasks run as before, so nothing redeploys.
            record.launchType = Self.launchType(ofStrategy: current)
            record.capacityProviderStrategy = nil
        }
        let launch = Self.launchType(of: record).rawValue
        let key = try request.taskDefinition.map { (reference) throws(ECSError) in
            try serviceTaskDefinition(reference).key
        } ?? record.taskDefinition
        if key != record.taskDefinition { redeploy = true }
        record.taskDefinition = key
        if let network = request.networkConfiguration, network != record.networkConfiguration?.value {
            record.networkConfiguration = Shared(network)
            redeploy = true
        }
        // The launch type and network kept must fit the definition the service now runs. One
        // deleted since (DeleteTaskDefinitions) is checked no more: the service can still be scaled
        // down and deleted.
        if let definition = taskDefinitions[key]?.definition {
            try checkServiceLaunch(launch, key: key, definition: definition)
            _ = try TaskNetworkRules.awsvpc(
                record.networkConfiguration?.value,
                networkMode: definition.networkMode ?? "bridge",
                launchType: launch
            )
        }
        if request.platformVersion != nil || launch != "FARGATE" {
            let version = try TaskNetworkRules.platformVersion(request.platformVersion, launchType: launch)
            if version != record.platformVersion { redeploy = true }
            record.platformVersion = version
        }
        try TaskNetworkRules.checkPlacement(
            launchType: launch,
            strategies: record.placementStrategy,
            constraints: record.placementConstraints
        )
        if redeploy {
            if !record.deployments.isEmpty { record.deployments[0].status = .active }
            var deployment = DeploymentRecord(
                id: deploymentID,
                status: .primary,
                taskDefinition: record.taskDefinition,
                desiredCount: record.desiredCount,
                createdAt: now,
                updatedAt: now,
                launchType: record.launchType,
                capacityProviderStrategy: record.capacityProviderStrategy,
                networkConfiguration: record.networkConfiguration,
                rolloutState: .inProgress,
                rolloutStateReason: "ECS deployment \(deploymentID) in progress."
            )
            deployment.platformVersion = record.platformVersion
            record.deployments.insert(deployment, at: 0)
            ServiceDeploymentHistory.begin(&record, deployment: deployment, now: now)
            record.consecutiveFailures = 0
            record.throttledUntil = nil
            record.countedFailures = []
        } else if !record.deployments.isEmpty {
            record.deployments[0].desiredCount = record.desiredCount
            record.deployments[0].updatedAt = now
        }
        record.steady = false
        return Outcome(
            ECS.UpdateServiceResponse(service: presentService(record, includeTags: false)),
            [.putService(record)]
        )
    }

    /// DeleteService: refused while a REPLICA service still wants tasks, unless forced. The
    /// service becomes DRAINING with a desired count of 0; the scheduler stops its tasks and then
    /// marks it INACTIVE.
    public func deleteService(
        _ request: ECS.DeleteServiceRequest,
        now: Date
    ) throws(ECSError) -> Outcome<ECS.DeleteServiceResponse> {
        let name = try activeCluster(request.cluster).name
        var record = try activeService(request.service, cluster: name)
        if !record.isDaemon, record.desiredCount > 0, request.force != true {
            throw ECSError(
                .invalidParameter,
                "The service cannot be stopped while it is scaled above 0.",
                hint: "set desiredCount to 0 with UpdateService first, or delete with force"
            )
        }
        record.status = .draining
        record.desiredCount = 0
        ServiceDeploymentHistory.stopRunning(&record, reason: "The service was deleted.", now: now)
        if !record.deployments.isEmpty {
            record.deployments[0].desiredCount = 0
            record.deployments[0].updatedAt = now
        }
        record.steady = false
        return Outcome(
            ECS.DeleteServiceResponse(service: presentService(record, includeTags: false)),
            [.putService(record)]
        )
    }
}

extension ClusterState {
    /// A service's deployment settings, its deployment alarms checked: each must exist in CloudWatch.
    func deploymentSettings(
        _ configuration: ECS.DeploymentConfiguration,
        daemon: Bool
    ) throws(ECSError) -> DeploymentSettings {
        let settings = DeploymentSettings(configuration, daemon: daemon)
        let missing = (settings.alarms?.names ?? []).filter { alarms[$0] == nil }
        guard missing.isEmpty else {
            throw ECSError(
                .invalidParameter,
                "deploymentConfiguration.alarms names CloudWatch alarms that do not exist: "
                    + missing.joined(separator: ", ")
            )
        }
        return settings
    }

    /// What a service's deployment alarms say now: those in ALARM, and how long a settled
    /// deployment bakes (the longest of the alarms' evaluation windows, as ECS derives it).
    func deploymentAlarms(of record: ServiceRecord) -> (inAlarm: [String], bakeSeconds: Double) {
        let watched = (record.deploymentConfiguration.alarms?.names ?? []).compactMap { alarms[$0] }
        return (
            watched.filter { $0.state == .alarm }.map(\.name),
            Double(watched.map { $0.period * $0.evaluationPeriods }.max() ?? 0)
        )
    }
}
