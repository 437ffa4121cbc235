#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import WharfModel
import WharfProtocol

extension Agent {
    /// Performs one engine action and records what happened.
    func perform(_ action: EngineAction, task arn: String) async {
        switch action {
        case .launch(let name): await launch(name, task: arn)
        case .stop(let name, let timeout): await stop(name, task: arn, timeout: timeout)
        case .restart(let name): await restart(name, task: arn)
        case .attachNetwork: await attachNetwork(task: arn)
        case .detachNetwork: await detachNetwork(task: arn)
        }
    }

    /// Starts an exited container again (its restart policy said so).
    func restart(_ name: String, task arn: String) async {
        guard let id = tasks[arn]?.containers.first(where: { $0.name == name })?.runtimeId else { return }
        logger.info(
            "restarting a container by its restart policy",
            metadata: ["task.arn": "\(arn)", "container.name": "\(name)"]
        )
        do {
            try await runtime.startContainer(id: id)
        } catch {
            update(name, task: arn) { container in
                container.phase = .stopped
                container.reason = "Restart failed: \(error.message)"
            }
            reconcile()
            return
        }
        metrics.containerStarted()
        await refresh(containerID: id, task: arn, name: name)
    }

    /// Pulls (per the pull behaviour), creates and starts a container.
    func launch(_ name: String, task arn: String) async {
        guard let task = tasks[arn], let instanceArn = identity?.containerInstanceArn else { return }
        var id = task.containers.first { $0.name == name }?.runtimeId ?? ""
        let container = task.definition(of: name)
        let needsSecrets = !(container?.secrets ?? []).isEmpty
        let needsLogOptions = !(container?.logConfiguration?.secretOptions ?? []).isEmpty
        if id.isEmpty,
            (needsSecrets && taskSecrets[arn]?[name] == nil) || (needsLogOptions && taskLogOptions[arn]?[name] == nil)
        {
            // Its secrets come with the controller's next answer (a restarted agent has none in
            // memory): the container waits for them rather than starting without them.
            if let index = tasks[arn]?.containers.firstIndex(where: { $0.name == name }) {
                tasks[arn]?.containers[index].launchRequested = false
            }
            syncSoon()
            return
        }
        if id.isEmpty, !assignGPUs(name, task: arn) { return }
        guard let current = tasks[arn] else { return }
        let cgroup = taskCgroup(of: current)
        if id.isEmpty, let cgroup, let size = current.size {
            do {
                try cgroup.create(cpu: size.cpu, memoryMiB: size.memoryMiB)
            } catch {
                fail(name, task: arn, reason: "CannotCreateContainerError: \(error.message)", error: error)
                return
            }
        }
        var spec = ContainerSpec(
            container: name,
            of: current,
            instanceArn: instanceArn,
            secrets: taskSecrets[arn]?[name] ?? [:],
            logSecrets: taskLogOptions[arn]?[name] ?? [:],
            cgroup: cgroup
        ) { other in
            current.containers.first { $0.name == other }?.runtimeId
        }
        // A bridge-mode container without resolvers of its own asks Wharf's DNS, at the node's task
        // gateway (reached through the host, as the container's default route goes).
        if spec.networkMode == "bridge", spec.dnsServers.isEmpty, configuration.discoveryDNS,
            let gateway = taskGateway
        {
            spec.dnsServers = [gateway]
        }
        if id.isEmpty, let uri = metadataURI(container: name, task: arn) {
            spec.environment[Self.metadataVariable] = uri
            spec.environment[Self.metadataVariableV3] = uri.replacing("/v4/", with: "/v3/")
        }
        // A container created before a restart but never started is started, not created again.
        if id.isEmpty {
            if tasks[arn]?.pullStartedAt == nil { tasks[arn]?.pullStartedAt = now().timeIntervalSince1970 }
            let declared = task.definition.containerDefinitions?.first { $0.name == name }?.repositoryCredentials?
                .credentialsParameter
            let login = taskRegistryLogins[arn]?[name].map {
                RegistryCredentials(username: $0.username, password: $0.password)
            }
            let secret = login ?? declared.flatMap { configuration.registryAuth.credentials(forSecret: $0) }
            do {
                try await ensureImage(spec.image, credentials: secret)
            } catch {
                var message = error.message
                if let declared, secret == nil, configuration.registryAuth.credentials(for: spec.image) == nil {
                    message +=
                        "; the container names repositoryCredentials \(declared), which is neither a secret of "
                        + "the controller's Secrets Manager nor in the agent's --secrets-file; create it (aws "
                        + "secretsmanager create-secret with {\"username\", \"password\"}), or give the agent "
                        + "credentials for \(RegistryAuth.registryName(of: spec.image)) with --engine-auth-file"
                }
                fail(name, task: arn, reason: "CannotPullContainerError: \(message)", error: error)
                return
            }
            tasks[arn]?.pullStoppedAt = now().timeIntervalSince1970
            if await abandonLaunch(name, task: arn, containerID: nil) { return }
            do {
                id = try await runtime.createContainer(spec)
            } catch {
                fail(name, task: arn, reason: "CannotCreateContainerError: \(error.message)", error: error)
                return
            }
            update(name, task: arn) { [id] in $0.runtimeId = id }
            persist()
        }
        if await abandonLaunch(name, task: arn, containerID: id) { return }
        do {
            try await runtime.startContainer(id: id)
        } catch {
            fail(name, task: arn, reason: "CannotStartContainerError: \(error.message)", error: error)
            return
        }
        metrics.containerStarted()
        await refresh(containerID: id, task: arn, name: name)
    }

    /// The task's own cgroup, when it has a task-level size and the engine's cgroup driver is
    /// `cgroupfs` (with `systemd` the engine manages the slices, and the size bounds each container).
    func taskCgroup(of task: ManagedTask) -> TaskCgroup? {
        guard task.size != nil, runtimeInfo?.cgroupDriver == "cgroupfs" else { return nil }
        return TaskCgroup(version: runtimeInfo?.cgroupVersion ?? "1", taskID: task.id)
    }

    /// Gives a container that asks for GPUs as many of the node's as no running container holds;
    /// one that cannot have them fails to start. Runs before the launch's first suspension, so
    /// two launches never take the same GPU.
    /// - Returns: whether the launch goes on.
    func assignGPUs(_ name: String, task arn: String) -> Bool {
        guard let task = tasks[arn] else { return false }
        let wanted = task.gpus(of: name)
        guard wanted > 0, task.containers.first(where: { $0.name == name })?.gpuIDs == nil else { return true }
        let held = Set(
            tasks.values.flatMap { other in
                other.containers.filter { $0.phase != .stopped }.flatMap { $0.gpuIDs ?? [] }
            }
        )
        let free = configuration.gpus.filter { !held.contains($0) }
        guard free.count >= wanted else {
            let reason =
                "CannotStartContainerError: the container needs \(wanted) GPUs and the node has \(free.count) "
                + "free of \(configuration.gpus.count)"
            fail(name, task: arn, reason: reason, error: RuntimeError(.invalid, reason))
            return false
        }
        update(name, task: arn) { $0.gpuIDs = Array(free.prefix(wanted)) }
        persist()
        return true
    }

    /// Whether a launch should stop here because its task is gone or stopping; removes what it
    /// created and records the container as never started.
    func abandonLaunch(_ name: String, task arn: String, containerID: String?) async -> Bool {
        guard tasks[arn]?.isStopping == false else {
            if let containerID { try? await runtime.removeContainer(id: containerID) }
            update(name, task: arn) { container in
                container.phase = .stopped
                container.launchRequested = false
            }
            reconcile()
            return true
        }
        return false
    }

    /// Pulls an image when the pull behaviour says so, with the agent's credentials for its registry.
    /// - Parameter credentials: the container's own (`repositoryCredentials`); else the agent's for the registry.
    func ensureImage(_ image: String, credentials given: RegistryCredentials? = nil) async throws(RuntimeError) {
        let present = (try? await runtime.hasImage(image)) ?? false
        let credentials = given ?? configuration.registryAuth.credentials(for: image)
        switch configuration.imagePullBehavior {
        case .preferCached where present:
            return
        case .once where present && pulledImages.contains(image):
            return
        case .default:
            do {
                try await runtime.pullImage(image, credentials: credentials)
            } catch {
                if present {
                    logger.warning(
                        "pull failed; using the local copy",
                        metadata: ["image": "\(image)", "error": "\(error.message)"]
                    )
                    return
                }
                throw error
            }
        default:
            try await runtime.pullImage(image, credentials: credentials)
        }
        pulledImages.insert(image)
    }

    /// Stops a container and records how it ended.
    func stop(_ name: String, task arn: String, timeout: Int) async {
        guard let id = tasks[arn]?.containers.first(where: { $0.name == name })?.runtimeId else { return }
        do {
            try await runtime.stopContainer(id: id, timeoutSeconds: timeout)
        } catch {
            logger.warning(
                "stopping a container failed; retrying",
                metadata: ["container.id": "\(id)", "error": "\(error.message)"]
            )
            try? await Task.sleep(for: .seconds(1))
            // Ask again on the next step, unless the container stopped meanwhile.
            update(name, task: arn) { $0.stopRequested = false }
        }
        await refresh(containerID: id, task: arn, name: name)
    }

    /// Records that a container could not start. A launch cut short by shutdown or an engine that
    /// went away is not a failure: it is left for the next start (or event) to pick up again.
    func fail(_ name: String, task arn: String, reason: String, error: RuntimeError) {
        if error.code == .cancelled || error.code == .unavailable || Task.isCancelled {
            logger.warning(
                "launch interrupted; it will be retried",
                metadata: ["task.arn": "\(arn)", "container.name": "\(name)", "error": "\(error.message)"]
            )
            update(name, task: arn) { $0.launchRequested = false }
            persist()
            return
        }
        logger.warning(
            "container could not start",
            metadata: ["task.arn": "\(arn)", "container.name": "\(name)", "reason": "\(reason)"]
        )
        metrics.containerFailed(reason: reason)
        update(name, task: arn) { container in
            container.phase = .stopped
            container.reason = reason
            container.launchRequested = false
        }
        reconcile()
    }

    /// How long a container killed by SIGKILL (exit 137) that the agent did not stop is given for
    /// the engine to say the OOM killer did it. Docker hears of the OOM kill apart from the exit
    /// and, under load, publishes `oom` after `die` (then without setting `OOMKilled`:
    /// ``oomReported``); a task reported STOPPED cannot take the reason back.
    static let lateOOMWait: Duration = .seconds(1)

    /// The reason of a container the kernel's OOM killer ended, in ECS's words.
    static let outOfMemoryReason = "OutOfMemoryError: Container killed due to memory usage"

    /// Reads a container's state from the engine into the task.
    func refresh(containerID: String, task arn: String, name: String) async {
        var state: ContainerState
        do {
            state = try await runtime.inspectContainer(id: containerID)
            if mayBeLateOOM(state, task: arn, name: name) {
                try? await Task.sleep(for: Self.lateOOMWait)
                if let again = try? await runtime.inspectContainer(id: containerID), again.id == state.id {
                    state = again
                }
            }
            if oomReported.contains(state.id) { state.oomKilled = true }
        } catch let error where error.code == .notFound {
            update(name, task: arn) { container in
                // Another container with the task's and the name's labels (an earlier one, or one
                // made by hand) says nothing of this one.
                if container.phase != .stopped, container.runtimeId == nil || container.runtimeId == containerID {
                    container.phase = .stopped
                    container.reason = container.reason ?? "Container removed outside the agent"
                }
            }
            reconcile()
            return
        } catch {
            logger.warning(
                "cannot inspect a container",
                metadata: ["container.id": "\(containerID)", "error": "\(error.message)"]
            )
            return
        }
        let before = tasks[arn]
        update(name, task: arn) { container in Self.record(state, into: &container) }
        if tasks[arn] != before {
            persist()
            syncSoon()
        }
        reconcile()
    }

    /// What the engine says about a container, in the agent's terms.
    static func record(_ state: ContainerState, into container: inout ManagedContainer) {
        // The agent never restarts a container: once seen stopped, a late "running" answer (an
        // inspect issued before the exit) must not bring it back.
        if container.phase == .stopped, container.runtimeId == state.id {
            // Except to learn, late, that the OOM killer ended it (``lateOOMWait``).
            if state.oomKilled { container.reason = outOfMemoryReason }
            return
        }
        // Nor may an exit read before a restart end the run the restart began.
        if (container.restartCount ?? 0) > 0, state.status == .exited || state.status == .dead,
            let ours = container.startedAt, let theirs = state.startedAt, theirs < ours - 1
        {
            return
        }
        if let started = state.startedAt { container.startedAt = max(container.startedAt ?? started, started) }
        container.runtimeId = state.id
        container.health = state.health
        switch state.status {
        case .running, .paused, .restarting:
            container.phase = .running
            container.bindings = state.bindings.map {
                ECS.NetworkBinding(
                    bindIP: $0.hostIP,
                    containerPort: $0.containerPort,
                    hostPort: $0.hostPort,
                    protocol: $0.transport
                )
            }
        case .exited, .dead:
            container.phase = .stopped
            container.exitCode = state.exitCode
            if state.oomKilled {
                container.reason = outOfMemoryReason
            } else if let error = state.error, !error.isEmpty, container.reason == nil {
                container.reason = error
            }
        case .created, .removing:
            break
        }
    }

    /// Whether `state` is a SIGKILL the agent did not send to a container it still counts as
    /// running, with no word yet from the engine that the OOM killer sent it.
    func mayBeLateOOM(_ state: ContainerState, task arn: String, name: String) -> Bool {
        guard state.status == .exited || state.status == .dead, state.exitCode == 137, !state.oomKilled,
            !oomReported.contains(state.id), let container = tasks[arn]?.containers.first(where: { $0.name == name })
        else { return false }
        return container.phase == .running && !container.stopRequested && container.runtimeId == state.id
    }

    func update(_ name: String, task arn: String, _ change: (inout ManagedContainer) -> Void) {
        guard let index = tasks[arn]?.containers.firstIndex(where: { $0.name == name }) else { return }
        change(&tasks[arn]!.containers[index])
    }
}
