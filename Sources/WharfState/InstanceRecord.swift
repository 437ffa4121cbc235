import Foundation
import WharfModel

/// Where a container instance stands, in ECS's words.
public enum InstanceStatus: String, Codable, Sendable {
    case active = "ACTIVE"
    case draining = "DRAINING"
    case registering = "REGISTERING"
    case deregistering = "DEREGISTERING"
    case registrationFailed = "REGISTRATION_FAILED"
    case inactive = "INACTIVE"
}

/// What a node registered: CPU units (1024 a core), memory in MiB, and the host ports nothing may
/// be placed on.
public struct InstanceResources: Codable, Equatable, Sendable {
    public var cpu: Int
    public var memoryMiB: Int
    public var reservedTCPPorts: [Int]
    public var reservedUDPPorts: [Int]
    /// Resources of other names (GPU, ...), kept and shown as given; placement counts the IDs of
    /// `GPU` (a STRINGSET).
    public var other: [ECS.Resource]

    /// How many GPUs the node has.
    public var gpuCount: Int {
        other.first { $0.name == "GPU" }?.stringSetValue?.count ?? 0
    }

    /// Creates a set of resources.
    public init(
        cpu: Int,
        memoryMiB: Int,
        reservedTCPPorts: [Int] = [],
        reservedUDPPorts: [Int] = [],
        other: [ECS.Resource] = []
    ) {
        self.cpu = cpu
        self.memoryMiB = memoryMiB
        self.reservedTCPPorts = reservedTCPPorts
        self.reservedUDPPorts = reservedUDPPorts
        self.other = other
    }
}

/// An attribute of a container instance: `ecs.os-type=linux`, a capability (no value), a user's.
public struct InstanceAttribute: Codable, Hashable, Sendable {
    public var name: String
    public var value: String?

    /// Creates an attribute.
    public init(name: String, value: String? = nil) {
        self.name = name
        self.value = value
    }
}

/// The agent and engine versions a node reported.
public struct VersionInfo: Codable, Equatable, Sendable {
    public var agentVersion: String?
    public var agentHash: String?
    public var dockerVersion: String?

    /// Creates version information.
    public init(agentVersion: String?, agentHash: String?, dockerVersion: String?) {
        self.agentVersion = agentVersion
        self.agentHash = agentHash
        self.dockerVersion = dockerVersion
    }
}

/// A container instance as the controller keeps it: what it registered, its status and
/// connectivity, and what the agent protocol needs (the hash of its credential). What is left on
/// it, its task counts and the version of its desired state are derived, never stored.
public struct InstanceRecord: Codable, Equatable, Sendable {
    public var id: InstanceID
    /// The name of its cluster.
    public var cluster: String
    /// The node's host name, shown as `ec2InstanceId`.
    public var ec2InstanceId: String?
    public var status: InstanceStatus
    public var agentConnected: Bool
    public var registeredAt: Date?
    public var resources: InstanceResources
    public var attributes: [InstanceAttribute]
    public var versionInfo: VersionInfo?
    public var tags: [Tag]
    /// SHA-256 (hex) of the credential its agent presents; empty for instances registered
    /// through the ECS API, which no agent can sync as.
    public var credentialHash: String
    /// The activation it joined with, if any.
    public var activationId: String?
    /// The block of the task address range (`--task-cidr`) leased to the node for its awsvpc
    /// tasks, such as `10.64.3.0/24`; released when it is deregistered.
    public var taskSubnet: String?
    /// The address other nodes reach it at: the gateway of their routes to its task block.
    public var nodeAddress: String?

    /// Creates a record.
    public init(
        id: InstanceID,
        cluster: String,
        ec2InstanceId: String?,
        status: InstanceStatus = .active,
        agentConnected: Bool,
        registeredAt: Date?,
        resources: InstanceResources,
        attributes: [InstanceAttribute] = [],
        versionInfo: VersionInfo? = nil,
        tags: [Tag] = [],
        credentialHash: String,
        activationId: String? = nil
    ) {
        self.id = id
        self.cluster = cluster
        self.ec2InstanceId = ec2InstanceId
        self.status = status
        self.agentConnected = agentConnected
        self.registeredAt = registeredAt
        self.resources = resources
        self.attributes = attributes
        self.versionInfo = versionInfo
        self.tags = tags
        self.credentialHash = credentialHash
        self.activationId = activationId
    }

    /// Whether an agent can sync as it (it joined through the agent protocol).
    public var hasAgent: Bool { !credentialHash.isEmpty }
}
