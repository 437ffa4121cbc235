import Foundation
import Testing
import WharfModel
import WharfScheduler
import WharfState

@Suite("Deployment alarms: a deployment fails, and rolls back, when its CloudWatch alarms go off")
struct DeploymentAlarmTests {
    /// A service of 2 rolling out d2 (web:2) from d1 (web:1), which completed, watching alarm `errors`.
    func watched(rollback: Bool) -> ServiceRecord {
        var record = service(desired: 2, deployments: [("d2", "web:2"), ("d1", "web:1")])
        record.deploymentConfiguration.others = Shared(
            ECS.DeploymentConfiguration(
                alarms: ECS.DeploymentAlarms(alarmNames: ["errors"], rollback: rollback, enable: true)
            )
        )
        record.lastCompleted = CompletedDeployment(id: "d1", taskDefinition: key("web:1"))
        ServiceDeploymentHistory.begin(
            &record,
            deployment: record.deployments[0],
            now: Date(timeIntervalSince1970: 900)
        )
        return record
    }

    @Test("an alarm in ALARM during the deployment fails it and rolls back to the last completed deployment")
    func rollsBack() {
        var scheduler = ServiceScheduler(now: 1000, seed: 1, newDeploymentID: "d3")
        scheduler.alarmsInAlarm = ["errors", "unrelated"]
        let plan = scheduler.plan(
            watched(rollback: true),
            tasks: [task("n1", "d2"), task("o1", "d1"), task("o2", "d1")],
            candidates: three,
            demands: demands
        )
        #expect(plan.record.deployments.first?.id == "d3")
        #expect(plan.record.deployments.first?.taskDefinition == key("web:1"))
        #expect(
            plan.record.deployments.first?.rolloutStateReason
                == "ECS deployment alarms: rolling back to deploymentId d1."
        )
        #expect(plan.record.deployments.contains { $0.id == "d2" && $0.rolloutState == .failed })
        #expect(plan.events.contains("(service web) (deployment d2) deployment failed: alarm(s) errors in ALARM."))
        let entry = plan.record.serviceDeployments.first
        #expect(entry?.status == .rollbackInProgress)
        #expect(entry?.alarms == DeploymentAlarmsState(status: .triggered, names: ["errors"], triggered: ["errors"]))
        #expect(entry?.circuitBreaker.status == .disabled, "the breaker was off and did not trip")
        #expect(entry?.rollback?.reason == "ECS deployment d2 failed: CloudWatch alarm(s) in ALARM: errors.")

        // The rollback watches no alarm of its own, so the same alarm does not fail it.
        let healed = scheduler.plan(
            plan.record,
            tasks: [task("r1", "d3"), task("r2", "d3")],
            candidates: three,
            demands: demands
        )
        #expect(healed.record.primary?.rolloutState == .completed)
        #expect(healed.record.serviceDeployments.first?.status == .rollbackSuccessful)
        #expect(
            healed.record.serviceDeployments.first?.statusReason
                == "ECS deployment alarms: rolled back to the last completed deployment."
        )
    }

    @Test("without rollback the deployment fails and stops; what still runs keeps running")
    func failsWithoutRollback() {
        var scheduler = ServiceScheduler(now: 1000, seed: 1, newDeploymentID: "d3")
        scheduler.alarmsInAlarm = ["errors"]
        let plan = scheduler.plan(
            watched(rollback: false),
            tasks: [task("n1", "d2"), task("o1", "d1"), task("o2", "d1")],
            candidates: three,
            demands: demands
        )
        #expect(plan.record.primary?.id == "d2" && plan.record.primary?.rolloutState == .failed)
        #expect(plan.record.serviceDeployments.first?.status == .stopped)
        #expect(plan.launches.isEmpty && plan.stops.isEmpty)
    }

    @Test("a settled deployment bakes: it completes only when its bake time has passed with the alarms quiet")
    func bakes() {
        var scheduler = ServiceScheduler(now: 1000, seed: 1, newDeploymentID: "d3")
        scheduler.alarmBakeSeconds = 60
        let settled = [task("n1", "d2"), task("n2", "d2", on: "i2")]
        let baking = scheduler.plan(watched(rollback: true), tasks: settled, candidates: three, demands: demands)
        #expect(baking.record.primary?.rolloutState == .inProgress)
        #expect(baking.record.bakeUntil == 1060)
        // An alarm during the bake time still fails the deployment.
        var alarmed = ServiceScheduler(now: 1030, seed: 1, newDeploymentID: "d3")
        alarmed.alarmsInAlarm = ["errors"]
        let failed = alarmed.plan(baking.record, tasks: settled, candidates: three, demands: demands)
        #expect(failed.record.deployments.contains { $0.id == "d2" && $0.rolloutState == .failed })
        // Quiet until the end: completed, and the alarms' monitoring too.
        let done = ServiceScheduler(now: 1061, seed: 1, newDeploymentID: "d3").plan(
            baking.record,
            tasks: settled,
            candidates: three,
            demands: demands
        )
        #expect(done.record.primary?.rolloutState == .completed)
        #expect(done.record.bakeUntil == nil)
        #expect(done.record.serviceDeployments.first?.alarms?.status == .monitoringComplete)
    }
}
