#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import WharfModel
import WharfProtocol

extension Agent {
    /// The engine's name for the awsvpc tasks' bridge network, also its interface's name.
    public static let taskNetworkName = "wharf-awsvpc"

    /// Prepares awsvpc task networking once the node has its block: the bridge network, the
    /// firewall rules and the pause image. What fails is kept as ``awsvpcProblem``: the node then
    /// fails awsvpc tasks with it, and runs the others.
    func prepareTaskNetwork() async {
        guard configuration.taskNetworking, awsvpcProblem == nil else { return }
        guard let subnet = taskSubnet, let block = IPv4Network(subnet), let cidr = taskCIDR else {
            awsvpcProblem = "the controller leased this node no task address block"
            return
        }
        let gateway = IPv4Network.text(block.address + 1)
        do {
            try await runtime.ensureTaskNetwork(
                TaskNetworkSpec(name: Self.taskNetworkName, subnet: subnet, gateway: gateway)
            )
            try await hostNetwork.allowTaskTraffic(bridge: Self.taskNetworkName, block: subnet, taskCIDR: cidr)
            try await ensurePauseImage()
            logger.info(
                "awsvpc task networking ready",
                metadata: ["task.subnet": "\(subnet)", "gateway": "\(gateway)", "task.cidr": "\(cidr)"]
            )
        } catch {
            awsvpcProblem = "awsvpc task networking could not be set up: \(error.message)"
            logger.error("awsvpc tasks cannot run on this node", metadata: ["error": "\(error.message)"])
        }
    }

    /// The gateway of the node's awsvpc bridge (the first address of its block), where Wharf's DNS
    /// listens; nil before the node has a block.
    public var taskGateway: String? {
        guard configuration.taskNetworking, awsvpcProblem == nil, let subnet = taskSubnet,
            let block = IPv4Network(subnet)
        else { return nil }
        return IPv4Network.text(block.address + 1)
    }

    /// Loads the pause image into the engine unless it is there.
    func ensurePauseImage() async throws(RuntimeError) {
        if (try? await runtime.hasImage(PauseImage.reference)) == true { return }
        let architecture = runtimeInfo?.architecture ?? "x86_64"
        guard let rootfs = PauseImage.rootfs(for: architecture) else {
            throw RuntimeError(.invalid, "there is no pause program for the \(architecture) architecture")
        }
        try await runtime.importImage(PauseImage.reference, rootfs: rootfs, command: PauseImage.command)
    }

    /// Makes an awsvpc task's network namespace: its pause container on the task network with the
    /// task's address, which every container of the task then joins. A pause container left by
    /// an agent that stopped halfway is taken up instead.
    func attachNetwork(task arn: String) async {
        guard let task = tasks[arn], let network = task.network, let instanceArn = identity?.containerInstanceArn else {
            return
        }
        if let problem = awsvpcProblem {
            failNetwork(task: arn, reason: "ResourceInitializationError: \(problem)")
            return
        }
        var id = network.pauseID
        do {
            if id == nil {
                let labels = [
                    ContainerLabels.taskArn: arn, ContainerLabels.containerName: TaskNetwork.pauseContainerName,
                ]
                id = try await runtime.listContainers(labels: labels).first?.id
            }
            if id == nil {
                try await ensurePauseImage()
                var spec = ContainerSpec(pauseFor: task, network: network, instanceArn: instanceArn)
                // Without servers of the task's own, its containers ask Wharf's DNS (Cloud Map
                // names, then the node's resolver).
                if spec.dnsServers.isEmpty, configuration.discoveryDNS, let gateway = taskGateway {
                    spec.dnsServers = [gateway]
                }
                id = try await runtime.createContainer(spec)
            }
            guard let id else { return }
            tasks[arn]?.network?.pauseID = id
            persist()
            try await runtime.startContainer(id: id)
            let state = try await runtime.inspectContainer(id: id)
            tasks[arn]?.network?.macAddress = state.networks[Self.taskNetworkName]?.macAddress
        } catch {
            failNetwork(
                task: arn,
                reason: "ResourceInitializationError: the task's network could not be made: \(error.message)"
            )
            return
        }
        tasks[arn]?.network?.phase = .attached
        persist()
        syncSoon()
        reconcile()
    }

    /// Records that an awsvpc task's network could not be made: the task stops without starting.
    func failNetwork(task arn: String, reason: String) {
        logger.warning("awsvpc task network failed", metadata: ["task.arn": "\(arn)", "reason": "\(reason)"])
        tasks[arn]?.stopCode = "TaskFailedToStart"
        tasks[arn]?.stoppedReason = reason
        // Attached, so that its release removes whatever was made.
        let made = tasks[arn]?.network?.pauseID != nil
        tasks[arn]?.network?.phase = made ? .attached : .released
        persist()
        reconcile()
    }

    /// Removes an awsvpc task's pause container: its address is free on the node again.
    func detachNetwork(task arn: String) async {
        if let id = tasks[arn]?.network?.pauseID {
            do {
                try await runtime.stopContainer(id: id, timeoutSeconds: 0)
                try await runtime.removeContainer(id: id)
            } catch where error.code != .notFound {
                logger.warning(
                    "removing a pause container failed; retrying",
                    metadata: ["task.arn": "\(arn)", "error": "\(error.message)"]
                )
                try? await Task.sleep(for: .seconds(1))
                tasks[arn]?.network?.phase = .attached
                reconcile()
                return
            } catch {}
        }
        tasks[arn]?.network?.pauseID = nil
        tasks[arn]?.network?.phase = .released
        persist()
        syncSoon()
        reconcile()
    }

    /// A pause container that stopped or went away under a running task: the task has lost its
    /// network and stops.
    func pauseContainerEnded(task arn: String, id: String) {
        guard let task = tasks[arn], task.network?.pauseID == id, task.network?.phase == .attached,
            !task.isStopping
        else { return }
        tasks[arn]?.stopCode = "EssentialContainerExited"
        tasks[arn]?.stoppedReason = "The task's network namespace went away: its pause container stopped"
        persist()
        reconcile()
    }

    /// Installs the routes to the other nodes' task blocks the controller sent, one change at a
    /// time; the version is kept only once they are in place, so a failure is retried with the
    /// next answer.
    func installRoutes(_ routes: TaskRoutes) async {
        guard configuration.taskNetworking, awsvpcProblem == nil, routes.version != routesVersion,
            routesInstalling != routes.version
        else { return }
        routesInstalling = routes.version
        defer { routesInstalling = nil }
        do {
            // The list has every node's block; this node's own is on its bridge, and a route through
            // this node's own address would lead nowhere.
            try await hostNetwork.setRoutes(
                routes.routes.filter { $0.subnet != taskSubnet && $0.via != registeredAddress }
            )
            routesVersion = routes.version
            logger.info("task routes installed", metadata: ["routes": "\(routes.routes.count)"])
        } catch {
            logger.error("cannot install the routes to other nodes' tasks", metadata: ["error": "\(error.message)"])
        }
    }
}

extension ContainerSpec {
    /// The pause container of an awsvpc task: the pause program on the task network with the
    /// task's address, its host name the interface's, and the DNS settings its containers give
    /// (they share its `/etc/resolv.conf`).
    init(pauseFor task: ManagedTask, network: TaskNetwork, instanceArn: String) {
        let containers = task.definition.containerDefinitions ?? []
        self.init(
            name: task.engineName(of: "internalecspause"),
            image: PauseImage.reference,
            hostname: "ip-" + network.address.split(separator: ".").joined(separator: "-"),
            labels: [
                ContainerLabels.cluster: task.clusterArn,
                ContainerLabels.taskArn: task.arn,
                ContainerLabels.containerName: TaskNetwork.pauseContainerName,
                ContainerLabels.instanceArn: instanceArn,
            ],
            networkMode: Agent.taskNetworkName,
            dnsServers: Self.unique(containers.flatMap { $0.dnsServers ?? [] }),
            dnsSearchDomains: Self.unique(containers.flatMap { $0.dnsSearchDomains ?? [] })
        )
        ipv4Address = network.address
    }

    static func unique(_ values: [String]) -> [String] {
        var seen: Set<String> = []
        return values.filter { seen.insert($0).inserted }
    }
}
