import Foundation
import Testing
import WharfModel
import WharfProtocol
import WharfState
@testable import WharfController

/// Services registered in Cloud Map: instances for running tasks, gone as soon as they stop.
@Suite("Services with serviceRegistries: a Cloud Map instance per running task")
struct ServiceRegistryTests {
    /// A harness, a Cloud Map client on it, a node at 10.250.0.10, and a Cloud Map service `web` in
    /// `internal` with an SRV record; the service's ARN.
    func setUp() async throws -> (Harness, WireClient, RegisterResponse, String) {
        let harness = try await Harness()
        let map = WireClient(harness: harness, sealer: SecretSealer(), handlers: \.cloudMapHandlers)
        let node = try await harness.controller.register(
            RegisterRequest(
                cluster: "lab",
                hostname: "node-1",
                resources: NodeResources(cpu: 2048, memoryMiB: 2048, reservedTCPPorts: [], reservedUDPPorts: []),
                attributes: [ECS.Attribute(name: "ecs.os-type", value: "linux")],
                versionInfo: ECS.VersionInfo(agentVersion: "0.1.0"),
                nodeAddress: "10.250.0.10"
            )
        )
        let created = try await map.ok("CreatePrivateDnsNamespace", ["Name": "internal", "Vpc": "vpc-1"])
        let operation = try #require(created["OperationId"] as? String)
        let done = try await map.ok("GetOperation", ["OperationId": operation])
        let namespace = try #require(
            ((done["Operation"] as? [String: Any])?["Targets"] as? [String: String])?["NAMESPACE"]
        )
        let service = try await map.ok(
            "CreateService",
            ["Name": "web", "DnsConfig": ["NamespaceId": namespace, "DnsRecords": [["Type": "SRV", "TTL": 10]]]]
        )
        return (harness, map, node, try #require((service["Service"] as? [String: Any])?["Arn"] as? String))
    }

    func create(_ harness: Harness, _ registry: ECS.ServiceRegistry, count: Int = 1) async throws {
        _ = try await harness.controller.write { state, now in
            try state.createService(
                ECS.CreateServiceRequest(
                    cluster: "lab",
                    serviceName: "web",
                    taskDefinition: "web",
                    serviceRegistries: [registry],
                    desiredCount: count
                ),
                now: now,
                deploymentID: "ecs-svc/1"
            )
        }
    }

    @Test("a running bridge task is an instance at its node's address and host port; stopped, it is gone at once")
    func registration() async throws {
        let (harness, map, node, arn) = try await setUp()
        try await create(harness, ECS.ServiceRegistry(registryArn: arn, containerName: "httpd", containerPort: 80))
        try await harness.controller.scheduleServices()
        let desired = try await harness.sync(node, version: 0)
        let task = try #require(desired.tasks.first)
        let report = TaskReport(
            taskArn: task.taskArn,
            lastStatus: "RUNNING",
            containers: [
                ContainerReport(
                    name: "httpd",
                    runtimeId: "c-1",
                    lastStatus: "RUNNING",
                    networkBindings: [ECS.NetworkBinding(containerPort: 80, hostPort: 8080, protocol: "tcp")]
                )
            ],
            startedAt: harness.clock.now().timeIntervalSince1970
        )
        _ = try await harness.sync(node, version: 0, reports: [report])
        try await harness.controller.scheduleServices()
        var found = try await map.ok("DiscoverInstances", ["NamespaceName": "internal", "ServiceName": "web"])
        let instance = try #require((found["Instances"] as? [[String: Any]])?.first)
        let attributes = try #require(instance["Attributes"] as? [String: String])
        #expect(instance["InstanceId"] as? String == String(task.taskArn.split(separator: "/").last ?? ""))
        #expect(attributes["AWS_INSTANCE_IPV4"] == "10.250.0.10" && attributes["AWS_INSTANCE_PORT"] == "8080")
        #expect(attributes["ECS_SERVICE_NAME"] == "web" && attributes["ECS_CLUSTER_NAME"] == "lab")
        let described = try await harness.controller.read { state in
            try state.describeServices(ECS.DescribeServicesRequest(cluster: "lab", services: ["web"]))
        }.services?.first
        #expect(described?.serviceRegistries?.first?.registryArn == arn)

        _ = try await harness.controller.write { state, now in
            try state.stopTask(ECS.StopTaskRequest(cluster: "lab", task: task.taskArn), now: now)
        }
        try await harness.controller.scheduleServices()
        found = try await map.ok("DiscoverInstances", ["NamespaceName": "internal", "ServiceName": "web"])
        let instances = (found["Instances"] as? [[String: Any]] ?? []).compactMap { $0["InstanceId"] as? String }
        #expect(!instances.contains(String(task.taskArn.split(separator: "/").last ?? "")), "\(instances)")
    }

    @Test("a node that serves Cloud Map names gets them in its sync, one that says it serves none does not")
    func namesOnlyToNodesThatServeThem() async throws {
        let (harness, _, node, _) = try await setUp()
        func sync(servesNames: Bool?, version: String? = nil) async throws -> SyncResponse {
            try await harness.controller.sync(
                SyncRequest(
                    containerInstanceArn: node.containerInstanceArn,
                    credential: node.credential,
                    desiredVersion: 0,
                    tasks: [],
                    discoveryVersion: version,
                    servesNames: servesNames
                )
            )
        }
        let served = try #require(try await sync(servesNames: true).discoveryNames)
        #expect(served.zones == ["internal"])
        // An agent from before the member says nothing: it is sent the names, as before.
        #expect(try await sync(servesNames: nil).discoveryNames == served)
        #expect(try await sync(servesNames: false).discoveryNames == nil)
        #expect(try await sync(servesNames: true, version: served.version).discoveryNames == nil, "already current")
    }

    @Test("ListServicesByNamespace finds the services registered in a namespace, by its name, ID or ARN")
    func byNamespace() async throws {
        let (harness, map, _, arn) = try await setUp()
        try await create(harness, ECS.ServiceRegistry(registryArn: arn, containerName: "httpd", containerPort: 80))
        let namespaces = try await map.ok("ListNamespaces", [:])["Namespaces"] as? [[String: Any]] ?? []
        let namespace = try #require(namespaces.first)
        let serviceArn = "arn:aws:ecs:us-east-1:000000000000:service/lab/web"
        for reference in ["internal", namespace["Id"] as? String, namespace["Arn"] as? String] {
            let listed = try await harness.controller.read { state in
                try state.listServicesByNamespace(ECS.ListServicesByNamespaceRequest(namespace: reference))
            }
            #expect(listed.serviceArns == [serviceArn], "\(reference ?? "")")
        }
        await #expect {
            _ = try await harness.controller.read { state in
                try state.listServicesByNamespace(ECS.ListServicesByNamespaceRequest(namespace: "elsewhere"))
            }
        } throws: { error in
            let refusal = error as? ECSError
            return refusal?.code == .ecsNamespaceNotFound && refusal?.message == "Namespace not found."
        }
    }

    @Test("CreateService refuses a registry that does not exist, A records for bridge tasks, SRV without a port")
    func refusals() async throws {
        let (harness, map, _, arn) = try await setUp()
        let namespaces = try await map.ok("ListNamespaces", [:])
        let namespace = try #require((namespaces["Namespaces"] as? [[String: Any]])?.first?["Id"] as? String)
        let aRecords = try await map.ok(
            "CreateService",
            ["Name": "api", "DnsConfig": ["NamespaceId": namespace, "DnsRecords": [["Type": "A", "TTL": 10]]]]
        )
        let aARN = try #require((aRecords["Service"] as? [String: Any])?["Arn"] as? String)
        let cases: [(ECS.ServiceRegistry, String)] = [
            (ECS.ServiceRegistry(registryArn: arn + "x"), "does not exist"),
            (ECS.ServiceRegistry(registryArn: aARN), "awsvpc"),
            (ECS.ServiceRegistry(registryArn: arn), "SRV"),
            (ECS.ServiceRegistry(registryArn: arn, containerName: "httpd", containerPort: 81), "container port 81"),
        ]
        for (registry, expected) in cases {
            let error = await #expect(throws: ECSError.self) { try await create(harness, registry) }
            #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
        }
    }
}
