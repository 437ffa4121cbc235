#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import WharfModel
import WharfProtocol

/// What the node's own networking must do for awsvpc tasks, beside the engine's bridge network:
/// let the tasks' traffic through its firewall and route to the other nodes' task blocks.
/// ``LinuxHostNetwork`` does it with `ip` and `iptables`; the agent's tests use a fake.
public protocol HostNetwork: Sendable {
    /// Why the node cannot run awsvpc tasks, in words that say what to do; nil when it can.
    func problem() async -> String?
    /// Lets traffic to and from the tasks' bridge through the node's firewall, and gives the
    /// node's address to task traffic that leaves the task address range.
    func allowTaskTraffic(bridge: String, block: String, taskCIDR: String) async throws(RuntimeError)
    /// Makes the node's routes to the other nodes' task blocks exactly `routes`.
    func setRoutes(_ routes: [TaskRoute]) async throws(RuntimeError)
}

/// ``HostNetwork`` on Linux, through the `ip` and `iptables` commands (the engine's own firewall
/// rules are made with the same `iptables`).
///
/// The rules go where Docker leaves them alone: `DOCKER-USER` (or `FORWARD` when the engine
/// manages no firewall), and a `MASQUERADE` rule in `nat POSTROUTING` for the node's block only.
/// The routes carry protocol number 250, so the agent finds and replaces its own and no other.
public struct LinuxHostNetwork: HostNetwork {
    /// The routing protocol number that marks the agent's routes.
    public static let routeProtocol = "250"

    public init() {}

    public func problem() async -> String? {
        let forwarding = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/sys/net/ipv4/ip_forward")))
            .map { String(decoding: $0, as: UTF8.self).trimmingWhitespace() }
        if forwarding != "1" {
            return "IP forwarding is off (net.ipv4.ip_forward is \(forwarding ?? "unreadable")), so other nodes "
                + "cannot reach this node's awsvpc tasks: turn it on (sysctl -w net.ipv4.ip_forward=1, and keep it "
                + "in /etc/sysctl.d) and restart wharf-agent"
        }
        for tool in ["ip", "iptables"] {
            let result = try? await HostCommand.run([tool, "-V"])
            if result?.status != 0 {
                return "`\(tool)` is not installed (Debian: apt-get install iproute2 iptables), so this node cannot "
                    + "run awsvpc tasks"
            }
        }
        return nil
    }

    public func allowTaskTraffic(bridge: String, block: String, taskCIDR: String) async throws(RuntimeError) {
        let dockerUser = try await HostCommand.run(["iptables", "-w", "-n", "-L", "DOCKER-USER"])
        let chain = dockerUser.status == 0 ? "DOCKER-USER" : "FORWARD"
        try await ensureRule(["-t", "filter"], chain, ["-o", bridge, "-j", "ACCEPT"], insert: true)
        try await ensureRule(["-t", "filter"], chain, ["-i", bridge, "-j", "ACCEPT"], insert: true)
        try await ensureRule(
            ["-t", "nat"], "POSTROUTING", ["-s", block, "!", "-d", taskCIDR, "!", "-o", bridge, "-j", "MASQUERADE"],
            insert: false
        )
    }

    /// Adds a rule unless it is there (`iptables -C`), at the head of the chain or its end.
    func ensureRule(_ table: [String], _ chain: String, _ rule: [String], insert: Bool) async throws(RuntimeError) {
        let present = try await HostCommand.run(["iptables", "-w"] + table + ["-C", chain] + rule)
        if present.status == 0 { return }
        try await HostCommand.check(["iptables", "-w"] + table + [insert ? "-I" : "-A", chain] + rule)
    }

    public func setRoutes(_ routes: [TaskRoute]) async throws(RuntimeError) {
        let listed = try await HostCommand.check(["ip", "-4", "route", "show", "proto", Self.routeProtocol])
        let wanted = Dictionary(routes.map { ($0.subnet, $0.via) }, uniquingKeysWith: { first, _ in first })
        // Each of the agent's routes by block, with its gateway (none for one not `via` a node).
        var present: [String: String?] = [:]
        for line in listed.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            guard let subnet = words.first else { continue }
            present[subnet] = words.firstIndex(of: "via").flatMap { $0 + 1 < words.count ? words[$0 + 1] : nil }
        }
        for subnet in present.keys where wanted[subnet] == nil {
            try await HostCommand.check(["ip", "route", "del", subnet, "proto", Self.routeProtocol])
        }
        for route in routes where present[route.subnet] != .some(route.via) {
            do {
                try await HostCommand.check([
                    "ip", "route", "replace", route.subnet, "via", route.via, "proto", Self.routeProtocol,
                ])
            } catch {
                throw RuntimeError(
                    error.code,
                    "\(error.message); the node at \(route.via) holds task block \(route.subnet): nodes must share "
                        + "one network (the same L2 segment), with every node's address directly reachable"
                )
            }
        }
    }
}
