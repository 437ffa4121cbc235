/// The members of CreateService and UpdateService that Wharf refuses, by name and why: what
/// needs AWS services Wharf does not have, or schedulers it has not built yet.
extension ServiceRules {

    /// Refuses what a CreateService or UpdateService asks that Wharf cannot do.
    public static func checkSupported(_ request: some ServiceRequestMembers) throws(ECSError) {
        if let type = request.deploymentController?.type, !["ECS", "EXTERNAL"].contains(type) {
            throw ECSError.unsupported(
                "deploymentController \(type)",
                "there is no AWS CodeDeploy; deploy with ECS's rolling deployments (type ECS), or manage task sets "
                    + "yourself (type EXTERNAL)"
            )
        }
        if let rebalancing = request.availabilityZoneRebalancing {
            guard ["ENABLED", "DISABLED"].contains(rebalancing) else {
                throw ECSError(
                    .invalidParameter,
                    "availabilityZoneRebalancing \(rebalancing) is not valid; use ENABLED or DISABLED"
                )
            }
            if rebalancing == "ENABLED" {
                throw ECSError.unsupported(
                    "availabilityZoneRebalancing ENABLED",
                    "the scheduler spreads new tasks over zones but does not move running ones; use DISABLED"
                )
            }
        }
        if request.serviceConnectConfiguration?.enabled == true {
            throw ECSError.unsupported("serviceConnectConfiguration", "there is no Service Connect proxy yet")
        }
        if !(request.volumeConfigurations ?? []).isEmpty {
            throw ECSError.unsupported("volumeConfigurations", "there are no Amazon EBS volumes to attach")
        }
        if !(request.vpcLatticeConfigurations ?? []).isEmpty {
            throw ECSError.unsupported("vpcLatticeConfigurations", "there is no VPC Lattice")
        }
    }

    /// Refuses deployment settings that do not fit together, and lifecycle hooks (AWS Lambda).
    static func checkSupported(_ configuration: ECS.DeploymentConfiguration) throws(ECSError) {
        if let alarms = configuration.alarms, alarms.enable == true, (alarms.alarmNames ?? []).isEmpty {
            throw ECSError(
                .invalidParameter,
                "deploymentConfiguration.alarms.alarmNames must name at least one CloudWatch alarm when enable is true"
            )
        }
        if !(configuration.lifecycleHooks ?? []).isEmpty {
            throw ECSError.unsupported(
                "deploymentConfiguration.lifecycleHooks",
                "hooks call AWS Lambda, which Wharf has not"
            )
        }
    }

    /// Checks the strategy of a merged deployment configuration and the settings that belong to
    /// it: bake time, linear and canary steps, as ECS bounds them.
    static func checkStrategy(_ configuration: ECS.DeploymentConfiguration, daemon: Bool) throws(ECSError) {
        let strategy = configuration.strategy ?? "ROLLING"
        guard ["ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"].contains(strategy) else {
            throw ECSError(
                .invalidParameter,
                "deploymentConfiguration.strategy \(strategy) is not valid; use ROLLING, BLUE_GREEN, LINEAR or CANARY"
            )
        }
        if daemon, strategy != "ROLLING" {
            throw ECSError(
                .invalidParameter,
                "The \(strategy) deployment strategy is not supported for services with the DAEMON scheduling strategy."
            )
        }
        if let bake = configuration.bakeTimeInMinutes {
            guard (0...1440).contains(bake) else {
                throw ECSError(.invalidParameter, "bakeTimeInMinutes must be between 0 and 1440.")
            }
            guard strategy != "ROLLING" else {
                throw ECSError(
                    .invalidParameter,
                    "bakeTimeInMinutes is only valid with the BLUE_GREEN, LINEAR or CANARY deployment strategy."
                )
            }
        }
        if let linear = configuration.linearConfiguration {
            guard strategy == "LINEAR" else {
                throw ECSError(
                    .invalidParameter,
                    "linearConfiguration is only valid with the LINEAR deployment strategy."
                )
            }
            if let step = linear.stepPercent, !(3...100).contains(step) || !isTenth(step) {
                throw ECSError(
                    .invalidParameter,
                    "linearConfiguration.stepPercent must be a multiple of 0.1 from 3.0 to 100.0."
                )
            }
            if let bake = linear.stepBakeTimeInMinutes, !(0...1440).contains(bake) {
                throw ECSError(
                    .invalidParameter,
                    "linearConfiguration.stepBakeTimeInMinutes must be between 0 and 1440."
                )
            }
        }
        if let canary = configuration.canaryConfiguration {
            guard strategy == "CANARY" else {
                throw ECSError(
                    .invalidParameter,
                    "canaryConfiguration is only valid with the CANARY deployment strategy."
                )
            }
            if let percent = canary.canaryPercent, !(0.1...100).contains(percent) || !isTenth(percent) {
                throw ECSError(
                    .invalidParameter,
                    "canaryConfiguration.canaryPercent must be a multiple of 0.1 from 0.1 to 100.0."
                )
            }
            if let bake = canary.canaryBakeTimeInMinutes, !(0...1440).contains(bake) {
                throw ECSError(
                    .invalidParameter,
                    "canaryConfiguration.canaryBakeTimeInMinutes must be between 0 and 1440."
                )
            }
        }
    }

    /// Whether `value` is a whole number of tenths.
    private static func isTenth(_ value: Double) -> Bool {
        abs(value * 10 - (value * 10).rounded()) < 1e-6
    }
}

/// The members CreateService and UpdateService share that Wharf may refuse.
public protocol ServiceRequestMembers {
    var capacityProviderStrategy: [ECS.CapacityProviderStrategyItem]? { get }
    var availabilityZoneRebalancing: String? { get }
    var networkConfiguration: ECS.NetworkConfiguration? { get }
    var platformVersion: String? { get }
    var enableExecuteCommand: Bool? { get }
    var serviceConnectConfiguration: ECS.ServiceConnectConfiguration? { get }
    var volumeConfigurations: [ECS.ServiceVolumeConfiguration]? { get }
    var vpcLatticeConfigurations: [ECS.VpcLatticeConfiguration]? { get }
    var deploymentController: ECS.DeploymentController? { get }
}

extension ECS.CreateServiceRequest: ServiceRequestMembers {}
extension ECS.UpdateServiceRequest: ServiceRequestMembers {}
