/// The network interface of an awsvpc task: its address on its node's block and what its launch
/// gave in `awsvpcConfiguration`. ECS shows it as the task's `ElasticNetworkInterface`
/// attachment.
public struct TaskNetworkRecord: Codable, Equatable, Sendable {
    /// The attachment's ID, a UUID; the interface's `eni-` ID is made from it.
    public var attachmentID: String
    /// The first subnet of the launch's `awsvpcConfiguration`, as given: a name only, as Wharf's
    /// nodes share one network.
    public var subnetID: String?
    /// The launch's security groups, as given.
    public var securityGroups: [String]
    /// The launch's `assignPublicIp`.
    public var assignPublicIp: Bool
    /// The task's address, from its node's block.
    public var privateIPv4Address: String
    /// The node's block, such as `10.64.3.0/24`.
    public var subnetCIDR: String
    /// The MAC address of the task's interface, once its node reported it.
    public var macAddress: String?

    /// Creates a record.
    public init(
        attachmentID: String,
        subnetID: String?,
        securityGroups: [String] = [],
        assignPublicIp: Bool = false,
        privateIPv4Address: String,
        subnetCIDR: String,
        macAddress: String? = nil
    ) {
        self.attachmentID = attachmentID
        self.subnetID = subnetID
        self.securityGroups = securityGroups
        self.assignPublicIp = assignPublicIp
        self.privateIPv4Address = privateIPv4Address
        self.subnetCIDR = subnetCIDR
        self.macAddress = macAddress
    }

    /// The interface's ID, `eni-` and 17 hex digits of the attachment ID.
    public var networkInterfaceID: String {
        "eni-" + String(attachmentID.filter { $0 != "-" }.prefix(17))
    }
}
