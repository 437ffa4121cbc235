import Foundation
import WharfModel
import WharfState

/// The ECS operations this controller serves, by name, each decoding its request shape, checking
/// the model's constraints and running against the ``Controller``.
struct ECSOperations: Sendable {
    typealias Handler = @Sendable (Data) async throws -> Data

    private(set) var handlers: [String: Handler] = [:]
    /// The describe operations that add `utilization`, for `X-Wharf-Include: utilization`.
    var utilizationHandlers: [String: Handler] = [:]
    /// The Systems Manager operations of ECS Anywhere's join (`X-Amz-Target: AmazonSSM.<Operation>`).
    var ssmHandlers: [String: Handler] = [:]
    /// The Secrets Manager operations, by name (`secretsmanager.<name>`).
    var secretsHandlers: [String: Handler] = [:]
    /// The Cloud Map operations, by name (`Route53AutoNaming_v20170314.<name>`).
    var cloudMapHandlers: [String: Handler] = [:]
    /// Wharf's admin operations, by name (`WharfAdmin.<name>`).
    private(set) var adminHandlers: [String: Handler] = [:]
    /// The controller the handlers run against.
    let controller: Controller

    /// - Parameters:
    ///   - sealer: seals the secrets of new access keys.
    ///   - bootstrapKeyId: the bootstrap pair's ID, listed and never revocable.
    ///   - definitions: each task definition's JSON, made once (shared with the sync answers).
    init(
        controller: Controller,
        sealer: SecretSealer = SecretSealer(),
        bootstrapKeyId: String? = nil,
        definitions: TaskDefinitionJSON = TaskDefinitionJSON()
    ) {
        self.controller = controller
        read("DescribeClusters", controller) { (state, request) in try state.describeClusters(request) }
        read("ListClusters", controller) { (state, request) in try state.listClusters(request) }
        write("CreateCluster", controller) { (state, request, _) in try state.createCluster(request) }
        write("UpdateCluster", controller) { (state, request, _) in try state.updateCluster(request) }
        write("UpdateClusterSettings", controller) { (state, request, _) in try state.updateClusterSettings(request) }
        write("PutClusterCapacityProviders", controller) { (state, request, _) in
            try state.putClusterCapacityProviders(request)
        }
        write("DeleteCluster", controller) { (state, request, _) in try state.deleteCluster(request) }
        write("CreateCapacityProvider", controller) { (state, request, _) in try state.createCapacityProvider(request) }
        write("UpdateCapacityProvider", controller) { (state, request, _) in try state.updateCapacityProvider(request) }
        write("DeleteCapacityProvider", controller) { (state, request, _) in try state.deleteCapacityProvider(request) }
        read("DescribeCapacityProviders", controller) { (state, request) in
            try state.describeCapacityProviders(request)
        }

        write("RegisterTaskDefinition", controller) { (state, request, now) in
            try state.registerTaskDefinition(request, now: now)
        }
        handlers["DescribeTaskDefinition"] = { (data: Data) async throws -> Data in
            let request: ECS.DescribeTaskDefinitionRequest = try ECSWire.decode(data)
            let response = try await controller.read { state in try state.describeTaskDefinition(request) }
            return try Self.encode(response, definitions: definitions)
        }
        read("ListTaskDefinitions", controller) { (state, request) in try state.listTaskDefinitions(request) }
        read("ListTaskDefinitionFamilies", controller) { (state, request) in
            try state.listTaskDefinitionFamilies(request)
        }
        write("DeregisterTaskDefinition", controller) { (state, request, now) in
            try state.deregisterTaskDefinition(request, now: now)
        }
        write("DeleteTaskDefinitions", controller) { (state, request, now) in
            try state.deleteTaskDefinitions(request, now: now)
        }

        write("TagResource", controller) { (state, request, _) in try state.tagResource(request) }
        write("UntagResource", controller) { (state, request, _) in try state.untagResource(request) }
        read("ListTagsForResource", controller) { (state, request) in try state.listTagsForResource(request) }

        write("PutAccountSetting", controller) { (state, request, _) in try state.putAccountSetting(request) }
        write("PutAccountSettingDefault", controller) { (state, request, _) in
            try state.putAccountSettingDefault(request)
        }
        read("ListAccountSettings", controller) { (state, request) in try state.listAccountSettings(request) }

        seededWrite("RegisterContainerInstance", controller) { (state, request, now, seed) in
            try state.registerContainerInstance(request, now: now, seed: seed)
        }
        handlers["DescribeContainerInstances"] = { (data: Data) async throws -> Data in
            let request: ECS.DescribeContainerInstancesRequest = try ECSWire.decode(data)
            let health = await Self.runtimeHealth(for: request, controller)
            let response = try await controller.read { state in
                try state.describeContainerInstances(request, runtimeHealth: health)
            }
            return try ECSWire.encode(response)
        }
        read("ListContainerInstances", controller) { (state, request) in try state.listContainerInstances(request) }
        write("DeregisterContainerInstance", controller) { (state, request, now) in
            try state.deregisterContainerInstance(request, now: now)
        }
        write("UpdateContainerInstancesState", controller) { (state, request, _) in
            try state.updateContainerInstancesState(request)
        }
        write("PutAttributes", controller) { (state, request, _) in try state.putAttributes(request) }
        write("DeleteAttributes", controller) { (state, request, _) in try state.deleteAttributes(request) }
        read("ListAttributes", controller) { (state, request) in try state.listAttributes(request) }

        seededWrite("RunTask", controller) { (state, request, now, seed) in
            try state.runTask(request, now: now, seed: seed)
        }
        seededWrite("StartTask", controller) { (state, request, now, seed) in
            try state.startTask(request, now: now, seed: seed)
        }
        write("StopTask", controller) { (state, request, now) in try state.stopTask(request, now: now) }
        read("DescribeTasks", controller) { (state, request) in try state.describeTasks(request) }
        read("ListTasks", controller) { (state, request) in try state.listTasks(request) }
        read("ListServicesByNamespace", controller) { (state, request) in try state.listServicesByNamespace(request) }
        read("DescribeServiceRevisions", controller) { (state, request) in try state.describeServiceRevisions(request) }
        write("StopServiceDeployment", controller) { (state, request, _) in try state.stopServiceDeployment(request) }
        write("DeleteAccountSetting", controller) { (state, request, _) in try state.deleteAccountSetting(request) }
        write("UpdateTaskProtection", controller) { (state, request, now) in
            try state.updateTaskProtection(request, now: now)
        }
        handlers["GetTaskProtection"] = { (data: Data) async throws -> Data in
            let request: ECS.GetTaskProtectionRequest = try ECSWire.decode(data)
            let now = controller.now()
            let response = try await controller.read { state in try state.getTaskProtection(request, now: now) }
            return try ECSWire.encode(response)
        }

        ssmHandlers["CreateActivation"] = { (data: Data) async throws -> Data in
            let request: SSM.CreateActivationRequest = try ECSWire.decode(data)
            let id = UUID().uuidString.lowercased()
            let code = Self.newActivationCode()
            return try ECSWire.encode(
                try await controller.write { state, now in
                    try state.createActivation(request, now: now, id: id, code: code, codeHash: Controller.hash)
                }
            )
        }
        ssmHandlers["DescribeActivations"] = { (data: Data) async throws -> Data in
            let request: SSM.DescribeActivationsRequest = try ECSWire.decode(data)
            let now = controller.now()
            return try ECSWire.encode(
                try await controller.read { state in try state.describeActivations(request, now: now) }
            )
        }
        ssmHandlers["DeleteActivation"] = { (data: Data) async throws -> Data in
            let request: SSM.DeleteActivationRequest = try ECSWire.decode(data)
            return try ECSWire.encode(try await controller.write { state, _ in try state.deleteActivation(request) })
        }
        addParameterStore(controller, sealer: sealer)
        addSecretsManager(controller, sealer: sealer)
        addCloudMap(controller)

        adminHandlers["CreateAccessKey"] = { (data: Data) async throws -> Data in
            let request: WharfAdmin.CreateAccessKeyRequest = try ECSWire.decode(data)
            let id = Self.newAccessKeyId()
            let secret = Self.newSecretAccessKey()
            let sealed = try sealer.seal(secret, context: id)
            let record = try await controller.write { state, now in
                try state.createAccessKey(request, now: now, id: id, sealedSecret: sealed)
            }
            return try ECSWire.encode(
                WharfAdmin.CreateAccessKeyResult(
                    accessKey: WharfAdmin.AccessKey(
                        accessKeyId: id,
                        secretAccessKey: secret,
                        description: record.description,
                        status: "Active",
                        createDate: record.createDate,
                        source: "stored"
                    )
                )
            )
        }
        adminHandlers["ListAccessKeys"] = { (data: Data) async throws -> Data in
            let _: WharfAdmin.ListAccessKeysRequest = try ECSWire.decode(data)
            return try ECSWire.encode(
                await controller.read { state in state.listAccessKeys(bootstrapKeyId: bootstrapKeyId) }
            )
        }
        adminHandlers["DeleteAccessKey"] = { (data: Data) async throws -> Data in
            let request: WharfAdmin.DeleteAccessKeyRequest = try ECSWire.decode(data)
            return try ECSWire.encode(
                try await controller.write { state, _ in
                    try state.deleteAccessKey(request, bootstrapKeyId: bootstrapKeyId)
                }
            )
        }

        seededWrite("CreateService", controller) { (state, request, now, seed) in
            var random = SeededRandom(seed: seed)
            return try state.createService(request, now: now, deploymentID: random.deploymentID())
        }
        seededWrite("UpdateService", controller) { (state, request, now, seed) in
            var random = SeededRandom(seed: seed)
            return try state.updateService(request, now: now, deploymentID: random.deploymentID())
        }
        write("DeleteService", controller) { (state, request, now) in try state.deleteService(request, now: now) }
        read("DescribeServices", controller) { (state, request) in try state.describeServices(request) }
        describeWithUtilization(controller)
        read("ListServices", controller) { (state, request) in try state.listServices(request) }
        read("ListServiceDeployments", controller) { (state, request) in try state.listServiceDeployments(request) }
        read("DescribeServiceDeployments", controller) { (state, request) in
            try state.describeServiceDeployments(request)
        }
        seededWrite("CreateTaskSet", controller) { (state, request, now, seed) in
            var random = SeededRandom(seed: seed)
            return try state.createTaskSet(request, now: now, id: random.deploymentID())
        }
        write("UpdateTaskSet", controller) { (state, request, now) in try state.updateTaskSet(request, now: now) }
        write("DeleteTaskSet", controller) { (state, request, now) in try state.deleteTaskSet(request, now: now) }
        write("UpdateServicePrimaryTaskSet", controller) { (state, request, now) in
            try state.updateServicePrimaryTaskSet(request, now: now)
        }
        read("DescribeTaskSets", controller) { (state, request) in try state.describeTaskSets(request) }
    }

    /// DescribeTaskDefinition's answer around the definition's cached JSON: what `ECSWire.encode`
    /// makes of it, up to the order of the keys. Encoding the definition was most of the call's cost.
    static func encode(
        _ response: ECS.DescribeTaskDefinitionResponse,
        definitions: TaskDefinitionJSON
    ) throws(ECSError) -> Data {
        guard let definition = response.taskDefinition else { return try ECSWire.encode(response) }
        var out = JSONText()
        out.open()
        out.key("taskDefinition")
        do {
            out.raw(try definitions.json(definition, encoder: ECSJSON.encoder()))
        } catch {
            throw ECSError(.server, "the response could not be encoded: \(error)")
        }
        if let tags = response.tags {
            out.key("tags")
            out.array(tags) { out, tag in
                out.open()
                out.member("key", tag.key)
                out.member("value", tag.value)
                out.close()
            }
        }
        out.close()
        return Data(out.bytes)
    }

    /// A new activation code: 20 letters and digits (about 119 random bits), as ECS Anywhere's look.
    /// A new access key ID: `AKWH` and 16 base32 characters, shaped like AWS's `AKIA...`.
    static func newAccessKeyId() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var generator = SystemRandomNumberGenerator()
        return "AKWH" + String((0..<16).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    /// A new secret access key: 40 characters (238 bits), as long as AWS's.
    static func newSecretAccessKey() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var generator = SystemRandomNumberGenerator()
        return String((0..<40).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    static func newActivationCode() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    /// DiscoverPollEndpoint's handler for a controller reached at `endpoint`: ECS answers with the
    /// endpoints its agents poll; a Wharf agent's is the controller itself, for tasks, telemetry
    /// and Service Connect alike. The cluster (and the container instance, when given) must exist.
    func discoverPollEndpoint(_ endpoint: String) -> Handler {
        let controller = self.controller
        return { (data: Data) async throws -> Data in
            let request: ECS.DiscoverPollEndpointRequest = try ECSWire.decode(data)
            // The refusal comes out as a value: a typed throw inside this closure crashes Swift 6.3.1's
            // SIL pipeline (ConsumeOperatorCopyableValuesChecker).
            let refusal: ECSError? = await controller.read { state in
                do throws(ECSError) {
                    let cluster = try state.activeCluster(request.cluster)
                    guard let reference = request.containerInstance,
                        state.containerInstance(reference, cluster: cluster.name) == nil
                    else { return nil }
                    return ECSError(
                        .invalidParameter,
                        "containerInstance \"\(reference)\" is not registered in cluster \"\(cluster.name)\""
                    )
                } catch {
                    return error
                }
            }
            if let refusal { throw refusal }
            return try ECSWire.encode(
                ECS.DiscoverPollEndpointResponse(
                    endpoint: endpoint,
                    telemetryEndpoint: endpoint,
                    serviceConnectEndpoint: endpoint
                )
            )
        }
    }

    private mutating func read<Request: ECSShape, Response: Encodable & Sendable>(
        _ name: String,
        _ controller: Controller,
        _ body: @escaping @Sendable (ClusterState, Request) throws -> Response
    ) {
        handlers[name] = { (data: Data) async throws -> Data in
            let request: Request = try ECSWire.decode(data)
            let response = try await controller.read { state in try body(state, request) }
            return try ECSWire.encode(response)
        }
    }

    /// The nodes' container engine health, when DescribeContainerInstances asks for it
    /// (`include: CONTAINER_INSTANCE_HEALTH`).
    static func runtimeHealth(
        for request: ECS.DescribeContainerInstancesRequest,
        _ controller: Controller
    ) async -> [InstanceID: HeardRuntimeHealth]? {
        guard (request.include ?? []).contains("CONTAINER_INSTANCE_HEALTH") else { return nil }
        return await controller.runtimeHealthReports()
    }

    /// A write whose outcome needs a seed (new IDs, placement tiebreaks), drawn from the controller's.
    private mutating func seededWrite<Request: ECSShape, Response: Encodable & Sendable>(
        _ name: String,
        _ controller: Controller,
        _ body: @escaping @Sendable (ClusterState, Request, Date, UInt64) throws -> Outcome<Response>
    ) {
        handlers[name] = { (data: Data) async throws -> Data in
            let request: Request = try ECSWire.decode(data)
            let seed = controller.nextSeed()
            let response = try await controller.write { state, now in try body(state, request, now, seed) }
            return try ECSWire.encode(response)
        }
    }

    private mutating func write<Request: ECSShape, Response: Encodable & Sendable>(
        _ name: String,
        _ controller: Controller,
        _ body: @escaping @Sendable (ClusterState, Request, Date) throws -> Outcome<Response>
    ) {
        handlers[name] = { (data: Data) async throws -> Data in
            let request: Request = try ECSWire.decode(data)
            let response = try await controller.write { state, now in try body(state, request, now) }
            return try ECSWire.encode(response)
        }
    }
}
