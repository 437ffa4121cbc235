/// An Amazon Resource Name as ECS writes them: `arn:aws:ecs:<region>:<account>:<type>/<id>`.
public struct ARN: Hashable, Sendable, CustomStringConvertible {
    /// The partition, `aws` for Wharf.
    public var partition: String
    /// The service, such as `ecs` or `iam`.
    public var service: String
    /// The region, empty for global services.
    public var region: String
    /// The 12-digit account.
    public var account: String
    /// The resource type, such as `cluster` or `task-definition`.
    public var resourceType: String
    /// Everything after `<type>/`, such as `web:3` for a task definition.
    public var resourceID: String

    /// Creates an ARN from its parts.
    public init(partition: String = "aws", service: String, region: String, account: String, resourceType: String, resourceID: String) {
        self.partition = partition
        self.service = service
        self.region = region
        self.account = account
        self.resourceType = resourceType
        self.resourceID = resourceID
    }

    /// Parses `text`, or returns nil when it is not an ARN with a `type/id` resource.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", !parts[1].isEmpty, !parts[2].isEmpty else { return nil }
        guard let slash = parts[5].firstIndex(of: "/") else { return nil }
        let resourceType = String(parts[5][..<slash])
        let resourceID = String(parts[5][parts[5].index(after: slash)...])
        guard !resourceType.isEmpty, !resourceID.isEmpty else { return nil }
        self.init(partition: String(parts[1]), service: String(parts[2]), region: String(parts[3]),
                  account: String(parts[4]), resourceType: resourceType, resourceID: resourceID)
    }

    public var description: String {
        "arn:\(partition):\(service):\(region):\(account):\(resourceType)/\(resourceID)"
    }
}

/// The region and account a controller answers for; every ARN it issues carries them.
public struct AccountContext: Hashable, Sendable {
    /// The region, `us-east-1` unless configured.
    public var region: String
    /// The 12-digit account, `000000000000` unless configured.
    public var accountID: String

    /// Creates a context.
    public init(region: String = "us-east-1", accountID: String = "000000000000") {
        self.region = region
        self.accountID = accountID
    }

    /// An ECS ARN in this region and account.
    public func ecsARN(_ resourceType: String, _ resourceID: String) -> ARN {
        ARN(service: "ecs", region: region, account: accountID, resourceType: resourceType, resourceID: resourceID)
    }

    /// The ARN of a cluster.
    public func clusterARN(_ name: String) -> String { ecsARN("cluster", name).description }

    /// The ARN of one revision of a task definition family.
    public func taskDefinitionARN(family: String, revision: Int) -> String {
        ecsARN("task-definition", "\(family):\(revision)").description
    }

    /// The account's root principal, which owns account-level settings.
    public var rootPrincipalARN: String { "arn:aws:iam::\(accountID):root" }

    /// Whether `arn` belongs to this controller's region and account.
    public func owns(_ arn: ARN) -> Bool {
        arn.service == "ecs" && arn.region == region && arn.account == accountID
    }
}
