import WharfProtocol

/// Writes the HAProxy configuration that serves a ``LoadBalancerPlan``: a frontend per listener
/// (HTTP with its rules as ACLs in priority order, or TCP), a backend per target group with its
/// health checks, balancing, stickiness and a server per target. Pure: the same plan gives the
/// same text.
public struct HAProxyConfig: Sendable {
    /// The runtime API socket (admin level, passing the listeners on to the next process on a reload).
    public var socketPath: String
    /// Where server states are saved before a reload and read back after it.
    public var stateFile: String
    /// Targets seen healthy before: the others start in maintenance, so no request reaches them
    /// before their first passed checks (``HAProxyProcess`` enables them after the reload).
    public var known: Set<ServerKey>

    public init(socketPath: String, stateFile: String, known: Set<ServerKey> = []) {
        self.socketPath = socketPath
        self.stateFile = stateFile
        self.known = known
    }

    /// A server: a target of a target group.
    public struct ServerKey: Hashable, Sendable {
        public var backend: String
        public var server: String

        public init(backend: String, server: String) {
            self.backend = backend
            self.server = server
        }
    }

    /// A server state file with no server in it, for the first start.
    public static let emptyStateFile = "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state\n"

    public static func backendName(_ targetGroupID: String) -> String { "tg_\(targetGroupID)" }

    /// A target's server name: its ID and port, with characters HAProxy refuses replaced.
    public static func serverName(_ target: LoadBalancerPlan.Target) -> String {
        let id = String(target.id.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" })
        return "\(id)_\(target.port)"
    }

    /// The configuration text.
    public func render(_ plan: LoadBalancerPlan) -> String {
        let drain = plan.targetGroups.map(\.deregistrationDelaySeconds)
        var out = [
            "# Written by wharf-agent from the controller's load balancer plan \(plan.version). Do not edit.",
            "global",
            "    stats socket \(socketPath) mode 600 level admin expose-fd listeners",
            "    server-state-file \(stateFile)",
            "    hard-stop-after \(max(5, drain.max() ?? 0) + 5)s",
            // A second HAProxy on the same ports fails instead of sharing them unseen.
            "    noreuseport",
            "    log stdout format raw daemon notice",
            "",
            "defaults",
            "    log global",
            "    load-server-state-from-file global",
            "    timeout connect 5s",
            "    timeout client 60s",
            "    timeout server 60s",
            "    retries 3",
            "    option redispatch 1",
            "",
        ]
        var idle: [String: Int] = [:]
        for balancer in plan.balancers {
            for listener in balancer.listeners {
                out += frontend(listener, balancer)
                for rule in listener.rules {
                    for group in rule.action.targetGroups ?? [] {
                        idle[group.id] = max(idle[group.id] ?? 0, balancer.idleTimeoutSeconds)
                    }
                }
            }
        }
        for group in plan.targetGroups {
            out += backend(group, idleSeconds: idle[group.id] ?? 60)
        }
        return out.joined(separator: "\n") + "\n"
    }

    private func frontend(_ listener: LoadBalancerPlan.Listener, _ balancer: LoadBalancerPlan.Balancer) -> [String] {
        var lines = [
            "frontend l_\(listener.id)",
            "    # \(balancer.name) \(listener.protocol):\(listener.port)",
            "    bind :\(listener.port)",
        ]
        guard balancer.type == "application" else {
            lines += ["    mode tcp", "    timeout client \(balancer.idleTimeoutSeconds)s"]
            if let group = listener.rules.last?.action.targetGroups?.first {
                lines.append("    default_backend \(Self.backendName(group.id))")
            }
            return lines + [""]
        }
        lines += [
            "    mode http",
            "    timeout client \(balancer.idleTimeoutSeconds)s",
            "    timeout http-keep-alive \(balancer.idleTimeoutSeconds)s",
            "    option forwardfor",
            "    http-request set-header X-Forwarded-Proto http",
            "    http-request set-header X-Forwarded-Port \(listener.port)",
            "    http-request set-var(txn.wharf_tg) req.cook(AWSALBTG)",
        ]
        // The first rule whose conditions all match is the request's (its index in
        // txn.wharf_rule); the actions then run on that alone. HAProxy runs every http-request rule
        // before any use_backend, so matching first keeps the priorities across kinds of action.
        var matches: [String] = []
        var actions: [String] = []
        for (index, rule) in listener.rules.enumerated() {
            var names: [String] = []
            for (position, condition) in rule.conditions.enumerated() {
                let name = "r\(index)c\(position)"
                names.append(name)
                lines += Self.acl(name, condition)
            }
            let conditions = names.isEmpty ? "" : names.joined(separator: " ") + " "
            matches.append(
                "    http-request set-var(txn.wharf_rule) int(\(index)) if \(conditions)"
                    + "!{ var(txn.wharf_rule) -m found }"
            )
            let chosen = "{ var(txn.wharf_rule) -m int eq \(index) }"
            actions += Self.action(rule.action, rule: index, when: chosen, port: listener.port)
        }
        // Request rules, then backend switching, then answer rules: the order HAProxy runs them in.
        func stage(_ line: String) -> Int {
            line.hasPrefix("    use_backend") ? 1 : line.hasPrefix("    http-response") ? 2 : 0
        }
        let ordered = actions.enumerated().sorted { (stage($0.element), $0.offset) < (stage($1.element), $1.offset) }
        return lines + matches + ordered.map(\.element) + [""]
    }

    /// The ACL lines of a condition (lines of one name are alternatives).
    static func acl(_ name: String, _ condition: LoadBalancerPlan.Condition) -> [String] {
        switch condition.field {
        case "host-header":
            return [
                "    acl \(name) req.hdr(host),field(1,:),lower -m reg "
                    + regex(condition.values.map { $0.lowercased() })
            ]
        case "path-pattern":
            return ["    acl \(name) path -m reg \(regex(condition.values))"]
        case "http-header":
            guard let header = condition.headerName else { return ["    acl \(name) always_false"] }
            return ["    acl \(name) req.hdr(\(header)) -m reg -i \(regex(condition.values))"]
        case "http-request-method":
            return ["    acl \(name) method \(condition.values.joined(separator: " "))"]
        case "source-ip":
            return ["    acl \(name) src \(condition.values.joined(separator: " "))"]
        case "query-string":
            return (condition.queryPairs ?? []).map { pair in
                let key = pair.key.map { wildcard($0) } ?? "[^&=]*"
                return "    acl \(name) query -m reg -i '(^|&)\(key)=\(wildcard(pair.value))(&|$)'"
            }
        default:
            // A condition this agent does not know matches nothing, so its rule never applies.
            return ["    acl \(name) always_false"]
        }
    }

    /// `^(a|b)$` of wildcard patterns, in single quotes (inside which the configuration expands
    /// nothing, where `$` in double quotes would name an environment variable).
    static func regex(_ patterns: [String]) -> String {
        "'^(\(patterns.map(wildcard).joined(separator: "|")))$'"
    }

    /// A wildcard pattern (`*` any run, `?` one character) as a regular expression.
    static func wildcard(_ pattern: String) -> String {
        var out = ""
        for character in pattern {
            switch character {
            case "*": out += ".*"
            case "?": out += "."
            case "\\", ".", "+", "(", ")", "[", "]", "{", "}", "^", "$", "|", "/": out += "\\\(character)"
            case "\"": out += "\\x22"
            case "'": out += "\\x27"
            case " ": out += "\\x20"
            default: out.append(character)
            }
        }
        return out
    }

    /// A string in double quotes, as the configuration reads it.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for character in text {
            switch character {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "$": out += "\\$"
            case "#": out += "\\#"
            default: out.append(character)
            }
        }
        return out + "\""
    }

    private static func action(_ action: LoadBalancerPlan.Action, rule: Int, when: String, port: Int) -> [String] {
        let condition = when.isEmpty ? "" : " if \(when)"
        switch action.kind {
        case "forward":
            let groups = (action.targetGroups ?? []).filter { $0.weight > 0 }
            if groups.isEmpty { return ["    http-request return status 503\(condition)"] }
            if groups.count == 1 { return ["    use_backend \(backendName(groups[0].id))\(condition)"] }
            // Weighted groups: a number drawn per request picks one; with stickiness a cookie
            // names the group chosen before, and the answer sets it.
            let total = groups.reduce(0) { $0 + $1.weight }
            let variable = "txn.wharf_pick\(rule)"
            let also = when.isEmpty ? "" : "\(when) "
            var lines = ["    http-request set-var(\(variable)) rand(\(total))\(condition)"]
            if action.stickinessSeconds != nil {
                for group in groups {
                    let backend = backendName(group.id)
                    lines.append("    use_backend \(backend) if \(also){ var(txn.wharf_tg) -m str \(backend) }")
                }
            }
            var low = 0
            for group in groups {
                let high = low + group.weight
                lines.append(
                    "    use_backend \(backendName(group.id)) if \(also){ var(\(variable)) -m int ge \(low) } "
                        + "{ var(\(variable)) -m int lt \(high) }"
                )
                low = high
            }
            if let seconds = action.stickinessSeconds {
                for group in groups {
                    let backend = backendName(group.id)
                    lines.append(
                        "    http-response add-header Set-Cookie \"AWSALBTG=\(backend); Max-Age=\(seconds); Path=/\" "
                            + "if { be_name \(backend) } !{ var(txn.wharf_tg) -m str \(backend) }"
                    )
                }
            }
            return lines
        case "fixed-response":
            var line = "    http-request return status \(action.statusCode ?? "200")"
            if let type = action.contentType { line += " content-type \(quoted(type))" }
            if let body = action.messageBody { line += " string \(quoted(body))" }
            return [line + condition]
        case "redirect":
            guard let redirect = action.redirect else { return [] }
            let scheme = redirect.protocol == "#{protocol}" ? "http" : redirect.protocol.lowercased()
            let portPart: String
            if redirect.port == "#{port}" {
                portPart = port == 80 && scheme == "http" ? "" : ":\(port)"
            } else {
                portPart =
                    (scheme == "http" && redirect.port == "80") || (scheme == "https" && redirect.port == "443")
                    ? "" : ":\(redirect.port)"
            }
            let host = redirect.host.replacing("#{host}", with: "%[req.hdr(host),field(1,:)]")
            let path = redirect.path.replacing("/#{path}", with: "%[path]")
                .replacing("#{path}", with: "%[path,regsub(^/,)]")
            let code = redirect.statusCode == "HTTP_301" ? "301" : "302"
            let base = "\(scheme)://\(host)\(portPart)\(path)"
            let query = redirect.query.replacing("#{query}", with: "%[query]")
            if query.isEmpty {
                return ["    http-request redirect location \(quoted(base)) code \(code)\(condition)"]
            }
            let found = when.isEmpty ? "if { query -m found }" : "if \(when) { query -m found }"
            let missing = when.isEmpty ? "if !{ query -m found }" : "if \(when) !{ query -m found }"
            let queryOnly = redirect.query == "#{query}"
            return [
                "    http-request redirect location \(quoted(base + "?" + query)) code \(code) \(found)",
                "    http-request redirect location \(quoted(queryOnly ? base : base + "?" + query)) code \(code) "
                    + missing,
            ]
        default:
            return ["    http-request return status 503\(condition)"]
        }
    }

    private func backend(_ group: LoadBalancerPlan.TargetGroup, idleSeconds: Int) -> [String] {
        let name = Self.backendName(group.id)
        let http = group.protocol == "HTTP" || group.protocol == "HTTPS"
        let check = group.healthCheck
        var lines = [
            "backend \(name)",
            "    # \(group.name)",
            "    mode \(http ? "http" : "tcp")",
            "    timeout server \(idleSeconds)s",
            "    timeout check \(check.timeoutSeconds)s",
        ]
        switch group.attributes["load_balancing.algorithm.type"] {
        case "least_outstanding_requests": lines.append("    balance leastconn")
        case "weighted_random": lines.append("    balance random")
        default: lines.append("    balance roundrobin")
        }
        if check.protocol == "HTTP" || check.protocol == "HTTPS" {
            lines.append("    option httpchk")
            lines.append("    http-check send meth GET uri \(check.path ?? "/") ver HTTP/1.0")
            lines.append("    http-check expect rstatus \(Self.statusRegex(check.httpCodes ?? "200"))")
        }
        var sticky = false
        if group.attributes["stickiness.enabled"] == "true" {
            switch group.attributes["stickiness.type"] ?? (http ? "lb_cookie" : "source_ip") {
            case "lb_cookie":
                let seconds = group.attributes["stickiness.lb_cookie.duration_seconds"] ?? "86400"
                lines.append("    cookie AWSALB insert indirect nocache maxlife \(seconds)s")
                sticky = true
            case "app_cookie":
                let cookie = group.attributes["stickiness.app_cookie.cookie_name"] ?? ""
                let seconds = group.attributes["stickiness.app_cookie.duration_seconds"] ?? "86400"
                lines += [
                    "    stick-table type string len 128 size 100k expire \(seconds)s",
                    "    stick store-response res.cook(\(cookie))",
                    "    stick match req.cook(\(cookie))",
                ]
            default:
                lines += ["    stick-table type ip size 1m expire 30m", "    stick on src"]
            }
        }
        var defaults =
            "    default-server check inter \(check.intervalSeconds)s fall \(check.unhealthyThreshold) "
            + "rise \(check.healthyThreshold)"
        if let port = Int(check.port) { defaults += " port \(port)" }
        if let slow = group.attributes["slow_start.duration_seconds"], slow != "0" { defaults += " slowstart \(slow)s" }
        if group.protocol == "HTTPS" || group.protocol == "TLS" { defaults += " ssl verify none" }
        if check.protocol == "HTTPS", group.protocol != "HTTPS" { defaults += " check-ssl verify none" }
        if group.protocolVersion == "HTTP2" { defaults += " proto h2" }
        if group.attributes["proxy_protocol_v2.enabled"] == "true" { defaults += " send-proxy-v2" }
        if group.attributes["deregistration_delay.connection_termination.enabled"] == "true" {
            defaults += " on-marked-down shutdown-sessions"
        }
        lines.append(defaults)
        for target in group.targets {
            let server = Self.serverName(target)
            var line = "    server \(server) \(target.address):\(target.port)"
            if sticky { line += " cookie \(server)" }
            if target.draining {
                line += " weight 0"
            } else if !known.contains(ServerKey(backend: name, server: server)) {
                line += " disabled"
            }
            lines.append(line)
        }
        return lines + [""]
    }

    /// `^(200|202)$` of a matcher's codes (`200`, `200,202`, `200-299`).
    static func statusRegex(_ codes: String) -> String {
        var values: [String] = []
        for part in codes.split(separator: ",") {
            let bounds = part.split(separator: "-").compactMap { Int($0) }
            if bounds.count == 2, bounds[0] <= bounds[1] {
                values += (bounds[0]...bounds[1]).map(String.init)
            } else if let code = bounds.first {
                values.append(String(code))
            }
        }
        return "^(\(values.joined(separator: "|")))$"
    }
}
