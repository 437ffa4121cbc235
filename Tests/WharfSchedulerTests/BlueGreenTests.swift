import Foundation
import Testing
import WharfModel
import WharfScheduler
import WharfState

/// Blue/green, linear and canary deployments as the scheduler decides them, round by round.
@Suite("Service scheduler: blue/green, linear and canary deployments")
struct BlueGreenTests {
    /// Service `web` (3 tasks) deploying d2 (web:2) over d1 (web:1) with `configuration`.
    func deploying(_ configuration: ECS.DeploymentConfiguration) -> ServiceRecord {
        var record = service(deployments: [("d2", "web:2"), ("d1", "web:1")])
        record.deploymentConfiguration.others = Shared(configuration)
        ServiceDeploymentHistory.begin(&record, deployment: record.deployments[0], now: Date(timeIntervalSince1970: 0))
        return record
    }

    /// An UpdateService that deploys: d3 (web:2) becomes the primary.
    func redeploy(_ record: inout ServiceRecord) {
        record.deployments[0].status = .active
        record.deployments.insert(
            DeploymentRecord(
                id: "d3",
                status: .primary,
                taskDefinition: key("web:2"),
                desiredCount: 3,
                createdAt: Date(timeIntervalSince1970: 0),
                updatedAt: Date(timeIntervalSince1970: 0),
                launchType: .ec2
            ),
            at: 0
        )
    }

    let blue = [task("o1", "d1"), task("o2", "d1", on: "i2"), task("o3", "d1", on: "i3")]
    let green = [task("n1", "d2"), task("n2", "d2", on: "i2"), task("n3", "d2", on: "i3")]

    /// The tasks with those of `deployment` stopped.
    func stopped(_ tasks: [ServiceTask], _ deployment: String) -> [ServiceTask] {
        tasks.map { task in
            var task = task
            if task.deployment == deployment {
                task.desiredStatus = .stopped
                task.lastStatus = .stopped
            }
            return task
        }
    }

    /// Rounds at `now` until the stage is `stage` (at most 10); the last plan.
    func until(
        _ stage: LifecycleStage,
        _ record: ServiceRecord,
        tasks: [ServiceTask],
        now: Double = 1000
    ) -> ServiceScheduler.Plan {
        let scheduler = ServiceScheduler(now: now, seed: 7, newDeploymentID: "d9")
        var plan = scheduler.plan(record, tasks: tasks, candidates: three, demands: demands)
        for _ in 0..<10 where plan.record.blueGreen?.stage != stage {
            plan = scheduler.plan(plan.record, tasks: tasks, candidates: three, demands: demands)
        }
        return plan
    }

    @Test(
        """
        BLUE_GREEN: green scales up beside blue, the stages follow once it is healthy, production moves at once, \
        blue stays through the bake time, then stops; production ends on the other set of target groups
        """
    )
    func blueGreen() {
        let record = deploying(ECS.DeploymentConfiguration(strategy: "BLUE_GREEN", bakeTimeInMinutes: 1))
        let first = round.plan(record, tasks: blue, candidates: three, demands: demands)
        #expect(first.launches.count == 3 && first.launches.allSatisfy { $0.deployment == "d2" })
        #expect(first.stops.isEmpty)
        #expect(first.record.blueGreen?.green == "d2")
        #expect(first.record.blueGreen?.blue == ["d1"])
        #expect(first.record.blueGreen?.stage == .scaleUp)
        #expect(first.record.serviceDeployments.first?.lifecycleStage == .scaleUp)
        #expect(first.events.first?.contains("BLUE_GREEN deployment started") == true, "\(first.events)")

        let pending =
            blue
            + green.map {
                var t = $0; t.lastStatus = .pending; return t
            }
        let waiting = round.plan(first.record, tasks: pending, candidates: three, demands: demands)
        #expect(waiting.record.blueGreen?.stage == .scaleUp, "green is not healthy yet")
        #expect(waiting.launches.isEmpty && waiting.stops.isEmpty)

        let both = blue + green
        var stages: [LifecycleStage] = []
        var plan = waiting
        for _ in 0..<6 {
            plan = round.plan(plan.record, tasks: both, candidates: three, demands: demands)
            #expect(plan.stops.isEmpty, "blue stays while green comes up")
            stages.append(plan.record.blueGreen?.stage ?? .reconcileService)
        }
        #expect(
            stages == [
                .postScaleUp, .testTrafficShift, .postTestTrafficShift, .productionTrafficShift,
                .postProductionTrafficShift, .bakeTime,
            ]
        )
        #expect(plan.record.blueGreen?.percent == 100)
        #expect(plan.record.blueGreen?.waitUntil == 1060, "a bake time of one minute")
        #expect(plan.record.primary?.rolloutState == .inProgress)

        let baking = ServiceScheduler(now: 1059, seed: 7, newDeploymentID: "d9")
            .plan(plan.record, tasks: both, candidates: three, demands: demands)
        #expect(baking.record.blueGreen?.stage == .bakeTime && baking.stops.isEmpty)
        let cleaning = ServiceScheduler(now: 1060, seed: 7, newDeploymentID: "d9")
            .plan(plan.record, tasks: both, candidates: three, demands: demands)
        #expect(cleaning.record.blueGreen?.stage == .cleanUp)
        #expect(Set(cleaning.stops.map(\.taskArn)) == Set(blue.map(\.arn)))
        #expect(cleaning.stops.allSatisfy { $0.reason == "Task replaced by (deployment d2)" })

        let done = ServiceScheduler(now: 1070, seed: 7, newDeploymentID: "d9")
            .plan(cleaning.record, tasks: stopped(both, "d1"), candidates: three, demands: demands)
        #expect(done.record.deployments.map(\.id) == ["d2"])
        #expect(done.record.primary?.rolloutState == .completed)
        #expect(done.record.blueGreen == nil)
        #expect(done.record.alternateServesProduction == true, "production is now on the other set")
        #expect(done.record.serviceDeployments.first?.status == .successful)
        #expect(done.record.serviceDeployments.first?.lifecycleStage == .cleanUp)
    }

    @Test("LINEAR moves production traffic in equal steps, each held for its bake time; CANARY a share, then the rest")
    func steps() {
        let linear = deploying(
            ECS.DeploymentConfiguration(
                strategy: "LINEAR",
                linearConfiguration: ECS.LinearConfiguration(stepPercent: 40, stepBakeTimeInMinutes: 2)
            )
        )
        let both = blue + green
        let shifting = until(.productionTrafficShift, linear, tasks: both)
        #expect(shifting.record.blueGreen?.percent == 40)
        #expect(shifting.record.blueGreen?.waitUntil == 1120)
        var shares: [Double] = []
        var record = shifting.record
        for now in [1119.0, 1120, 1240, 1360] {
            let plan = ServiceScheduler(now: now, seed: 7, newDeploymentID: "d9")
                .plan(record, tasks: both, candidates: three, demands: demands)
            record = plan.record
            shares.append(plan.record.blueGreen?.percent ?? -1)
        }
        #expect(shares == [40, 80, 100, 100])
        #expect(record.blueGreen?.stage == .postProductionTrafficShift)

        let canary = deploying(
            ECS.DeploymentConfiguration(
                strategy: "CANARY",
                canaryConfiguration: ECS.CanaryConfiguration(canaryPercent: 5.5, canaryBakeTimeInMinutes: 1)
            )
        )
        let first = until(.productionTrafficShift, canary, tasks: both)
        #expect(first.record.blueGreen?.percent == 5.5)
        let rest = ServiceScheduler(now: 1060, seed: 7, newDeploymentID: "d9")
            .plan(first.record, tasks: both, candidates: three, demands: demands)
        #expect(rest.record.blueGreen?.percent == 100)
    }

    @Test(
        """
        StopServiceDeployment in the bake time returns to blue: its deployment is primary again, traffic goes back, \
        green stops, and the rollback succeeds once green is gone
        """
    )
    func rollback() {
        let record = deploying(ECS.DeploymentConfiguration(strategy: "BLUE_GREEN", bakeTimeInMinutes: 10))
        let both = blue + green
        var baking = until(.bakeTime, record, tasks: both).record
        #expect(baking.blueGreen?.stage == .bakeTime)
        baking.deploymentStopRequested = true
        let failed = round.plan(baking, tasks: both, candidates: three, demands: demands)
        #expect(failed.record.deployments.map(\.id) == ["d1", "d2"])
        #expect(failed.record.primary?.status == .primary)
        #expect(failed.record.deployments[1].rolloutState == .failed)
        #expect(failed.record.taskDefinition == key("web:1"))
        #expect(failed.record.blueGreen?.rolledBack == true)
        #expect(failed.record.blueGreen?.percent == 0, "production traffic returns to blue")
        #expect(failed.record.serviceDeployments.first?.status == .rollbackInProgress)
        #expect(Set(failed.stops.map(\.taskArn)) == Set(green.map(\.arn)), "green stops; blue is healthy")

        let done = round.plan(failed.record, tasks: stopped(both, "d2"), candidates: three, demands: demands)
        #expect(done.record.deployments.map(\.id) == ["d1"])
        #expect(done.record.primary?.rolloutState == .completed)
        #expect(done.record.blueGreen == nil)
        #expect(done.record.alternateServesProduction == nil, "production never left its target groups")
        #expect(done.record.serviceDeployments.first?.status == .rollbackSuccessful)
    }

    @Test("a circuit breaker that trips on green's failures rolls back to blue even without rollback set")
    func breaker() {
        var record = deploying(ECS.DeploymentConfiguration(strategy: "BLUE_GREEN", bakeTimeInMinutes: 0))
        record.deploymentConfiguration.circuitBreakerEnabled = true
        let failures = (1...3).map { task("f\($0)", "d2", .stopped, desired: .stopped, stopCode: .taskFailedToStart) }
        let first = round.plan(record, tasks: blue, candidates: three, demands: demands)
        let tripped = round.plan(first.record, tasks: blue + failures, candidates: three, demands: demands)
        #expect(tripped.record.primary?.id == "d1")
        #expect(tripped.launches.isEmpty, "blue runs at its full count")
        // No green task is left to drain: the rollback is over in the same round.
        #expect(tripped.record.blueGreen == nil)
        #expect(tripped.record.primary?.rolloutState == .completed)
        #expect(tripped.record.serviceDeployments.first?.status == .rollbackSuccessful)
        #expect(tripped.record.serviceDeployments.first?.circuitBreaker.status == .triggered)
    }

    @Test(
        """
        the first deployment has nothing to shift from and rolls as usual; a deployment that replaces one under way \
        keeps blue and stops the replaced green
        """
    )
    func firstAndReplaced() {
        var first = service(deployments: [("d1", "web:1")])
        first.deploymentConfiguration.others = Shared(ECS.DeploymentConfiguration(strategy: "BLUE_GREEN"))
        let created = round.plan(first, tasks: [], candidates: three, demands: demands)
        #expect(created.launches.count == 3)
        #expect(created.record.blueGreen == nil)

        let record = deploying(ECS.DeploymentConfiguration(strategy: "BLUE_GREEN", bakeTimeInMinutes: 5))
        let up = round.plan(record, tasks: blue, candidates: three, demands: demands)
        var replaced = up.record
        redeploy(&replaced)
        let next = round.plan(replaced, tasks: blue + green, candidates: three, demands: demands)
        #expect(next.record.blueGreen?.green == "d3")
        #expect(next.record.blueGreen?.blue == ["d1"])
        #expect(Set(next.stops.map(\.taskArn)) == Set(green.map(\.arn)), "d2 never took traffic: it stops")
        #expect(next.launches.count == 3 && next.launches.allSatisfy { $0.deployment == "d3" })
        #expect(next.record.alternateServesProduction == nil)
    }

    @Test("a task's side: green's in the other target groups, blue's and all others' in production, replaced none")
    func sides() {
        var state = BlueGreenState(green: "d2", blue: ["d1"], now: 0)
        #expect(BlueGreenState.targetSet(of: "d2", state: state) == .other)
        #expect(BlueGreenState.targetSet(of: "d1", state: state) == .production)
        #expect(BlueGreenState.targetSet(of: "d0", state: state) == nil)
        #expect(BlueGreenState.targetSet(of: "d0", state: nil) == .production)
        state.rolledBack = true
        #expect(BlueGreenState.targetSet(of: "d2", state: state) == .other, "green keeps its side while it drains")
        let balancer = ServiceLoadBalancer(
            targetGroupID: "tg-blue",
            containerName: "web",
            containerPort: 80,
            alternate: AlternateTarget(
                alternateTargetGroupID: "tg-green",
                productionListenerRule: "rule",
                testListenerRule: nil,
                roleArn: "role"
            )
        )
        #expect(balancer.targetGroup(production: true, alternateServes: false) == "tg-blue")
        #expect(balancer.targetGroup(production: false, alternateServes: false) == "tg-green")
        #expect(balancer.targetGroup(production: true, alternateServes: true) == "tg-green")
        #expect(balancer.targetGroup(production: false, alternateServes: true) == "tg-blue")
    }

    @Test(
        """
        after a rollback, a new deployment shifts from blue again (it is never left out of the target groups); \
        a failure once blue is being stopped rolls back with a new deployment, which shifts from green
        """
    )
    func afterRollbackAndCleanUp() {
        let record = deploying(ECS.DeploymentConfiguration(strategy: "BLUE_GREEN", bakeTimeInMinutes: 10))
        let both = blue + green
        var baking = until(.bakeTime, record, tasks: both).record
        baking.deploymentStopRequested = true
        var rolledBack = round.plan(baking, tasks: both, candidates: three, demands: demands).record
        #expect(rolledBack.blueGreen?.rolledBack == true)
        #expect(BlueGreenState.targetSet(of: "d3", state: rolledBack.blueGreen) == .production)
        redeploy(&rolledBack)
        let next = round.plan(rolledBack, tasks: both, candidates: three, demands: demands)
        #expect(next.record.blueGreen?.green == "d3")
        #expect(next.record.blueGreen?.blue == ["d1"])
        #expect(next.record.blueGreen?.rolledBack == false)

        // A failure in CLEAN_UP: blue is draining, so green keeps the traffic and a rollback deployment shifts.
        var cleaning = ServiceScheduler(now: 2000, seed: 7, newDeploymentID: "d9")
            .plan(until(.bakeTime, record, tasks: both).record, tasks: both, candidates: three, demands: demands)
            .record
        #expect(cleaning.blueGreen?.stage == .cleanUp)
        cleaning.lastCompleted = CompletedDeployment(id: "d1", taskDefinition: key("web:1"))
        cleaning.deploymentStopRequested = true
        let failed = ServiceScheduler(now: 2001, seed: 7, newDeploymentID: "d9")
            .plan(cleaning, tasks: both, candidates: three, demands: demands)
        #expect(failed.record.primary?.id == "d9", "a rollback deployment of blue's revision")
        #expect(failed.record.primary?.taskDefinition == key("web:1"))
        let shifting = ServiceScheduler(now: 2002, seed: 7, newDeploymentID: "d10")
            .plan(failed.record, tasks: both, candidates: three, demands: demands)
        #expect(shifting.record.blueGreen?.green == "d9")
        #expect(shifting.record.blueGreen?.blue == ["d2"], "green had all the traffic: it is now what serves")
        #expect(shifting.record.alternateServesProduction == true)
    }

    @Test("a blue task that stops during the shift is replaced, so that blue can take all the traffic back")
    func blueKept() {
        let record = deploying(ECS.DeploymentConfiguration(strategy: "BLUE_GREEN", bakeTimeInMinutes: 10))
        let started = round.plan(record, tasks: blue, candidates: three, demands: demands)
        #expect(started.record.blueGreen?.blueCount == 3)
        let lost = [blue[0], blue[1]] + green
        let plan = round.plan(started.record, tasks: lost, candidates: three, demands: demands)
        #expect(plan.launches.map(\.deployment) == ["d1"], "one blue task to make up for the one gone")
    }
}
