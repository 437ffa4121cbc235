import Foundation
import WharfModel
import WharfState

/// A resource of an ECS answer with Wharf's `utilization` member beside ECS's own: what its
/// running containers use, as the agents last sampled it. Served only to a request with
/// `X-Wharf-Include: utilization` (the `wharf` CLI sends it), so the AWS SDKs get exactly ECS's shapes.
struct WithUtilization<Resource: Encodable & Sendable>: Encodable, Sendable {
    let resource: Resource
    let utilization: Utilization?

    enum Key: String, CodingKey { case utilization }

    func encode(to encoder: any Encoder) throws {
        try resource.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encodeIfPresent(utilization, forKey: .utilization)
    }
}

/// An ECS describe answer whose resources carry ``WithUtilization``.
struct UtilizationAnswer<Resource: Encodable & Sendable>: Encodable, Sendable {
    let key: String
    let resources: [WithUtilization<Resource>]?
    let failures: [ECS.Failure]?

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encodeIfPresent(resources, forKey: Key(stringValue: key))
        try container.encodeIfPresent(failures, forKey: Key(stringValue: "failures"))
    }
}

extension ECSOperations {
    /// DescribeTasks, DescribeServices and DescribeContainerInstances, with utilization, for requests that ask.
    mutating func describeWithUtilization(_ controller: Controller) {
        utilizationHandlers["DescribeTasks"] = { (data: Data) async throws -> Data in
            let request: ECS.DescribeTasksRequest = try ECSWire.decode(data)
            let response = try await controller.read { state in try state.describeTasks(request) }
            let usage = await controller.taskUtilization()
            return try ECSWire.encode(UtilizationAnswer(key: "tasks", resources: response.tasks?.map { task in
                WithUtilization(resource: task, utilization: task.lastStatus == "RUNNING" ? usage[task.taskArn ?? ""] ?? Utilization() : nil)
            }, failures: response.failures))
        }
        utilizationHandlers["DescribeServices"] = { (data: Data) async throws -> Data in
            let request: ECS.DescribeServicesRequest = try ECSWire.decode(data)
            let response = try await controller.read { state in try state.describeServices(request) }
            let usage = await controller.taskUtilization()
            // Each service's running tasks, through its group's index.
            let running = await controller.read { state in
                (response.services ?? []).map { service in
                    let cluster = (service.clusterArn ?? "").split(separator: "/").last.map(String.init) ?? ""
                    return state.tasks.ids(in: GroupKey(cluster: cluster, group: "service:\(service.serviceName ?? "")"))
                        .compactMap { state.tasks[$0] }.filter { $0.lastStatus == .running }.map { state.arn(of: $0) }
                }
            }
            return try ECSWire.encode(UtilizationAnswer(key: "services", resources: zip(response.services ?? [], running).map { service, arns in
                WithUtilization(resource: service, utilization: arns.compactMap { usage[$0] }.reduce(Utilization(), +))
            }, failures: response.failures))
        }
        utilizationHandlers["DescribeContainerInstances"] = { (data: Data) async throws -> Data in
            let request: ECS.DescribeContainerInstancesRequest = try ECSWire.decode(data)
            let health = await Self.runtimeHealth(for: request, controller)
            let response = try await controller.read { state in
                try state.describeContainerInstances(request, runtimeHealth: health)
            }
            let usage = await controller.instanceUtilization()
            return try ECSWire.encode(UtilizationAnswer(key: "containerInstances", resources: response.containerInstances?.map { instance in
                WithUtilization(resource: instance, utilization: InstanceID(arnSuffix: instance.containerInstanceArn ?? "")
                    .flatMap { usage[$0] } ?? Utilization())
            }, failures: response.failures))
        }
    }
}
