import Foundation
import WharfModel
import WharfState

extension ClusterState {
    /// CreateLoadBalancer: an application or network load balancer. Creating one again with the
    /// same settings answers the one that exists, as Elastic Load Balancing does.
    func createLoadBalancer(
        _ request: ELBv2.CreateLoadBalancerInput,
        now: Date,
        seed: UInt64
    ) throws(ECSError) -> Outcome<ELBv2.CreateLoadBalancerOutput> {
        guard let name = request.name else { throw ECSError(.validationError, "Name is required") }
        try LoadBalancingRules.checkName(name, "load balancer")
        let type: LoadBalancerType
        switch request.type ?? "application" {
        case "application": type = .application
        case "network": type = .network
        case let other:
            throw LoadBalancingRules.unsupported(
                "Type '\(other)'",
                "it serves application and network load balancers"
            )
        }
        let scheme = LoadBalancerScheme(rawValue: request.scheme ?? "internet-facing") ?? .internetFacing
        if let type = request.ipAddressType, type != "ipv4" {
            throw LoadBalancingRules.unsupported("IpAddressType '\(type)'", "its load balancers serve IPv4")
        }
        if request.customerOwnedIpv4Pool != nil {
            throw LoadBalancingRules.unsupported("CustomerOwnedIpv4Pool", "it has no Outposts")
        }
        if request.ipamPools != nil { throw LoadBalancingRules.unsupported("IpamPools", "it has no IPAM") }
        if let prefix = request.enablePrefixForIpv6SourceNat, prefix != "off" {
            throw LoadBalancingRules.unsupported("EnablePrefixForIpv6SourceNat", "its load balancers serve IPv4")
        }
        let subnets = try Self.subnets(request.subnets, request.subnetMappings)
        let tags = try LoadBalancingRules.tags(request.tags)
        if let existing = loadBalancing.loadBalancer(named: name) {
            guard existing.type == type, existing.scheme == scheme, Set(existing.subnets) == Set(subnets),
                Set(existing.securityGroups) == Set(request.securityGroups ?? [])
            else {
                throw ECSError(
                    .duplicateLoadBalancerName,
                    "A load balancer with the same name '\(name)' exists, but with different settings"
                )
            }
            return Outcome(ELBv2.CreateLoadBalancerOutput(loadBalancers: [project(existing)]))
        }
        guard loadBalancing.counts.loadBalancers < LoadBalancingRules.maxLoadBalancers else {
            throw ECSError(
                .tooManyLoadBalancers,
                "You have reached the limit of \(LoadBalancingRules.maxLoadBalancers) load balancers"
            )
        }
        var random = SeededRandom(seed: seed)
        let record = LoadBalancerRecord(
            id: LoadBalancingRules.newID(&random),
            name: name,
            type: type,
            scheme: scheme,
            subnets: subnets,
            securityGroups: request.securityGroups ?? [],
            tags: tags,
            createdAt: now
        )
        return Outcome(ELBv2.CreateLoadBalancerOutput(loadBalancers: [project(record)]), [.putLoadBalancer(record)])
    }

    /// The subnets of a new load balancer, from `Subnets` or `SubnetMappings` (one of them).
    private static func subnets(_ subnets: [String]?, _ mappings: [ELBv2.SubnetMapping]?) throws(ECSError) -> [String] {
        if subnets != nil, mappings != nil {
            throw ECSError(.validationError, "You can specify either subnets or subnet mappings, not both")
        }
        var ids = subnets ?? []
        for mapping in mappings ?? [] {
            guard let id = mapping.subnetId else {
                throw ECSError(.validationError, "SubnetMappings: SubnetId is required")
            }
            if mapping.allocationId != nil || mapping.privateIPv4Address != nil || mapping.iPv6Address != nil
                || mapping.sourceNatIpv6Prefix != nil
            {
                throw LoadBalancingRules.unsupported(
                    "SubnetMappings with addresses",
                    "a load balancer is reached at the addresses of the nodes that run it (wharf-agent --load-balancer)"
                )
            }
            ids.append(id)
        }
        guard !ids.isEmpty else { throw ECSError(.validationError, "At least one subnet must be specified") }
        guard Set(ids).count == ids.count else {
            throw ECSError(.validationError, "A subnet cannot be specified more than once")
        }
        return ids
    }

    /// DescribeLoadBalancers: by ARN, by name, or all, in pages.
    func describeLoadBalancers(
        _ request: ELBv2.DescribeLoadBalancersInput
    ) throws(ECSError) -> ELBv2.DescribeLoadBalancersOutput {
        if request.loadBalancerArns != nil, request.names != nil {
            throw ECSError(
                .validationError,
                "Load balancer names and load balancer ARNs cannot be specified at the same time"
            )
        }
        var records: [LoadBalancerRecord]
        if let arns = request.loadBalancerArns {
            records = []
            var missing: [String] = []
            for text in arns {
                do { records.append(try loadBalancer(arn: text)) } catch  where error.code == .loadBalancerNotFound {
                    missing.append(text)
                }
            }
            if !missing.isEmpty {
                throw ECSError(.loadBalancerNotFound, "Load balancers '[\(missing.joined(separator: ", "))]' not found")
            }
        } else if let names = request.names {
            let found = names.compactMap { loadBalancing.loadBalancer(named: $0) }
            let missing = names.filter { loadBalancing.loadBalancer(named: $0) == nil }
            if !missing.isEmpty {
                throw ECSError(.loadBalancerNotFound, "Load balancers '[\(missing.joined(separator: ", "))]' not found")
            }
            records = found
        } else {
            records = loadBalancing.allLoadBalancers
        }
        let page = try LoadBalancingRules.page(records, marker: request.marker, pageSize: request.pageSize)
        return ELBv2.DescribeLoadBalancersOutput(loadBalancers: page.items.map(project), nextMarker: page.next)
    }

    /// DeleteLoadBalancer: the load balancer with its listeners and their rules. One that does not
    /// exist is deleted already, as Elastic Load Balancing answers.
    func deleteLoadBalancer(
        _ request: ELBv2.DeleteLoadBalancerInput
    ) throws(ECSError) -> Outcome<ELBv2.DeleteLoadBalancerOutput> {
        guard let text = request.loadBalancerArn else {
            throw ECSError(.validationError, "LoadBalancerArn is required")
        }
        let record: LoadBalancerRecord
        do { record = try loadBalancer(arn: text) } catch  where error.code == .loadBalancerNotFound {
            return Outcome(ELBv2.DeleteLoadBalancerOutput())
        }
        if record.attributes["deletion_protection.enabled"] == "true" {
            throw ECSError(
                .operationNotPermitted,
                "Load balancer '\(text)' cannot be deleted because deletion protection is enabled"
            )
        }
        var changes: [StateChange] = []
        for listener in loadBalancing.listeners(of: record.id) {
            changes += loadBalancing.rules(of: listener.id).map { .deleteListenerRule(id: $0.id) }
            changes.append(.deleteListener(id: listener.id))
        }
        changes.append(.deleteLoadBalancer(id: record.id))
        return Outcome(ELBv2.DeleteLoadBalancerOutput(), changes)
    }

    /// DescribeLoadBalancerAttributes: every attribute of the load balancer's type.
    func describeLoadBalancerAttributes(
        _ request: ELBv2.DescribeLoadBalancerAttributesInput
    ) throws(ECSError) -> ELBv2.DescribeLoadBalancerAttributesOutput {
        guard let text = request.loadBalancerArn else {
            throw ECSError(.validationError, "LoadBalancerArn is required")
        }
        let record = try loadBalancer(arn: text)
        return ELBv2.DescribeLoadBalancerAttributesOutput(attributes: loadBalancerAttributes(record))
    }

    /// ModifyLoadBalancerAttributes: checks every attribute given, then sets them all.
    func modifyLoadBalancerAttributes(
        _ request: ELBv2.ModifyLoadBalancerAttributesInput
    ) throws(ECSError) -> Outcome<ELBv2.ModifyLoadBalancerAttributesOutput> {
        guard let text = request.loadBalancerArn else {
            throw ECSError(.validationError, "LoadBalancerArn is required")
        }
        var record = try loadBalancer(arn: text)
        guard let given = request.attributes, !given.isEmpty else {
            throw ECSError(.validationError, "Attributes is required")
        }
        record.attributes = try LoadBalancingAttribute.apply(
            given.map { ($0.key, $0.value) },
            to: record.attributes,
            specs: LoadBalancingAttribute.of(record.type),
            kind: "Load balancer"
        )
        return Outcome(
            ELBv2.ModifyLoadBalancerAttributesOutput(attributes: loadBalancerAttributes(record)),
            [.putLoadBalancer(record)]
        )
    }

    private func loadBalancerAttributes(_ record: LoadBalancerRecord) -> [ELBv2.LoadBalancerAttribute] {
        LoadBalancingAttribute.values(record.attributes, specs: LoadBalancingAttribute.of(record.type)).map {
            ELBv2.LoadBalancerAttribute(key: $0.key, value: $0.value)
        }
    }

    /// The name a load balancer is reached by: `NAME-ID.REGION.elb.wharf.internal` (`internal-`
    /// first for an internal one), which Wharf's DNS answers with the load balancer nodes.
    func dnsName(of record: LoadBalancerRecord) -> String {
        let prefix = record.scheme == .internal ? "internal-" : ""
        return "\(prefix)\(record.name)-\(record.id.prefix(10)).\(context.region).elb.wharf.internal"
    }

    /// A load balancer as DescribeLoadBalancers shows it.
    func project(_ record: LoadBalancerRecord) -> ELBv2.LoadBalancer {
        ELBv2.LoadBalancer(
            loadBalancerArn: arn(of: record),
            dnsName: dnsName(of: record),
            canonicalHostedZoneId: Self.hostedZoneID,
            createdTime: record.createdAt,
            loadBalancerName: record.name,
            scheme: record.scheme.rawValue,
            state: ELBv2.LoadBalancerState(code: "active"),
            type: record.type.rawValue,
            availabilityZones: record.subnets.map {
                ELBv2.AvailabilityZone(zoneName: "\(context.region)a", subnetId: $0)
            },
            securityGroups: record.securityGroups.isEmpty ? nil : record.securityGroups,
            ipAddressType: "ipv4"
        )
    }

    /// The hosted zone every Wharf load balancer's DNS name is in.
    static let hostedZoneID = "Z0WHARFELB00001"
}
