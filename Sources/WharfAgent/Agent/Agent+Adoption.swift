#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import WharfModel
import WharfProtocol

extension Agent {
    /// A container event: re-read the container and tell the controller.
    func handle(_ event: ContainerEvent) async {
        guard let arn = event.labels[ContainerLabels.taskArn], let name = event.labels[ContainerLabels.containerName],
            tasks[arn] != nil
        else { return }
        if name == TaskNetwork.pauseContainerName {
            if ["die", "stop", "kill", "destroy", "oom"].contains(event.action) {
                pauseContainerEnded(task: arn, id: event.containerID)
            }
            return
        }
        if event.action == "oom" { oomReported.insert(event.containerID) }
        switch event.action {
        case "start", "die", "oom", "stop", "kill", "destroy":
            await refresh(containerID: event.containerID, task: arn, name: name)
        default:
            if event.action.hasPrefix("health_status") {
                await refresh(containerID: event.containerID, task: arn, name: name)
            }
        }
    }

    /// Records whether the container engine answers, and gets a change to the controller soon.
    func noteRuntime(answering: Bool) {
        let status = answering ? RuntimeHealth.ok : RuntimeHealth.impaired
        guard runtimeHealth?.status != status else { return }
        runtimeHealth = RuntimeHealth(status: status, since: now())
        syncSoon()
    }

    /// After a restart: finds this instance's containers by their labels, takes up those of known
    /// tasks (without restarting them), records what exited meanwhile, and removes the rest.
    /// - Parameter initial: true at start-up, when no launch can be under way; later calls (after
    ///   the event stream broke) leave launches in flight alone.
    func adopt(initial: Bool = false) async {
        guard let instanceArn = identity?.containerInstanceArn else { return }
        // What ran before the listing: a container missing from it was removed meanwhile. One that
        // a launch started while the listing was under way is missing from it too, and runs.
        let runningBefore = Set(
            tasks.values.flatMap { task in task.containers.filter { $0.phase == .running }.compactMap(\.runtimeId) }
        )
        let found: [ContainerState]
        do {
            found = try await runtime.listContainers(labels: [ContainerLabels.instanceArn: instanceArn])
        } catch {
            logger.warning("cannot list containers to re-adopt", metadata: ["error": "\(error.message)"])
            noteRuntime(answering: false)
            return
        }
        noteRuntime(answering: true)
        var seen = Set<String>()
        var pauses = Set<String>()
        for state in found {
            if let arn = state.labels[ContainerLabels.taskArn],
                state.labels[ContainerLabels.containerName] == TaskNetwork.pauseContainerName,
                let network = tasks[arn]?.network, network.pauseID == nil || network.pauseID == state.id
            {
                pauses.insert(arn)
                tasks[arn]?.network?.pauseID = state.id
                if state.status == .running {
                    if network.phase == .attaching, initial { tasks[arn]?.network?.phase = .pending }
                } else {
                    pauseContainerEnded(task: arn, id: state.id)
                }
                continue
            }
            if let arn = state.labels[ContainerLabels.taskArn], tasks[arn] == nil, strays != nil {
                strays?[arn, default: []].append(state)
                continue
            }
            guard let arn = state.labels[ContainerLabels.taskArn],
                let name = state.labels[ContainerLabels.containerName],
                tasks[arn]?.containers.contains(where: { $0.name == name }) == true
            else {
                if configuration.removeUnknownContainers {
                    logger.warning("removing a container of no known task", metadata: ["container.id": "\(state.id)"])
                    try? await runtime.stopContainer(id: state.id, timeoutSeconds: 10)
                    try? await runtime.removeContainer(id: state.id)
                }
                continue
            }
            seen.insert("\(arn)/\(name)")
            update(name, task: arn) { container in
                Self.record(state, into: &container)
                if initial, state.status == .created { container.launchRequested = false }
                if initial, container.phase == .running { container.stopRequested = false }
            }
        }
        for (arn, task) in tasks {
            if let network = task.network, !pauses.contains(arn), let pause = network.pauseID,
                network.phase == .attached || network.phase == .detaching
            {
                // Its pause container was removed while the agent was down.
                pauseContainerEnded(task: arn, id: pause)
                tasks[arn]?.network?.pauseID = nil
                tasks[arn]?.network?.phase = .released
            } else if initial, task.network?.phase == .attaching, !pauses.contains(arn) {
                tasks[arn]?.network?.phase = .pending
            } else if initial, task.network?.phase == .detaching {
                tasks[arn]?.network?.phase = .attached
            }
            for container in task.containers where !seen.contains("\(arn)/\(container.name)") {
                update(container.name, task: arn) { container in
                    if container.phase == .running, initial || container.runtimeId.map(runningBefore.contains) == true {
                        container.phase = .stopped
                        container.reason = "Container removed while the agent was down"
                    }
                    if initial, container.phase == .pending { container.launchRequested = false }
                }
            }
        }
        persist()
        reconcile()
    }

    /// Takes up the containers held aside at start-up for the task `arn`, which the controller has
    /// just sent and the agent did not know: each is recorded as it runs (or ended), so none is
    /// created again. The pause container of an awsvpc task is left to ``attachNetwork(task:)``,
    /// which finds it by its labels.
    func takeUpStrays(of arn: String) {
        guard let found = strays?.removeValue(forKey: arn) else { return }
        for state in found {
            guard let name = state.labels[ContainerLabels.containerName], name != TaskNetwork.pauseContainerName
            else { continue }
            update(name, task: arn) { container in
                Self.record(state, into: &container)
                if state.status == .created { container.launchRequested = false }
            }
        }
        logger.info(
            "took up the running containers of a task the saved state had lost",
            metadata: ["task.arn": "\(arn)", "containers": "\(found.count)"]
        )
    }

    /// After the first sync: removes the containers held aside whose tasks the controller does not
    /// want, and stops holding any.
    func settleStrays() {
        guard let left = strays else { return }
        strays = nil
        let remove = configuration.removeUnknownContainers
        for (arn, states) in left {
            logger.warning(
                remove ? "removing the containers of a task the controller does not know"
                    : "leaving the containers of a task the controller does not know",
                metadata: ["task.arn": "\(arn)", "containers": "\(states.count)"]
            )
        }
        guard remove else { return }
        let runtime = self.runtime
        Task {
            for state in left.values.joined() {
                try? await runtime.stopContainer(id: state.id, timeoutSeconds: 10)
                try? await runtime.removeContainer(id: state.id)
            }
        }
    }

    /// Removes the containers of stopped tasks whose cleanup time has come.
    public func cleanUp() async {
        let moment = now().timeIntervalSince1970
        for (arn, task) in tasks {
            guard let due = task.cleanupAt, due <= moment else { continue }
            for container in task.containers {
                if let id = container.runtimeId {
                    try? await runtime.removeContainer(id: id)
                    oomReported.remove(id)
                }
            }
            if let pause = task.network?.pauseID { try? await runtime.removeContainer(id: pause) }
            for volume in task.taskScopedVolumes { try? await runtime.removeVolume(name: volume) }
            taskCgroup(of: task)?.remove()
            tasks[arn] = nil
            taskSecrets[arn] = nil
            taskRegistryLogins[arn] = nil
            taskLogOptions[arn] = nil
            logger.info("removed the containers of a stopped task", metadata: ["task.arn": "\(arn)"])
        }
        persist()
    }
}
