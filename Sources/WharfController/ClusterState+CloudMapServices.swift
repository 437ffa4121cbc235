import Foundation
import WharfModel
import WharfState

extension ClusterState {
    /// CreateService: a name in a namespace with the DNS records of its instances (a private DNS
    /// namespace; none makes an API-only service) and custom health checks.
    func createDiscoveryService(
        _ request: ServiceDiscovery.CreateServiceRequest,
        now: Date,
        seed: UInt64
    ) throws(ECSError) -> Outcome<ServiceDiscovery.CreateServiceResponse> {
        guard let given = request.name else { throw ECSError(.invalidInput, "Name is required") }
        guard let namespaceText = request.namespaceId ?? request.dnsConfig?.namespaceId else {
            throw ECSError(.invalidInput, "NamespaceId is required")
        }
        let namespace = try namespace(namespaceText)
        if request.healthCheckConfig != nil {
            throw CloudMapRules.unsupported(
                "HealthCheckConfig",
                "Route 53 health checks do not exist in Wharf; use HealthCheckCustomConfig"
            )
        }
        var records: [DiscoveryServiceRecord.DNSRecord] = []
        var routing: String?
        if let config = request.dnsConfig {
            guard namespace.type == .dnsPrivate else {
                throw ECSError(.invalidInput, "DnsConfig can only be specified for a service in a DNS namespace")
            }
            guard request.type != "HTTP" else {
                throw ECSError(.invalidInput, "A service of type HTTP takes no DnsConfig")
            }
            for record in config.dnsRecords ?? [] {
                guard let name = record.type, let type = DiscoveryServiceRecord.RecordType(rawValue: name),
                    let ttl = record.ttl
                else { throw ECSError(.invalidInput, "Each DNS record needs a Type (A, AAAA, SRV, CNAME) and a TTL") }
                guard type == .a || type == .srv else {
                    throw CloudMapRules.unsupported(
                        "DNS record type \(name)",
                        "Wharf's DNS answers A and SRV records"
                    )
                }
                guard !records.contains(where: { $0.type == type }) else {
                    throw ECSError(.invalidInput, "DnsRecords lists the type \(name) more than once")
                }
                records.append(.init(type: type, ttl: ttl))
            }
            guard !records.isEmpty else { throw ECSError(.invalidInput, "DnsRecords needs at least one record") }
            routing = config.routingPolicy ?? "MULTIVALUE"
            if records.contains(where: { $0.type == .cname }) {
                guard records.count == 1, routing == "WEIGHTED" else {
                    throw ECSError(
                        .invalidInput,
                        "A CNAME record cannot be combined with others and needs WEIGHTED routing"
                    )
                }
            }
        }
        let name = namespace.type == .dnsPrivate ? try CloudMapRules.dnsName(given, "Name") : given
        guard !name.contains(".") else {
            throw ECSError(.invalidInput, "Service name '\(given)' must be one DNS label")
        }
        if let existing = cloudMap.service(named: name, in: namespace.id) {
            if let token = request.creatorRequestId, token == existing.creatorRequestId {
                return Outcome(ServiceDiscovery.CreateServiceResponse(service: project(existing)))
            }
            throw ECSError(.serviceAlreadyExists, "Service already exists: \(existing.id)")
        }
        guard cloudMap.allServices.count < CloudMapRules.maxServices else {
            throw ECSError(
                .resourceLimitExceeded,
                "You have reached the limit of \(CloudMapRules.maxServices) services"
            )
        }
        var random = SeededRandom(seed: seed)
        let record = DiscoveryServiceRecord(
            id: CloudMapRules.newID("srv-", &random),
            name: name,
            namespaceID: namespace.id,
            description: request.description,
            dnsRecords: records,
            routingPolicy: routing,
            customHealthFailureThreshold: request.healthCheckCustomConfig?.failureThreshold,
            hasCustomHealth: request.healthCheckCustomConfig != nil,
            creatorRequestId: request.creatorRequestId,
            tags: try CloudMapRules.tags(request.tags),
            createdAt: now
        )
        return Outcome(ServiceDiscovery.CreateServiceResponse(service: project(record)), [.putDiscoveryService(record)])
    }

    /// GetService.
    func getDiscoveryService(
        _ request: ServiceDiscovery.GetServiceRequest
    ) throws(ECSError) -> ServiceDiscovery.GetServiceResponse {
        guard let id = request.id else { throw ECSError(.invalidInput, "Id is required") }
        return ServiceDiscovery.GetServiceResponse(service: project(try discoveryService(id)))
    }

    /// ListServices: a NAMESPACE_ID filter (EQ or IN), or all.
    func listDiscoveryServices(
        _ request: ServiceDiscovery.ListServicesRequest
    ) throws(ECSError) -> ServiceDiscovery.ListServicesResponse {
        var records = cloudMap.allServices
        for filter in request.filters ?? [] {
            guard filter.name == "NAMESPACE_ID" else {
                throw ECSError(.invalidInput, "Filter name '\(filter.name ?? "")' is not valid; use NAMESPACE_ID")
            }
            let values = Set((filter.values ?? []).map { ARN(parsing: $0)?.resourceID ?? $0 })
            records = records.filter { values.contains($0.namespaceID) }
        }
        let page = try CloudMapRules.page(records, token: request.nextToken, limit: request.maxResults)
        return ServiceDiscovery.ListServicesResponse(
            services: page.items.map { record in
                let full = project(record)
                return ServiceDiscovery.ServiceSummary(
                    id: full.id,
                    arn: full.arn,
                    resourceOwner: full.resourceOwner,
                    name: full.name,
                    type: full.type,
                    description: full.description,
                    instanceCount: full.instanceCount,
                    dnsConfig: full.dnsConfig,
                    healthCheckCustomConfig: full.healthCheckCustomConfig,
                    createDate: full.createDate,
                    createdByAccount: full.createdByAccount
                )
            },
            nextToken: page.next
        )
    }

    /// DeleteService: refused while it has instances.
    func deleteDiscoveryService(
        _ request: ServiceDiscovery.DeleteServiceRequest
    ) throws(ECSError) -> Outcome<ServiceDiscovery.DeleteServiceResponse> {
        let record = try discoveryService(request.id)
        guard record.instances.isEmpty else {
            throw ECSError(.resourceInUse, "Service \(record.id) has registered instances; deregister them first")
        }
        return Outcome(ServiceDiscovery.DeleteServiceResponse(), [.deleteDiscoveryService(id: record.id)])
    }

    func project(_ record: DiscoveryServiceRecord) -> ServiceDiscovery.Service {
        let type = record.dnsRecords.isEmpty ? "HTTP" : "DNS_HTTP"
        return ServiceDiscovery.Service(
            id: record.id,
            arn: cloudMapARN("service", record.id),
            resourceOwner: context.accountID,
            name: record.name,
            namespaceId: record.namespaceID,
            description: record.description,
            instanceCount: record.instances.count,
            dnsConfig: record.dnsRecords.isEmpty
                ? nil
                : ServiceDiscovery.DnsConfig(
                    namespaceId: record.namespaceID,
                    routingPolicy: record.routingPolicy,
                    dnsRecords: record.dnsRecords.map {
                        ServiceDiscovery.DnsRecord(type: $0.type.rawValue, ttl: $0.ttl)
                    }
                ),
            type: type,
            healthCheckCustomConfig: record.hasCustomHealth
                ? ServiceDiscovery.HealthCheckCustomConfig(failureThreshold: record.customHealthFailureThreshold) : nil,
            createDate: record.createdAt,
            creatorRequestId: record.creatorRequestId,
            createdByAccount: context.accountID
        )
    }
}
