#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import WharfModel
import WharfProtocol

extension Agent {
    /// Syncs with the controller until cancelled: each sync reports every task and brings back the
    /// node's desired state; an event on the node cuts a held sync short.
    /// - Throws: ``AgentError`` `terminal` when the instance was deregistered (its tasks are stopped
    ///   and the identity forgotten first).
    public func syncLoop() async throws(AgentError) {
        var delay: Duration = .milliseconds(200)
        while !Task.isCancelled {
            guard let identity else { throw AgentError(.state, "not registered") }
            let request = SyncRequest(
                containerInstanceArn: identity.containerInstanceArn,
                credential: identity.credential,
                desiredVersion: desiredVersion,
                tasks: reports(),
                routesVersion: routesVersion,
                loadBalancerVersion: await loadBalancerNode?.planVersion,
                targetHealth: await loadBalancerNode?.health,
                targetTraffic: await loadBalancerNode?.traffic,
                discoveryVersion: await discoveryDNS?.version,
                servesNames: discoveryDNS != nil,
                runtimeHealth: runtimeHealth
            )
            let client = self.client
            let sync = Task { () -> Result<SyncResponse, AgentProtocolError> in
                do throws(AgentProtocolError) { return .success(try await client.sync(request)) } catch {
                    return .failure(error)
                }
            }
            currentSync = sync
            syncSentAt = .now
            syncInterrupted = false
            newsPending = false
            let result = await withTaskCancellationHandler {
                await sync.value
            } onCancel: {
                sync.cancel()
            }
            currentSync = nil
            if case .failure = result, syncInterrupted || Task.isCancelled {
            } else {
                metrics.sync(ok: (try? result.get()) != nil)
            }
            switch result {
            case .success(let response) where response.protocolVersion != AgentProtocol.version:
                throw AgentError(
                    .terminal,
                    "the controller speaks agent protocol version \(response.protocolVersion), this agent "
                        + "\(AgentProtocol.version); run matching versions of wharf-agent and wharf-controller"
                )
            case .success(let response):
                delay = .milliseconds(200)
                let unchanged = response.desiredVersion == request.desiredVersion
                apply(response)
                if let plan = response.loadBalancerPlan, let node = loadBalancerNode { await node.apply(plan) }
                if let names = response.discoveryNames, let dns = discoveryDNS { await dns.update(names) }
                // A controller answering at once with nothing new (it is shutting down) must not
                // make the agent spin.
                if unchanged, !syncInterrupted, !newsPending { try? await Task.sleep(for: .milliseconds(500)) }
            case .failure(let error) where error.code == .unauthorized:
                logger.error(
                    "the controller no longer knows this instance's credential; registering again",
                    metadata: ["error": "\(error.message)"]
                )
                files.forgetIdentity()
                if let info = runtimeInfo { try await register(info) }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            case .failure(let error) where error.code == .deregistered:
                logger.error(
                    "the controller deregistered this instance; stopping its tasks",
                    metadata: ["error": "\(error.message)"]
                )
                await stopEverything(reason: "Container instance deregistered")
                files.forgetIdentity()
                throw AgentError(.terminal, error.message)
            case .failure(let error) where error.isTerminal:
                throw AgentError(.terminal, error.message)
            case .failure(let error):
                if syncInterrupted || Task.isCancelled { continue }
                logger.warning(
                    "sync failed; retrying",
                    metadata: ["error": "\(error.message)", "retry.in": "\(delay)"]
                )
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    /// Gets news to the controller soon: cuts the held sync short, at once when it was sent
    /// longer than `configuration.syncCoalescing` (50 ms) ago, else when that much time has passed
    /// if it is still held. A sync just sent usually has its answer sooner (the controller holds a
    /// sync only when it has nothing new), and the news goes in the next sync, sent as soon as that
    /// answer is in. Cutting every sync at once sent a node's whole report again for every
    /// container that started in a burst, and the controller decoded and recorded each
    /// (docs/benchmarks.md, scheduling throughput).
    func syncSoon() {
        newsPending = true
        guard let currentSync, let sent = syncSentAt else { return }
        let age = ContinuousClock.now - sent
        guard age < configuration.syncCoalescing else {
            syncInterrupted = true
            currentSync.cancel()
            return
        }
        guard !interruptScheduled else { return }
        interruptScheduled = true
        let wait = configuration.syncCoalescing - age
        Task { [weak self] in
            try? await Task.sleep(for: wait)
            await self?.interruptSync(sentAt: sent)
        }
    }

    /// Cuts the sync sent at `sent` short, if it is still the one in flight and news waits. When
    /// another sync went out meanwhile and news came after it, that news is looked at again
    /// against the sync now in flight: the one wait scheduled is this one, so giving up here would
    /// leave the news in the agent until the held sync ends by itself (a long poll, 20 s).
    private func interruptSync(sentAt sent: ContinuousClock.Instant) {
        interruptScheduled = false
        guard newsPending, let currentSync else { return }
        guard syncSentAt == sent else {
            syncSoon()
            return
        }
        syncInterrupted = true
        currentSync.cancel()
    }

    /// Takes in the controller's desired state.
    func apply(_ response: SyncResponse) {
        desiredVersion = response.desiredVersion
        let wanted = Set(response.tasks.map(\.taskArn))
        for desired in response.tasks {
            if let secrets = desired.secrets, secrets.failure == nil, tasks[desired.taskArn]?.isStopping != true {
                taskSecrets[desired.taskArn] = secrets.environment
                taskRegistryLogins[desired.taskArn] = secrets.registryLogins
                taskLogOptions[desired.taskArn] = secrets.logOptions
            }
            if var task = tasks[desired.taskArn] {
                if desired.desiredStatus == "STOPPED", task.desiredStatus != "STOPPED" {
                    task.desiredStatus = "STOPPED"
                    task.stoppedReason = task.stoppedReason ?? desired.stoppedReason
                    tasks[desired.taskArn] = task
                }
            } else {
                var task = ManagedTask(
                    arn: desired.taskArn,
                    clusterArn: desired.clusterArn,
                    definition: desired.taskDefinition,
                    overrides: desired.overrides,
                    desiredStatus: desired.desiredStatus
                )
                task.network = desired.network.map { TaskNetwork(address: $0.privateIPv4Address, subnet: $0.subnet) }
                task.launchType = desired.launchType
                if task.network == nil, desired.taskDefinition.networkMode == "awsvpc" {
                    task.desiredStatus = "STOPPED"
                    task.stopCode = "TaskFailedToStart"
                    task.stoppedReason = "ResourceInitializationError: the controller gave the awsvpc task no address"
                }
                if let failure = desired.secrets?.failure {
                    // Its secrets could not be read: it stops without starting, as ECS's does.
                    task.desiredStatus = "STOPPED"
                    task.stopCode = "TaskFailedToStart"
                    task.stoppedReason = failure
                }
                tasks[desired.taskArn] = task
                takeUpStrays(of: desired.taskArn)
            }
        }
        settleStrays()
        if let routes = response.taskRoutes {
            Task { await self.installRoutes(routes) }
        }
        for arn in response.acknowledgedStopped {
            guard var task = tasks[arn], task.lastStatus == "STOPPED", task.cleanupAt == nil else { continue }
            task.cleanupAt = now().timeIntervalSince1970 + Double(configuration.taskCleanupWait.components.seconds)
            tasks[arn] = task
        }
        for (arn, task) in tasks where !wanted.contains(arn) && task.cleanupAt == nil && !task.isStopping {
            logger.warning("the controller does not know this task; stopping it", metadata: ["task.arn": "\(arn)"])
            tasks[arn]?.desiredStatus = "STOPPED"
            tasks[arn]?.stoppedReason = "Task unknown to the controller"
        }
        reconcile()
    }

    /// Everything the agent knows that the controller has not acknowledged as STOPPED.
    func reports() -> [TaskReport] {
        tasks.values.filter { $0.cleanupAt == nil }.sorted { $0.arn < $1.arn }.map { task in
            TaskReport(
                taskArn: task.arn,
                lastStatus: task.lastStatus,
                containers: task.containers.map { container in
                    ContainerReport(
                        name: container.name,
                        runtimeId: container.runtimeId,
                        lastStatus: container.phase == .running
                            ? "RUNNING" : (container.phase == .stopped ? "STOPPED" : "PENDING"),
                        exitCode: container.exitCode,
                        reason: container.reason,
                        networkBindings: container.bindings,
                        healthStatus: container.health.map {
                            $0 == "healthy" ? "HEALTHY" : ($0 == "unhealthy" ? "UNHEALTHY" : "UNKNOWN")
                        },
                        usage: container.phase == .running ? container.runtimeId.flatMap { usage[$0] } : nil,
                        gpuIds: container.gpuIDs
                    )
                },
                pullStartedAt: task.pullStartedAt,
                pullStoppedAt: task.pullStoppedAt,
                startedAt: task.startedAt,
                executionStoppedAt: task.executionStoppedAt,
                stopCode: task.lastStatus == "STOPPED" ? task.stopCode : nil,
                stoppedReason: task.lastStatus == "STOPPED" ? task.stoppedReason : nil,
                healthStatus: task.healthStatus,
                macAddress: task.network?.macAddress
            )
        }
    }

    /// Steps every task and starts the actions it needs.
    func reconcile() {
        var changed = false
        for arn in Array(tasks.keys) {
            guard var task = tasks[arn], task.cleanupAt == nil else { continue }
            let before = task
            let actions = TaskEngine.step(&task, now: now().timeIntervalSince1970)
            if let deadline = TaskEngine.nextDeadline(task) { wake(at: deadline) }
            if task.lastStatus == "RUNNING", task.startedAt == nil { task.startedAt = now().timeIntervalSince1970 }
            if task.lastStatus == "STOPPED", task.executionStoppedAt == nil {
                task.executionStoppedAt = now().timeIntervalSince1970
            }
            if task != before {
                tasks[arn] = task
                changed = true
            }
            for action in actions {
                Task { await self.perform(action, task: arn) }
            }
        }
        if changed {
            persist()
            syncSoon()
        }
    }

    /// Runs the task engine again at `deadline` (seconds since 1970), when a start timeout may
    /// run out with nothing else happening.
    func wake(at deadline: Double) {
        guard wakeups.insert(deadline).inserted else { return }
        let delay = max(0, deadline - now().timeIntervalSince1970) + 0.05
        Task {
            try? await Task.sleep(for: .seconds(delay))
            self.wakeups.remove(deadline)
            self.reconcile()
        }
    }

    /// Stops every task at once (the instance was deregistered) and waits for them to stop.
    func stopEverything(reason: String) async {
        for arn in Array(tasks.keys) where tasks[arn]?.isStopping == false {
            tasks[arn]?.desiredStatus = "STOPPED"
            tasks[arn]?.stoppedReason = reason
        }
        for (arn, task) in tasks {
            for container in task.containers where container.phase == .running {
                if let id = container.runtimeId {
                    let timeout = task.definition(of: container.name)?.stopTimeout ?? TaskEngine.defaultStopTimeout
                    try? await runtime.stopContainer(id: id, timeoutSeconds: timeout)
                }
            }
            if let pause = task.network?.pauseID {
                try? await runtime.stopContainer(id: pause, timeoutSeconds: 0)
                try? await runtime.removeContainer(id: pause)
            }
            tasks[arn] = nil
            taskSecrets[arn] = nil
            taskRegistryLogins[arn] = nil
            taskLogOptions[arn] = nil
        }
        persist()
    }
}
