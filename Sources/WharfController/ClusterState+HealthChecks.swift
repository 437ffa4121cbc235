import WharfModel
import WharfState

/// The health-check members CreateTargetGroup and ModifyTargetGroup share, each nil when not given.
protocol HealthCheckChange {
    var healthCheckProtocol: String? { get }
    var healthCheckPort: String? { get }
    var healthCheckPath: String? { get }
    var healthCheckEnabled: Bool? { get }
    var healthCheckIntervalSeconds: Int? { get }
    var healthCheckTimeoutSeconds: Int? { get }
    var healthyThresholdCount: Int? { get }
    var unhealthyThresholdCount: Int? { get }
    var matcher: ELBv2.Matcher? { get }
}

extension ELBv2.CreateTargetGroupInput: HealthCheckChange {}
extension ELBv2.ModifyTargetGroupInput: HealthCheckChange {}

extension ClusterState {
    /// The health checks Elastic Load Balancing gives a target group of `protocol` by default.
    static func defaultHealthCheck(for protocol: LoadBalancingProtocol) -> HealthCheckSettings {
        let http = `protocol`.isHTTP
        return HealthCheckSettings(
            enabled: true,
            protocol: http ? `protocol` : .tcp,
            port: "traffic-port",
            path: http ? "/" : nil,
            intervalSeconds: 30,
            timeoutSeconds: http ? 5 : 10,
            healthyThreshold: 5,
            unhealthyThreshold: 2,
            httpCodes: http ? "200" : nil
        )
    }

    /// `current` with `change` applied, checked as Elastic Load Balancing checks it.
    static func healthCheck(
        _ change: some HealthCheckChange,
        applied current: HealthCheckSettings,
        targetProtocol: LoadBalancingProtocol
    ) throws(ECSError) -> HealthCheckSettings {
        var check = current
        if let name = change.healthCheckProtocol {
            guard let proto = LoadBalancingProtocol(rawValue: name), [.http, .https, .tcp].contains(proto) else {
                throw ECSError(.validationError, "Health check protocol '\(name)' is not valid; use HTTP, HTTPS or TCP")
            }
            if targetProtocol.isHTTP, proto == .tcp {
                throw ECSError(
                    .validationError,
                    "Health check protocol 'TCP' is not supported for target groups with the protocol "
                        + "'\(targetProtocol.rawValue)'"
                )
            }
            if proto != check.protocol {
                let becameHTTP = proto.isHTTP && !check.protocol.isHTTP
                check.protocol = proto
                if becameHTTP {
                    check.path = check.path ?? "/"
                    check.httpCodes = check.httpCodes ?? (targetProtocol.isHTTP ? "200" : "200-399")
                    check.timeoutSeconds = change.healthCheckTimeoutSeconds ?? (targetProtocol.isHTTP ? 5 : 6)
                } else if !proto.isHTTP {
                    check.path = nil
                    check.httpCodes = nil
                }
            }
        }
        if let port = change.healthCheckPort {
            guard port == "traffic-port" || Int(port).map({ (1...65535).contains($0) }) == true else {
                throw ECSError(
                    .validationError,
                    "Health check port '\(port)' must be 'traffic-port' or a port from 1 to 65535"
                )
            }
            check.port = port
        }
        if let path = change.healthCheckPath {
            guard check.protocol.isHTTP else {
                throw ECSError(
                    .validationError,
                    "A health check path can only be specified for HTTP and HTTPS health checks"
                )
            }
            guard path.hasPrefix("/") else {
                throw ECSError(.validationError, "Health check path must begin with a '/' character")
            }
            check.path = path
        }
        if let enabled = change.healthCheckEnabled { check.enabled = enabled }
        if let interval = change.healthCheckIntervalSeconds { check.intervalSeconds = interval }
        if let timeout = change.healthCheckTimeoutSeconds { check.timeoutSeconds = timeout }
        if let healthy = change.healthyThresholdCount { check.healthyThreshold = healthy }
        if let unhealthy = change.unhealthyThresholdCount { check.unhealthyThreshold = unhealthy }
        if let matcher = change.matcher {
            if matcher.grpcCode != nil {
                throw LoadBalancingRules.unsupported(
                    "Matcher GrpcCode",
                    "its target groups speak HTTP1 or HTTP2, not gRPC"
                )
            }
            guard check.protocol.isHTTP, let codes = matcher.httpCode else {
                throw ECSError(
                    .validationError,
                    "A matcher HttpCode can only be specified for HTTP and HTTPS health checks"
                )
            }
            guard Self.validHTTPCodes(codes) else {
                throw ECSError(
                    .validationError,
                    "Matcher HttpCode '\(codes)' is not valid; use codes from 200 to 499 as '200', '200,202' "
                        + "or '200-299'"
                )
            }
            check.httpCodes = codes
        }
        guard check.timeoutSeconds < check.intervalSeconds else {
            throw ECSError(
                .validationError,
                "Health check timeout '\(check.timeoutSeconds)' must be smaller than the interval "
                    + "'\(check.intervalSeconds)'"
            )
        }
        return check
    }

    /// `200`, `200,202`, `200-299`: codes from 200 to 499.
    static func validHTTPCodes(_ text: String) -> Bool {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        return !parts.isEmpty
            && parts.allSatisfy { part in
                let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
                guard (1...2).contains(bounds.count), bounds.allSatisfy({ $0.map { (200...499).contains($0) } == true })
                else {
                    return false
                }
                return bounds.count == 1 || (bounds[0] ?? 0) <= (bounds[1] ?? 0)
            }
    }
}
