import Foundation
import Testing
import WharfModel

/// The generated shapes write themselves (``JSONWritable``) as `ECSJSON.encoder()` encodes them:
/// each document below, read into its shape, is written both ways and the two must parse to the
/// same JSON (the encoder's key order varies from run to run, so the bytes are not compared).
@Suite("Generated shapes write the JSON that JSONEncoder writes")
struct JSONWritableTests {
    static let awkward = #"quote \" backslash \\ newline \n tab \t bell \u0007 del \u007f slash / é ☃ \u2028 😀"#

    static let taskDefinition = """
        {"taskDefinition": {"taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
          "family": "web", "revision": 3, "status": "ACTIVE", "networkMode": "awsvpc", "cpu": "256", "memory": "512",
          "requiresCompatibilities": ["FARGATE"], "registeredAt": 1733400000.125, "registeredBy": "me",
          "containerDefinitions": [{"name": "app", "image": "busybox", "cpu": 128, "memory": 256, "essential": true,
            "command": ["sh", "-c", "\(awkward)"], "environment": [{"name": "A", "value": "\(awkward)"}],
            "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp", "name": "http"}],
            "dockerLabels": {"b": "2", "a": "1", "\(awkward)": "x"},
            "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "g"}},
            "healthCheck": {"command": ["CMD", "true"], "interval": 5, "retries": 3},
            "ulimits": [{"name": "nofile", "softLimit": 1024, "hardLimit": 4096}], "readonlyRootFilesystem": false}],
          "volumes": [], "compatibilities": ["EC2", "FARGATE"]},
         "tags": [{"key": "k", "value": "v"}]}
        """

    static let services = """
        {"services": [{"serviceArn": "arn:aws:ecs:us-east-1:123456789012:service/default/web", "serviceName": "web",
          "status": "ACTIVE", "desiredCount": 4, "runningCount": 0, "pendingCount": -1, "createdAt": 1733400000,
          "deploymentConfiguration": {"maximumPercent": 200, "minimumHealthyPercent": 100,
            "deploymentCircuitBreaker": {"enable": true, "rollback": false},
            "alarms": {"alarmNames": ["a"], "enable": true, "rollback": true}, "bakeTimeInMinutes": 0},
          "deployments": [{"id": "ecs-svc/1", "status": "PRIMARY", "createdAt": 1733400000.5, "updatedAt": 1.5e9,
            "rolloutState": "IN_PROGRESS", "rolloutStateReason": "\(awkward)"}],
          "events": [{"id": "e", "createdAt": 0.1, "message": "(service web) has reached a steady state."}],
          "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["s"], "assignPublicIp": "DISABLED"}},
          "loadBalancers": [{"targetGroupArn": "t", "containerName": "app", "containerPort": 80}]}],
         "failures": [{"arn": "x", "reason": "MISSING"}]}
        """

    static let metrics = """
        {"MetricDataResults": [{"Id": "m", "Label": "CPU", "StatusCode": "Complete",
          "Timestamps": [1733400000, 1733400060.25], "Values": [2.0, 0.5, 1e21, 1e-7, 0.30000000000000004, -3, 0]}]}
        """

    static let hook = """
        {"targetType": "AWS_LAMBDA", "lifecycleStages": ["PRE_SCALE_UP"],
         "hookDetails": {"n": 1, "f": 2.5, "b": true, "z": null, "s": "\(awkward)", "a": [1, "two", [], {}]}}
        """

    static let secret = """
        {"ARN": "arn", "Name": "n", "SecretBinary": "AAEC/w==", "VersionStages": ["AWSCURRENT"], "CreatedDate": 1733400000}
        """

    /// Both writings of `json`, read into `Shape`, parsed back and written again with sorted keys.
    static func both<Shape: Codable & JSONWritable>(_ type: Shape.Type, _ json: String) throws -> (String, String) {
        let shape = try ECSJSON.decoder().decode(Shape.self, from: Data(json.utf8))
        let expected = try ECSJSON.encoder().encode(shape)
        let written = try #require(shape.jsonData())
        return (try canonical(written), try canonical(expected))
    }

    static func canonical(_ data: Data) throws -> String {
        let parsed = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        let sorted = try JSONSerialization.data(withJSONObject: parsed, options: [.sortedKeys, .fragmentsAllowed])
        return String(decoding: sorted, as: UTF8.self)
    }

    @Test("ECS task definitions, services, CloudWatch numbers, documents and blobs: the same JSON both ways")
    func sameDocuments() throws {
        let pairs = [
            try Self.both(ECS.DescribeTaskDefinitionResponse.self, Self.taskDefinition),
            try Self.both(ECS.DescribeServicesResponse.self, Self.services),
            try Self.both(CloudWatch.GetMetricDataOutput.self, Self.metrics),
            try Self.both(ECS.DeploymentLifecycleHook.self, Self.hook),
            try Self.both(SecretsManager.GetSecretValueResponse.self, Self.secret),
            try Self.both(ECS.ListTasksResponse.self, "{}"),
        ]
        for (written, expected) in pairs {
            #expect(written == expected)
        }
        // Not vacuous: the documents carry what was put in them.
        let definition = try JSONDecoder().decode(
            ECS.DescribeTaskDefinitionResponse.self,
            from: Data(pairs[0].0.utf8)
        ).taskDefinition
        #expect(definition?.revision == 3)
        #expect(definition?.containerDefinitions?.first?.dockerLabels?[Self.unescaped] == "x")
        #expect(pairs[2].0.contains("1e+21") || pairs[2].0.contains("1000000000000000000000"))
    }

    /// ``awkward`` as the string it stands for.
    static let unescaped = (try? JSONDecoder().decode(String.self, from: Data("\"\(awkward)\"".utf8))) ?? ""

    @Test("numbers are written as JSONEncoder writes a Double, and the absent members are left out")
    func numbersAndAbsence() throws {
        let result = CloudWatch.MetricDataResult(id: "m", values: [2.0, 0.5, -0.0, 1e16, 1733400000.123])
        let text = String(decoding: try #require(result.jsonData()), as: UTF8.self)
        #expect(text == #"{"Id":"m","Values":[2,0.5,-0,1e+16,1733400000.123]}"#)
        #expect(String(decoding: try #require(ECS.ListTasksResponse().jsonData()), as: UTF8.self) == "{}")
    }

    @Test("a number JSON cannot carry makes no document, as JSONEncoder refuses it")
    func nonFinite() {
        #expect(CloudWatch.MetricDataResult(values: [1, .nan]).jsonData() == nil)
        #expect(CloudWatch.MetricDataResult(values: [.infinity]).jsonData() == nil)
        #expect((try? ECSJSON.encoder().encode(CloudWatch.MetricDataResult(values: [.nan]))) == nil)
    }
}
