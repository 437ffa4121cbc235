import WharfModel

/// A request of an ECS List operation, which pages with `nextToken`.
protocol ECSListRequest: Encodable, Sendable {
    /// The token of the page to ask for; nil for the first.
    var nextToken: String? { get set }
}

/// One page of an ECS List operation's answer: ARNs, and the token of the next page.
protocol ECSListPage: Decodable, Sendable {
    /// The ARNs on this page.
    var arns: [String] { get }
    /// The token of the next page; nil on the last.
    var nextToken: String? { get }
}

extension ECS.ListClustersRequest: ECSListRequest {}
extension ECS.ListServicesRequest: ECSListRequest {}
extension ECS.ListTasksRequest: ECSListRequest {}
extension ECS.ListContainerInstancesRequest: ECSListRequest {}

extension ECS.ListClustersResponse: ECSListPage {
    var arns: [String] { clusterArns ?? [] }
}

extension ECS.ListServicesResponse: ECSListPage {
    var arns: [String] { serviceArns ?? [] }
}

extension ECS.ListTasksResponse: ECSListPage {
    var arns: [String] { taskArns ?? [] }
}

extension ECS.ListContainerInstancesResponse: ECSListPage {
    var arns: [String] { containerInstanceArns ?? [] }
}
