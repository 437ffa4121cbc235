import Foundation
import Testing
import WharfModel
import WharfProtocol
import WharfState
@testable import WharfController

/// The values of a task's `secrets` in the sync answers of the node that starts it.
@Suite("Secrets for containers: read from Parameter Store and Secrets Manager, sent only to start a task")
struct SecretInjectionTests {
    static let sealer = SecretSealer()

    /// A harness whose controller opens secrets, with a parameter, a secret and a definition
    /// whose container names both (and a JSON key of the secret).
    static func harness(valueFrom extra: String? = nil) async throws -> (Harness, WireClient, WireClient) {
        let harness = try await Harness()
        await harness.controller.useSecrets(sealer)
        let ssm = WireClient(harness: harness, sealer: sealer, handlers: \.ssmHandlers)
        let secrets = WireClient(harness: harness, sealer: sealer, handlers: \.secretsHandlers)
        _ = try await ssm.ok("PutParameter", ["Name": "/app/db/password", "Value": "pw-123", "Type": "SecureString"])
        let created = try await secrets.ok(
            "CreateSecret",
            ["Name": "app/api", "SecretString": "{\"token\":\"tk-9\",\"port\":8080}"]
        )
        let arn = try #require(created["ARN"] as? String)
        var definitionSecrets = [
            ECS.Secret(name: "DB_PASSWORD", valueFrom: "/app/db/password"),
            ECS.Secret(name: "API_TOKEN", valueFrom: "\(arn):token::"),
            ECS.Secret(name: "API_PORT", valueFrom: "\(arn.dropLast(7)):port:AWSCURRENT:"),
            ECS.Secret(name: "API", valueFrom: "arn:aws:ssm:us-east-1:000000000000:parameter/app/db/password"),
        ]
        if let extra { definitionSecrets.append(ECS.Secret(name: "EXTRA", valueFrom: extra)) }
        let named = definitionSecrets
        try await Self.register(harness, secrets: named)
        return (harness, ssm, secrets)
    }

    /// Registers `web:1`, whose container `httpd` names `secrets`.
    static func register(_ harness: Harness, secrets: [ECS.Secret]) async throws {
        _ = try await harness.controller.write { state, now in
            try state.registerTaskDefinition(
                ECS.RegisterTaskDefinitionRequest(
                    family: "web",
                    containerDefinitions: [
                        ECS.ContainerDefinition(
                            name: "httpd",
                            image: "wharf-test/busybox:latest",
                            memory: 512,
                            secrets: secrets
                        )
                    ]
                ),
                now: now
            )
        }
    }

    @Test("a task still to start carries its secrets' values; once RUNNING it no longer does")
    func sent() async throws {
        let (harness, _, _) = try await Self.harness()
        let node = try await harness.join("node-1")
        let initial = try await harness.sync(node, version: 0)
        let task = try #require(try await harness.runTask().tasks?.first)
        let desired = try await harness.sync(node, version: initial.desiredVersion)
        let sent = try #require(desired.tasks.first { $0.taskArn == task.taskArn }?.secrets)
        #expect(sent.failure == nil)
        #expect(
            sent.environment["httpd"] == [
                "DB_PASSWORD": "pw-123", "API_TOKEN": "tk-9", "API_PORT": "8080", "API": "pw-123",
            ]
        )
        let running = TaskReport(
            taskArn: task.taskArn ?? "",
            lastStatus: "RUNNING",
            containers: [ContainerReport(name: "httpd", runtimeId: "c1", lastStatus: "RUNNING", networkBindings: [])],
            startedAt: 1
        )
        let after = try await harness.sync(node, version: 0, reports: [running])
        #expect(after.tasks.first?.secrets == nil, "a running task's secrets are not sent again")
        let encoded = String(decoding: try SyncResponseJSON().encode(after), as: UTF8.self)
        #expect(!encoded.contains("pw-123"))
    }

    @Test("a secret that cannot be read is the task's failure, in ECS's words, and no value is sent")
    func missing() async throws {
        let (harness, _, _) = try await Self.harness(valueFrom: "/app/none")
        let node = try await harness.join("node-1")
        let initial = try await harness.sync(node, version: 0)
        _ = try await harness.runTask()
        let desired = try await harness.sync(node, version: initial.desiredVersion)
        let sent = try #require(desired.tasks.first?.secrets)
        #expect(sent.environment.isEmpty)
        #expect(
            sent.failure?.hasPrefix(
                "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval "
                    + "failed: unable to retrieve secret from ssm: /app/none: ParameterNotFound"
            ) == true,
            "\(sent.failure ?? "")"
        )
    }

    @Test("a secret ARN that names no secret fails in asm's words; a definition without secrets has none to send")
    func resolution() async throws {
        let harness = try await Harness()
        let state = await harness.controller.inspect { $0 }
        let definition = ECS.TaskDefinition(containerDefinitions: [
            ECS.ContainerDefinition(name: "a", secrets: [ECS.Secret(name: "X", valueFrom: "arn:aws:secretsmanager:x")])
        ])
        let failed = state.resolveSecrets(of: definition, seal: ValueSeal(Self.sealer))
        #expect(failed?.failure?.contains("unable to retrieve secret from asm") == true)
        #expect(
            state.resolveSecrets(
                of: ECS.TaskDefinition(containerDefinitions: [ECS.ContainerDefinition(name: "a")]),
                seal: ValueSeal(Self.sealer)
            ) == nil
        )
    }

    @Test("a controller without its key sends no secret")
    func withoutSeal() async throws {
        let harness = try await Harness()
        try await Self.register(harness, secrets: [ECS.Secret(name: "X", valueFrom: "/x")])
        let node = try await harness.join("node-1")
        let initial = try await harness.sync(node, version: 0)
        _ = try await harness.runTask()
        let desired = try await harness.sync(node, version: initial.desiredVersion)
        #expect(desired.tasks.count == 1 && desired.tasks.first?.secrets == nil)
    }

    @Test(
        """
        repositoryCredentials naming a secret of the controller send its login; one the controller does not hold \
        is left to the agent's --secrets-file; one without a username and password is the task's failure
        """
    )
    func registryLogins() async throws {
        let harness = try await Harness()
        await harness.controller.useSecrets(Self.sealer)
        let secrets = WireClient(harness: harness, sealer: Self.sealer, handlers: \.secretsHandlers)
        let login = try #require(
            try await secrets.ok(
                "CreateSecret",
                ["Name": "registry", "SecretString": "{\"username\":\"u\",\"password\":\"p\"}"]
            )[
                "ARN"
            ] as? String
        )
        let bad = try #require(
            try await secrets.ok("CreateSecret", ["Name": "bad", "SecretString": "{\"user\":\"u\"}"])["ARN"] as? String
        )
        let state = await harness.controller.inspect { $0 }
        func definition(_ parameter: String) -> ECS.TaskDefinition {
            ECS.TaskDefinition(containerDefinitions: [
                ECS.ContainerDefinition(
                    name: "app",
                    repositoryCredentials: ECS.RepositoryCredentials(credentialsParameter: parameter)
                )
            ])
        }
        let found = state.resolveSecrets(of: definition(login), seal: ValueSeal(Self.sealer))
        #expect(found?.registryLogins == ["app": RegistryLogin(username: "u", password: "p")] && found?.failure == nil)
        let elsewhere = state.resolveSecrets(
            of: definition("arn:aws:secretsmanager:us-east-1:000000000000:secret:not-here"),
            seal: ValueSeal(Self.sealer)
        )
        #expect(elsewhere?.registryLogins == nil && elsewhere?.failure == nil)
        let broken = state.resolveSecrets(of: definition(bad), seal: ValueSeal(Self.sealer))
        #expect(broken?.failure?.contains("does not hold") == true, "\(broken?.failure ?? "")")
    }

    @Test("secretOptions of a container's log configuration are read as its secrets are")
    func logOptions() async throws {
        let harness = try await Harness()
        let ssm = WireClient(harness: harness, sealer: Self.sealer, handlers: \.ssmHandlers)
        _ = try await ssm.ok("PutParameter", ["Name": "/log/token", "Value": "tok", "Type": "SecureString"])
        let state = await harness.controller.inspect { $0 }
        let definition = ECS.TaskDefinition(containerDefinitions: [
            ECS.ContainerDefinition(
                name: "app",
                logConfiguration: ECS.LogConfiguration(
                    logDriver: "splunk", secretOptions: [ECS.Secret(name: "splunk-token", valueFrom: "/log/token")]))
        ])
        let resolved = state.resolveSecrets(of: definition, seal: ValueSeal(Self.sealer))
        #expect(resolved?.logOptions == ["app": ["splunk-token": "tok"]] && resolved?.failure == nil)
        #expect(resolved?.environment.isEmpty == true)
    }
}
