import Foundation
import WharfModel
import WharfState

extension ClusterState {
    /// CreateTargetGroup: targets by instance or IP over HTTP, HTTPS, TCP or TLS, with health
    /// checks filled in as Elastic Load Balancing fills them. Creating one again with the same
    /// settings answers the one that exists.
    func createTargetGroup(
        _ request: ELBv2.CreateTargetGroupInput,
        now: Date,
        seed: UInt64
    ) throws(ECSError) -> Outcome<ELBv2.CreateTargetGroupOutput> {
        guard let name = request.name else { throw ECSError(.validationError, "Name is required") }
        try LoadBalancingRules.checkName(name, "target group")
        let targetType: TargetType
        switch request.targetType ?? "instance" {
        case "instance": targetType = .instance
        case "ip": targetType = .ip
        case let other:
            throw LoadBalancingRules.unsupported("TargetType '\(other)'", "its targets are instances and IP addresses")
        }
        guard let protocolName = request.protocol else {
            throw ECSError(.validationError, "A protocol must be specified")
        }
        let proto = try Self.targetProtocol(protocolName)
        guard let port = request.port else { throw ECSError(.validationError, "A port must be specified") }
        if let type = request.ipAddressType, type != "ipv4" {
            throw LoadBalancingRules.unsupported("IpAddressType '\(type)'", "its target groups reach IPv4 targets")
        }
        if request.targetControlPort != nil {
            throw LoadBalancingRules.unsupported("TargetControlPort", "it has no target optimizer")
        }
        var protocolVersion: String?
        if proto.isHTTP {
            protocolVersion = request.protocolVersion ?? "HTTP1"
            guard protocolVersion == "HTTP1" || protocolVersion == "HTTP2" else {
                throw LoadBalancingRules.unsupported(
                    "ProtocolVersion '\(protocolVersion ?? "")'",
                    "its target groups speak HTTP1 or HTTP2"
                )
            }
        } else if request.protocolVersion != nil {
            throw ECSError(
                .validationError,
                "A protocol version can only be specified for HTTP and HTTPS target groups"
            )
        }
        let defaults = Self.defaultHealthCheck(for: proto)
        let healthCheck = try Self.healthCheck(
            request,
            applied: defaults,
            targetProtocol: proto
        )
        try Self.checkHealthCheckEnabled(healthCheck, targetType: targetType)
        let tags = try LoadBalancingRules.tags(request.tags)
        if let existing = loadBalancing.targetGroup(named: name) {
            guard existing.protocol == proto, existing.port == port, existing.targetType == targetType,
                existing.vpcID == request.vpcId, existing.healthCheck == healthCheck,
                existing.protocolVersion == protocolVersion
            else {
                throw ECSError(
                    .duplicateTargetGroupName,
                    "A target group with the same name '\(name)' exists, but with different settings"
                )
            }
            return Outcome(ELBv2.CreateTargetGroupOutput(targetGroups: [project(existing)]))
        }
        guard loadBalancing.counts.targetGroups < LoadBalancingRules.maxTargetGroups else {
            throw ECSError(
                .tooManyTargetGroups,
                "You have reached the limit of \(LoadBalancingRules.maxTargetGroups) target groups"
            )
        }
        var random = SeededRandom(seed: seed)
        let record = TargetGroupRecord(
            id: LoadBalancingRules.newID(&random),
            name: name,
            targetType: targetType,
            protocol: proto,
            protocolVersion: protocolVersion,
            port: port,
            vpcID: request.vpcId,
            healthCheck: healthCheck,
            tags: tags,
            createdAt: now
        )
        return Outcome(ELBv2.CreateTargetGroupOutput(targetGroups: [project(record)]), [.putTargetGroup(record)])
    }

    /// ModifyTargetGroup: its health-check settings.
    func modifyTargetGroup(
        _ request: ELBv2.ModifyTargetGroupInput
    ) throws(ECSError) -> Outcome<ELBv2.ModifyTargetGroupOutput> {
        guard let text = request.targetGroupArn else { throw ECSError(.validationError, "TargetGroupArn is required") }
        var record = try targetGroup(arn: text)
        record.healthCheck = try Self.healthCheck(
            request,
            applied: record.healthCheck,
            targetProtocol: record.protocol
        )
        try Self.checkHealthCheckEnabled(record.healthCheck, targetType: record.targetType)
        return Outcome(ELBv2.ModifyTargetGroupOutput(targetGroups: [project(record)]), [.putTargetGroup(record)])
    }

    /// DescribeTargetGroups: by load balancer, by ARN, by name, or all, in pages.
    func describeTargetGroups(
        _ request: ELBv2.DescribeTargetGroupsInput
    ) throws(ECSError) -> ELBv2.DescribeTargetGroupsOutput {
        let given = [request.loadBalancerArn != nil, request.targetGroupArns != nil, request.names != nil]
        if given.filter({ $0 }).count > 1 {
            throw ECSError(
                .validationError,
                "Only one of LoadBalancerArn, TargetGroupArns and Names can be specified"
            )
        }
        var records: [TargetGroupRecord]
        if let text = request.loadBalancerArn {
            let balancer = try loadBalancer(arn: text)
            records = loadBalancing.allTargetGroups.filter {
                loadBalancing.loadBalancerIDs(using: $0.id).contains(balancer.id)
            }
        } else if let arns = request.targetGroupArns {
            records = []
            var missing: [String] = []
            for text in arns {
                do { records.append(try targetGroup(arn: text)) } catch  where error.code == .targetGroupNotFound {
                    missing.append(text)
                }
            }
            if !missing.isEmpty {
                throw ECSError(.targetGroupNotFound, "Target groups '[\(missing.joined(separator: ", "))]' not found")
            }
        } else if let names = request.names {
            let missing = names.filter { loadBalancing.targetGroup(named: $0) == nil }
            if !missing.isEmpty {
                throw ECSError(.targetGroupNotFound, "One or more target groups not found")
            }
            records = names.compactMap { loadBalancing.targetGroup(named: $0) }
        } else {
            records = loadBalancing.allTargetGroups
        }
        let page = try LoadBalancingRules.page(records, marker: request.marker, pageSize: request.pageSize)
        return ELBv2.DescribeTargetGroupsOutput(targetGroups: page.items.map(project), nextMarker: page.next)
    }

    /// DeleteTargetGroup: refused while a listener or rule forwards to it; one that does not exist
    /// is deleted already.
    func deleteTargetGroup(
        _ request: ELBv2.DeleteTargetGroupInput
    ) throws(ECSError) -> Outcome<ELBv2.DeleteTargetGroupOutput> {
        guard let text = request.targetGroupArn else { throw ECSError(.validationError, "TargetGroupArn is required") }
        let record: TargetGroupRecord
        do { record = try targetGroup(arn: text) } catch  where error.code == .targetGroupNotFound {
            return Outcome(ELBv2.DeleteTargetGroupOutput())
        }
        guard loadBalancing.loadBalancerIDs(using: record.id).isEmpty else {
            throw ECSError(.resourceInUse, "Target group '\(text)' is currently in use by a listener or a rule")
        }
        return Outcome(ELBv2.DeleteTargetGroupOutput(), [.deleteTargetGroup(id: record.id)])
    }

    /// DescribeTargetGroupAttributes: every attribute of the target group's protocol.
    func describeTargetGroupAttributes(
        _ request: ELBv2.DescribeTargetGroupAttributesInput
    ) throws(ECSError) -> ELBv2.DescribeTargetGroupAttributesOutput {
        guard let text = request.targetGroupArn else { throw ECSError(.validationError, "TargetGroupArn is required") }
        return ELBv2.DescribeTargetGroupAttributesOutput(attributes: targetGroupAttributes(try targetGroup(arn: text)))
    }

    /// ModifyTargetGroupAttributes: checks every attribute given, then sets them all.
    func modifyTargetGroupAttributes(
        _ request: ELBv2.ModifyTargetGroupAttributesInput
    ) throws(ECSError) -> Outcome<ELBv2.ModifyTargetGroupAttributesOutput> {
        guard let text = request.targetGroupArn else { throw ECSError(.validationError, "TargetGroupArn is required") }
        var record = try targetGroup(arn: text)
        guard let given = request.attributes, !given.isEmpty else {
            throw ECSError(.validationError, "Attributes is required")
        }
        record.attributes = try LoadBalancingAttribute.apply(
            given.map { ($0.key, $0.value) },
            to: record.attributes,
            specs: LoadBalancingAttribute.of(record.protocol),
            kind: "Target group"
        )
        if record.attributes["stickiness.type"] == "app_cookie", record.attributes["stickiness.enabled"] == "true",
            (record.attributes["stickiness.app_cookie.cookie_name"] ?? "").isEmpty
        {
            throw ECSError(
                .validationError,
                "The stickiness.app_cookie.cookie_name attribute is required when stickiness.type is app_cookie"
            )
        }
        return Outcome(
            ELBv2.ModifyTargetGroupAttributesOutput(attributes: targetGroupAttributes(record)),
            [.putTargetGroup(record)]
        )
    }

    private func targetGroupAttributes(_ record: TargetGroupRecord) -> [ELBv2.TargetGroupAttribute] {
        LoadBalancingAttribute.values(record.attributes, specs: LoadBalancingAttribute.of(record.protocol)).map {
            ELBv2.TargetGroupAttribute(key: $0.key, value: $0.value)
        }
    }

    /// A target group as DescribeTargetGroups shows it.
    func project(_ record: TargetGroupRecord) -> ELBv2.TargetGroup {
        let check = record.healthCheck
        let users = loadBalancing.loadBalancerIDs(using: record.id).compactMap { loadBalancing.loadBalancer($0) }
        return ELBv2.TargetGroup(
            targetGroupArn: arn(of: record),
            targetGroupName: record.name,
            protocol: record.protocol.rawValue,
            port: record.port,
            vpcId: record.vpcID,
            healthCheckProtocol: check.protocol.rawValue,
            healthCheckPort: check.port,
            healthCheckEnabled: check.enabled,
            healthCheckIntervalSeconds: check.intervalSeconds,
            healthCheckTimeoutSeconds: check.timeoutSeconds,
            healthyThresholdCount: check.healthyThreshold,
            unhealthyThresholdCount: check.unhealthyThreshold,
            healthCheckPath: check.path,
            matcher: check.httpCodes.map { ELBv2.Matcher(httpCode: $0) },
            loadBalancerArns: users.map { arn(of: $0) },
            targetType: record.targetType.rawValue,
            protocolVersion: record.protocolVersion,
            ipAddressType: "ipv4"
        )
    }

    /// Health checks can be turned off only for Lambda targets, which Wharf does not serve.
    static func checkHealthCheckEnabled(_ check: HealthCheckSettings, targetType: TargetType) throws(ECSError) {
        guard check.enabled else {
            throw ECSError(
                .validationError,
                "Health checks cannot be disabled for target groups with the target type '\(targetType.rawValue)'"
            )
        }
    }

    static func targetProtocol(_ name: String) throws(ECSError) -> LoadBalancingProtocol {
        switch LoadBalancingProtocol(rawValue: name) {
        case .http?, .https?, .tcp?, .tls?: return LoadBalancingProtocol(rawValue: name) ?? .http
        default:
            throw ECSError(
                .unsupportedProtocol,
                "Protocol '\(name)' is not supported by Wharf: its load balancers (HAProxy) speak HTTP, HTTPS, "
                    + "TCP and TLS"
            )
        }
    }
}
