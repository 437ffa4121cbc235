import Foundation
import Testing
import WharfModel
import WharfState
@testable import WharfStore

/// Migration 7's conversion of a service row as schema 6 stored it (ECS's `Service` inside the
/// scheduler's bookkeeping), with a circuit-breaker rollback under way.
@Suite("Typed services from stored ECS shapes")
struct LegacyServiceTests {
    static let row = """
        {"service": {"serviceArn": "arn:aws:ecs:us-east-1:000000000000:service/lab/web", "serviceName": "web",
          "clusterArn": "arn:aws:ecs:us-east-1:000000000000:cluster/lab", "loadBalancers": [], "serviceRegistries": [],
          "status": "ACTIVE", "desiredCount": 2, "runningCount": 2, "pendingCount": 0, "launchType": "EXTERNAL",
          "taskDefinition": "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1",
          "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": true, "rollback": true},
            "maximumPercent": 150, "minimumHealthyPercent": 50, "strategy": "ROLLING"},
          "deployments": [
            {"id": "ecs-svc/3", "status": "PRIMARY",
             "taskDefinition": "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1",
             "desiredCount": 2, "pendingCount": 0, "runningCount": 2, "failedTasks": 0, "createdAt": 1700000100,
             "updatedAt": 1700000100, "launchType": "EXTERNAL", "rolloutState": "IN_PROGRESS",
             "rolloutStateReason": "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/1."},
            {"id": "ecs-svc/2", "status": "ACTIVE",
             "taskDefinition": "arn:aws:ecs:us-east-1:000000000000:task-definition/web:2",
             "desiredCount": 0, "pendingCount": 0, "runningCount": 0, "failedTasks": 3, "createdAt": 1700000050,
             "updatedAt": 1700000100, "launchType": "EXTERNAL", "rolloutState": "FAILED",
             "rolloutStateReason": "ECS deployment circuit breaker: tasks failed to start."}],
          "events": [{"id": "e1", "createdAt": 1700000100, "message": "(service web) has reached a steady state."}],
          "createdAt": 1700000000, "placementConstraints": [{"type": "distinctInstance"}], "placementStrategy": [],
          "healthCheckGracePeriodSeconds": 10, "schedulingStrategy": "REPLICA", "deploymentController": {"type": "ECS"},
          "tags": [{"key": "team", "value": "a"}], "createdBy": "arn:aws:iam::000000000000:root",
          "enableECSManagedTags": true, "propagateTags": "SERVICE", "enableExecuteCommand": false},
         "cluster": "lab", "clientToken": "t-1",
         "lastCompleted": {"id": "ecs-svc/1",
           "taskDefinition": "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1"},
         "consecutiveFailures": 0, "countedFailures": ["arn:aws:ecs:us-east-1:000000000000:task/lab/f1"],
         "steady": false,
         "serviceDeployments": [
           {"serviceDeploymentArn": "arn:aws:ecs:us-east-1:000000000000:service-deployment/lab/web/2",
            "serviceArn": "arn:aws:ecs:us-east-1:000000000000:service/lab/web",
            "clusterArn": "arn:aws:ecs:us-east-1:000000000000:cluster/lab",
            "createdAt": 1700000050, "startedAt": 1700000050, "updatedAt": 1700000100,
            "sourceServiceRevisions": [{"arn": "arn:aws:ecs:us-east-1:000000000000:service-revision/lab/web/1",
              "requestedTaskCount": 0, "runningTaskCount": 0, "pendingTaskCount": 0}],
            "targetServiceRevision": {"arn": "arn:aws:ecs:us-east-1:000000000000:service-revision/lab/web/2",
              "requestedTaskCount": 2, "runningTaskCount": 2, "pendingTaskCount": 0},
            "status": "ROLLBACK_IN_PROGRESS", "statusReason": "rolling back",
            "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": true, "rollback": true},
              "maximumPercent": 150, "minimumHealthyPercent": 50},
            "rollback": {"reason": "ECS deployment circuit breaker: tasks failed to start.", "startedAt": 1700000100,
              "serviceRevisionArn": "arn:aws:ecs:us-east-1:000000000000:service-revision/lab/web/1"},
            "deploymentCircuitBreaker": {"status": "TRIGGERED", "failureCount": 3, "threshold": 3}}]}
        """

    @Test("every member of an old service row lands in a typed member, and what was given as is stays as given")
    func converts() throws {
        let old = try ECSJSON.decoder().decode(Legacy.ServiceRecord.self, from: Data(Self.row.utf8))
        let record = try Legacy.service(old)
        let web1 = TaskDefinitionKey(family: "web", revision: 1)
        #expect(record.arn == "arn:aws:ecs:us-east-1:000000000000:service/lab/web")
        #expect(record.name == "web" && record.cluster == "lab" && record.status == .active)
        #expect(record.launchType == .external && record.schedulingStrategy == .replica)
        #expect(record.taskDefinition == web1)
        #expect(record.deploymentConfiguration.maximumPercent == 150)
        #expect(record.deploymentConfiguration.minimumHealthyPercent == 50)
        #expect(
            record.deploymentConfiguration.circuitBreakerEnabled
                && record.deploymentConfiguration.circuitBreakerRollback
        )
        #expect(record.deploymentConfiguration.others?.value == ECS.DeploymentConfiguration(strategy: "ROLLING"))
        #expect(record.deployments.map(\.id) == ["ecs-svc/3", "ecs-svc/2"])
        #expect(record.deployments.map(\.status) == [.primary, .active])
        #expect(record.deployments.map(\.rolloutState) == [.inProgress, .failed])
        #expect(record.deployments.last?.failedTasks == 3)
        #expect(record.deployments.last?.taskDefinition == TaskDefinitionKey(family: "web", revision: 2))
        #expect(
            record.events == [
                ServiceEventRecord(
                    id: "e1",
                    createdAt: Date(timeIntervalSince1970: 1_700_000_100),
                    message: "(service web) has reached a steady state."
                )
            ]
        )
        #expect(record.placementConstraints == [ECS.PlacementConstraint(type: "distinctInstance")])
        #expect(record.healthCheckGracePeriodSeconds == 10)
        #expect(record.tags == [Tag(key: "team", value: "a")])
        #expect(record.enableECSManagedTags && record.propagateTags == .service)
        #expect(record.createdBy == "arn:aws:iam::000000000000:root")
        #expect(record.clientToken == "t-1")
        #expect(record.lastCompleted == CompletedDeployment(id: "ecs-svc/1", taskDefinition: web1))
        #expect(record.countedFailures == ["arn:aws:ecs:us-east-1:000000000000:task/lab/f1"])
        let entry = try #require(record.serviceDeployments.first)
        #expect(entry.deployment == "ecs-svc/2")
        #expect(entry.status == .rollbackInProgress)
        #expect(entry.sources == [RevisionCounts(deployment: "ecs-svc/1", requested: 0, running: 0, pending: 0)])
        #expect(entry.target == RevisionCounts(deployment: "ecs-svc/2", requested: 2, running: 2, pending: 0))
        #expect(entry.rollback?.target == "ecs-svc/1")
        #expect(entry.circuitBreaker == CircuitBreakerState(status: .triggered, failureCount: 3, threshold: 3))
        #expect(entry.configuration.others == nil)
    }

    @Test("a row whose task definition is no ARN is refused by name, so the migration changes nothing")
    func refusesBadRows() throws {
        // The service's own task definition comes first in the row.
        let given = "\"taskDefinition\": \"arn:aws:ecs:us-east-1:000000000000:task-definition/web:1\""
        let range = try #require(Self.row.range(of: given))
        let bad = Self.row.replacingCharacters(in: range, with: "\"taskDefinition\": \"web\"")
        let old = try ECSJSON.decoder().decode(Legacy.ServiceRecord.self, from: Data(bad.utf8))
        let error = #expect(throws: Legacy.UpgradeError.self) { try Legacy.service(old) }
        #expect(error?.description == "task definition ARN \"web\" is not valid")
    }
}
