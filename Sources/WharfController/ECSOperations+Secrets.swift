import Foundation
import WharfModel
import WharfState

extension ECSOperations {
    /// Serves Secrets Manager (`secretsmanager.CreateSecret` and the rest). Values are sealed with
    /// the controller's key before they reach the state, bound to the secret's name.
    mutating func addSecretsManager(_ controller: Controller, sealer: SecretSealer) {
        let seal = ValueSeal(sealer)
        let draws: @Sendable () -> SecretDraws = {
            SecretDraws(arnSuffix: Self.secretSuffix(), versionId: UUID().uuidString.lowercased(), seal: seal)
        }
        secretsWrite("CreateSecret", controller, draws) {
            (state, request: SecretsManager.CreateSecretRequest, now, draws) in
            try state.createSecret(request, now: now, draws: draws)
        }
        secretsWrite("PutSecretValue", controller, draws) {
            (state, request: SecretsManager.PutSecretValueRequest, now, draws) in
            try state.putSecretValue(request, now: now, draws: draws)
        }
        secretsWrite("UpdateSecret", controller, draws) {
            (state, request: SecretsManager.UpdateSecretRequest, now, draws) in
            try state.updateSecret(request, now: now, draws: draws)
        }
        secretsWrite("GetSecretValue", controller, draws) {
            (state, request: SecretsManager.GetSecretValueRequest, now, _) in
            try state.getSecretValue(request, now: now, seal: seal)
        }
        secretsWrite("DeleteSecret", controller, draws) {
            (state, request: SecretsManager.DeleteSecretRequest, now, _) in
            try state.deleteSecret(request, now: now)
        }
        secretsWrite("RestoreSecret", controller, draws) {
            (state, request: SecretsManager.RestoreSecretRequest, _, _) in
            try state.restoreSecret(request)
        }
        secretsWrite("TagResource", controller, draws) { (state, request: SecretsManager.TagResourceRequest, _, _) in
            try state.tagSecret(request)
        }
        secretsWrite("UntagResource", controller, draws) {
            (state, request: SecretsManager.UntagResourceRequest, _, _) in
            try state.untagSecret(request)
        }
        secretsWrite("UpdateSecretVersionStage", controller, draws) {
            (state, request: SecretsManager.UpdateSecretVersionStageRequest, now, _) in
            try state.updateSecretVersionStage(request, now: now)
        }
        secretsHandlers["DescribeSecret"] = { (data: Data) async throws -> Data in
            let request: SecretsManager.DescribeSecretRequest = try ECSWire.decode(data)
            return try ECSWire.encode(try await controller.read { state in try state.describeSecret(request) })
        }
        secretsHandlers["ListSecrets"] = { (data: Data) async throws -> Data in
            let request: SecretsManager.ListSecretsRequest = try ECSWire.decode(data)
            return try ECSWire.encode(try await controller.read { state in try state.listSecrets(request) })
        }
        secretsHandlers["ListSecretVersionIds"] = { (data: Data) async throws -> Data in
            let request: SecretsManager.ListSecretVersionIdsRequest = try ECSWire.decode(data)
            return try ECSWire.encode(try await controller.read { state in try state.listSecretVersionIds(request) })
        }
        secretsHandlers["GetRandomPassword"] = { (data: Data) async throws -> Data in
            let request: SecretsManager.GetRandomPasswordRequest = try ECSWire.decode(data)
            var random = SystemRandomNumberGenerator()
            return try ECSWire.encode(try ClusterState.randomPassword(request, using: &random))
        }
    }

    /// The six characters Secrets Manager adds to a secret's name in its ARN.
    static func secretSuffix() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var random = SystemRandomNumberGenerator()
        return String((0..<6).map { _ in alphabet.randomElement(using: &random) ?? "a" })
    }

    private mutating func secretsWrite<Request: ECSShape, Response: Encodable & Sendable>(
        _ name: String,
        _ controller: Controller,
        _ draws: @escaping @Sendable () -> SecretDraws,
        _ body: @escaping @Sendable (ClusterState, Request, Date, SecretDraws) throws -> Outcome<Response>
    ) {
        secretsHandlers[name] = { (data: Data) async throws -> Data in
            let request: Request = try ECSWire.decode(data)
            let drawn = draws()
            return try ECSWire.encode(try await controller.write { state, now in try body(state, request, now, drawn) })
        }
    }
}
