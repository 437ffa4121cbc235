import Foundation
import Testing

@Suite("Deployment alarms on real containers", .serialized)
struct DeploymentAlarmEndToEndTests {
    @Test(
        """
        a rolling deployment whose CloudWatch alarm goes into ALARM fails and rolls back to the revision that \
        completed; the service deployment tells which alarm
        """
    )
    func rollsBack() async throws {
        try await withCluster(controllerArguments: ["--metric-period", "2s"]) { cluster in
            try await cluster.startAgent("node-1")
            let endpoint = cluster.controller.endpoint
            let alarm = try await aws(
                [
                    "cloudwatch", "put-metric-alarm", "--alarm-name", "deploy-errors", "--namespace", "App",
                    "--metric-name", "Errors", "--statistic", "Sum", "--period", "10", "--evaluation-periods", "1",
                    "--threshold", "1", "--comparison-operator", "GreaterThanOrEqualToThreshold",
                ],
                endpoint: endpoint
            )
            #expect(alarm.status == 0, "\(alarm.stderr)")
            func definition(_ revision: Int) -> [String: Any] {
                [
                    "family": "guarded-\(cluster.name)",
                    "containerDefinitions": [busybox("app", ["sleep", "100\(revision)"], extra: ["stopTimeout": 1])],
                ]
            }
            let first = try await cluster.register(definition(1))
            let created = try await aws(
                [
                    "ecs", "create-service", "--cluster", cluster.name, "--service-name", "guarded",
                    "--task-definition", first, "--desired-count", "1", "--deployment-configuration",
                    "alarms={alarmNames=[deploy-errors],enable=true,rollback=true}",
                ],
                endpoint: endpoint
            )
            #expect(created.status == 0, "\(created.stderr)")
            _ = try await cluster.waitForService("guarded", "revision 1 completed") { settled($0, count: 1) }

            // Errors begin, and the alarm goes off; then revision 2 rolls out into it.
            let putting = Task {
                while !Task.isCancelled {
                    _ = try? await aws(
                        [
                            "cloudwatch", "put-metric-data", "--namespace", "App", "--metric-name", "Errors", "--value",
                            "5",
                        ],
                        endpoint: endpoint
                    )
                    try? await Task.sleep(for: .milliseconds(500))
                }
            }
            defer { putting.cancel() }
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(60))
            var state = ""
            while clock.now < deadline && state != "ALARM" {
                let described = try await aws(
                    ["cloudwatch", "describe-alarms", "--alarm-names", "deploy-errors"],
                    endpoint: endpoint
                )
                state = (described.json["MetricAlarms"] as? [[String: Any]])?.first?["StateValue"] as? String ?? ""
                if state != "ALARM" { try await Task.sleep(for: .seconds(1)) }
            }
            #expect(state == "ALARM")
            let second = try await cluster.register(definition(2))
            _ = try await cluster.client.call(
                "UpdateService",
                ["cluster": cluster.name, "service": "guarded", "taskDefinition": second]
            )
            let rolledBack = try await cluster.waitForService("guarded", timeout: .seconds(90), "rolled back") {
                service in
                let primary = (service["deployments"] as? [[String: Any]])?.first
                return (primary?["taskDefinition"] as? String)?.hasSuffix(":1") == true
                    && (primary?["rolloutStateReason"] as? String)?.hasPrefix("ECS deployment alarms: rolling back")
                        == true
            }
            putting.cancel()
            _ = try await cluster.waitForService("guarded", "the rollback completed") { service in
                settled(service, count: 1)
                    && ((service["deployments"] as? [[String: Any]])?.first?["taskDefinition"] as? String)?
                        .hasSuffix(":1") == true
            }
            let events = (rolledBack["events"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
            #expect(events.contains { $0.contains("deployment failed: alarm(s) deploy-errors in ALARM.") }, "\(events)")
            let listed = try await cluster.client.call(
                "ListServiceDeployments",
                ["cluster": cluster.name, "service": "guarded"]
            )
            let arns = (listed.json["serviceDeployments"] as? [[String: Any]] ?? []).compactMap {
                $0["serviceDeploymentArn"] as? String
            }
            let described = try await cluster.client.call("DescribeServiceDeployments", ["serviceDeploymentArns": arns])
            let deployments = described.json["serviceDeployments"] as? [[String: Any]] ?? []
            let failed = deployments.first { $0["status"] as? String == "ROLLBACK_SUCCESSFUL" }
            let alarms = failed?["alarms"] as? [String: Any]
            #expect(alarms?["status"] as? String == "TRIGGERED", "\(deployments)")
            #expect(alarms?["triggeredAlarmNames"] as? [String] == ["deploy-errors"], "\(deployments)")
            let tasks = try await cluster.serviceTasks("guarded")
            #expect(tasks.allSatisfy { ($0["taskDefinitionArn"] as? String)?.hasSuffix(":1") == true }, "\(tasks)")
        }
    }
}
