/// One task definition revision as the controller keeps it: the definition ECS returns, and its tags.
public struct TaskDefinitionRecord: Codable, Equatable, Sendable {
    /// The revision, in the shape DescribeTaskDefinition returns.
    public var definition: ECS.TaskDefinition
    /// The tags on this revision.
    public var tags: [ECS.Tag]

    /// Creates a record.
    public init(definition: ECS.TaskDefinition, tags: [ECS.Tag]) {
        self.definition = definition
        self.tags = tags
    }

    /// The revision's ARN.
    public var arn: String { definition.taskDefinitionArn ?? "" }
}

/// One durable change to the cluster state. The controller writes a batch of these to the store in
/// one transaction and then applies the same batch to its in-memory view, so both always agree.
public enum StateChange: Equatable, Sendable {
    /// Creates or replaces a cluster (clusters are never removed; deletion makes them INACTIVE).
    case putCluster(ECS.Cluster)
    /// Creates or replaces one task definition revision.
    case putTaskDefinition(TaskDefinitionRecord)
    /// Removes a revision for good (DeleteTaskDefinitions).
    case deleteTaskDefinition(arn: String)
    /// Records the newest revision number a family has used, so numbers are never reused.
    case putFamilyRevision(family: String, revision: Int)
    /// Sets an account setting for a principal, or the account default when `principal` is nil.
    case putAccountSetting(principal: String?, name: String, value: String)
    /// Creates or replaces a container instance.
    case putContainerInstance(ContainerInstanceRecord)
    /// Creates or replaces a task.
    case putTask(ECS.Task)
    /// Forgets a task for good (stopped tasks are kept for a while, then removed).
    case deleteTask(arn: String)
    /// Creates or replaces a service (deleted services stay, INACTIVE).
    case putService(ServiceRecord)
    /// Creates or replaces an activation (a registration counted, for example).
    case putActivation(ActivationRecord)
    /// Removes an activation (DeleteActivation).
    case deleteActivation(id: String)
    /// Creates or replaces an access key.
    case putAccessKey(AccessKeyRecord)
    /// Revokes an access key.
    case deleteAccessKey(id: String)
}

/// A container instance as the controller keeps it: what DescribeContainerInstances shows (its
/// registered resources, attributes, status and connectivity) plus what the agent protocol needs.
public struct ContainerInstanceRecord: Codable, Equatable, Sendable {
    /// The instance; counts and remaining resources are computed when it is described.
    public var instance: ECS.ContainerInstance
    /// The name of the cluster it belongs to.
    public var cluster: String
    /// SHA-256 (hex) of the credential the agent presents; empty for instances registered through
    /// the ECS API, which no agent can sync as.
    public var credentialHash: String
    /// The version of the node's desired state; raised whenever a task on it is added or changes
    /// desired status, so a syncing agent knows it has news.
    public var desiredVersion: Int
    /// The activation it joined with (nil for nodes that joined without one, or through the ECS API).
    public var activationId: String?

    public init(instance: ECS.ContainerInstance, cluster: String, credentialHash: String, desiredVersion: Int, activationId: String? = nil) {
        self.instance = instance
        self.cluster = cluster
        self.credentialHash = credentialHash
        self.desiredVersion = desiredVersion
        self.activationId = activationId
    }

    /// The instance's ARN.
    public var arn: String { instance.containerInstanceArn ?? "" }
}

/// Everything the store holds, as loaded at start-up.
public struct StoredState: Equatable, Sendable {
    /// Every cluster, ACTIVE or INACTIVE.
    public var clusters: [ECS.Cluster] = []
    /// Every task definition revision not deleted.
    public var taskDefinitions: [TaskDefinitionRecord] = []
    /// The newest revision number of each family.
    public var familyRevisions: [String: Int] = [:]
    /// Account settings by principal ARN; the account defaults under the key `nil`.
    public var accountSettings: [AccountSettingKey: String] = [:]
    /// Every container instance, registered or deregistered.
    public var containerInstances: [ContainerInstanceRecord] = []
    /// Every task not yet forgotten.
    public var tasks: [ECS.Task] = []
    /// Every service, INACTIVE ones included.
    public var services: [ServiceRecord] = []
    /// Every activation not deleted.
    public var activations: [ActivationRecord] = []
    /// Every access key not revoked.
    public var accessKeys: [AccessKeyRecord] = []

    /// Creates an empty state.
    public init() {}
}

/// Where an account setting applies: one principal, or the account default (`principal` nil).
public struct AccountSettingKey: Hashable, Sendable {
    /// The principal's ARN, or nil for the account default.
    public var principal: String?
    /// The setting's name.
    public var name: String

    /// Creates a key.
    public init(principal: String?, name: String) {
        self.principal = principal
        self.name = name
    }
}
