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
        if request.enableExecuteCommand == true {
            throw ECSError.unsupported(
                "enableExecuteCommand",
                "ECS Exec needs the Systems Manager session channel, which Wharf has not; run docker exec on the node"
            )
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

    /// Refuses the deployment settings of strategies Wharf does not run.
    static func checkSupported(_ configuration: ECS.DeploymentConfiguration) throws(ECSError) {
        if let alarms = configuration.alarms, alarms.enable == true, (alarms.alarmNames ?? []).isEmpty {
            throw ECSError(
                .invalidParameter,
                "deploymentConfiguration.alarms.alarmNames must name at least one CloudWatch alarm when enable is true"
            )
        }
        if let strategy = configuration.strategy, strategy != "ROLLING" {
            throw ECSError.unsupported("deploymentConfiguration.strategy \(strategy)", "it runs ROLLING deployments")
        }
        if configuration.bakeTimeInMinutes != nil {
            throw ECSError.unsupported(
                "deploymentConfiguration.bakeTimeInMinutes",
                "bake time belongs to blue/green deployments"
            )
        }
        if !(configuration.lifecycleHooks ?? []).isEmpty {
            throw ECSError.unsupported(
                "deploymentConfiguration.lifecycleHooks",
                "hooks call AWS Lambda, which Wharf has not"
            )
        }
        if configuration.linearConfiguration != nil {
            throw ECSError.unsupported("deploymentConfiguration.linearConfiguration", "it runs ROLLING deployments")
        }
        if configuration.canaryConfiguration != nil {
            throw ECSError.unsupported("deploymentConfiguration.canaryConfiguration", "it runs ROLLING deployments")
        }
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
