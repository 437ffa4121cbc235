import WharfModel

/// What the task engine asks the node to do next for a task.
public enum EngineAction: Equatable, Sendable {
    /// Pull the image if needed, create and start the container.
    case launch(container: String)
    /// Stop a running container: SIGTERM, then SIGKILL after `timeoutSeconds`.
    case stop(container: String, timeoutSeconds: Int)
    /// Start an exited container again, as its `restartPolicy` says.
    case restart(container: String)
    /// Make an awsvpc task's network namespace: create and start its pause container.
    case attachNetwork
    /// Remove an awsvpc task's pause container, freeing its address.
    case detachNetwork
}

/// The task lifecycle as a pure state machine: given a task as it stands, it decides what the task
/// must do next and records the decisions that need no engine (a task that must stop, containers
/// that will never start). The caller performs the actions, records their results and asks again.
///
/// Rules, as ECS has them: containers start when their `dependsOn` conditions hold (START,
/// COMPLETE, SUCCESS, HEALTHY); a condition that can no longer hold fails the task
/// (`TaskFailedToStart`), as does a container that cannot start; an essential container that exits
/// stops the task (`EssentialContainerExited`); a task asked to stop stops its running containers
/// with their `stopTimeout` (default 30 s) and never starts the rest. A container whose
/// dependencies do not hold within its `startTimeout` fails the task too. A container with an
/// enabled `restartPolicy` that exits with a code not ignored, after running at least
/// `restartAttemptPeriod` seconds (default 300), is started again instead of ending the task.
public enum TaskEngine {
    /// The default seconds between SIGTERM and SIGKILL, as ECS's agent uses.
    public static let defaultStopTimeout = 30
    /// How long a container must have run before its restart policy restarts it, as in ECS.
    public static let defaultRestartAttemptPeriod = 300

    /// Decides the next actions for `task`, updating it with the decisions that need no engine
    /// (including that a launch or stop was asked for, so none is asked for twice).
    /// - Parameter now: seconds since 1970, for restart periods and start timeouts.
    public static func step(_ task: inout ManagedTask, now: Double = 0) -> [EngineAction] {
        var actions: [EngineAction] = []
        if !task.isStopping { actions += restarts(&task, now: now) }
        if !task.isStopping { decideStop(&task) }
        if task.isStopping { return stopActions(&task) + networkRelease(&task) }
        if task.network?.phase == .pending {
            task.network?.phase = .attaching
            actions.append(.attachNetwork)
        }
        for (index, container) in task.containers.enumerated() where container.phase == .pending && !container.launchRequested {
            switch dependencies(of: container.name, in: task) {
            case .satisfied:
                task.containers[index].launchRequested = true
                task.containers[index].waitingSince = nil
                actions.append(.launch(container: container.name))
            case .waiting:
                // Counted only for a container with a start timeout (a change is a save and a sync).
                guard let timeout = task.definition(of: container.name)?.startTimeout else { continue }
                let since = container.waitingSince ?? now
                task.containers[index].waitingSince = since
                if now - since >= Double(timeout) {
                    task.stopCode = "TaskFailedToStart"
                    task.stoppedReason = "Container \(container.name) did not start: its dependencies did not hold "
                        + "within its startTimeout of \(timeout) seconds"
                    return stopActions(&task)
                }
            case .impossible(let why):
                task.stopCode = "TaskFailedToStart"
                task.stoppedReason = why
                return stopActions(&task)
            }
        }
        return actions
    }

    /// When the next start timeout runs out (seconds since 1970), for a container still waiting.
    public static func nextDeadline(_ task: ManagedTask) -> Double? {
        guard !task.isStopping else { return nil }
        return task.containers.compactMap { container -> Double? in
            guard container.phase == .pending, !container.launchRequested, let since = container.waitingSince,
                let timeout = task.definition(of: container.name)?.startTimeout
            else { return nil }
            return since + Double(timeout)
        }.min()
    }

    /// Restarts the exited containers whose restart policy says so; they count as running again.
    static func restarts(_ task: inout ManagedTask, now: Double) -> [EngineAction] {
        var actions: [EngineAction] = []
        for index in task.containers.indices {
            let container = task.containers[index]
            guard container.phase == .stopped, container.started, let code = container.exitCode,
                let policy = task.definition(of: container.name)?.restartPolicy, policy.enabled == true,
                !(policy.ignoredExitCodes ?? []).contains(code)
            else { continue }
            let period = Double(policy.restartAttemptPeriod ?? defaultRestartAttemptPeriod)
            guard let started = container.startedAt, now - started >= period else { continue }
            task.containers[index].phase = .running
            task.containers[index].exitCode = nil
            task.containers[index].reason = nil
            task.containers[index].health = nil
            task.containers[index].startedAt = now
            task.containers[index].restartCount = (container.restartCount ?? 0) + 1
            actions.append(.restart(container: container.name))
        }
        return actions
    }

    /// Sets the stop code when an essential container exited or a container failed to start.
    static func decideStop(_ task: inout ManagedTask) {
        if let failed = task.containers.first(where: { $0.phase == .stopped && !$0.started }) {
            task.stopCode = "TaskFailedToStart"
            task.stoppedReason = failed.reason ?? "Container \(failed.name) could not start"
            return
        }
        for container in task.containers where container.phase == .stopped {
            if task.definition(of: container.name)?.essential ?? true {
                task.stopCode = "EssentialContainerExited"
                task.stoppedReason = "Essential container in task exited"
                return
            }
        }
    }

    /// Frees a stopping awsvpc task's address once all its containers have stopped: its pause
    /// container is removed, or there never was one.
    static func networkRelease(_ task: inout ManagedTask) -> [EngineAction] {
        guard let network = task.network, task.containers.allSatisfy({ $0.phase == .stopped }) else { return [] }
        switch network.phase {
        case .pending:
            task.network?.phase = .released
            return []
        case .attached:
            task.network?.phase = .detaching
            return [.detachNetwork]
        case .attaching, .detaching, .released:
            return []
        }
    }

    /// Stops what runs; containers never started are marked stopped.
    static func stopActions(_ task: inout ManagedTask) -> [EngineAction] {
        var actions: [EngineAction] = []
        for index in task.containers.indices {
            let container = task.containers[index]
            switch container.phase {
            case .pending where !container.launchRequested:
                task.containers[index].phase = .stopped
            case .running where !container.stopRequested:
                let timeout = task.definition(of: container.name)?.stopTimeout ?? defaultStopTimeout
                task.containers[index].stopRequested = true
                actions.append(.stop(container: container.name, timeoutSeconds: timeout))
            default:
                break
            }
        }
        if task.stopCode == nil { task.stopCode = "UserInitiated" }
        return actions
    }

    enum Readiness: Equatable {
        case satisfied
        case waiting
        case impossible(String)
    }

    /// Whether a container's `dependsOn` conditions hold, may still hold, or never can.
    static func dependencies(of name: String, in task: ManagedTask) -> Readiness {
        // An awsvpc task's containers join its network namespace, once there is one.
        if let network = task.network, network.phase != .attached { return .waiting }
        if let owner = task.namespaceOwner, owner != name,
            let holder = task.containers.first(where: { $0.name == owner })
        {
            switch holder.phase {
            case .pending: return .waiting
            case .running: break
            case .stopped:
                return .impossible(
                    "Container \(name) shares the task's namespaces (pidMode or ipcMode task) with \(owner), which "
                        + "is not running"
                )
            }
        }
        for dependency in task.definition(of: name)?.dependsOn ?? [] {
            guard let target = dependency.containerName, let other = task.containers.first(where: { $0.name == target }) else {
                return .impossible("Container \(name) depends on \(dependency.containerName ?? "") which is not in the task")
            }
            let condition = dependency.condition ?? "START"
            switch (condition, other.phase) {
            case (_, .pending):
                return .waiting
            case ("START", .running):
                continue
            case ("START", .stopped):
                if other.started { continue }
                return .impossible("Container \(name) depends on \(target) to START, but \(target) could not start")
            case ("COMPLETE", .stopped):
                if other.started { continue }
                return .impossible("Container \(name) depends on \(target) to COMPLETE, but \(target) could not start")
            case ("SUCCESS", .stopped):
                if other.exitCode == 0 { continue }
                return .impossible("Container \(name) depends on \(target) to exit successfully, but it exited with \(other.exitCode.map(String.init) ?? "no code")")
            case ("HEALTHY", .running):
                if other.health == "healthy" { continue }
                return .waiting
            case ("HEALTHY", .stopped):
                return .impossible("Container \(name) depends on \(target) to be HEALTHY, but \(target) stopped")
            default:
                return .waiting
            }
        }
        return .satisfied
    }
}
