import Foundation
import WharfModel

/// What a service revision runs (ECS's DescribeServiceRevisions): the settings a deployment began
/// with, kept with its service deployment after the deployment itself is gone.
public struct ServiceRevisionRecord: Codable, Equatable, Sendable {
    public var taskDefinition: TaskDefinitionKey
    public var launchType: LaunchType?
    public var capacityProviderStrategy: [CapacityProviderStrategyItem]?
    public var platformVersion: String?
    public var networkConfiguration: Shared<ECS.NetworkConfiguration>?
    public var loadBalancers: [ServiceLoadBalancer]?
    public var serviceRegistries: [ServiceRegistryRecord]?
    public var createdAt: Date

    /// The revision `deployment` of `service` runs.
    public init(_ deployment: DeploymentRecord, of service: ServiceRecord) {
        taskDefinition = deployment.taskDefinition
        launchType = deployment.launchType
        capacityProviderStrategy = deployment.capacityProviderStrategy
        platformVersion = deployment.platformVersion
        networkConfiguration = deployment.networkConfiguration
        loadBalancers = service.loadBalancers
        serviceRegistries = service.serviceRegistries
        createdAt = deployment.createdAt
    }
}
