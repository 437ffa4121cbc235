import WharfModel

/// An ECS resource as a Describe operation answers the `wharf` CLI: ECS's members and Wharf's
/// ``Usage`` beside them, in one JSON object (`{"serviceName": …, "utilization": {…}}`). It encodes
/// back to the same object, and reads through to the resource's members (`service.serviceName`).
@dynamicMemberLookup
struct Described<Resource: Codable & Sendable>: Codable, Sendable {
    /// The resource, with ECS's members.
    var resource: Resource
    /// What the resource's running containers use; nil when the controller did not say.
    var utilization: Usage?

    private enum Key: String, CodingKey {
        case utilization
    }

    /// A resource and what it uses.
    init(_ resource: Resource, utilization: Usage? = nil) {
        self.resource = resource
        self.utilization = utilization
    }

    init(from decoder: any Decoder) throws {
        resource = try Resource(from: decoder)
        utilization = try decoder.container(keyedBy: Key.self).decodeIfPresent(Usage.self, forKey: .utilization)
    }

    func encode(to encoder: any Encoder) throws {
        try resource.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encodeIfPresent(utilization, forKey: .utilization)
    }

    /// The resource's member at `member`.
    subscript<Value>(dynamicMember member: KeyPath<Resource, Value>) -> Value {
        resource[keyPath: member]
    }
}

/// DescribeServices' answer, each service with its ``Usage``.
struct DescribedServices: Decodable, Sendable {
    var services: [Described<ECS.Service>]?
    var failures: [ECS.Failure]?
}

/// DescribeTasks' answer, each task with its ``Usage``.
struct DescribedTasks: Decodable, Sendable {
    var tasks: [Described<ECS.Task>]?
    var failures: [ECS.Failure]?
}

/// DescribeContainerInstances' answer, each container instance with its ``Usage``.
struct DescribedContainerInstances: Decodable, Sendable {
    var containerInstances: [Described<ECS.ContainerInstance>]?
    var failures: [ECS.Failure]?
}
