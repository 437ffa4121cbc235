import Foundation

/// A multi-node cluster on one Linux machine, as kind or k3d give Kubernetes users: a controller
/// on this machine, and nodes that are each a network namespace with a Docker engine and an agent
/// of their own, joined to one bridge. Everything it makes is named after the lab and kept under
/// its directory, so `down` removes all of it, even after a failed `up`.
public struct Lab: Sendable {
    let shell = LabShell()

    public init() {}

    /// Brings a lab up and returns its state.
    /// - Parameters:
    ///   - binaries: the directory holding `wharf-controller` and `wharf-agent`.
    ///   - images: images of this machine's engine to load into every node before the agents start.
    ///   - progress: told each step, for the terminal.
    public func up(
        _ layout: LabLayout,
        binaries: String,
        images: [String] = [],
        progress: (String) -> Void = { _ in }
    ) throws(LabError) -> LabState {
        try checkMachine(binaries: binaries)
        guard !FileManager.default.fileExists(atPath: layout.stateFile) else {
            throw LabError("a lab is already up in \(layout.root); wharf lab down --name \(layout.name) first")
        }
        do {
            try FileManager.default.createDirectory(
                atPath: layout.root,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw LabError("cannot create \(layout.root): \(error)")
        }
        var state = LabState(
            layout: layout,
            accessKeyID: "WLAB" + Self.random(16, upper: true),
            secretAccessKey: Self.random(40)
        )
        try state.save()
        do {
            progress("network: bridge \(layout.bridge) at \(layout.hostAddress), \(layout.nodes) namespaces")
            try makeNetwork(layout)
            progress("controller: \(layout.endpoint)")
            try startController(&state, binaries: binaries)
            for index in 1...layout.nodes {
                progress("node \(index): Docker engine in \(layout.namespace(index)) at \(layout.nodeAddress(index))")
                try startEngine(&state, index)
            }
            if !images.isEmpty {
                progress("images: \(images.joined(separator: ", "))")
                try load(state, images: images)
            }
            for index in 1...layout.nodes {
                progress("node \(index): agent")
                try startAgent(&state, index, binaries: binaries)
            }
            try waitForAgents(state)
        } catch {
            progress("failed: \(error); removing what was made")
            down(state)
            throw error
        }
        return state
    }

    /// Stops everything the lab runs and removes its namespaces, bridge and directory.
    public func down(_ state: LabState, progress: (String) -> Void = { _ in }) {
        let layout = state.layout
        // Only processes that are still the lab's: after a reboot, a recorded ID may be another's.
        let ours = { (pid: Int32) in LabShell.commandLine(pid).contains(layout.root + "/") }
        progress("agents")
        LabShell.stop(state.agentPIDs.filter(ours), grace: 10)
        progress("containers")
        for index in 1...layout.nodes where FileManager.default.fileExists(atPath: layout.dockerSocket(index)) {
            let script = #"ids=$(docker -H "unix://$1" ps -aq) && [ -z "$ids" ] || docker -H "unix://$1" rm -f -v $ids"#
            _ = try? shell.run(["sh", "-c", script, "sh", layout.dockerSocket(index)])
        }
        progress("engines")
        LabShell.stop(state.enginePIDs.filter(ours), grace: 20)
        // What an engine that did not stop cleanly left: its containers' processes (in the engine's
        // cgroup parent), their shims and anything else started under the lab's directory.
        for index in 1...layout.nodes { killCgroup(layout.cgroupParent(index)) }
        _ = try? shell.run(["pkill", "-KILL", "-f", layout.root + "/"])
        progress("controller")
        LabShell.stop([state.controllerPID].filter(ours), grace: 10)
        progress("network")
        for index in 1...layout.nodes {
            _ = try? shell.run(["ip", "netns", "del", layout.namespace(index)])
            _ = try? shell.run(["ip", "link", "del", layout.veth(index)])
        }
        _ = try? shell.run(["ip", "link", "del", layout.bridge])
        let rule = ["FORWARD", "-i", layout.bridge, "-o", layout.bridge, "-j", "ACCEPT"]
        while (try? shell.run(["iptables", "-w", "-D"] + rule))?.status == 0 {}
        progress("files")
        unmount(under: layout.root)
        try? FileManager.default.removeItem(atPath: layout.root)
    }

    /// Copies images from this machine's engine into every node's.
    public func load(_ state: LabState, images: [String]) throws(LabError) {
        for image in images {
            for index in 1...state.layout.nodes {
                let socket = state.layout.dockerSocket(index)
                try shell.must(
                    ["sh", "-c", "docker save \"$1\" | docker -H \"unix://$2\" load", "sh", image, socket],
                    "loading \(image) into node \(index)"
                )
            }
        }
    }

    /// What is missing on this machine for a lab, in one message.
    func checkMachine(binaries: String) throws(LabError) {
        var missing: [String] = []
        if getuid() != 0 { missing.append("root (network namespaces and engines need it)") }
        for tool in ["ip", "nsenter", "dockerd", "docker", "curl", "pkill"]
        where (try? shell.run(["sh", "-c", "command -v \(tool)"]))?.status != 0 {
            missing.append("\(tool) on the PATH")
        }
        for binary in ["wharf-controller", "wharf-agent"]
        where !FileManager.default.isExecutableFile(atPath: "\(binaries)/\(binary)") {
            missing.append("\(binaries)/\(binary) (build it: swift build)")
        }
        guard missing.isEmpty else { throw LabError("a lab needs " + missing.joined(separator: ", ")) }
    }

    func makeNetwork(_ layout: LabLayout) throws(LabError) {
        try shell.must(["ip", "link", "add", layout.bridge, "type", "bridge"], "creating the bridge")
        try shell.must(
            ["ip", "addr", "add", "\(layout.hostAddress)/24", "dev", layout.bridge],
            "addressing the bridge"
        )
        try shell.must(["ip", "link", "set", layout.bridge, "up"], "raising the bridge")
        // This machine's engine drops forwarded traffic it does not know (policy DROP), and with
        // br_netfilter that includes frames bridged between two nodes: awsvpc tasks talk across
        // nodes through the bridge. (Without netfilter there is nothing to let through.)
        let rule = ["FORWARD", "-i", layout.bridge, "-o", layout.bridge, "-j", "ACCEPT"]
        _ = try? shell.run(["iptables", "-w", "-I"] + rule)
        for index in 1...layout.nodes {
            let namespace = layout.namespace(index)
            let inside = ["ip", "netns", "exec", namespace]
            try shell.must(["ip", "netns", "add", namespace], "creating \(namespace)")
            try shell.must(
                ["ip", "link", "add", layout.veth(index), "type", "veth", "peer", "name", "eth0", "netns", namespace],
                "joining \(namespace)"
            )
            try shell.must(
                ["ip", "link", "set", layout.veth(index), "master", layout.bridge, "up"],
                "joining the bridge"
            )
            try shell.must(
                inside + ["ip", "addr", "add", "\(layout.nodeAddress(index))/24", "dev", "eth0"],
                "addressing"
            )
            try shell.must(inside + ["ip", "link", "set", "eth0", "up"], "raising eth0")
            try shell.must(inside + ["ip", "link", "set", "lo", "up"], "raising lo")
            try shell.must(inside + ["ip", "route", "add", "default", "via", layout.hostAddress], "routing")
        }
    }

    func startController(_ state: inout LabState, binaries: String) throws(LabError) {
        let layout = state.layout
        state.controllerPID = try shell.start(
            [
                "\(binaries)/wharf-controller", "--listen", "\(layout.hostAddress):\(layout.port)",
                "--data-dir", layout.controllerDirectory, "--open-registration", "--tls", "on",
                "--tls-ip", layout.hostAddress, "--region", state.region,
            ],
            log: "\(layout.root)/controller.log",
            environment: [
                "WHARF_ADMIN_ACCESS_KEY_ID": state.accessKeyID, "WHARF_ADMIN_SECRET_ACCESS_KEY": state.secretAccessKey,
            ]
        )
        try state.save()
        let answers = LabShell.wait(30) {
            guard FileManager.default.fileExists(atPath: layout.caFile) else { return false }
            let probe = try? shell.run(
                [
                    "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", layout.caFile,
                    layout.endpoint + "/",
                ])
            return probe.map { $0.status == 0 && $0.output != "000" } ?? false
        }
        guard answers else {
            throw LabError(
                "the controller did not answer on \(layout.endpoint) within 30 s; see \(layout.root)/controller.log"
            )
        }
    }

    func startEngine(_ state: inout LabState, _ index: Int) throws(LabError) {
        let layout = state.layout
        let directory = layout.nodeDirectory(index)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw LabError("cannot create \(directory): \(error)")
        }
        // nsenter --net, not ip netns exec: that one remounts /sys, and dockerd then finds no cgroups.
        // A configuration of its own: this machine's /etc/docker/daemon.json may name sockets.
        guard FileManager.default.createFile(atPath: "\(directory)/daemon.json", contents: Data("{}\n".utf8)) else {
            throw LabError("cannot write \(directory)/daemon.json")
        }
        let pid = try shell.start(
            [
                "nsenter", "--net=/run/netns/\(layout.namespace(index))", "dockerd",
                "--config-file", "\(directory)/daemon.json",
                "--data-root", "\(directory)/docker", "--exec-root", "\(directory)/exec",
                "--pidfile", "\(directory)/docker.pid", "--host", "unix://\(layout.dockerSocket(index))",
                "--cgroup-parent", "/\(layout.cgroupParent(index))",
            ],
            log: "\(directory)/dockerd.log"
        )
        state.enginePIDs.append(pid)
        try state.save()
        let ready = LabShell.wait(60) {
            (try? shell.run(["docker", "-H", "unix://\(layout.dockerSocket(index))", "version"]))?.status == 0
        }
        guard ready else {
            throw LabError("node \(index)'s Docker engine did not answer within 60 s; see \(directory)/dockerd.log")
        }
    }

    func startAgent(_ state: inout LabState, _ index: Int, binaries: String) throws(LabError) {
        let layout = state.layout
        let directory = layout.nodeDirectory(index)
        let pid = try shell.start(
            [
                "nsenter", "--net=/run/netns/\(layout.namespace(index))", "\(binaries)/wharf-agent",
                "--controller", layout.endpoint, "--ca-file", layout.caFile, "--cluster", "default",
                "--data-dir", "\(directory)/agent", "--docker-socket", layout.dockerSocket(index),
                "--attributes", "wharf.lab.node=node-\(index)", "--gpus", "none",
                // Nodes are offline: images come from wharf lab load.
                "--image-pull-behavior", "prefer-cached",
            ] + (layout.servesLoadBalancers(index) ? ["--load-balancer"] : []),
            log: "\(directory)/agent.log"
        )
        state.agentPIDs.append(pid)
        try state.save()
    }

    /// Waits until every agent has joined (its identity saved).
    func waitForAgents(_ state: LabState) throws(LabError) {
        for index in 1...state.layout.nodes {
            let identity = "\(state.layout.nodeDirectory(index))/agent/identity.json"
            guard LabShell.wait(60, until: { FileManager.default.fileExists(atPath: identity) }) else {
                throw LabError(
                    "node \(index)'s agent did not join within 60 s; see \(state.layout.nodeDirectory(index))/agent.log"
                )
            }
        }
    }

    /// Kills every process left in the cgroups named `name` (each hierarchy of cgroup v1, or the
    /// unified one of v2) and removes those cgroups, deepest first.
    func killCgroup(_ name: String) {
        guard let found = try? shell.run(["find", "/sys/fs/cgroup", "-type", "d", "-name", name]) else { return }
        for top in found.output.split(separator: "\n").map(String.init) {
            let tree =
                (try? shell.run(["find", top, "-type", "d"]))?.output.split(separator: "\n").map(String.init) ?? []
            for directory in tree {
                let procs = (try? String(contentsOfFile: "\(directory)/cgroup.procs", encoding: .utf8)) ?? ""
                for pid in procs.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
            }
            for directory in tree.sorted(by: { $0.count > $1.count }) {
                _ = LabShell.wait(5) { rmdir(directory) == 0 || errno == ENOENT }
            }
        }
    }

    /// Unmounts what the engines left mounted under `root` (overlay layers, shared memory).
    func unmount(under root: String) {
        guard let mounts = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return }
        let points = mounts.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 1 else { return nil }
            let point = String(fields[1])
            return point.hasPrefix(root + "/") ? point : nil
        }
        for point in points.sorted(by: { $0.count > $1.count }) { _ = try? shell.run(["umount", "-l", point]) }
    }

    /// Random letters and digits.
    static func random(_ count: Int, upper: Bool = false) -> String {
        let letters = Array(
            upper
                ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" : "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        )
        return String((0..<count).map { _ in letters.randomElement()! })
    }
}
