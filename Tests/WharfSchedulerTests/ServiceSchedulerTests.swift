import Foundation
import Testing
import WharfModel
import WharfScheduler
import WharfState

/// A task definition key from `family:revision`.
func key(_ text: String) -> TaskDefinitionKey { TaskDefinitionKey(text)! }

/// A service of `desired` tasks with the given deployments (newest first).
func service(
    desired: Int = 3,
    deployments: [(id: String, definition: String)] = [("d2", "web:2")],
    strategy: SchedulingStrategy = .replica,
    minimum: Int? = nil,
    maximum: Int? = nil,
    breaker: (enable: Bool, rollback: Bool)? = nil,
    grace: Int? = nil,
    placement: [ECS.PlacementStrategy] = [],
    status: ServiceStatus = .active
) -> ServiceRecord {
    let epoch = Date(timeIntervalSince1970: 0)
    let list = deployments.enumerated().map { index, deployment in
        DeploymentRecord(
            id: deployment.id,
            status: index == 0 ? .primary : .active,
            taskDefinition: key(deployment.definition),
            desiredCount: desired,
            createdAt: epoch,
            updatedAt: epoch,
            launchType: .ec2,
            rolloutState: index == 0 ? .inProgress : .completed
        )
    }
    let defaults = DeploymentSettings.defaults(daemon: strategy == .daemon)
    return ServiceRecord(
        arn: "arn:aws:ecs:us-east-1:000000000000:service/lab/web",
        name: "web",
        cluster: "lab",
        status: status,
        desiredCount: desired,
        schedulingStrategy: strategy,
        taskDefinition: key(deployments.first?.definition ?? "web:1"),
        deploymentConfiguration: DeploymentSettings(
            maximumPercent: maximum ?? defaults.maximumPercent,
            minimumHealthyPercent: minimum ?? defaults.minimumHealthyPercent,
            circuitBreakerEnabled: breaker?.enable ?? false,
            circuitBreakerRollback: breaker?.rollback ?? false
        ),
        deployments: list,
        createdAt: epoch,
        placementStrategy: placement,
        healthCheckGracePeriodSeconds: grace
    )
}

func task(
    _ id: String,
    _ deployment: String,
    on instance: String = "i1",
    _ status: TaskStatus = .running,
    desired: DesiredStatus = .running,
    health: ServiceTask.Health = .none,
    where place: ServiceTask.Instance = .usable,
    started: Double? = 900,
    stopCode: TaskStopCode? = nil
) -> ServiceTask {
    ServiceTask(
        arn: "arn:aws:ecs:us-east-1:000000000000:task/lab/\(id)",
        deployment: deployment,
        instanceArn: instance,
        instance: place,
        lastStatus: status,
        desiredStatus: desired,
        health: health,
        startedAt: started,
        stopCode: stopCode
    )
}

let demands = [key("web:1"): small, key("web:2"): small]
let three = [candidate("i1"), candidate("i2"), candidate("i3")]
let round = ServiceScheduler(now: 1000, seed: 7, newDeploymentID: "d9")

@Suite("Service scheduler")
struct ServiceSchedulerTests {
    @Test(
        "a new service starts desiredCount tasks, spread evenly over the instances (ECS's default without a strategy)",
        arguments: [
            [ECS.PlacementStrategy(type: "spread", field: "instanceId")], [],
        ]
    )
    func starts(spread: [ECS.PlacementStrategy]) {
        let plan = round.plan(service(desired: 6, placement: spread), tasks: [], candidates: three, demands: demands)
        #expect(plan.launches.count == 6)
        #expect(
            Dictionary(grouping: plan.launches, by: \.instanceArn).mapValues(\.count) == ["i1": 2, "i2": 2, "i3": 2]
        )
        #expect(plan.launches.allSatisfy { $0.deployment == "d2" && $0.taskDefinition == key("web:2") })
        #expect(plan.record.primary?.pendingCount == 6)
        #expect(plan.record.primary?.rolloutState == .inProgress)
    }

    @Test("when every task runs, the deployment completes and a steady state is noted once")
    func steady() {
        let running = [task("a", "d2"), task("b", "d2", on: "i2"), task("c", "d2", on: "i3")]
        let first = round.plan(service(), tasks: running, candidates: three, demands: demands)
        #expect(first.launches.isEmpty && first.stops.isEmpty)
        #expect(first.record.primary?.rolloutState == .completed)
        #expect(first.record.primary?.runningCount == 3)
        #expect(first.record.lastCompleted == CompletedDeployment(id: "d2", taskDefinition: key("web:2")))
        #expect(
            first.events == [
                "(service web) (deployment d2) deployment completed.", "(service web) has reached a steady state.",
            ]
        )
        let second = round.plan(first.record, tasks: running, candidates: three, demands: demands)
        #expect(second.events.isEmpty)
        #expect(second.record == first.record)
    }

    @Test("a task that stopped is replaced at once and counts as a failure")
    func replaces() {
        let tasks = [
            task("a", "d2"), task("b", "d2"),
            task("c", "d2", .stopped, desired: .stopped, stopCode: .essentialContainerExited),
        ]
        let plan = round.plan(service(), tasks: tasks, candidates: three, demands: demands)
        #expect(plan.launches.count == 1)
        #expect(plan.record.primary?.failedTasks == 1)
        let again = round.plan(plan.record, tasks: tasks, candidates: three, demands: demands)
        #expect(again.record.primary?.failedTasks == 1, "a failure is counted once")
    }

    @Test("200/100: new tasks start beside the old ones, which stop only as the new ones turn healthy")
    func rollingUp() {
        let record = service(deployments: [("d2", "web:2"), ("d1", "web:1")])
        let old = [task("o1", "d1"), task("o2", "d1"), task("o3", "d1")]
        let first = round.plan(record, tasks: old, candidates: three, demands: demands)
        #expect(first.launches.count == 3)
        #expect(first.stops.isEmpty)
        let pending = old + [task("n1", "d2", .pending), task("n2", "d2", .pending), task("n3", "d2", .pending)]
        let waiting = round.plan(first.record, tasks: pending, candidates: three, demands: demands)
        #expect(waiting.launches.isEmpty && waiting.stops.isEmpty, "nothing healthy to spare yet")
        let healthy = old + [task("n1", "d2"), task("n2", "d2"), task("n3", "d2")]
        let swap = round.plan(first.record, tasks: healthy, candidates: three, demands: demands)
        #expect(Set(swap.stops.map(\.taskArn)) == Set(old.map(\.arn)))
        #expect(swap.launches.isEmpty)
        let done = round.plan(
            swap.record,
            tasks: healthy.map { t in
                var t = t
                if t.deployment == "d1" { t.desiredStatus = .stopped; t.lastStatus = .stopped }
                return t
            },
            candidates: three,
            demands: demands
        )
        #expect(done.record.deployments.map(\.id) == ["d2"], "the drained deployment is gone")
        #expect(done.record.primary?.rolloutState == .completed)
    }

    @Test("50/100: half the old tasks stop first, then new ones take their place")
    func rollingDown() {
        let record = service(desired: 4, deployments: [("d2", "web:2"), ("d1", "web:1")], minimum: 50, maximum: 100)
        let old = (1...4).map { task("o\($0)", "d1") }
        let plan = round.plan(record, tasks: old, candidates: three, demands: demands)
        #expect(plan.stops.count == 2)
        #expect(plan.launches.isEmpty, "maximumPercent 100: the stopped ones still run until they have stopped")
        let stopped = Set(plan.stops.map(\.taskArn))
        let after = old.map { t in
            var t = t
            if stopped.contains(t.arn) { t.desiredStatus = .stopped; t.lastStatus = .stopped }
            return t
        }
        let next = round.plan(plan.record, tasks: after, candidates: three, demands: demands)
        #expect(next.launches.count == 2)
        #expect(next.stops.isEmpty, "the other two stay until new ones are healthy")
    }

    @Test("scaling in stops the tasks not yet running first")
    func scalesIn() {
        let tasks = [task("a", "d2"), task("b", "d2", .pending), task("c", "d2")]
        let plan = round.plan(service(desired: 1), tasks: tasks, candidates: three, demands: demands)
        #expect(plan.stops.count == 2)
        #expect(plan.stops.contains { $0.taskArn.hasSuffix("/b") })
        #expect(plan.launches.isEmpty)
    }

    @Test(
        "ECS rounding: maximumPercent rounds down, minimumHealthyPercent up",
        arguments: [
            (3, 150, 50, 4, 2), (4, 200, 100, 8, 4), (1, 200, 50, 2, 1), (10, 125, 75, 12, 8), (0, 200, 100, 0, 0),
        ]
    )
    func bounds(desired: Int, maximum: Int, minimum: Int, expectedMaximum: Int, expectedMinimum: Int) {
        let settings = DeploymentSettings(maximumPercent: maximum, minimumHealthyPercent: minimum)
        let result = ServiceScheduler.bounds(desired: desired, settings: settings)
        #expect(result.maximum == expectedMaximum)
        #expect(result.minimumHealthy == expectedMinimum)
    }

    @Test(
        "the circuit breaker's threshold: half the desired count, at least 3, at most 200",
        arguments: [
            (1, 3), (6, 3), (7, 4), (10, 5), (399, 200), (1000, 200),
        ]
    )
    func threshold(desired: Int, expected: Int) {
        #expect(ServiceScheduler.failureThreshold(desired: desired) == expected)
    }

    @Test("the circuit breaker fails the deployment and rolls back to the last completed one")
    func rollback() {
        var record = service(desired: 2, deployments: [("d2", "web:2"), ("d1", "web:1")], breaker: (true, true))
        record.lastCompleted = CompletedDeployment(id: "d1", taskDefinition: key("web:1"))
        ServiceDeploymentHistory.begin(
            &record,
            deployment: record.deployments[0],
            now: Date(timeIntervalSince1970: 900)
        )
        let failed = (1...3).map { task("f\($0)", "d2", .stopped, desired: .stopped, stopCode: .taskFailedToStart) }
        let plan = ServiceScheduler(now: 1000, seed: 1, newDeploymentID: "d3").plan(
            record,
            tasks: failed + [task("o1", "d1"), task("o2", "d1")],
            candidates: three,
            demands: demands
        )
        let deployments = plan.record.deployments
        #expect(deployments.first?.id == "d3")
        #expect(deployments.first?.taskDefinition == key("web:1"))
        #expect(deployments.first?.status == .primary)
        #expect(
            deployments.first?.rolloutStateReason == "ECS deployment circuit breaker: rolling back to deploymentId d1."
        )
        #expect(!deployments.contains { $0.id == "d2" }, "the failed deployment has no task left, so it is gone")
        #expect(deployments.map(\.id) == ["d3", "d1"], "the old deployment's tasks keep running and are kept")
        #expect(plan.record.taskDefinition == key("web:1"))
        #expect(plan.events.contains("(service web) (deployment d2) deployment failed: tasks failed to start."))
        #expect(plan.events.contains { $0.contains("rolling back to deployment d1") })
        let entry = plan.record.serviceDeployments.first
        #expect(entry?.status == .rollbackInProgress)
        #expect(entry?.circuitBreaker.status == .triggered)
        #expect(entry?.circuitBreaker.threshold == 3)
        #expect(entry?.rollback?.target == "d1")
        #expect(
            ServiceDeploymentHistory.revisionArn(service: record.arn, deployment: "d1")
                == "arn:aws:ecs:us-east-1:000000000000:service-revision/lab/web/d1"
        )

        // The rollback's tasks run and the old ones are gone: the service deployment is ROLLBACK_SUCCESSFUL.
        let healed = ServiceScheduler(now: 1010, seed: 1, newDeploymentID: "d4").plan(
            plan.record,
            tasks: [task("r1", "d3"), task("r2", "d3")],
            candidates: three,
            demands: demands
        )
        #expect(healed.record.primary?.rolloutState == .completed)
        #expect(healed.record.serviceDeployments.first?.status == .rollbackSuccessful)
    }

    @Test(
        """
        service deployments: a new one stops the one still in progress; completion makes it SUCCESSFUL; a tripped \
        breaker without rollback STOPPED
        """
    )
    func serviceDeployments() {
        let now = Date(timeIntervalSince1970: 900)
        var record = service(desired: 1, deployments: [("d1", "web:1")], breaker: (true, false))
        ServiceDeploymentHistory.begin(&record, deployment: record.deployments[0], now: now)
        #expect(record.serviceDeployments.map(\.status) == [.inProgress])
        #expect(record.serviceDeployments.first?.circuitBreaker.status == .monitoring)
        let second = DeploymentRecord(
            id: "d2",
            status: .primary,
            taskDefinition: key("web:2"),
            desiredCount: 1,
            createdAt: now,
            updatedAt: now,
            launchType: .ec2
        )
        record.deployments.insert(second, at: 0)
        ServiceDeploymentHistory.begin(&record, deployment: record.deployments[0], now: now)
        #expect(record.serviceDeployments.map(\.status) == [.inProgress, .stopped])
        #expect(record.serviceDeployments.first?.sources.map(\.deployment) == ["d1"])
        let done = round.plan(record, tasks: [task("a", "d2")], candidates: three, demands: demands)
        #expect(done.record.serviceDeployments.map(\.status) == [.successful, .stopped])
        #expect(done.record.serviceDeployments.first?.circuitBreaker.status == .monitoringComplete)
        #expect(done.record.serviceDeployments.first?.target.running == 1)

        var failing = service(desired: 1, deployments: [("d2", "web:2"), ("d1", "web:1")], breaker: (true, false))
        ServiceDeploymentHistory.begin(&failing, deployment: failing.deployments[0], now: now)
        let failed = (1...3).map { task("f\($0)", "d2", .stopped, desired: .stopped, stopCode: .taskFailedToStart) }
        let tripped = round.plan(failing, tasks: failed + [task("o1", "d1")], candidates: three, demands: demands)
        #expect(tripped.record.serviceDeployments.first?.status == .stopped)
        #expect(tripped.record.serviceDeployments.first?.circuitBreaker.status == .triggered)
        #expect(tripped.record.serviceDeployments.first?.circuitBreaker.failureCount == 3)
    }

    @Test("without rollback a tripped breaker leaves the deployment FAILED and launches nothing more")
    func breakerWithoutRollback() {
        let record = service(desired: 2, deployments: [("d2", "web:2"), ("d1", "web:1")], breaker: (true, false))
        let failed = (1...3).map { task("f\($0)", "d2", .stopped, desired: .stopped, stopCode: .taskFailedToStart) }
        let plan = round.plan(
            record,
            tasks: failed + [task("o1", "d1"), task("o2", "d1")],
            candidates: three,
            demands: demands
        )
        #expect(plan.record.primary?.rolloutState == .failed)
        #expect(plan.launches.isEmpty)
        #expect(plan.stops.isEmpty, "the old tasks keep running")
    }

    @Test("launches that keep failing are throttled, with an event saying so")
    func throttles() {
        let failed = (1...3).map { task("f\($0)", "d2", .stopped, desired: .stopped, stopCode: .taskFailedToStart) }
        let plan = round.plan(service(), tasks: failed, candidates: three, demands: demands)
        #expect(plan.record.throttledUntil == 1005)
        #expect(plan.launches.isEmpty)
        #expect(plan.events.contains { $0.contains("is unable to consistently start tasks successfully") })
        let later = ServiceScheduler(now: 1006, seed: 1, newDeploymentID: "x").plan(
            plan.record,
            tasks: failed,
            candidates: three,
            demands: demands
        )
        #expect(later.launches.count == 3)
    }

    @Test("an unhealthy task is replaced once its grace period is over")
    func unhealthy() {
        let tasks = [
            task("a", "d2", health: .unhealthy, started: 990), task("b", "d2", health: .healthy),
            task("c", "d2", health: .healthy),
        ]
        let inGrace = round.plan(service(grace: 30), tasks: tasks, candidates: three, demands: demands)
        #expect(inGrace.stops.isEmpty)
        let after = round.plan(service(grace: 5), tasks: tasks, candidates: three, demands: demands)
        #expect(after.stops.map(\.taskArn) == [tasks[0].arn])
        #expect(after.stops.first?.reason == "Task failed container health checks")
        #expect(after.launches.count == 1)
    }

    @Test("tasks on a lost instance are replaced elsewhere")
    func lost() {
        let tasks = [task("a", "d2", on: "i1", where: .lost), task("b", "d2", on: "i2"), task("c", "d2", on: "i3")]
        let candidates = [candidate("i1", connected: false), candidate("i2"), candidate("i3")]
        let plan = round.plan(service(), tasks: tasks, candidates: candidates, demands: demands)
        #expect(plan.stops.map(\.taskArn) == [tasks[0].arn])
        #expect(plan.launches.count == 1)
        #expect(plan.launches.first?.instanceArn != "i1")
    }

    @Test("a draining instance's task is replaced first and stopped once the replacement is healthy")
    func draining() {
        let candidates = [candidate("i1", status: .draining), candidate("i2"), candidate("i3")]
        let tasks = [task("a", "d2", on: "i1", where: .draining), task("b", "d2", on: "i2"), task("c", "d2", on: "i3")]
        let first = round.plan(service(), tasks: tasks, candidates: candidates, demands: demands)
        #expect(first.launches.count == 1)
        #expect(first.launches.first?.instanceArn != "i1")
        #expect(first.stops.isEmpty, "minimumHealthyPercent 100 keeps it until its replacement is healthy")
        let replaced = round.plan(
            first.record,
            tasks: tasks + [task("d", "d2", on: "i2")],
            candidates: candidates,
            demands: demands
        )
        #expect(replaced.stops.map(\.taskArn) == [tasks[0].arn])
    }

    @Test("a DAEMON service runs one task on each ACTIVE instance and none on a draining one")
    func daemon() {
        let candidates = [candidate("i1"), candidate("i2"), candidate("i3", status: .draining)]
        let record = service(desired: 0, strategy: .daemon)
        let plan = round.plan(
            record,
            tasks: [task("a", "d2", on: "i1"), task("z", "d2", on: "i3", where: .draining)],
            candidates: candidates,
            demands: demands
        )
        #expect(plan.launches.map(\.instanceArn) == ["i2"])
        #expect(plan.stops.map(\.taskArn) == ["arn:aws:ecs:us-east-1:000000000000:task/lab/z"])
        #expect(plan.record.desiredCount == 2)
    }

    @Test("a deleted (DRAINING) service stops its tasks and turns INACTIVE once they are gone")
    func deleted() {
        let record = service(status: .draining)
        let plan = round.plan(record, tasks: [task("a", "d2"), task("b", "d2")], candidates: three, demands: demands)
        #expect(plan.stops.count == 2)
        #expect(plan.record.status == .draining, "until its tasks have stopped")
        let gone = [task("a", "d2", .stopped, desired: .stopped), task("b", "d2", .stopped, desired: .stopped)]
        #expect(round.plan(plan.record, tasks: gone, candidates: three, demands: demands).record.status == .inactive)
    }

    @Test("what no instance can take is said in ECS's words")
    func unplaceable() {
        let full = [candidate("i1", memory: 100)]
        let plan = round.plan(service(desired: 1), tasks: [], candidates: full, demands: demands)
        #expect(plan.launches.isEmpty)
        #expect(
            plan.events == [
                "(service web) was unable to place a task because no container instance met all of its requirements. "
                    + "The closest matching (container-instance i1) has insufficient memory available."
            ]
        )
    }
}
