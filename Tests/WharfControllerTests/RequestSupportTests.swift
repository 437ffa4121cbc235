import Foundation
import Testing
import WharfModel
import WharfProtocol
import WharfState
@testable import WharfController

/// The members of RunTask, StartTask, CreateService and UpdateService that Wharf refuses, through
/// the wire handlers, and those it gives effect to beyond placement: tags, runtime platform.
@Suite("Requests: what Wharf refuses by name, and what it does")
struct RequestSupportTests {
    /// A client with one x86_64 node in cluster `lab`; returns the node's ARN too.
    static func client() async throws -> (WireClient, String) {
        let client = try await WireClient(\.handlers)
        let joined = try await client.harness.controller.register(
            RegisterRequest(
                cluster: "lab",
                hostname: "node-1",
                resources: NodeResources(cpu: 2048, memoryMiB: 4096, reservedTCPPorts: [], reservedUDPPorts: []),
                attributes: [
                    ECS.Attribute(name: "ecs.os-type", value: "linux"),
                    ECS.Attribute(name: "ecs.cpu-architecture", value: "x86_64"),
                ],
                versionInfo: ECS.VersionInfo(agentVersion: "0.1.0")
            )
        )
        return (client, joined.containerInstanceArn)
    }

    static var runTaskRefusals: [(String, [String: Any], String)] {
        [
            (
                "networkConfiguration", ["networkConfiguration": ["awsvpcConfiguration": ["subnets": ["s-1"]]]],
                "Network Configuration is not valid for the given networkMode of this task definition."
            ),
            (
                "capacityProviderStrategy", ["capacityProviderStrategy": [["capacityProvider": "cp"]]],
                "The specified capacity provider was not found."
            ),
            (
                "platformVersion", ["platformVersion": "LATEST"],
                "platformVersion LATEST is only supported for the FARGATE launch type"
            ),
            (
                "volumeConfigurations", ["volumeConfigurations": [["name": "v"]]],
                "volumeConfigurations is not supported"
            ),
            (
                "propagateTags SERVICE", ["propagateTags": "SERVICE"],
                "propagateTags SERVICE is only for the tasks of a service"
            ),
            (
                "referenceId too long", ["referenceId": String(repeating: "r", count: 1025)],
                "referenceId is 1025 characters"
            ),
            (
                "overrides.environmentFiles",
                [
                    "overrides": [
                        "containerOverrides": [
                            ["name": "httpd", "environmentFiles": [["value": "arn:aws:s3:::b/k", "type": "s3"]]]
                        ]
                    ]
                ],
                "container \"httpd\": environmentFiles is not supported"
            ),
            (
                "overrides.resourceRequirements",
                [
                    "overrides": [
                        "containerOverrides": [
                            [
                                "name": "httpd",
                                "resourceRequirements": [["value": "d", "type": "InferenceAccelerator"]],
                            ]
                        ]
                    ]
                ],
                "resourceRequirements InferenceAccelerator is not supported"
            ),
            (
                "overrides.ephemeralStorage", ["overrides": ["ephemeralStorage": ["sizeInGiB": 30]]],
                "overrides.ephemeralStorage is not supported"
            ),
            (
                "overrides.inferenceAcceleratorOverrides",
                ["overrides": ["inferenceAcceleratorOverrides": [["deviceName": "d", "deviceType": "eia2.medium"]]]],
                "overrides.inferenceAcceleratorOverrides is not supported"
            ),
        ]
    }

    @Test("RunTask and StartTask refuse what Wharf cannot do, naming the member")
    func launchRefusals() async throws {
        let (client, node) = try await Self.client()
        for (member, extra, fragment) in Self.runTaskRefusals {
            let body = ["cluster": "lab", "taskDefinition": "web"].merging(extra) { _, new in new }
            let error = try await client.refusal("RunTask", body)
            #expect(error?.code == .invalidParameter, "\(member)")
            #expect(error?.message.contains(fragment) == true, "\(member): \(String(describing: error))")
            if member != "capacityProviderStrategy" && member != "platformVersion" {
                let started = try await client.refusal(
                    "StartTask",
                    body.merging(["containerInstances": [node]]) { _, new in new }
                )
                #expect(
                    started?.message.contains(fragment) == true,
                    "StartTask \(member): \(String(describing: started))"
                )
            }
        }
        #expect(await client.harness.controller.inspect { $0.tasks.count } == 0, "nothing refused started a task")
    }

    static var serviceRefusals: [(String, [String: Any], String)] {
        [
            (
                "capacityProviderStrategy", ["capacityProviderStrategy": [["capacityProvider": "cp"]]],
                "The specified capacity provider was not found."
            ),
            (
                "availabilityZoneRebalancing", ["availabilityZoneRebalancing": "ENABLED"],
                "availabilityZoneRebalancing ENABLED is not supported"
            ),
            (
                "networkConfiguration", ["networkConfiguration": ["awsvpcConfiguration": ["subnets": ["s-1"]]]],
                "Network Configuration is not valid for the given networkMode of this task definition."
            ),
            (
                "platformVersion", ["platformVersion": "1.4.0"],
                "platformVersion 1.4.0 is only supported for the FARGATE launch type"
            ),
            (
                "volumeConfigurations", ["volumeConfigurations": [["name": "v"]]],
                "volumeConfigurations is not supported"
            ),
            (
                "vpcLatticeConfigurations",
                [
                    "vpcLatticeConfigurations": [
                        ["roleArn": "arn:aws:iam::000000000000:role/r", "targetGroupArn": "t", "portName": "p"]
                    ]
                ],
                "vpcLatticeConfigurations is not supported"
            ),
            (
                "serviceConnectConfiguration", ["serviceConnectConfiguration": ["enabled": true]],
                "serviceConnectConfiguration is not supported"
            ),
            (
                "bakeTimeInMinutes", ["deploymentConfiguration": ["bakeTimeInMinutes": 5]],
                "bakeTimeInMinutes is only valid with the BLUE_GREEN, LINEAR or CANARY deployment strategy."
            ),
            (
                "lifecycleHooks",
                [
                    "deploymentConfiguration": [
                        "lifecycleHooks": [["hookTargetArn": "arn:aws:lambda:us-east-1:000000000000:function:f"]]
                    ]
                ],
                "deploymentConfiguration.lifecycleHooks is not supported"
            ),
            (
                "canaryConfiguration", ["deploymentConfiguration": ["canaryConfiguration": ["canaryPercent": 10.0]]],
                "canaryConfiguration is only valid with the CANARY deployment strategy."
            ),
            (
                "linearConfiguration", ["deploymentConfiguration": ["linearConfiguration": ["stepPercent": 10.0]]],
                "linearConfiguration is only valid with the LINEAR deployment strategy."
            ),
            (
                "stepPercent",
                [
                    "deploymentConfiguration": [
                        "strategy": "LINEAR", "linearConfiguration": ["stepPercent": 2.5],
                    ]
                ],
                "linearConfiguration.stepPercent must be a multiple of 0.1 from 3.0 to 100.0."
            ),
            (
                "bakeTimeInMinutes range",
                ["deploymentConfiguration": ["strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1441]],
                "bakeTimeInMinutes must be between 0 and 1440."
            ),
            (
                "strategy", ["deploymentConfiguration": ["strategy": "SIDEWAYS"]],
                "deploymentConfiguration.strategy: \"SIDEWAYS\" is not valid"
            ),
            (
                "alarms",
                ["deploymentConfiguration": ["alarms": ["alarmNames": ["a"], "enable": true, "rollback": true]]],
                "deploymentConfiguration.alarms names CloudWatch alarms that do not exist: a"
            ),
        ]
    }

    @Test("CreateService and UpdateService refuse what Wharf cannot do, naming the member")
    func serviceRefusals() async throws {
        let (client, _) = try await Self.client()
        for (member, extra, fragment) in Self.serviceRefusals {
            let create = ["cluster": "lab", "serviceName": "svc", "taskDefinition": "web", "desiredCount": 0]
                .merging(extra) { _, new in new }
            let error = try await client.refusal("CreateService", create)
            #expect(error?.code == .invalidParameter, "\(member)")
            #expect(error?.message.contains(fragment) == true, "CreateService \(member): \(String(describing: error))")
        }
        _ = try await client.ok(
            "CreateService",
            [
                "cluster": "lab", "serviceName": "svc", "taskDefinition": "web", "desiredCount": 0,
                "availabilityZoneRebalancing": "DISABLED",
            ]
        )
        for (member, extra, fragment) in Self.serviceRefusals {
            let update = ["cluster": "lab", "service": "svc"].merging(extra) { _, new in new }
            let error = try await client.refusal("UpdateService", update)
            #expect(error?.message.contains(fragment) == true, "UpdateService \(member): \(String(describing: error))")
        }
        let controller = try await client.refusal(
            "UpdateService",
            ["cluster": "lab", "service": "svc", "deploymentController": ["type": "CODE_DEPLOY"]]
        )
        #expect(controller?.message.contains("deploymentController CODE_DEPLOY is not supported") == true)
    }

    @Test("RunTask and CreateService of an awsvpc task definition need a networkConfiguration, as in ECS")
    func awsvpcNeedsNetworkConfiguration() async throws {
        let (client, _) = try await Self.client()
        _ = try await client.ok(
            "RegisterTaskDefinition",
            [
                "family": "vpc", "networkMode": "awsvpc",
                "containerDefinitions": [["name": "app", "image": "busybox", "memory": 64]],
            ]
        )
        let run = try await client.refusal("RunTask", ["cluster": "lab", "taskDefinition": "vpc"])
        let needed = "Network Configuration must be provided when networkMode 'awsvpc' is specified."
        #expect(run?.message == needed, "\(String(describing: run))")
        let service = try await client.refusal(
            "CreateService",
            ["cluster": "lab", "serviceName": "vpc", "taskDefinition": "vpc", "desiredCount": 1]
        )
        #expect(service?.message == needed, "\(String(describing: service))")
    }

    @Test(
        """
        RunTask: propagateTags TASK_DEFINITION and enableECSManagedTags tag the task; referenceId and role \
        overrides are kept
        """
    )
    func launchTags() async throws {
        let (client, _) = try await Self.client()
        _ = try await client.ok(
            "RegisterTaskDefinition",
            [
                "family": "tagged", "tags": [["key": "team", "value": "core"], ["key": "env", "value": "def"]],
                "containerDefinitions": [["name": "app", "image": "busybox", "memory": 64]],
            ]
        )
        let role = "arn:aws:iam::000000000000:role/app"
        let ran = try await client.ok(
            "RunTask",
            [
                "cluster": "lab", "taskDefinition": "tagged", "propagateTags": "TASK_DEFINITION",
                "enableECSManagedTags": true,
                "tags": [["key": "env", "value": "run"]], "referenceId": "deploy-7",
                "overrides": ["taskRoleArn": role, "executionRoleArn": role],
            ]
        )
        let task = try #require((ran["tasks"] as? [[String: Any]])?.first)
        let arn = try #require(task["taskArn"] as? String)
        let described = try await client.ok("DescribeTasks", ["cluster": "lab", "tasks": [arn], "include": ["TAGS"]])
        let tags = ((described["tasks"] as? [[String: Any]])?.first?["tags"] as? [[String: String]]) ?? []
        #expect(
            Set(tags.map { "\($0["key"] ?? "")=\($0["value"] ?? "")" })
                == ["env=run", "team=core", "aws:ecs:clusterName=lab"]
        )
        let overrides = (described["tasks"] as? [[String: Any]])?.first?["overrides"] as? [String: Any]
        #expect(overrides?["taskRoleArn"] as? String == role)
        #expect(overrides?["executionRoleArn"] as? String == role)
    }

    @Test("runtimePlatform.cpuArchitecture places only on instances of that architecture, in RunTask and StartTask")
    func runtimePlatform() async throws {
        let (client, node) = try await Self.client()
        for (family, architecture) in [("arm", "ARM64"), ("x86", "X86_64")] {
            _ = try await client.ok(
                "RegisterTaskDefinition",
                [
                    "family": family,
                    "runtimePlatform": ["cpuArchitecture": architecture, "operatingSystemFamily": "LINUX"],
                    "containerDefinitions": [["name": "app", "image": "busybox", "memory": 64]],
                ]
            )
        }
        let arm = try await client.ok("RunTask", ["cluster": "lab", "taskDefinition": "arm"])
        #expect((arm["tasks"] as? [Any])?.isEmpty == true)
        #expect(
            (arm["failures"] as? [[String: Any]])?.first?["reason"] as? String
                == "MemberOf placement constraint unsatisfied."
        )
        let started = try await client.ok(
            "StartTask",
            ["cluster": "lab", "taskDefinition": "arm", "containerInstances": [node]]
        )
        #expect(
            (started["failures"] as? [[String: Any]])?.first?["reason"] as? String
                == "MemberOf placement constraint unsatisfied."
        )
        let x86 = try await client.ok("RunTask", ["cluster": "lab", "taskDefinition": "x86"])
        #expect((x86["tasks"] as? [Any])?.count == 1)
    }

    @Test("GPUs: counted at placement (RESOURCE:GPU), overrides count, remainingResources shows what is left")
    func gpuPlacement() async throws {
        let client = try await WireClient(\.handlers)
        let joined = try await client.harness.controller.register(
            RegisterRequest(
                cluster: "lab",
                hostname: "gpu-1",
                resources: NodeResources(
                    cpu: 4096,
                    memoryMiB: 8192,
                    reservedTCPPorts: [],
                    reservedUDPPorts: [],
                    gpus: ["GPU-a", "GPU-b", "GPU-c"]
                ),
                attributes: [ECS.Attribute(name: "ecs.os-type", value: "linux")],
                versionInfo: ECS.VersionInfo(agentVersion: "0.1.0")
            )
        )
        _ = try await client.ok(
            "RegisterTaskDefinition",
            [
                "family": "cuda",
                "containerDefinitions": [
                    [
                        "name": "app", "image": "cuda", "memory": 64,
                        "resourceRequirements": [["type": "GPU", "value": "2"]],
                    ]
                ],
            ]
        )
        let first = try await client.ok("RunTask", ["cluster": "lab", "taskDefinition": "cuda"])
        #expect((first["tasks"] as? [Any])?.count == 1)
        let second = try await client.ok("RunTask", ["cluster": "lab", "taskDefinition": "cuda"])
        #expect((second["failures"] as? [[String: Any]])?.first?["reason"] as? String == "RESOURCE:GPU")
        let smaller = try await client.ok(
            "RunTask",
            [
                "cluster": "lab", "taskDefinition": "cuda",
                "overrides": [
                    "containerOverrides": [["name": "app", "resourceRequirements": [["type": "GPU", "value": "1"]]]]
                ],
            ]
        )
        #expect((smaller["tasks"] as? [Any])?.count == 1, "the override asks for 1 GPU, which is left")
        let described = try await client.ok(
            "DescribeContainerInstances",
            ["cluster": "lab", "containerInstances": [joined.containerInstanceArn]]
        )
        let instance = (described["containerInstances"] as? [[String: Any]])?.first
        let remaining = (instance?["remainingResources"] as? [[String: Any]])?.first { $0["name"] as? String == "GPU" }
        #expect((remaining?["stringSetValue"] as? [String])?.count == 0)
        let registered = (instance?["registeredResources"] as? [[String: Any]])?.first {
            $0["name"] as? String == "GPU"
        }
        #expect(registered?["stringSetValue"] as? [String] == ["GPU-a", "GPU-b", "GPU-c"])
        let bad = try await client.refusal(
            "RegisterTaskDefinition",
            [
                "family": "bad",
                "containerDefinitions": [
                    [
                        "name": "app", "image": "cuda", "memory": 64,
                        "resourceRequirements": [["type": "GPU", "value": "one"]],
                    ]
                ],
            ]
        )
        #expect(bad?.message.contains("GPU value one must be a whole number") == true)
    }

    @Test(
        """
        RegisterContainerInstance: the identity document names the instance and sets its zone, type and AMI \
        attributes; platformDevices are its GPUs; a signature Wharf cannot verify is refused
        """
    )
    func registerContainerInstance() async throws {
        let client = try await WireClient(\.handlers)
        let document = #"""
            {"instanceId": "i-0abc123", "availabilityZone": "home-1a", "instanceType": "nuc", "imageId": "debian-12"}
            """#
        let registered = try await client.ok(
            "RegisterContainerInstance",
            ["cluster": "lab", "instanceIdentityDocument": document,
             "platformDevices": [["id": "GPU-x", "type": "GPU"]],
             "totalResources": [["name": "CPU", "type": "INTEGER", "integerValue": 2048]]]
        )
        let instance = try #require(registered["containerInstance"] as? [String: Any])
        #expect(instance["ec2InstanceId"] as? String == "i-0abc123")
        let attributes = (instance["attributes"] as? [[String: Any]] ?? []).reduce(into: [String: String]()) {
            $0[$1["name"] as? String ?? ""] = $1["value"] as? String
        }
        #expect(attributes["ecs.availability-zone"] == "home-1a")
        #expect(attributes["ecs.instance-type"] == "nuc")
        #expect(attributes["ecs.ami-id"] == "debian-12")
        let gpu = (instance["registeredResources"] as? [[String: Any]])?.first { $0["name"] as? String == "GPU" }
        #expect(gpu?["stringSetValue"] as? [String] == ["GPU-x"])
        let signed = try await client.refusal(
            "RegisterContainerInstance",
            ["cluster": "lab", "instanceIdentityDocument": document, "instanceIdentityDocumentSignature": "c2ln"]
        )
        #expect(signed?.message.contains("instanceIdentityDocumentSignature is not supported") == true)
        let broken = try await client.refusal(
            "RegisterContainerInstance", ["cluster": "lab", "instanceIdentityDocument": "not json"])
        #expect(broken?.message.contains("instanceIdentityDocument is not a JSON object") == true)
    }

    @Test("CreateActivation refuses RegistrationMetadata, which AWS keeps for itself, by name")
    func registrationMetadata() async throws {
        let client = try await WireClient(\.ssmHandlers)
        let error = try await client.refusal(
            "CreateActivation",
            ["IamRole": "ecsAnywhereRole", "RegistrationMetadata": [["Key": "k", "Value": "v"]]]
        )
        #expect(
            error?.message.contains("RegistrationMetadata is not supported") == true,
            "\(String(describing: error))"
        )
    }
}
