import Foundation
import Testing

@Suite("Deployment alarms on real containers", .serialized)
struct DeploymentAlarmEndToEndTests {
    @Test(
        """
        a rolling deployment whose CloudWatch alarm goes into ALARM while it rolls out fails and rolls back to the \
        revision that completed; the service deployment tells which alarm
        """
    )
    func rollsBack() async throws {
        try await withCluster(controllerArguments: ["--metric-period", "2s"]) { cluster in
            try await cluster.startAgent("node-1")
            let endpoint = cluster.controller.endpoint
            let alarm = try await aws(
                [
                    "cloudwatch", "put-metric-alarm", "--alarm-name", "deploy-errors", "--namespace", "App",
                    "--metric-name", "Errors", "--statistic", "Sum", "--period", "10", "--evaluation-periods", "3",
                    "--datapoints-to-alarm", "1", "--threshold", "1",
                    "--comparison-operator", "GreaterThanOrEqualToThreshold",
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
            // Settled, then baked for the alarm's 30 s window.
            _ = try await cluster.waitForService("guarded", timeout: .seconds(120), "revision 1 completed") {
                settled($0, count: 1)
            }

            // Revision 2 rolls out with the alarm quiet (no data yet). Once its task runs, while the deployment is
            // still in progress (it bakes for the alarm's 30 s window once settled), errors begin and the alarm
            // goes off.
            func alarmState() async throws -> String {
                let described = try await aws(
                    ["cloudwatch", "describe-alarms", "--alarm-names", "deploy-errors"],
                    endpoint: endpoint
                )
                return (described.json["MetricAlarms"] as? [[String: Any]])?.first?["StateValue"] as? String ?? ""
            }
            #expect(try await alarmState() != "ALARM")
            let second = try await cluster.register(definition(2))
            _ = try await cluster.client.call(
                "UpdateService",
                ["cluster": cluster.name, "service": "guarded", "taskDefinition": second]
            )
            let rolling = try await cluster.waitForService("guarded", timeout: .seconds(90), "revision 2 running") {
                service in
                let primary = (service["deployments"] as? [[String: Any]])?.first
                return (primary?["taskDefinition"] as? String)?.hasSuffix(":2") == true
                    && primary?["runningCount"] as? Int == 1
            }
            let primary = (rolling["deployments"] as? [[String: Any]])?.first
            #expect(primary?["rolloutState"] as? String == "IN_PROGRESS", "\(rolling)")
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
            let rolledBack = try await cluster.waitForService("guarded", timeout: .seconds(90), "rolled back") {
                service in
                let primary = (service["deployments"] as? [[String: Any]])?.first
                return (primary?["taskDefinition"] as? String)?.hasSuffix(":1") == true
                    && (primary?["rolloutStateReason"] as? String)?.hasPrefix("ECS deployment alarms: rolling back")
                        == true
            }
            putting.cancel()
            _ = try await cluster.waitForService("guarded", timeout: .seconds(120), "the rollback completed") { service in
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
