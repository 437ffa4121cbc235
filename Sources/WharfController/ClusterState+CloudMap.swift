import Foundation
import WharfModel
import WharfState

/// Cloud Map's rules, IDs and ARNs.
enum CloudMapRules {
    static let maxNamespaces = 50
    static let maxServices = 1000
    static let maxInstances = 1000
    static let maxAttributes = 30

    /// `PREFIX` and 16 lowercase letters and digits: `ns-…`, `srv-…`.
    static func newID(_ prefix: String, _ random: inout SeededRandom) -> String {
        prefix + randomText(16, &random)
    }

    /// An operation ID as Cloud Map's look: 32 letters and digits, a hyphen, 8 more.
    static func newOperationID(_ random: inout SeededRandom) -> String {
        randomText(32, &random) + "-" + randomText(8, &random)
    }

    private static func randomText(_ count: Int, _ random: inout SeededRandom) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<count).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
    }

    /// A DNS name: labels of letters, digits and hyphens (not at either end), up to 63 each and
    /// 253 in all; a trailing dot is dropped.
    static func dnsName(_ name: String, _ member: String) throws(ECSError) -> String {
        let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
        let labels = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        let valid =
            !trimmed.isEmpty && trimmed.count <= 253
            && labels.allSatisfy { label in
                !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
            }
        guard valid else {
            throw ECSError(.invalidInput, "\(member) '\(name)' is not a valid DNS name")
        }
        return trimmed.lowercased()
    }

    static func tags(_ given: [ServiceDiscovery.Tag]?) throws(ECSError) -> [Tag] {
        var tags: [Tag] = []
        for tag in given ?? [] {
            guard let key = tag.key, let value = tag.value else {
                throw ECSError(.invalidInput, "Each tag needs a Key and a Value")
            }
            guard !tags.contains(where: { $0.key == key }) else {
                throw ECSError(.invalidInput, "Tag key '\(key)' is duplicated")
            }
            tags.append(Tag(key: key, value: value))
        }
        guard tags.count <= 50 else { throw ECSError(.tooManyTagsException, "A resource can have at most 50 tags") }
        return tags
    }

    /// Refuses a member Wharf cannot give effect to, as Cloud Map's InvalidInput.
    static func unsupported(_ member: String, _ why: String) -> ECSError {
        ECSError(.invalidInput, "\(member) is not supported by Wharf: \(why)")
    }

    /// One page of `items` from `token` (an offset), at most `limit` (default 100).
    static func page<T>(_ items: [T], token: String?, limit: Int?) throws(ECSError) -> (items: [T], next: String?) {
        var start = 0
        if let token {
            guard let offset = Int(token), offset >= 0, offset <= items.count else {
                throw ECSError(.invalidInput, "NextToken '\(token)' is not valid; use the one a previous page gave")
            }
            start = offset
        }
        let end = min(items.count, start + (limit ?? 100))
        return (Array(items[start..<end]), end < items.count ? String(end) : nil)
    }
}

extension ClusterState {
    func cloudMapARN(_ type: String, _ id: String) -> String {
        ARN(
            service: ServiceDiscovery.signingName,
            region: context.region,
            account: context.accountID,
            resourceType: type,
            resourceID: id
        ).description
    }

    /// The namespace an ID or ARN names.
    func namespace(_ text: String?) throws(ECSError) -> NamespaceRecord {
        guard let text else { throw ECSError(.invalidInput, "Id is required") }
        let id = ARN(parsing: text).map(\.resourceID) ?? text
        guard let record = cloudMap.namespace(id) else {
            throw ECSError(.namespaceNotFound, "No namespace exists with ID: \(id)")
        }
        return record
    }

    /// The service an ID or ARN names.
    func discoveryService(_ text: String?) throws(ECSError) -> DiscoveryServiceRecord {
        guard let text else { throw ECSError(.invalidInput, "ServiceId is required") }
        let id = ARN(parsing: text).map(\.resourceID) ?? text
        guard let record = cloudMap.service(id) else {
            throw ECSError(.cloudMapServiceNotFound, "Service not found: \(id)")
        }
        return record
    }

    /// A change recorded as an operation (which has succeeded), with the oldest forgotten past the limit.
    func operation(
        _ type: String,
        targets: [String: String],
        now: Date,
        random: inout SeededRandom
    ) -> (id: String, changes: [StateChange]) {
        let record = CloudMapOperationRecord(
            id: CloudMapRules.newOperationID(&random),
            type: type,
            targets: targets,
            createdAt: now
        )
        var changes: [StateChange] = [.putCloudMapOperation(record)]
        let all = cloudMap.allOperations
        if all.count >= CloudMap.operationLimit {
            changes += all.prefix(all.count - CloudMap.operationLimit + 1).map {
                .deleteCloudMapOperation(id: $0.id)
            }
        }
        return (record.id, changes)
    }

    /// CreatePrivateDnsNamespace and CreateHttpNamespace: the namespace exists once the answer
    /// comes; its operation has succeeded. The same CreatorRequestId again answers the first
    /// call's operation.
    func createNamespace(
        name given: String?,
        type: NamespaceType,
        vpc: String?,
        soaTTL: Int?,
        description: String?,
        creatorRequestId: String?,
        tags given_tags: [ServiceDiscovery.Tag]?,
        now: Date,
        seed: UInt64
    ) throws(ECSError) -> Outcome<String> {
        guard let given else { throw ECSError(.invalidInput, "Name is required") }
        let name =
            type == .dnsPrivate
            ? try CloudMapRules.dnsName(given, "Name")
            : given
        if type == .dnsPrivate, vpc == nil { throw ECSError(.invalidInput, "Vpc is required") }
        let tags = try CloudMapRules.tags(given_tags)
        if let existing = cloudMap.allNamespaces.first(where: { $0.name == name }) {
            if let token = creatorRequestId, token == existing.creatorRequestId,
                let created = cloudMap.allOperations.first(where: {
                    $0.type == "CREATE_NAMESPACE" && $0.targets["NAMESPACE"] == existing.id
                })
            {
                return Outcome(created.id)
            }
            throw ECSError(.namespaceAlreadyExists, "Namespace with name \(name) already exists")
        }
        guard cloudMap.allNamespaces.count < CloudMapRules.maxNamespaces else {
            throw ECSError(
                .resourceLimitExceeded,
                "You have reached the limit of \(CloudMapRules.maxNamespaces) namespaces"
            )
        }
        var random = SeededRandom(seed: seed)
        let record = NamespaceRecord(
            id: CloudMapRules.newID("ns-", &random),
            name: name,
            type: type,
            description: description,
            vpc: vpc,
            soaTTL: type == .dnsPrivate ? (soaTTL ?? 15) : nil,
            creatorRequestId: creatorRequestId,
            tags: tags,
            createdAt: now
        )
        let operation = operation("CREATE_NAMESPACE", targets: ["NAMESPACE": record.id], now: now, random: &random)
        return Outcome(operation.id, [.putNamespace(record)] + operation.changes)
    }

    /// GetNamespace.
    func getNamespace(
        _ request: ServiceDiscovery.GetNamespaceRequest
    ) throws(ECSError) -> ServiceDiscovery.GetNamespaceResponse {
        ServiceDiscovery.GetNamespaceResponse(namespace: project(try namespace(request.id)))
    }

    /// ListNamespaces: filters on TYPE (EQ, IN), NAME (EQ, BEGINS_WITH) and HTTP_NAME (EQ).
    func listNamespaces(
        _ request: ServiceDiscovery.ListNamespacesRequest
    ) throws(ECSError) -> ServiceDiscovery.ListNamespacesResponse {
        var records = cloudMap.allNamespaces
        for filter in request.filters ?? [] {
            let values = filter.values ?? []
            let condition = filter.condition ?? "EQ"
            func matches(_ value: String) -> Bool {
                switch condition {
                case "EQ": values.first == value
                case "IN": values.contains(value)
                case "BEGINS_WITH": values.first.map { value.hasPrefix($0) } ?? false
                default: false
                }
            }
            switch filter.name {
            case "TYPE": records = records.filter { matches($0.type.rawValue) }
            case "NAME", "HTTP_NAME": records = records.filter { matches($0.name) }
            default: throw ECSError(.invalidInput, "Filter name '\(filter.name ?? "")' is not valid")
            }
        }
        let page = try CloudMapRules.page(records, token: request.nextToken, limit: request.maxResults)
        return ServiceDiscovery.ListNamespacesResponse(
            namespaces: page.items.map { record in
                let full = project(record)
                return ServiceDiscovery.NamespaceSummary(
                    id: full.id,
                    arn: full.arn,
                    resourceOwner: full.resourceOwner,
                    name: full.name,
                    type: full.type,
                    description: full.description,
                    serviceCount: full.serviceCount,
                    properties: full.properties,
                    createDate: full.createDate
                )
            },
            nextToken: page.next
        )
    }

    /// DeleteNamespace: refused while it has services.
    func deleteNamespace(
        _ request: ServiceDiscovery.DeleteNamespaceRequest,
        now: Date,
        seed: UInt64
    ) throws(ECSError) -> Outcome<ServiceDiscovery.DeleteNamespaceResponse> {
        let record = try namespace(request.id)
        guard cloudMap.services(in: record.id).isEmpty else {
            throw ECSError(.resourceInUse, "Namespace \(record.id) has associated services; delete them first")
        }
        var random = SeededRandom(seed: seed)
        let operation = operation("DELETE_NAMESPACE", targets: ["NAMESPACE": record.id], now: now, random: &random)
        return Outcome(
            ServiceDiscovery.DeleteNamespaceResponse(operationId: operation.id),
            [.deleteNamespace(id: record.id)] + operation.changes
        )
    }

    func project(_ record: NamespaceRecord) -> ServiceDiscovery.Namespace {
        ServiceDiscovery.Namespace(
            id: record.id,
            arn: cloudMapARN("namespace", record.id),
            resourceOwner: context.accountID,
            name: record.name,
            type: record.type.rawValue,
            description: record.description,
            serviceCount: cloudMap.services(in: record.id).count,
            properties: ServiceDiscovery.NamespaceProperties(
                dnsProperties: record.type == .dnsPrivate
                    ? ServiceDiscovery.DnsProperties(
                        hostedZoneId: "Z" + record.id.dropFirst(3).uppercased(),
                        soa: record.soaTTL.map { ServiceDiscovery.SOA(ttl: $0) }
                    ) : nil,
                httpProperties: ServiceDiscovery.HttpProperties(httpName: record.name)
            ),
            createDate: record.createdAt,
            creatorRequestId: record.creatorRequestId
        )
    }
}
