import Testing
import WharfAgent
import WharfModel

/// A task of containers `app` (essential) and whatever `extra` adds.
func managedTask(_ containers: [ECS.ContainerDefinition], desired: String = "RUNNING") -> ManagedTask {
    ManagedTask(
        arn: "arn:aws:ecs:us-east-1:000000000000:task/lab/abc",
        clusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/lab",
        definition: ECS.TaskDefinition(containerDefinitions: containers, family: "web", revision: 1),
        overrides: nil,
        desiredStatus: desired
    )
}

extension ManagedTask {
    /// Records what the engine would report after an action.
    mutating func set(
        _ name: String,
        _ phase: ContainerPhase,
        exit: Int? = nil,
        reason: String? = nil,
        health: String? = nil
    ) {
        guard let index = containers.firstIndex(where: { $0.name == name }) else { return }
        containers[index].phase = phase
        if phase != .pending, containers[index].runtimeId == nil, reason == nil {
            containers[index].runtimeId = "id-\(name)"
        }
        containers[index].exitCode = exit ?? containers[index].exitCode
        containers[index].reason = reason ?? containers[index].reason
        containers[index].health = health ?? containers[index].health
    }
}

let app = ECS.ContainerDefinition(name: "app", image: "busybox", essential: true)

@Suite("Task engine")
struct TaskEngineTests {
    @Test("a simple task launches its containers, runs, and stops when asked with the container's stopTimeout")
    func simple() {
        var side = ECS.ContainerDefinition(name: "side", image: "busybox", essential: false)
        side.stopTimeout = 5
        var task = managedTask([app, side])
        #expect(TaskEngine.step(&task) == [.launch(container: "app"), .launch(container: "side")])
        #expect(task.lastStatus == "PROVISIONING")
        task.set("app", .running)
        #expect(task.lastStatus == "PENDING")
        task.set("side", .running)
        #expect(TaskEngine.step(&task) == [])
        #expect(task.lastStatus == "RUNNING")
        task.desiredStatus = "STOPPED"
        #expect(
            TaskEngine.step(&task) == [
                .stop(container: "app", timeoutSeconds: 30), .stop(container: "side", timeoutSeconds: 5),
            ]
        )
        #expect(task.lastStatus == "STOPPING")
        #expect(TaskEngine.step(&task) == [], "a stop is asked for once")
        task.set("app", .stopped, exit: 143)
        task.set("side", .stopped, exit: 0)
        #expect(task.lastStatus == "STOPPED")
        #expect(task.stopCode == "UserInitiated")
    }

    @Test("an essential container exiting stops its siblings; a non-essential one does not")
    func essentialExit() {
        var worker = ECS.ContainerDefinition(name: "worker", image: "busybox", essential: false)
        worker.stopTimeout = 2
        var task = managedTask([app, worker])
        _ = TaskEngine.step(&task)
        task.set("app", .running)
        task.set("worker", .running)
        task.set("worker", .stopped, exit: 0)
        #expect(TaskEngine.step(&task) == [])
        #expect(task.lastStatus == "RUNNING")
        task.set("worker", .running)
        task.set("app", .stopped, exit: 1)
        #expect(TaskEngine.step(&task) == [.stop(container: "worker", timeoutSeconds: 2)])
        #expect(task.stopCode == "EssentialContainerExited")
        #expect(task.stoppedReason == "Essential container in task exited")
    }

    struct DependencyCase: Sendable, CustomTestStringConvertible {
        let condition: String
        /// What the dependency does before `app` is considered: phase, exit code, health.
        let dependency: (ContainerPhase, Int?, String?)
        let expected: Expected
        enum Expected: Sendable, Equatable { case launches, waits, fails }
        var testDescription: String {
            "\(condition) with dependency \(dependency.0) exit \(dependency.1.map(String.init) ?? "-") health "
                + "\(dependency.2 ?? "-")"
        }
    }

    static let dependencyCases: [DependencyCase] = [
        DependencyCase(condition: "START", dependency: (.pending, nil, nil), expected: .waits),
        DependencyCase(condition: "START", dependency: (.running, nil, nil), expected: .launches),
        DependencyCase(condition: "COMPLETE", dependency: (.running, nil, nil), expected: .waits),
        DependencyCase(condition: "COMPLETE", dependency: (.stopped, 3, nil), expected: .launches),
        DependencyCase(condition: "SUCCESS", dependency: (.stopped, 0, nil), expected: .launches),
        DependencyCase(condition: "SUCCESS", dependency: (.stopped, 1, nil), expected: .fails),
        DependencyCase(condition: "HEALTHY", dependency: (.running, nil, "starting"), expected: .waits),
        DependencyCase(condition: "HEALTHY", dependency: (.running, nil, "healthy"), expected: .launches),
        DependencyCase(condition: "HEALTHY", dependency: (.stopped, 1, nil), expected: .fails),
    ]

    @Test("dependsOn conditions hold, wait or fail the task", arguments: dependencyCases)
    func dependsOn(_ rule: DependencyCase) {
        var dependent = app
        dependent.dependsOn = [ECS.ContainerDependency(containerName: "init", condition: rule.condition)]
        let initContainer = ECS.ContainerDefinition(name: "init", image: "busybox", essential: false)
        var task = managedTask([initContainer, dependent])
        #expect(TaskEngine.step(&task) == [.launch(container: "init")])
        if rule.dependency.0 != .pending {
            task.set("init", .running, health: rule.dependency.2)
            if rule.dependency.0 == .stopped { task.set("init", .stopped, exit: rule.dependency.1) }
        }
        let actions = TaskEngine.step(&task)
        switch rule.expected {
        case .launches:
            #expect(actions == [.launch(container: "app")])
        case .waits:
            #expect(actions == [])
            #expect(task.stopCode == nil)
        case .fails:
            #expect(task.stopCode == "TaskFailedToStart")
            #expect(task.containers.first { $0.name == "app" }?.phase == .stopped)
        }
    }

    @Test("a container that cannot start fails the task with its reason and never starts the rest")
    func failedToStart() {
        var dependent = ECS.ContainerDefinition(name: "later", image: "busybox", essential: false)
        dependent.dependsOn = [ECS.ContainerDependency(containerName: "app", condition: "START")]
        var task = managedTask([app, dependent])
        #expect(TaskEngine.step(&task) == [.launch(container: "app")])
        task.set("app", .stopped, reason: "CannotPullContainerError: manifest unknown")
        #expect(TaskEngine.step(&task) == [])
        #expect(task.stopCode == "TaskFailedToStart")
        #expect(task.stoppedReason == "CannotPullContainerError: manifest unknown")
        #expect(task.lastStatus == "STOPPED")
    }

    @Test("a stop that arrives while a launch is under way stops the container once it runs")
    func stopDuringLaunch() {
        var task = managedTask([app])
        #expect(TaskEngine.step(&task) == [.launch(container: "app")])
        task.desiredStatus = "STOPPED"
        #expect(TaskEngine.step(&task) == [])
        #expect(task.lastStatus == "STOPPING")
        task.set("app", .running)
        #expect(TaskEngine.step(&task) == [.stop(container: "app", timeoutSeconds: 30)])
    }

    @Test("a task stopped before it started never launches anything")
    func stoppedEarly() {
        var task = managedTask([app], desired: "STOPPED")
        #expect(TaskEngine.step(&task) == [])
        #expect(task.lastStatus == "STOPPED")
    }

    @Test("health: HEALTHY only when every essential container with a check is healthy")
    func health() {
        var checked = app
        checked.healthCheck = ECS.HealthCheck(command: ["CMD", "true"])
        var task = managedTask([checked])
        #expect(task.healthStatus == "UNKNOWN")
        task.set("app", .running, health: "healthy")
        #expect(task.healthStatus == "HEALTHY")
        task.set("app", .running, health: "unhealthy")
        #expect(task.healthStatus == "UNHEALTHY")
    }

    @Test("the container spec carries the definition, the overrides and Wharf's labels")
    func spec() {
        var definition = ECS.ContainerDefinition(
            name: "app",
            image: "busybox",
            cpu: 128,
            memory: 64,
            portMappings: [ECS.PortMapping(containerPort: 80, hostPort: 0, protocol: "tcp")],
            command: ["httpd", "-f"],
            environment: [ECS.KeyValuePair(name: "A", value: "1")]
        )
        definition.healthCheck = ECS.HealthCheck(command: ["CMD-SHELL", "true"], interval: 5)
        var task = managedTask([definition])
        task.overrides = ECS.TaskOverride(containerOverrides: [
            ECS.ContainerOverride(
                name: "app",
                command: ["sleep", "5"],
                environment: [ECS.KeyValuePair(name: "B", value: "2")]
            )
        ])
        let spec = ContainerSpec(container: "app", of: task, instanceArn: "instance", runtimeID: { _ in nil })
        #expect(spec.command == ["sleep", "5"])
        #expect(spec.environment == ["A": "1", "B": "2"])
        #expect(spec.ports == [ContainerSpec.Port(containerPort: 80, hostPort: 0, transport: "tcp")])
        #expect(spec.labels[ContainerLabels.taskArn] == task.arn)
        #expect(spec.labels[ContainerLabels.containerName] == "app")
        #expect(spec.labels[ContainerLabels.instanceArn] == "instance")
        #expect(
            spec.healthCheck
                == ContainerSpec.HealthCheck(
                    test: ["CMD-SHELL", "true"],
                    intervalSeconds: 5,
                    timeoutSeconds: 5,
                    retries: 3,
                    startPeriodSeconds: 0
                )
        )
        #expect(spec.logDriver == "json-file")
        #expect(spec.memoryMiB == 64)
        #expect(spec.stopTimeoutSeconds == 30)
    }

    @Test("the values of a container's secrets are in its environment, over a variable of the same name")
    func secretsInEnvironment() {
        let definition = ECS.ContainerDefinition(
            name: "app",
            image: "busybox",
            memory: 64,
            environment: [ECS.KeyValuePair(name: "A", value: "1"), ECS.KeyValuePair(name: "DB", value: "plain")]
        )
        let task = managedTask([definition])
        let spec = ContainerSpec(
            container: "app",
            of: task,
            instanceArn: "instance",
            secrets: ["DB": "s3cret", "TOKEN": "t"],
            runtimeID: { _ in nil }
        )
        #expect(spec.environment == ["A": "1", "DB": "s3cret", "TOKEN": "t"])
    }

    @Test("the values of a container's secretOptions join its log driver's options")
    func secretLogOptions() {
        let definition = ECS.ContainerDefinition(
            name: "app", image: "busybox", memory: 64,
            logConfiguration: ECS.LogConfiguration(logDriver: "json-file", options: ["max-file": "2"]))
        let spec = ContainerSpec(
            container: "app", of: managedTask([definition]), instanceArn: "instance", logSecrets: ["max-size": "11m"],
            runtimeID: { _ in nil })
        #expect(spec.logDriver == "json-file")
        #expect(spec.logOptions == ["max-file": "2", "max-size": "11m"])
    }
}

@Suite("Task engine: awsvpc tasks")
struct TaskEngineNetworkTests {
    static func awsvpcTask() -> ManagedTask {
        var task = ManagedTask(
            arn: "arn:aws:ecs:us-east-1:000000000000:task/lab/n1",
            clusterArn: "c",
            definition: ECS.TaskDefinition(
                containerDefinitions: [ECS.ContainerDefinition(name: "app", image: "busybox")],
                networkMode: "awsvpc"
            ),
            overrides: nil,
            desiredStatus: "RUNNING"
        )
        task.network = TaskNetwork(address: "10.64.3.2", subnet: "10.64.3.0/24")
        return task
    }

    @Test("the network is made first; the containers wait for it, then start")
    func attachFirst() {
        var task = Self.awsvpcTask()
        #expect(TaskEngine.step(&task) == [.attachNetwork])
        #expect(task.network?.phase == .attaching)
        #expect(TaskEngine.step(&task).isEmpty, "asked once")
        #expect(task.lastStatus == "PROVISIONING")
        task.network?.phase = .attached
        task.network?.pauseID = "p"
        #expect(TaskEngine.step(&task) == [.launch(container: "app")])
    }

    @Test("stopping: the containers stop, then the network is removed; DEPROVISIONING until it is gone")
    func releaseLast() {
        var task = Self.awsvpcTask()
        task.network?.phase = .attached
        task.network?.pauseID = "p"
        task.containers[0].phase = .running
        task.containers[0].runtimeId = "c1"
        task.desiredStatus = "STOPPED"
        #expect(TaskEngine.step(&task) == [.stop(container: "app", timeoutSeconds: 30)])
        task.containers[0].phase = .stopped
        #expect(TaskEngine.step(&task) == [.detachNetwork])
        #expect(task.lastStatus == "DEPROVISIONING")
        #expect(TaskEngine.step(&task).isEmpty, "asked once")
        task.network?.phase = .released
        #expect(task.lastStatus == "STOPPED")
    }

    @Test("a task stopped before its network was made releases nothing and is STOPPED")
    func neverAttached() {
        var task = Self.awsvpcTask()
        task.desiredStatus = "STOPPED"
        #expect(TaskEngine.step(&task).isEmpty)
        #expect(task.network?.phase == .released)
        #expect(task.lastStatus == "STOPPED")
    }
}
