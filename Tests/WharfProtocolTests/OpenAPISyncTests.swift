import Foundation
import Testing
import WharfModel
import WharfProtocol

/// Keeps `Protocols/agent-v1.openapi.yaml` in step with the Swift types: samples of every type are
/// encoded as the controller and agent encode them and checked against the document's schemas by
/// `Support/check_openapi.py` (python3, PyYAML, jsonschema 4.18 or later).
///
/// A full sample sets every optional member, so a Swift member the document lacks breaks its
/// `additionalProperties: false`; a minimal sample leaves every optional member out, so a
/// `required` the Swift type does not always send fails too.
@Suite("Agent protocol OpenAPI document")
struct OpenAPISyncTests {
    /// The repository root, found from this file's place in it.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // WharfProtocolTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    @Test("the published OpenAPI document describes exactly the Swift types")
    func documentMatchesTypes() async throws {
        let files = FileManager.default
        let directory = files.temporaryDirectory.appendingPathComponent("wharf-openapi-\(UUID().uuidString)")
        try files.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? files.removeItem(at: directory) }

        try Self.write([Sample.attribute], to: directory)
        try Self.write([Sample.versionInfo], minimal: [ECS.VersionInfo()], to: directory)
        try Self.write([Sample.networkBinding], to: directory)
        try Self.write([Sample.resources], minimal: [Sample.noReservedPorts], to: directory)
        try Self.write([Sample.registerRequest], minimal: [Sample.firstRegisterRequest], to: directory)
        try Self.write([Sample.registerResponse], to: directory)
        try Self.write([Sample.containerReport], minimal: [Sample.newContainerReport], to: directory)
        try Self.write([Sample.taskReport], minimal: [Sample.newTaskReport], to: directory)
        try Self.write([Sample.syncRequest], minimal: [Sample.emptySyncRequest], to: directory)
        try Self.write([Sample.desiredTask], minimal: [Sample.plainDesiredTask], to: directory)
        try Self.write([TaskAddress(privateIPv4Address: "10.64.3.7", subnet: "10.64.3.0/24")], to: directory)
        try Self.write([TaskRoute(subnet: "10.64.4.0/24", via: "10.250.0.3")], to: directory)
        try Self.write([TaskRoutes(version: "3f2a", routes: [])], to: directory)
        try Self.write([Sample.healthReport], minimal: [Sample.newHealthReport], to: directory)
        try Self.write([Sample.traffic], minimal: [Sample.quietTraffic], to: directory)
        try Self.write([Sample.plan], minimal: [LoadBalancerPlan(version: "1.0.0", balancers: [], targetGroups: [])],
                       to: directory)
        try Self.write([Sample.balancer], to: directory)
        try Self.write([Sample.listener], to: directory)
        try Self.write(Sample.listener.rules, to: directory)
        try Self.write([Sample.condition], minimal: [LoadBalancerPlan.Condition(field: "path-pattern", values: ["/"])],
                       to: directory)
        try Self.write([LoadBalancerPlan.QueryPair(key: "v", value: "1")],
                       minimal: [LoadBalancerPlan.QueryPair(key: nil, value: "1")], to: directory)
        try Self.write([Sample.fullAction], minimal: [LoadBalancerPlan.Action(kind: "fixed-response")], to: directory)
        try Self.write([LoadBalancerPlan.WeightedTargetGroup(id: "a", weight: 1)], to: directory)
        try Self.write([Sample.redirect], to: directory)
        try Self.write([Sample.targetGroup], minimal: [Sample.tcpGroup], to: directory)
        try Self.write([Sample.healthCheck], minimal: [Sample.tcpCheck], to: directory)
        try Self.write([Sample.target], to: directory)
        try Self.write([Sample.names], to: directory)
        try Self.write(Sample.names.records, to: directory)
        let login = RegistryLogin(username: "u", password: "p")
        let options = ["web": ["splunk-token": "t"]]
        try Self.write([TaskSecrets(environment: ["web": ["A": "1"]], logOptions: options,
                                    registryLogins: ["web": login], failure: "why")],
                       minimal: [TaskSecrets()], to: directory)
        try Self.write([RegistryLogin(username: "u", password: "p")], to: directory)
        try Self.write([Sample.syncResponse], minimal: [Sample.emptySyncResponse], to: directory)
        try Self.write([ContainerUsage(cpuUnits: 0, memoryMiB: 1.5, sampledAt: 1_795_319_150)], to: directory)
        try Self.write([Sample.runtimeHealth], to: directory)
        try Self.write(Sample.logDeliveryRequest.streams.flatMap(\.events), to: directory)
        try Self.write(Sample.logDeliveryRequest.streams, to: directory)
        try Self.write([Sample.logDeliveryRequest], minimal: [Sample.emptyLogDeliveryRequest], to: directory)
        try Self.write([Sample.logDeliveryResponse], to: directory)
        try Self.write(Sample.allCodes.map { AgentProtocolError($0, "the request failed: \($0.rawValue)") }, to: directory)
        let written = try files.contentsOfDirectory(atPath: directory.path).count

        let result = try await Self.run([
            "python3",
            Self.repositoryRoot.appendingPathComponent("Tests/WharfProtocolTests/Support/check_openapi.py").path,
            Self.repositoryRoot.appendingPathComponent("Protocols/agent-v1.openapi.yaml").path,
            directory.path,
        ])
        #expect(result.status == 0, "check_openapi.py exited with status \(result.status):\n\(result.stdout)\(result.stderr)")
        let summary = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(summary.hasSuffix(" passed, 0 failed"), "check_openapi.py found failures:\n\(result.stdout)\(result.stderr)")
        #expect(summary == "\(written) passed, 0 failed", "expected all \(written) sample files to be checked:\n\(result.stdout)")
    }

    @Test("an error is the JSON object {code, message}")
    func errorJSON() throws {
        for code in Sample.allCodes {
            let error = AgentProtocolError(code, "what went wrong with \(Sample.instanceArn) and what to do")
            let data = try ECSJSON.encoder().encode(error)
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: String])
            #expect(object == ["code": code.rawValue, "message": error.message])
            #expect(try ECSJSON.decoder().decode(AgentProtocolError.self, from: data) == error)
        }
    }

    /// Writes `full` samples (every optional member set, which this checks) and `minimal` ones of
    /// one type to `<Type>.json` in `directory`, as one JSON array.
    static func write<T: Encodable>(_ full: [T], minimal: [T] = [], to directory: URL) throws {
        for sample in full {
            let absent = absentMembers(of: sample)
            #expect(absent.isEmpty, "the full \(T.self) sample leaves \(absent) unset; set every member so the document is checked for it")
        }
        try ECSJSON.encoder().encode(full + minimal).write(to: directory.appendingPathComponent("\(T.self).json"))
    }

    /// The names of `value`'s own members that are nil.
    static func absentMembers(of value: Any) -> [String] {
        Mirror(reflecting: value).children.compactMap { child -> String? in
            let member = Mirror(reflecting: child.value)
            guard member.displayStyle == .optional, member.children.isEmpty else { return nil }
            return child.label ?? "?"
        }
    }

    /// What a finished command left.
    struct CommandResult: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `arguments` (looked up on `PATH`) and waits for it to exit. Output goes to temporary
    /// files rather than pipes, so a large output cannot block the command on a full pipe.
    static func run(_ arguments: [String]) async throws -> CommandResult {
        let files = FileManager.default
        let base = files.temporaryDirectory.appendingPathComponent("wharf-openapi-\(UUID().uuidString)")
        let stdoutURL = base.appendingPathExtension("stdout")
        let stderrURL = base.appendingPathExtension("stderr")
        defer {
            try? files.removeItem(at: stdoutURL)
            try? files.removeItem(at: stderrURL)
        }
        _ = files.createFile(atPath: stdoutURL.path, contents: nil)
        _ = files.createFile(atPath: stderrURL.path, contents: nil)
        let stdoutHandle = try FileHandle(forWritingTo: stdoutURL)
        let stderrHandle = try FileHandle(forWritingTo: stderrURL)
        defer {
            try? stdoutHandle.close()
            try? stderrHandle.close()
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdoutHandle
        process.standardError = stderrHandle
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in
                let signalled = finished.terminationReason == .uncaughtSignal
                continuation.resume(returning: signalled ? 128 + finished.terminationStatus : finished.terminationStatus)
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        return CommandResult(
            status: status,
            stdout: String(decoding: try Data(contentsOf: stdoutURL), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: stderrURL), as: UTF8.self)
        )
    }
}

/// Samples of every agent protocol type: full ones (every member set) and minimal ones (every
/// optional member absent, every array empty).
enum Sample {
    static let clusterArn = "arn:aws:ecs:us-east-1:123456789012:cluster/default"
    static let instanceArn = "arn:aws:ecs:us-east-1:123456789012:container-instance/default/0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    static let taskArn = "arn:aws:ecs:us-east-1:123456789012:task/default/4b5a69788796a5b4c3d2e1f00f1e2d3c"
    static let credential = "q3J8bXh2a0N1c3RvbWVyLWNyZWRlbnRpYWwtMjU2Yml0"

    static let attribute = ECS.Attribute(name: "ecs.os-type", value: "linux", targetType: "container-instance", targetId: instanceArn)
    static let versionInfo = ECS.VersionInfo(agentVersion: "0.1.0", agentHash: "4176203", dockerVersion: "27.3.1")
    static let networkBinding = ECS.NetworkBinding(bindIP: "0.0.0.0", containerPort: 80, hostPort: 32768, protocol: "tcp",
                                                   containerPortRange: "8000-8001", hostPortRange: "40000-40001")

    static let resources = NodeResources(
        cpu: 2048, memoryMiB: 3584, reservedTCPPorts: [22, 2375, 2376], reservedUDPPorts: [53],
        gpus: ["GPU-6a8f0c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b"]
    )
    static let noReservedPorts = NodeResources(cpu: 1024, memoryMiB: 512, reservedTCPPorts: [], reservedUDPPorts: [])

    static let registerRequest = RegisterRequest(protocolVersion: AgentProtocol.version, cluster: "default", containerInstanceArn: instanceArn,
                                                 credential: credential, activationId: "0f8f4a6e-8f3e-4a1f-9d6a-1c2b3d4e5f60",
                                                 activationCode: "m0E5n1pLq2rS3tU4vW5x", hostname: "node-1", resources: resources, attributes: [attribute],
                                                 versionInfo: versionInfo, nodeAddress: "10.250.0.2", region: "eu-west-1")
    static let firstRegisterRequest = RegisterRequest(cluster: "default", hostname: "node-1", resources: noReservedPorts, attributes: [],
                                                      versionInfo: ECS.VersionInfo())
    static let registerResponse = RegisterResponse(protocolVersion: AgentProtocol.version, containerInstanceArn: instanceArn,
                                                   credential: credential, clusterArn: clusterArn, longPollSeconds: 20,
                                                   taskSubnet: "10.64.3.0/24", taskCIDR: "10.64.0.0/10")

    static let containerReport = ContainerReport(name: "web", runtimeId: "9f86d081884c7d659a2feaa0c55ad015", lastStatus: "STOPPED", exitCode: 137,
                                                 reason: "OutOfMemoryError: container killed due to memory usage",
                                                 networkBindings: [networkBinding], healthStatus: "UNHEALTHY",
                                                 usage: ContainerUsage(cpuUnits: 12.5, memoryMiB: 48.2, sampledAt: 1_795_319_150.5),
                                                 gpuIds: ["GPU-6a8f0c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b"])
    static let logDeliveryRequest = LogDeliveryRequest(containerInstanceArn: instanceArn, credential: "c2VjcmV0", firstSequence: 41, streams: [
        LogStreamEvents(logGroup: "/ecs/web", logStream: "ecs/web/0f3c", createGroup: true,
                        events: [LogEventRecord(timestamp: 1_795_319_150_123, message: "GET / 200")]),
    ])
    static let emptyLogDeliveryRequest = LogDeliveryRequest(containerInstanceArn: instanceArn, credential: "c2VjcmV0", firstSequence: 1, streams: [])
    static let logDeliveryResponse = LogDeliveryResponse(lastSequence: 41, missingGroups: ["/ecs/missing"])
    static let newContainerReport = ContainerReport(name: "web", lastStatus: "PENDING")
    static let taskReport = TaskReport(taskArn: taskArn, lastStatus: "STOPPED", containers: [containerReport, newContainerReport],
                                       pullStartedAt: 1_795_319_100.25, pullStoppedAt: 1_795_319_104.5, startedAt: 1_795_319_105,
                                       executionStoppedAt: 1_795_319_200.75, stopCode: "EssentialContainerExited",
                                       stoppedReason: "Essential container in task exited", healthStatus: "UNHEALTHY",
                                       macAddress: "02:42:0a:40:03:07")
    static let newTaskReport = TaskReport(taskArn: taskArn, lastStatus: "PROVISIONING", containers: [])
    static let syncRequest = SyncRequest(protocolVersion: AgentProtocol.version, containerInstanceArn: instanceArn, credential: credential,
                                         desiredVersion: 7, tasks: [taskReport, newTaskReport], routesVersion: "3f2a",
                                         loadBalancerVersion: "3.7.2", targetHealth: [healthReport, newHealthReport],
                                         targetTraffic: [traffic, quietTraffic],
                                         discoveryVersion: "3.9", servesNames: true,
                                         runtimeHealth: runtimeHealth)
    static let runtimeHealth = RuntimeHealth(status: RuntimeHealth.impaired,
                                             since: Date(timeIntervalSince1970: 1_795_319_150.5))
    static let traffic = TargetGroupTraffic(targetGroupId: "73e2d6bc24d8a067", requests: 1200, responseTimeMs: 3.5)
    static let quietTraffic = TargetGroupTraffic(targetGroupId: "0b1c2d3e4f5a6b7c", requests: 0)
    static let healthReport = TargetHealthReport(
        targetGroupId: "73e2d6bc24d8a067",
        id: "10.64.3.7",
        port: 80,
        state: "unhealthy",
        detail: "L7STS"
    )
    static let newHealthReport = TargetHealthReport(
        targetGroupId: "73e2d6bc24d8a067",
        id: "10.64.3.8",
        port: 80,
        state: "healthy"
    )
    static let redirect = LoadBalancerPlan.Redirect(
        protocol: "#{protocol}",
        port: "#{port}",
        host: "www.example.com",
        path: "/#{path}",
        query: "#{query}",
        statusCode: "HTTP_301"
    )
    static let forward = LoadBalancerPlan.Action(
        kind: "forward",
        targetGroups: [.init(id: "73e2d6bc24d8a067", weight: 1)]
    )
    static let fullAction = LoadBalancerPlan.Action(
        kind: "redirect",
        targetGroups: [],
        stickinessSeconds: 60,
        statusCode: "404",
        contentType: "text/plain",
        messageBody: "none",
        redirect: redirect
    )
    static let condition = LoadBalancerPlan.Condition(
        field: "query-string",
        values: [],
        headerName: "X-Canary",
        queryPairs: [.init(key: "v", value: "1"), .init(key: nil, value: "x")]
    )
    static let healthCheck = LoadBalancerPlan.HealthCheck(
        protocol: "HTTP",
        port: "traffic-port",
        path: "/",
        intervalSeconds: 30,
        timeoutSeconds: 5,
        healthyThreshold: 5,
        unhealthyThreshold: 2,
        httpCodes: "200"
    )
    static let tcpCheck = LoadBalancerPlan.HealthCheck(
        protocol: "TCP",
        port: "traffic-port",
        path: nil,
        intervalSeconds: 30,
        timeoutSeconds: 10,
        healthyThreshold: 5,
        unhealthyThreshold: 2,
        httpCodes: nil
    )
    static let target = LoadBalancerPlan.Target(id: "10.64.3.7", port: 80, address: "10.64.3.7", draining: false)
    static let targetGroup = LoadBalancerPlan.TargetGroup(
        id: "73e2d6bc24d8a067",
        name: "web",
        protocol: "HTTP",
        protocolVersion: "HTTP1",
        healthCheck: healthCheck,
        attributes: ["deregistration_delay.timeout_seconds": "30"],
        targets: [target]
    )
    static let tcpGroup = LoadBalancerPlan.TargetGroup(
        id: "73e2d6bc24d8a068",
        name: "db",
        protocol: "TCP",
        protocolVersion: nil,
        healthCheck: tcpCheck,
        attributes: [:],
        targets: []
    )
    static let listener = LoadBalancerPlan.Listener(
        id: "f2f7dc8efc522ab2",
        port: 80,
        protocol: "HTTP",
        rules: [.init(conditions: [condition], action: fullAction), .init(conditions: [], action: forward)]
    )
    static let balancer = LoadBalancerPlan.Balancer(
        id: "50dc6c495c0c9188",
        name: "web",
        type: "application",
        idleTimeoutSeconds: 60,
        listeners: [listener]
    )
    static let plan = LoadBalancerPlan(version: "3.7.2", balancers: [balancer], targetGroups: [targetGroup, tcpGroup])
    static let emptySyncRequest = SyncRequest(containerInstanceArn: instanceArn, credential: credential, desiredVersion: 0, tasks: [])

    static let taskDefinition = ECS.TaskDefinition(
        taskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
        containerDefinitions: [ECS.ContainerDefinition(name: "web", image: "nginx:1.27", memory: 128,
                                                       portMappings: [ECS.PortMapping(containerPort: 80, hostPort: 0, protocol: "tcp")],
                                                       essential: true)],
        family: "web", networkMode: "bridge", revision: 3, status: "ACTIVE", registeredAt: Date(timeIntervalSince1970: 1_795_319_113.7))
    static let desiredTask = DesiredTask(taskArn: taskArn, desiredStatus: "STOPPED", taskDefinition: taskDefinition,
                                         overrides: ECS.TaskOverride(containerOverrides: [ECS.ContainerOverride(name: "web", command: ["nginx", "-g", "daemon off;"])],
                                                                     cpu: "256", memory: "512"),
                                         clusterArn: clusterArn, stoppedReason: "Task stopped by user",
                                         secrets: TaskSecrets(environment: ["web": ["DB_PASSWORD": "pw"]],
                                                              logOptions: ["web": ["splunk-token": "t"]],
                                                              registryLogins: ["web": RegistryLogin(username: "u",
                                                                                                    password: "p")],
                                                              failure: "ResourceInitializationError: none"),
                                         network: TaskAddress(privateIPv4Address: "10.64.3.7", subnet: "10.64.3.0/24"),
                                         launchType: "FARGATE")
    static let plainDesiredTask = DesiredTask(taskArn: taskArn, desiredStatus: "RUNNING", taskDefinition: ECS.TaskDefinition(), overrides: nil,
                                              clusterArn: clusterArn)
    static let syncResponse = SyncResponse(protocolVersion: AgentProtocol.version, desiredVersion: 8, tasks: [desiredTask, plainDesiredTask],
                                           acknowledgedStopped: [taskArn],
                                           taskRoutes: TaskRoutes(version: "3f2a", routes: [
                                               TaskRoute(subnet: "10.64.4.0/24", via: "10.250.0.3"),
                                           ]), loadBalancerPlan: plan, discoveryNames: names)
    static let names = DiscoveryNames(
        version: "3.9",
        zones: ["internal"],
        records: [DiscoveryRecord(name: "web.internal", type: "A", ttl: 10, values: ["10.64.0.5"])]
    )
    static let emptySyncResponse = SyncResponse(desiredVersion: 1, tasks: [], acknowledgedStopped: [])

    /// Every error code, in a chain that ``following(_:)`` walks.
    static let allCodes: [AgentProtocolError.Code] = Array(sequence(first: .versionMismatch, next: following))

    /// The next code in ``allCodes``. The switch has no default, so a new code does not compile until
    /// it joins the chain, and then the document must list it too.
    private static func following(_ code: AgentProtocolError.Code) -> AgentProtocolError.Code? {
        switch code {
        case .versionMismatch: return .unauthorized
        case .unauthorized: return .deregistered
        case .deregistered: return .clusterNotFound
        case .clusterNotFound: return .invalidRequest
        case .invalidRequest: return .serverError
        case .serverError: return .activationRefused
        case .activationRefused: return nil
        }
    }
}
