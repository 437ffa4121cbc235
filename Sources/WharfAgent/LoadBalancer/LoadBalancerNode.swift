#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import WharfModel
import WharfProtocol
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A load balancer node's HAProxy (`wharf-agent --load-balancer`): serves the controller's
/// ``LoadBalancerPlan``, reloaded without dropping a connection when the plan changes, and reports
/// what its health checks see of each target.
///
/// HAProxy runs as a daemon of its own in master-worker mode, its master's PID in `haproxy.pid`,
/// so it keeps serving while the agent restarts; an agent that starts finds it there and takes it
/// up. A reload saves the servers' states first and the new configuration loads them, so a target
/// keeps its health across reloads; a target never seen healthy starts in maintenance and is
/// put in service by the next poll, so no request reaches it before its checks pass.
public actor LoadBalancerNode {
    let directory: String
    let logger: Logger
    /// The plan the controller sent last, and the one HAProxy serves (they differ until it is
    /// put in place; a failed attempt is tried again at the next poll).
    private var wanted: LoadBalancerPlan?
    private var served: LoadBalancerPlan?
    /// Servers put in service (by the poll, or seen healthy): written in service from then on.
    private var released: Set<HAProxyConfig.ServerKey> = []
    /// Servers seen healthy since the agent started.
    private var seenHealthy: Set<HAProxyConfig.ServerKey> = []
    private var reports: [TargetHealthReport] = []
    /// When HAProxy was last reloaded: reloads are at least a second apart (a signal that
    /// reaches the master while it re-executes itself is lost), and a reload that did not take
    /// (its servers missing a few seconds on) is done again.
    private var lastReload: ContinuousClock.Instant?
    /// Whether ``serve()`` is under way: the actor lets a poll in while it waits on HAProxy, and
    /// two at once each started an HAProxy of their own.
    private var serving = false
    /// The master's PID as last read from `haproxy.pid` (``masterPID()``).
    private var lastMaster: pid_t?

    var configPath: String { directory + "/haproxy.cfg" }
    var pidPath: String { directory + "/haproxy.pid" }
    var stateFile: String { directory + "/server-state" }
    var socket: HAProxySocket { HAProxySocket(path: directory + "/haproxy.sock") }

    /// - Parameter directory: where the configuration, socket, PID and server states live.
    public init(directory: String, logger: Logger) {
        self.directory = directory
        self.logger = logger
    }

    /// The version of the plan the controller sent last, for the next sync: the node puts it in
    /// place itself, trying again until it is.
    public var planVersion: String? { wanted?.version }

    /// What HAProxy's checks last said of the plan's targets (those in maintenance or draining
    /// left out).
    public var health: [TargetHealthReport] { reports }

    /// What HAProxy served of each target group, as of the last poll.
    public private(set) var traffic: [TargetGroupTraffic] = []

    /// Takes the controller's plan and puts it in place (see ``serve()``).
    public func apply(_ plan: LoadBalancerPlan) async {
        wanted = plan
        await serve()
    }

    /// Puts the wanted plan in place when HAProxy does not serve it yet: writes its configuration,
    /// checks it with `haproxy -c`, then starts HAProxy or reloads it (after saving the servers'
    /// states). A plan without load balancers stops it. When HAProxy is in the middle of a reload
    /// (its socket does not answer), it waits for the next poll.
    func serve() async {
        guard let plan = wanted, plan.version != served?.version, !serving else { return }
        serving = true
        defer { serving = false }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            guard !plan.balancers.isEmpty else {
                stop()
                reports = []
                served = plan
                return
            }
            if !FileManager.default.fileExists(atPath: stateFile) {
                try Data(HAProxyConfig.emptyStateFile.utf8).write(to: URL(fileURLWithPath: stateFile))
            }
            let running = masterPID()
            if running != nil {
                if let lastReload, ContinuousClock.now - lastReload < .seconds(1) { return }
                guard let states = try? await socket.send("show servers state") else { return }
                try Data(states.utf8).write(to: URL(fileURLWithPath: stateFile))
                if served == nil {
                    // Taken up after a restart: the servers in service stay so.
                    for stat in (try? await socket.send("show stat")).map(HAProxyServerStat.parse) ?? []
                    where !stat.status.hasPrefix("MAINT") {
                        released.insert(HAProxyConfig.ServerKey(backend: stat.backend, server: stat.server))
                    }
                }
            }
            let config = HAProxyConfig(socketPath: socket.path, stateFile: stateFile, known: released)
            let staged = configPath + ".new"
            try Data(config.render(plan).utf8).write(to: URL(fileURLWithPath: staged))
            let checked = try await HostCommand.run(["haproxy", "-c", "-q", "-f", staged])
            guard checked.status == 0 else {
                logger.error(
                    "HAProxy refused the configuration of the load balancer plan; still serving the last one",
                    metadata: ["plan.version": "\(plan.version)", "error": "\(checked.output)"]
                )
                served = plan
                return
            }
            guard rename(staged, configPath) == 0 else {
                logger.error("cannot put the HAProxy configuration in place", metadata: ["errno": "\(errno)"])
                return
            }
            if let pid = running {
                kill(pid, SIGUSR2)
                lastReload = .now
                logger.info("reloaded HAProxy", metadata: ["plan.version": "\(plan.version)"])
            } else {
                try await start()
            }
            served = plan
        } catch {
            logger.error("cannot serve the load balancer plan", metadata: ["error": "\(error)"])
        }
    }

    private func start() async throws(RuntimeError) {
        try await HostCommand.check(["haproxy", "-W", "-D", "-f", configPath, "-p", pidPath])
        lastReload = .now
        logger.info("started HAProxy", metadata: ["plan.version": "\(wanted?.version ?? "")"])
    }

    /// Stops HAProxy (its connections finish first), if it runs.
    public func stop() {
        guard let pid = masterPID() else { return }
        kill(pid, SIGUSR1)
        unlink(pidPath)
        lastMaster = nil
        logger.info("stopped HAProxy: no load balancer to serve")
    }

    /// The running master's PID from `haproxy.pid`, if it is HAProxy and alive; else the one last
    /// read there, while it is. The master writes the file again when it re-executes itself for a
    /// reload (the same PID), and a read in that moment found it empty: the agent then started a
    /// second HAProxy, which could not bind the listeners' ports and exited, failing the plan.
    func masterPID() -> pid_t? {
        if let data = FileManager.default.contents(atPath: pidPath),
            let pid = pid_t(String(decoding: data, as: UTF8.self).trimmingWhitespace()), Self.isHAProxy(pid)
        {
            lastMaster = pid
            return pid
        }
        guard let pid = lastMaster, Self.isHAProxy(pid) else {
            lastMaster = nil
            return nil
        }
        return pid
    }

    /// Whether `pid` is a live HAProxy process.
    static func isHAProxy(_ pid: pid_t) -> Bool {
        guard pid > 0, kill(pid, 0) == 0, let name = FileManager.default.contents(atPath: "/proc/\(pid)/comm") else {
            return false
        }
        return String(decoding: name, as: UTF8.self).hasPrefix("haproxy")
    }

    /// Puts the wanted plan in place if it is not yet, starts HAProxy again if it died, reads the
    /// servers' states: puts in service the targets that wait in maintenance (new ones) and notes
    /// what the checks say of each target.
    /// - Returns: whether what is reported of the targets changed.
    @discardableResult
    public func poll() async -> Bool {
        await serve()
        guard let plan = served, !plan.balancers.isEmpty else { return false }
        guard masterPID() != nil else {
            logger.warning("HAProxy is not running; starting it again")
            do { try await start() } catch {
                logger.error("cannot start HAProxy", metadata: ["error": "\(error)"])
            }
            return false
        }
        let stats: [HAProxyServerStat]
        do { stats = HAProxyServerStat.parse(try await socket.send("show stat")) } catch {
            return false
        }
        var byKey: [HAProxyConfig.ServerKey: HAProxyServerStat] = [:]
        for stat in stats { byKey[HAProxyConfig.ServerKey(backend: stat.backend, server: stat.server)] = stat }
        let missing = plan.targetGroups.flatMap { group in
            group.targets.filter { target in
                byKey[HAProxyConfig.ServerKey(
                    backend: HAProxyConfig.backendName(group.id),
                    server: HAProxyConfig.serverName(target)
                )] == nil
            }.map(HAProxyConfig.serverName)
        }
        if !missing.isEmpty, ContinuousClock.now - (lastReload ?? .now) > .seconds(3) {
            logger.warning(
                "HAProxy does not serve all of the plan's targets; reloading it again",
                metadata: ["plan.version": "\(plan.version)", "missing": "\(missing.prefix(5))"]
            )
            served = nil
            lastReload = nil
        }
        var next: [TargetHealthReport] = []
        for group in plan.targetGroups {
            let backend = HAProxyConfig.backendName(group.id)
            for target in group.targets where !target.draining {
                let key = HAProxyConfig.ServerKey(backend: backend, server: HAProxyConfig.serverName(target))
                guard let stat = byKey[key] else { continue }
                if stat.status.hasPrefix("MAINT") {
                    if (try? await socket.send("set server \(backend)/\(key.server) state ready")) != nil {
                        released.insert(key)
                    }
                    continue
                }
                let healthy = stat.status.hasPrefix("UP") || stat.status == "no check" || stat.status == "DRAIN"
                if healthy {
                    released.insert(key)
                    seenHealthy.insert(key)
                }
                // A target never healthy is in its first checks (initial) until as many have
                // failed as the group's unhealthy threshold, as Elastic Load Balancing counts.
                let failing =
                    !healthy
                    && (seenHealthy.contains(key) || stat.failedChecks >= group.healthCheck.unhealthyThreshold)
                guard healthy || failing else { continue }
                next.append(
                    TargetHealthReport(
                        targetGroupId: group.id,
                        id: target.id,
                        port: target.port,
                        state: healthy ? "healthy" : "unhealthy",
                        detail: healthy ? nil : stat.checkStatus
                    )
                )
            }
        }
        traffic = plan.targetGroups.map { group in
            let backend = HAProxyConfig.backendName(group.id)
            let servers = stats.filter { $0.backend == backend }
            let requests = servers.reduce(0) { $0 + $1.requests }
            // The servers' mean response times, weighed by what each served.
            let timed = servers.filter { $0.requests > 0 && $0.responseTimeMs > 0 }
            let weight = timed.reduce(0) { $0 + $1.requests }
            let total = timed.reduce(0) { $0 + $1.responseTimeMs * $1.requests }
            let mean = weight == 0 ? nil : Double(total) / Double(weight)
            return TargetGroupTraffic(targetGroupId: group.id, requests: requests, responseTimeMs: mean)
        }
        let changed = next != reports
        reports = next
        return changed
    }

    /// Polls every `interval` until cancelled, calling `changed` when what is reported changes.
    public func run(interval: Duration = .seconds(1), changed: @Sendable () async -> Void) async {
        while !Task.isCancelled {
            if await poll() { await changed() }
            try? await Task.sleep(for: interval)
        }
    }
}
