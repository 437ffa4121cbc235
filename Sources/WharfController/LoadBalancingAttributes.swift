import WharfModel
import WharfState

/// The attributes of load balancers and target groups: each key Elastic Load Balancing knows for
/// the kind of resource, its default, the values it takes, and whether Wharf gives other values
/// effect. A value Wharf cannot honour is refused by name; the defaults are shown and accepted.
struct LoadBalancingAttribute {
    enum Effect {
        /// Wharf applies any valid value.
        case applied
        /// Wharf has one zone per region, so any valid value behaves the same.
        case singleZone
        /// Only the default is accepted.
        case defaultOnly(why: String)
    }

    let key: String
    let defaultValue: String
    let allowed: Allowed
    let effect: Effect

    enum Allowed {
        case bool
        case range(ClosedRange<Int>)
        /// 0 or a value within the range (slow start).
        case zeroOr(ClosedRange<Int>)
        case oneOf([String])
        case text
    }

    func check(_ value: String) throws(ECSError) {
        let valid: Bool
        switch allowed {
        case .bool: valid = value == "true" || value == "false"
        case .range(let range): valid = Int(value).map(range.contains) ?? false
        case .zeroOr(let range): valid = Int(value).map { $0 == 0 || range.contains($0) } ?? false
        case .oneOf(let values): valid = values.contains(value)
        case .text: valid = value.count <= 1024
        }
        guard valid else {
            throw ECSError(.validationError, "The value '\(value)' of attribute '\(key)' is not valid")
        }
        if case .defaultOnly(let why) = effect, value != defaultValue {
            throw LoadBalancingRules.unsupported("Attribute '\(key)' with value '\(value)'", why)
        }
    }

    static let noS3 = "it writes no access logs to Amazon S3"

    /// The attributes of a load balancer of `type`.
    static func of(_ type: LoadBalancerType) -> [LoadBalancingAttribute] {
        var list: [LoadBalancingAttribute] = [
            .init(key: "deletion_protection.enabled", defaultValue: "false", allowed: .bool, effect: .applied),
            .init(
                key: "access_logs.s3.enabled",
                defaultValue: "false",
                allowed: .bool,
                effect: .defaultOnly(why: noS3)
            ),
            .init(key: "access_logs.s3.bucket", defaultValue: "", allowed: .text, effect: .defaultOnly(why: noS3)),
            .init(key: "access_logs.s3.prefix", defaultValue: "", allowed: .text, effect: .defaultOnly(why: noS3)),
            .init(
                key: "load_balancing.cross_zone.enabled",
                defaultValue: type == .application ? "true" : "false",
                allowed: .bool,
                effect: .singleZone
            ),
        ]
        if type == .application {
            list += [
                .init(
                    key: "idle_timeout.timeout_seconds",
                    defaultValue: "60",
                    allowed: .range(1...4000),
                    effect: .applied
                ),
                .init(
                    key: "routing.http2.enabled",
                    defaultValue: "true",
                    allowed: .bool,
                    effect: .defaultOnly(why: "HTTP/2 is negotiated over TLS, and Wharf's listeners are HTTP")
                ),
                .init(
                    key: "routing.http.drop_invalid_header_fields.enabled",
                    defaultValue: "false",
                    allowed: .bool,
                    effect: .defaultOnly(why: "HAProxy refuses malformed headers itself")
                ),
                .init(
                    key: "routing.http.xff_header_processing.mode",
                    defaultValue: "append",
                    allowed: .oneOf(["append", "preserve", "remove"]),
                    effect: .defaultOnly(why: "the load balancer always appends the client to X-Forwarded-For")
                ),
            ]
        } else {
            list.append(
                .init(
                    key: "dns_record.client_routing_policy",
                    defaultValue: "any_availability_zone",
                    allowed: .oneOf([
                        "availability_zone_affinity", "partial_availability_zone_affinity", "any_availability_zone",
                    ]),
                    effect: .singleZone
                )
            )
        }
        return list
    }

    /// The attributes of a target group of `protocol`.
    static func of(_ protocol: LoadBalancingProtocol) -> [LoadBalancingAttribute] {
        var list: [LoadBalancingAttribute] = [
            .init(
                key: "deregistration_delay.timeout_seconds",
                defaultValue: "300",
                allowed: .range(0...3600),
                effect: .applied
            ),
            .init(key: "stickiness.enabled", defaultValue: "false", allowed: .bool, effect: .applied),
            .init(
                key: "load_balancing.cross_zone.enabled",
                defaultValue: "use_load_balancer_configuration",
                allowed: .oneOf(["true", "false", "use_load_balancer_configuration"]),
                effect: .singleZone
            ),
        ]
        if `protocol`.isHTTP {
            list += [
                .init(
                    key: "slow_start.duration_seconds",
                    defaultValue: "0",
                    allowed: .zeroOr(30...900),
                    effect: .applied
                ),
                .init(
                    key: "stickiness.type",
                    defaultValue: "lb_cookie",
                    allowed: .oneOf(["lb_cookie", "app_cookie"]),
                    effect: .applied
                ),
                .init(
                    key: "stickiness.lb_cookie.duration_seconds",
                    defaultValue: "86400",
                    allowed: .range(1...604_800),
                    effect: .applied
                ),
                .init(key: "stickiness.app_cookie.cookie_name", defaultValue: "", allowed: .text, effect: .applied),
                .init(
                    key: "stickiness.app_cookie.duration_seconds",
                    defaultValue: "86400",
                    allowed: .range(1...604_800),
                    effect: .applied
                ),
                .init(
                    key: "load_balancing.algorithm.type",
                    defaultValue: "round_robin",
                    allowed: .oneOf(["round_robin", "least_outstanding_requests", "weighted_random"]),
                    effect: .applied
                ),
            ]
        } else {
            list += [
                .init(
                    key: "stickiness.type",
                    defaultValue: "source_ip",
                    allowed: .oneOf(["source_ip"]),
                    effect: .applied
                ),
                .init(key: "proxy_protocol_v2.enabled", defaultValue: "false", allowed: .bool, effect: .applied),
                .init(
                    key: "deregistration_delay.connection_termination.enabled",
                    defaultValue: "false",
                    allowed: .bool,
                    effect: .applied
                ),
            ]
        }
        return list
    }

    /// `current` with `changes` applied, each checked against `specs`; only values that differ
    /// from their defaults are kept.
    static func apply(
        _ changes: [(key: String?, value: String?)],
        to current: [String: String],
        specs: [LoadBalancingAttribute],
        kind: String
    ) throws(ECSError) -> [String: String] {
        var result = current
        for change in changes {
            guard let key = change.key, let value = change.value else {
                throw ECSError(.validationError, "Each attribute needs a Key and a Value")
            }
            guard let spec = specs.first(where: { $0.key == key }) else {
                throw ECSError(.validationError, "\(kind) attribute key '\(key)' is not recognized")
            }
            try spec.check(value)
            result[key] = value == spec.defaultValue ? nil : value
        }
        return result
    }

    /// Every attribute's value: what was set, else the default.
    static func values(_ set: [String: String], specs: [LoadBalancingAttribute]) -> [(key: String, value: String)] {
        specs.map { ($0.key, set[$0.key] ?? $0.defaultValue) }
    }
}
