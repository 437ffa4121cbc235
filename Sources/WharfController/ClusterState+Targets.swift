import Foundation
import WharfModel
import WharfState

extension ClusterState {
    /// RegisterTargets: container instances (by EC2 instance ID or container instance ID) or IPv4
    /// addresses, each on its port (the target group's by default). A target registered again, or
    /// still draining, is registered anew.
    func registerTargets(
        _ request: ELBv2.RegisterTargetsInput,
        now: Date
    ) throws(ECSError) -> Outcome<ELBv2.RegisterTargetsOutput> {
        guard let text = request.targetGroupArn else { throw ECSError(.validationError, "TargetGroupArn is required") }
        var record = try targetGroup(arn: text)
        guard let given = request.targets, !given.isEmpty else {
            throw ECSError(.validationError, "Targets is required")
        }
        for target in given {
            let (id, port) = try targetKey(target, of: record)
            if target.quicServerId != nil {
                throw LoadBalancingRules.unsupported("QuicServerId", "its load balancers do not speak QUIC")
            }
            switch record.targetType {
            case .instance:
                guard instance(forTarget: id) != nil else {
                    throw ECSError(
                        .invalidTarget,
                        "The following targets are not active container instances and cannot be registered: '\(id)'"
                    )
                }
            case .ip:
                guard let address = IPv4Network.address(id), address != 0, address >> 24 != 127, address != .max else {
                    throw ECSError(.invalidTarget, "The IP address '\(id)' is not a valid IPv4 address for a target")
                }
            }
            if let index = record.targets.firstIndex(where: { $0.id == id && $0.port == port }) {
                record.targets[index].drainingUntil = nil
                record.targets[index].availabilityZone =
                    target.availabilityZone ?? record.targets[index].availabilityZone
            } else {
                record.targets.append(
                    TargetRecord(id: id, port: port, availabilityZone: target.availabilityZone, registeredAt: now)
                )
            }
        }
        guard record.targets.count <= LoadBalancingRules.maxTargets else {
            throw ECSError(.tooManyTargets, "A target group can have at most \(LoadBalancingRules.maxTargets) targets")
        }
        return Outcome(ELBv2.RegisterTargetsOutput(), [.putTargetGroup(record)])
    }

    /// DeregisterTargets: each target drains for the target group's deregistration delay (while a
    /// load balancer uses the group), then is forgotten.
    func deregisterTargets(
        _ request: ELBv2.DeregisterTargetsInput,
        now: Date
    ) throws(ECSError) -> Outcome<ELBv2.DeregisterTargetsOutput> {
        guard let text = request.targetGroupArn else { throw ECSError(.validationError, "TargetGroupArn is required") }
        var record = try targetGroup(arn: text)
        guard let given = request.targets, !given.isEmpty else {
            throw ECSError(.validationError, "Targets is required")
        }
        let delay = record.deregistrationDelaySeconds
        let inUse = !loadBalancing.loadBalancerIDs(using: record.id).isEmpty
        for target in given {
            let (id, port) = try targetKey(target, of: record)
            guard let index = record.targets.firstIndex(where: { $0.id == id && $0.port == port }) else {
                throw ECSError(
                    .invalidTarget,
                    "The following targets are not registered in target group '\(text)': '\(id):\(port)'"
                )
            }
            if delay == 0 || !inUse {
                record.targets.remove(at: index)
            } else if record.targets[index].drainingUntil == nil {
                record.targets[index].drainingUntil = now.addingTimeInterval(Double(delay))
            }
        }
        return Outcome(ELBv2.DeregisterTargetsOutput(), [.putTargetGroup(record)])
    }

    /// DescribeTargetHealth: every registered or draining target, or the ones asked for.
    func describeTargetHealth(
        _ request: ELBv2.DescribeTargetHealthInput,
        now: Date,
        observed: [TargetKey: ObservedHealth] = [:]
    ) throws(ECSError) -> ELBv2.DescribeTargetHealthOutput {
        guard let text = request.targetGroupArn else { throw ECSError(.validationError, "TargetGroupArn is required") }
        let record = try targetGroup(arn: text)
        if let include = request.include, !include.isEmpty {
            throw LoadBalancingRules.unsupported("Include", "it has no anomaly detection")
        }
        let inUse = !loadBalancing.loadBalancerIDs(using: record.id).isEmpty
        let live = record.targets.filter { ($0.drainingUntil ?? .distantFuture) > now }
        var descriptions: [ELBv2.TargetHealthDescription] = []
        if let asked = request.targets {
            for target in asked {
                let (id, port) = try targetKey(target, of: record)
                if let found = live.first(where: { $0.id == id && $0.port == port }) {
                    descriptions.append(health(of: found, in: record, inUse: inUse, observed: observed))
                } else {
                    descriptions.append(
                        ELBv2.TargetHealthDescription(
                            target: ELBv2.TargetDescription(id: id, port: port),
                            healthCheckPort: healthCheckPort(port, record),
                            targetHealth: ELBv2.TargetHealth(
                                state: "unused",
                                reason: "Target.NotRegistered",
                                description: "Target is not registered to the target group"
                            )
                        )
                    )
                }
            }
        } else {
            descriptions = live.map { health(of: $0, in: record, inUse: inUse, observed: observed) }
        }
        return ELBv2.DescribeTargetHealthOutput(targetHealthDescriptions: descriptions)
    }

    /// - Parameter inUse: whether a listener or rule forwards to the group (looked up once for all
    ///   its targets).
    private func health(
        of target: TargetRecord,
        in group: TargetGroupRecord,
        inUse: Bool,
        observed: [TargetKey: ObservedHealth]
    ) -> ELBv2.TargetHealthDescription {
        let state: (String, String?, String?)
        if target.drainingUntil != nil {
            state = ("draining", "Target.DeregistrationInProgress", "Target deregistration is in progress")
        } else if !inUse {
            state = (
                "unused", "Target.NotInUse", "Target group is not configured to receive traffic from the load balancer"
            )
        } else if group.targetType == .instance, instance(forTarget: target.id) == nil {
            state = ("unused", "Target.InvalidState", "Target is in the stopped state")
        } else {
            switch observed[TargetKey(targetGroupID: group.id, id: target.id, port: target.port)] {
            case .healthy?: state = ("healthy", nil, nil)
            case .unhealthy(let detail)?: state = Self.unhealthy(detail)
            case nil: state = ("initial", "Elb.RegistrationInProgress", "Target registration is in progress")
            }
        }
        return ELBv2.TargetHealthDescription(
            target: ELBv2.TargetDescription(
                id: target.id,
                port: target.port,
                availabilityZone: target.availabilityZone
            ),
            healthCheckPort: healthCheckPort(target.port, group),
            targetHealth: ELBv2.TargetHealth(state: state.0, reason: state.1, description: state.2)
        )
    }

    /// ELB's reason and description for a failing target, from HAProxy's last check result.
    static func unhealthy(_ detail: String?) -> (String, String?, String?) {
        switch detail ?? "" {
        case let code where code.hasPrefix("L7STS"):
            return ("unhealthy", "Target.ResponseCodeMismatch", "Health checks failed with these codes")
        case let code where code.hasSuffix("TOUT"):
            return ("unhealthy", "Target.Timeout", "Request timed out")
        default:
            return ("unhealthy", "Target.FailedHealthChecks", "Health checks failed")
        }
    }

    private func healthCheckPort(_ port: Int, _ group: TargetGroupRecord) -> String {
        group.healthCheck.port == "traffic-port" ? String(port) : group.healthCheck.port
    }

    private func targetKey(
        _ target: ELBv2.TargetDescription,
        of group: TargetGroupRecord
    ) throws(ECSError) -> (String, Int) {
        guard let id = target.id, !id.isEmpty else { throw ECSError(.validationError, "A target's Id is required") }
        return (id, target.port ?? group.port)
    }

    /// The ACTIVE or DRAINING container instance an instance target names: by its EC2 instance ID
    /// (the node's name) or its container instance ID.
    func instance(forTarget id: String) -> InstanceRecord? {
        instances.all.first { record in
            (record.status == .active || record.status == .draining)
                && (record.ec2InstanceId == id || record.id.description == id)
        }
    }

    /// Forgets targets whose draining ended by `now`: the target groups' changes.
    func drainedTargets(now: Date) -> [StateChange] {
        loadBalancing.allTargetGroups.compactMap { group in
            var record = group
            record.targets.removeAll { ($0.drainingUntil ?? .distantFuture) <= now }
            return record.targets.count == group.targets.count ? nil : .putTargetGroup(record)
        }
    }
}
