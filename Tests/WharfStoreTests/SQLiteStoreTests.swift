import Foundation
import Logging
import Testing
import WharfModel
import WharfMonitoring
import WharfState
import WharfStore

/// Runs `body` with a fresh temporary directory that is removed afterwards, whatever happens.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-store-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// The stores every test of ``SQLiteStoreTests`` that takes one runs on: the embedded SQLite store
/// and the shared PostgreSQL store pass the same tests.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// Runs `body` with a way to open (and reopen) one store of this kind; removes it afterwards.
    func withStore<T>(
        logger: Logger,
        _ body: (_ open: @Sendable () async throws -> any ClusterStore) async throws -> T
    ) async throws -> T {
        switch self {
        case .sqlite:
            try await withTemporaryDirectory { directory in
                try await body { try await SQLiteStore.open(path: directory + "/wharf.db", logger: logger) }
            }
        case .postgres:
            try await TestPostgres.withLocation { location in
                try await body { try await PostgresStore.open(location, region: "us-east-1", logger: logger) }
            }
        }
    }
}

@Suite("SQLite and PostgreSQL stores")
struct SQLiteStoreTests {
    let logger = Logger(label: "test")

    func sampleChanges() -> [StateChange] {
        let cluster = ClusterRecord(
            name: "a",
            tags: [Tag(key: "k", value: "v")],
            settings: [ClusterSetting(name: "containerInsights", value: "enabled")]
        )
        let definition = ECS.TaskDefinition(
            taskDefinitionArn: "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1",
            containerDefinitions: [ECS.ContainerDefinition(name: "app", image: "nginx", memory: 64)],
            family: "web",
            revision: 1
        )
        let instance = InstanceID(high: 1, low: 2)
        let task = TaskRecord(
            id: TaskID(high: 3, low: 4),
            cluster: "a",
            instance: instance,
            taskDefinition: TaskDefinitionKey(family: "web", revision: 1),
            group: "family:web",
            lastStatus: .running,
            createdAt: Date(timeIntervalSince1970: 1_700_000_000.5),
            containers: [
                ContainerRecord(
                    id: ContainerID(high: 5, low: 6),
                    name: "app",
                    image: "nginx",
                    memory: 64,
                    runtimeId: "c1",
                    lastStatus: .running,
                    networkBindings: [
                        NetworkBinding(bindIP: "0.0.0.0", containerPort: 80, hostPort: 8080, protocol: "tcp")
                    ]
                )
            ],
            overrides: Shared(
                ECS.TaskOverride(containerOverrides: [ECS.ContainerOverride(name: "app", command: ["sh"])])
            ),
            tags: [Tag(key: "t", value: nil)]
        )
        let created = Date(timeIntervalSince1970: 1_700_000_000.25)
        let network = Shared(ECS.NetworkConfiguration(awsvpcConfiguration: ECS.AwsVpcConfiguration(subnets: ["s-1"])))
        var service = ServiceRecord(
            arn: "arn:aws:ecs:us-east-1:000000000000:service/a/web",
            name: "web",
            cluster: "a",
            desiredCount: 2,
            taskDefinition: TaskDefinitionKey(family: "web", revision: 1),
            deploymentConfiguration: DeploymentSettings(
                maximumPercent: 150,
                minimumHealthyPercent: 50,
                circuitBreakerEnabled: true,
                circuitBreakerRollback: true,
                others: Shared(ECS.DeploymentConfiguration(strategy: "ROLLING"))
            ),
            deployments: [
                DeploymentRecord(
                    id: "ecs-svc/1",
                    status: .primary,
                    taskDefinition: TaskDefinitionKey(family: "web", revision: 1),
                    desiredCount: 2,
                    runningCount: 1,
                    failedTasks: 1,
                    createdAt: created,
                    updatedAt: created,
                    launchType: .ec2,
                    networkConfiguration: network,
                    rolloutStateReason: "r"
                )
            ],
            events: [ServiceEventRecord(id: "e1", createdAt: created, message: "m")],
            createdAt: created,
            createdBy: "me",
            placementConstraints: [ECS.PlacementConstraint(type: "distinctInstance")],
            placementStrategy: [ECS.PlacementStrategy(type: "binpack", field: "memory")],
            networkConfiguration: network,
            healthCheckGracePeriodSeconds: 5,
            tags: [Tag(key: "k", value: "v")],
            propagateTags: .service,
            clientToken: "token"
        )
        service.lastCompleted = CompletedDeployment(
            id: "ecs-svc/0",
            taskDefinition: TaskDefinitionKey(family: "web", revision: 1)
        )
        service.consecutiveFailures = 2
        service.throttledUntil = 1_700_000_100.5
        service.countedFailures = ["t1"]
        service.steady = true
        service.serviceDeployments = [
            ServiceDeploymentRecord(
                deployment: "ecs-svc/1",
                createdAt: created,
                startedAt: created,
                updatedAt: created,
                sources: [RevisionCounts(deployment: "ecs-svc/0", requested: 0, running: 1, pending: 0)],
                target: RevisionCounts(deployment: "ecs-svc/1", requested: 2, running: 1, pending: 1),
                status: .rollbackInProgress,
                statusReason: "s",
                configuration: service.deploymentConfiguration,
                circuitBreaker: CircuitBreakerState(status: .triggered, failureCount: 1, threshold: 3),
                rollback: RollbackRecord(reason: "r", startedAt: created, target: "ecs-svc/0")
            )
        ]
        return [
            .putCluster(cluster),
            .putTaskDefinition(
                TaskDefinitionRecord(
                    key: TaskDefinitionKey(family: "web", revision: 1),
                    registeredAt: Date(timeIntervalSince1970: 1_700_000_000.25),
                    registeredBy: "me",
                    tags: [Tag(key: "team", value: "web")],
                    spec: definition
                )
            ),
            .putFamilyRevision(family: "web", revision: 1),
            .putAccountSetting(principal: nil, name: "containerInsights", value: "enabled"),
            .putAccountSetting(principal: "arn:aws:iam::000000000000:root", name: "awsvpcTrunking", value: "enabled"),
            .putAccountSetting(principal: "arn:aws:iam::000000000000:user/x", name: "taskLongArnFormat", value: "enabled"),
            .deleteAccountSetting(principal: "arn:aws:iam::000000000000:user/x", name: "taskLongArnFormat"),
            .putInstance(
                InstanceRecord(
                    id: instance,
                    cluster: "a",
                    ec2InstanceId: "node-1",
                    agentConnected: true,
                    registeredAt: Date(timeIntervalSince1970: 1_700_000_000),
                    resources: InstanceResources(cpu: 2048, memoryMiB: 4096, reservedTCPPorts: [22]),
                    attributes: [InstanceAttribute(name: "ecs.os-type", value: "linux")],
                    credentialHash: "abc"
                )
            ),
            .putTask(task),
            .putTask(
                TaskRecord(
                    id: TaskID(high: 7, low: 8),
                    cluster: "a",
                    instance: nil,
                    taskDefinition: TaskDefinitionKey(family: "web", revision: 1),
                    group: "family:web",
                    createdAt: Date(timeIntervalSince1970: 1_700_000_000)
                )
            ),
            .deleteTask(TaskID(high: 7, low: 8)),
            .putService(service),
            .putService(
                ServiceRecord(
                    arn: "arn:aws:ecs:us-east-1:000000000000:service/a/gone",
                    name: "gone",
                    cluster: "a",
                    desiredCount: 0,
                    taskDefinition: TaskDefinitionKey(family: "web", revision: 1),
                    createdAt: Date(timeIntervalSince1970: 1_700_000_000)
                )
            ),
            .deleteService(arn: "arn:aws:ecs:us-east-1:000000000000:service/a/gone"),
            .putActivation(
                ActivationRecord(
                    id: "a1",
                    description: nil,
                    defaultInstanceName: nil,
                    iamRole: "r",
                    registrationLimit: 3,
                    registrationsCount: 1,
                    expirationDate: Date(timeIntervalSince1970: 1_700_086_400),
                    createdDate: Date(timeIntervalSince1970: 1_700_000_000),
                    codeHash: "h1"
                )
            ),
            .putActivation(
                ActivationRecord(
                    id: "a2",
                    description: nil,
                    defaultInstanceName: nil,
                    iamRole: "r",
                    registrationLimit: 1,
                    expirationDate: Date(timeIntervalSince1970: 1_700_086_400),
                    createdDate: Date(timeIntervalSince1970: 1_700_000_000),
                    codeHash: "h2"
                )
            ),
            .deleteActivation(id: "a2"),
            .putAccessKey(
                AccessKeyRecord(
                    accessKeyId: "AKWHKEEP",
                    sealedSecret: "c2VhbGVk",
                    description: "ci",
                    createDate: Date(timeIntervalSince1970: 1_700_000_000)
                )
            ),
            .putAccessKey(
                AccessKeyRecord(
                    accessKeyId: "AKWHGONE",
                    sealedSecret: "eA==",
                    description: nil,
                    createDate: Date(timeIntervalSince1970: 1_700_000_001)
                )
            ),
            .deleteAccessKey(id: "AKWHGONE"),
            .putParameter(
                ParameterRecord(
                    name: "/app/password",
                    versions: [
                        ParameterVersion(
                            version: 1,
                            type: .secureString,
                            value: "c2VhbGVk",
                            keyId: "alias/aws/ssm",
                            labels: ["stable"],
                            modifiedAt: created,
                            modifiedBy: "me"
                        ),
                        ParameterVersion(
                            version: 2,
                            type: .secureString,
                            value: "c2VhbGVkMg==",
                            description: "d",
                            tier: .advanced,
                            keyId: "alias/aws/ssm",
                            modifiedAt: created,
                            modifiedBy: "me"
                        ),
                    ],
                    tags: [Tag(key: "env", value: "prod")]
                )
            ),
            .putParameter(
                ParameterRecord(
                    name: "gone",
                    versions: [
                        ParameterVersion(version: 1, type: .string, value: "v", modifiedAt: created, modifiedBy: "me")
                    ]
                )
            ),
            .deleteParameter(name: "gone"),
            .putSecret(
                SecretRecord(
                    name: "prod/db",
                    arn: "arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/db-AbC123",
                    description: "d",
                    tags: [Tag(key: "team", value: "web")],
                    createdAt: created,
                    changedAt: created,
                    accessedAt: created,
                    deletionAt: created.addingTimeInterval(86400),
                    versions: [
                        SecretVersion(
                            id: "v1",
                            sealedValue: "c2VhbGVk",
                            isBinary: false,
                            stages: ["AWSCURRENT"],
                            createdAt: created
                        )
                    ]
                )
            ),
            .putSecret(
                SecretRecord(
                    name: "gone",
                    arn: "arn:aws:secretsmanager:us-east-1:000000000000:secret:gone-x",
                    createdAt: created,
                    changedAt: created
                )
            ),
            .deleteSecret(name: "gone"),
            .putRunTaskToken(
                RunTaskToken(
                    cluster: "a",
                    token: "t-1",
                    fingerprint: "f",
                    tasks: [TaskID(high: 3, low: 4)],
                    failures: [RunTaskFailure(arn: nil, reason: "RESOURCE:MEMORY")],
                    createdAt: created
                )
            ),
            .putRunTaskToken(
                RunTaskToken(
                    cluster: "a",
                    token: "t-2",
                    fingerprint: "f",
                    tasks: [],
                    failures: [],
                    createdAt: created
                )
            ),
            .deleteRunTaskToken(key: RunTaskToken.key(cluster: "a", token: "t-2")),
            .putTaskDefinition(
                TaskDefinitionRecord(
                    key: TaskDefinitionKey(family: "web", revision: 2),
                    registeredAt: nil,
                    registeredBy: nil,
                    spec: definition
                )
            ),
            .deleteTaskDefinition(TaskDefinitionKey(family: "web", revision: 2)),
        ] + loadBalancingChanges(created)
    }

    /// A load balancer with a listener and a rule forwarding to a target group with a draining
    /// target, and a second of each deleted again.
    func loadBalancingChanges(_ created: Date) -> [StateChange] {
        let check = HealthCheckSettings(
            enabled: true,
            protocol: .http,
            port: "traffic-port",
            path: "/healthz",
            intervalSeconds: 10,
            timeoutSeconds: 5,
            healthyThreshold: 3,
            unhealthyThreshold: 2,
            httpCodes: "200-299"
        )
        let forward = ListenerAction(
            kind: .forward,
            targetGroups: [.init(targetGroupID: "00000000000000a1", weight: 1)],
            stickinessSeconds: 60
        )
        return [
            .putLoadBalancer(
                LoadBalancerRecord(
                    id: "00000000000000b1",
                    name: "web",
                    type: .application,
                    scheme: .internal,
                    subnets: ["subnet-a"],
                    attributes: ["idle_timeout.timeout_seconds": "30"],
                    tags: [Tag(key: "env", value: "lab")],
                    createdAt: created
                )
            ),
            .putLoadBalancer(
                LoadBalancerRecord(
                    id: "00000000000000b2",
                    name: "gone",
                    type: .network,
                    scheme: .internetFacing,
                    subnets: ["s"],
                    createdAt: created
                )
            ),
            .deleteLoadBalancer(id: "00000000000000b2"),
            .putTargetGroup(
                TargetGroupRecord(
                    id: "00000000000000a1",
                    name: "web-tg",
                    targetType: .ip,
                    protocol: .http,
                    protocolVersion: "HTTP1",
                    port: 80,
                    vpcID: nil,
                    healthCheck: check,
                    attributes: ["deregistration_delay.timeout_seconds": "5"],
                    targets: [
                        TargetRecord(id: "10.64.1.5", port: 8080, registeredAt: created),
                        TargetRecord(id: "10.64.1.6", port: 80, registeredAt: created, drainingUntil: created),
                    ],
                    createdAt: created
                )
            ),
            .putListener(
                ListenerRecord(
                    id: "00000000000000c1",
                    loadBalancerID: "00000000000000b1",
                    port: 80,
                    protocol: .http,
                    defaultActions: [forward],
                    defaultRuleID: "00000000000000d0"
                )
            ),
            .putListenerRule(
                ListenerRuleRecord(
                    id: "00000000000000d1",
                    listenerID: "00000000000000c1",
                    priority: 10,
                    conditions: [
                        RuleCondition(field: .queryString, values: [], queryPairs: [.init(key: nil, value: "v")])
                    ],
                    actions: [
                        ListenerAction(
                            kind: .fixedResponse,
                            fixedResponse: .init(statusCode: "404", contentType: nil, messageBody: "no")
                        )
                    ]
                )
            ),
            .putListenerRule(
                ListenerRuleRecord(
                    id: "00000000000000d2",
                    listenerID: "00000000000000c1",
                    priority: 20,
                    conditions: [],
                    actions: [forward]
                )
            ),
            .deleteListenerRule(id: "00000000000000d2"),
            .putNamespace(
                NamespaceRecord(
                    id: "ns-a",
                    name: "internal",
                    type: .dnsPrivate,
                    vpc: "vpc-1",
                    soaTTL: 15,
                    createdAt: created
                )
            ),
            .putNamespace(NamespaceRecord(id: "ns-b", name: "gone", type: .http, createdAt: created)),
            .deleteNamespace(id: "ns-b"),
            .putDiscoveryService(
                DiscoveryServiceRecord(
                    id: "srv-a",
                    name: "web",
                    namespaceID: "ns-a",
                    dnsRecords: [.init(type: .a, ttl: 10), .init(type: .srv, ttl: 10)],
                    routingPolicy: "MULTIVALUE",
                    hasCustomHealth: true,
                    createdAt: created,
                    instances: [
                        DiscoveryInstanceRecord(
                            id: "t-1",
                            attributes: ["AWS_INSTANCE_IPV4": "10.64.0.5", "AWS_INSTANCE_PORT": "80"],
                            unhealthy: true
                        )
                    ],
                    instancesRevision: 3
                )
            ),
            .putCloudMapOperation(
                CloudMapOperationRecord(
                    id: "op-1",
                    type: "CREATE_NAMESPACE",
                    targets: ["NAMESPACE": "ns-a"],
                    createdAt: created
                )
            ),
            .putCloudMapOperation(CloudMapOperationRecord(id: "op-2", type: "X", targets: [:], createdAt: created)),
            .deleteCloudMapOperation(id: "op-2"),
            .putAlarm(
                AlarmRecord(
                    name: "cpu-high",
                    alarmActions: ["arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:p"],
                    namespace: "AWS/ECS",
                    metricName: "CPUUtilization",
                    dimensions: [MetricDimension(name: "ClusterName", value: "lab")],
                    statistic: "p99",
                    period: 60,
                    evaluationPeriods: 3,
                    datapointsToAlarm: 2,
                    threshold: 75.5,
                    comparison: .greaterThan,
                    treatMissingData: .notBreaching,
                    tags: [Tag(key: "team", value: "web")],
                    state: .alarm,
                    stateReason: "Threshold Crossed",
                    stateReasonData: "{}",
                    createdAt: created
                )
            ),
            .putAlarm(
                AlarmRecord(
                    name: "gone",
                    namespace: "App",
                    metricName: "X",
                    statistic: "Sum",
                    period: 60,
                    evaluationPeriods: 1,
                    threshold: 1,
                    comparison: .lessThan,
                    createdAt: created
                )
            ),
            .deleteAlarm(name: "gone"),
            .putScalableTarget(
                ScalableTargetRecord(
                    resourceId: "service/lab/web",
                    scalableDimension: "ecs:service:DesiredCount",
                    minCapacity: 1,
                    maxCapacity: 4,
                    roleARN: "arn:aws:iam::000000000000:role/x",
                    suspended: SuspendedState(dynamicScalingIn: true),
                    id: "0abc",
                    createdAt: created,
                    tags: [Tag(key: "team", value: "web")]
                )
            ),
            .putScalingPolicy(
                ScalingPolicyRecord(
                    name: "steps",
                    arn: "arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:1:resource/ecs/service/lab/web:"
                        + "policyName/steps",
                    resourceId: "service/lab/web",
                    scalableDimension: "ecs:service:DesiredCount",
                    stepScaling: StepScalingPolicy(
                        adjustmentType: .percentChangeInCapacity,
                        steps: [ScalingStep(lower: 0, upper: nil, adjustment: 50)],
                        minAdjustmentMagnitude: 2,
                        cooldown: 120,
                        metricAggregationType: "Maximum"
                    ),
                    createdAt: created
                )
            ),
            .putScheduledAction(
                ScheduledActionRecord(
                    name: "night",
                    arn: "arn:aws:autoscaling:us-east-1:000000000000:scheduledAction:2:resource/ecs/service/lab/web:"
                        + "scheduledActionName/night",
                    resourceId: "service/lab/web",
                    scalableDimension: "ecs:service:DesiredCount",
                    schedule: "cron(0 22 * * ? *)",
                    timezone: "Europe/Berlin",
                    minCapacity: 1,
                    createdAt: created
                )
            ),
            .putScalableTarget(
                ScalableTargetRecord(
                    resourceId: "service/lab/gone",
                    scalableDimension: "ecs:service:DesiredCount",
                    minCapacity: 1,
                    maxCapacity: 1,
                    roleARN: "r",
                    id: "0def",
                    createdAt: created
                )
            ),
            .deleteScalableTarget(
                ScalableTargetKey(resourceId: "service/lab/gone", scalableDimension: "ecs:service:DesiredCount")
            ),
        ]
    }

    @Test("what is applied is loaded back exactly after reopening", arguments: StoreKind.allCases)
    func roundTrip(kind: StoreKind) async throws {
        try await kind.withStore(logger: logger) { open in
            let store = try await open()
            try await store.apply(sampleChanges())
            await store.close()

            let reopened = try await open()
            let loaded = try await reopened.load()
            await reopened.close()

            var expected = StoredState()
            for change in sampleChanges() { expected.apply(change) }
            expected.generation = loaded.generation
            #expect(loaded == expected)
            #expect(loaded.services.first?.lastCompleted?.id == "ecs-svc/0")
            #expect(loaded.activations.map(\.id) == ["a1"])
            #expect(loaded.accessKeys.map(\.accessKeyId) == ["AKWHKEEP"])
            #expect(
                loaded.taskDefinitions.first?.definition.registeredAt == Date(timeIntervalSince1970: 1_700_000_000.25)
            )
            #expect(loaded.tasks.map(\.id) == [TaskID(high: 3, low: 4)])
            #expect(loaded.tasks.first?.overrides?.value.containerOverrides?.first?.command == ["sh"])
            #expect(loaded.services.map(\.name) == ["web"])
            #expect(loaded.alarms.map(\.name) == ["cpu-high"])
            #expect(loaded.scalableTargets.map(\.resourceId) == ["service/lab/web"])
            #expect(loaded.scalingPolicies.first?.stepScaling?.minAdjustmentMagnitude == 2)
            #expect(loaded.scheduledActions.map(\.name) == ["night"])
            #expect(loaded.parameters.map(\.name) == ["/app/password"])
            #expect(loaded.secrets.map(\.name) == ["prod/db"])
            #expect(loaded.runTaskTokens.map(\.token) == ["t-1"])
            #expect(loaded.parameters.first?.version(labelled: "stable")?.value == "c2VhbGVk")
            #expect(loaded.loadBalancers.map(\.name) == ["web"])
            #expect(loaded.targetGroups.first?.targets.last?.drainingUntil != nil)
            #expect(loaded.listeners.first?.defaultActions.first?.stickinessSeconds == 60)
            #expect(loaded.listenerRules.map(\.id) == ["00000000000000d1"])
            #expect(loaded.namespaces.map(\.id) == ["ns-a"])
            #expect(loaded.discoveryServices.first?.instances.first?.unhealthy == true)
            #expect(loaded.cloudMapOperations.map(\.id) == ["op-1"])
        }
    }

    @Test(
        "every load counts a controller start: the generation rises by one each time, across reopening",
        arguments: StoreKind.allCases
    )
    func generations(kind: StoreKind) async throws {
        try await kind.withStore(logger: logger) { open in
            let store = try await open()
            let first = try await store.load().generation
            let second = try await store.load().generation
            await store.close()
            let reopened = try await open()
            let third = try await reopened.load().generation
            await reopened.close()
            #expect(first >= 1)
            #expect(second == first + 1)
            #expect(third == first + 2)
        }
    }

    @Test(
        """
        a batch of thousands of changes, rows changed several times and deleted and put again, stores each row's \
        last change
        """,
        arguments: StoreKind.allCases
    )
    func largeBatches(kind: StoreKind) async throws {
        try await kind.withStore(logger: logger) { open in
            let store = try await open()
            func task(_ number: UInt64, _ status: TaskStatus) -> TaskRecord {
                TaskRecord(
                    id: TaskID(high: 0, low: number),
                    cluster: "a",
                    instance: InstanceID(high: 9, low: number % 7),
                    taskDefinition: TaskDefinitionKey(family: "web", revision: 1),
                    group: "family:web",
                    lastStatus: status,
                    createdAt: Date(timeIntervalSince1970: 1_700_000_000)
                )
            }
            var changes: [StateChange] = (0..<6000).map { .putTask(task($0, .provisioning)) }
            changes += (0..<6000).filter { $0 % 2 == 0 }.map { .putTask(task($0, .running)) }
            changes += (0..<6000).filter { $0 % 5 == 0 }.map { .deleteTask(TaskID(high: 0, low: $0)) }
            changes += (0..<6000).filter { $0 % 10 == 0 }.map { .putTask(task($0, .stopped)) }
            try await store.apply(changes)
            await store.close()
            let reopened = try await open()
            let loaded = try await reopened.load()
            await reopened.close()
            var expected = StoredState()
            for change in changes { expected.apply(change) }
            #expect(loaded.tasks.count == 6000 - 1200 + 600, "more than one page of 5,000 is loaded")
            #expect(
                Dictionary(uniqueKeysWithValues: loaded.tasks.map { ($0.id, $0.lastStatus) })
                    == Dictionary(uniqueKeysWithValues: expected.tasks.map { ($0.id, $0.lastStatus) })
            )
        }
    }

    @Test(
        """
        a record of every kind deleted is gone after reopening, and batches applied at once from several tasks \
        are all stored
        """,
        arguments: StoreKind.allCases
    )
    func deletesAndConcurrentBatches(kind: StoreKind) async throws {
        try await kind.withStore(logger: logger) { open in
            let store = try await open()
            try await store.apply(sampleChanges())
            let full = try await store.load()
            var deletes: [StateChange] = []
            deletes += full.taskDefinitions.map { .deleteTaskDefinition($0.key) }
            deletes += full.tasks.map { .deleteTask($0.id) }
            deletes += full.services.map { .deleteService(arn: $0.arn) }
            deletes += full.activations.map { .deleteActivation(id: $0.id) }
            deletes += full.accessKeys.map { .deleteAccessKey(id: $0.accessKeyId) }
            deletes += full.parameters.map { .deleteParameter(name: $0.name) }
            deletes += full.secrets.map { .deleteSecret(name: $0.name) }
            deletes += full.runTaskTokens.map { .deleteRunTaskToken(key: $0.key) }
            deletes += full.loadBalancers.map { .deleteLoadBalancer(id: $0.id) }
            deletes += full.targetGroups.map { .deleteTargetGroup(id: $0.id) }
            deletes += full.listeners.map { .deleteListener(id: $0.id) }
            deletes += full.listenerRules.map { .deleteListenerRule(id: $0.id) }
            deletes += full.namespaces.map { .deleteNamespace(id: $0.id) }
            deletes += full.discoveryServices.map { .deleteDiscoveryService(id: $0.id) }
            deletes += full.cloudMapOperations.map { .deleteCloudMapOperation(id: $0.id) }
            deletes += full.alarms.map { .deleteAlarm(name: $0.name) }
            deletes += full.scalingPolicies.map { .deleteScalingPolicy(arn: $0.arn) }
            deletes += full.scheduledActions.map { .deleteScheduledAction(arn: $0.arn) }
            deletes += full.scalableTargets.map {
                .deleteScalableTarget(ScalableTargetKey(resourceId: $0.resourceId, scalableDimension: $0.scalableDimension))
            }
            deletes += full.capacityProviders.map { .deleteCapacityProvider(name: $0.name) }
            // The sample holds records of these kinds, so their deletes are tried.
            #expect(!full.tasks.isEmpty)
            #expect(!full.services.isEmpty)
            #expect(!full.loadBalancers.isEmpty)
            #expect(!full.alarms.isEmpty)
            #expect(!full.scalableTargets.isEmpty)
            try await store.apply(deletes)
            // Eight batches at once, each of its own tasks.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for batch in 0..<8 {
                    group.addTask {
                        let changes: [StateChange] = (0..<50).map { number in
                            .putTask(
                                TaskRecord(
                                    id: TaskID(high: 7, low: UInt64(batch * 100 + number)),
                                    cluster: "a",
                                    instance: nil,
                                    taskDefinition: TaskDefinitionKey(family: "web", revision: 1),
                                    group: "family:web",
                                    lastStatus: .pending,
                                    createdAt: Date(timeIntervalSince1970: 1_700_000_000)
                                )
                            )
                        }
                        try await store.apply(changes)
                    }
                }
                try await group.waitForAll()
            }
            await store.close()
            let reopened = try await open()
            let loaded = try await reopened.load()
            await reopened.close()
            var expected = StoredState()
            for change in sampleChanges() + deletes { expected.apply(change) }
            #expect(loaded.taskDefinitions.isEmpty)
            #expect(loaded.services.isEmpty)
            #expect(loaded.parameters.isEmpty)
            #expect(loaded.loadBalancers.isEmpty)
            #expect(loaded.alarms.isEmpty)
            #expect(loaded.scalableTargets.isEmpty)
            #expect(loaded.clusters == expected.clusters)
            #expect(loaded.instances == expected.instances)
            var written: Set<TaskID> = []
            for batch in 0..<8 {
                for number in 0..<50 { written.insert(TaskID(high: 7, low: UInt64(batch * 100 + number))) }
            }
            #expect(Set(loaded.tasks.map(\.id)) == written)
        }
    }

    @Test("the database is in WAL mode and records its schema version")
    func pragmas() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await SQLiteStore.open(path: directory + "/wharf.db", logger: logger)
            await store.close()
            #expect(FileManager.default.fileExists(atPath: directory + "/wharf.db"))
            let header = try #require(FileManager.default.contents(atPath: directory + "/wharf.db"))
            // Bytes 18 and 19 of the SQLite header are 2 in WAL mode.
            #expect(header[18] == 2 && header[19] == 2)
            // user_version lives at offset 60, big-endian.
            #expect(header[60..<64].reduce(0) { $0 << 8 | Int($1) } == 15)
        }
    }

    @Test("a database from a newer Wharf is refused with a clear message")
    func newerSchema() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/wharf.db"
            let store = try await SQLiteStore.open(path: path, logger: logger)
            await store.close()
            // Raise user_version to 99 in the header, as a newer schema would.
            let handle = try #require(FileHandle(forUpdatingAtPath: path))
            try handle.seek(toOffset: 60)
            try handle.write(contentsOf: Data([0, 0, 0, 99]))
            try handle.close()
            await #expect {
                _ = try await SQLiteStore.open(path: path, logger: logger)
            } throws: { error in
                "\(error)".contains("schema version 99, newer than this Wharf understands")
            }
        }
    }

    @Test("a second lock on one data directory is refused while the first is held")
    func lock() async throws {
        try await withTemporaryDirectory { directory in
            let first = try DataDirectoryLock.acquire(directory)
            #expect {
                _ = try DataDirectoryLock.acquire(directory)
            } throws: { error in
                (error as? StoreError)?.code == .locked
            }
            first.release()
            let again = try DataDirectoryLock.acquire(directory)
            again.release()
        }
    }
}
