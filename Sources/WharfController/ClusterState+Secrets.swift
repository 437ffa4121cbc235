import Foundation
import WharfModel
import WharfState

/// What a Secrets Manager write draws outside the state: the six characters of a new secret's
/// ARN, a version ID when the request gives none, and the seal for values.
struct SecretDraws: Sendable {
    var arnSuffix: String
    var versionId: String
    var seal: ValueSeal
}

extension ClusterState {
    /// Secrets Manager's refusal for a secret scheduled for deletion.
    static let markedForDeletion =
        "You can't perform this operation on the secret because it was marked for deletion."

    /// The secret a `SecretId` names: its name, its full ARN, or its ARN without the six random
    /// characters.
    func secret(_ reference: String?, allowDeleted: Bool = false) throws(ECSError) -> SecretRecord {
        let id = reference ?? ""
        var found = secrets[id] ?? secrets.secret(arn: id)
        if found == nil, id.hasPrefix("arn:"), let range = id.range(of: ":secret:") {
            found = secrets[String(id[range.upperBound...])]
        }
        guard let record = found else {
            throw ECSError(.resourceNotFound, "Secrets Manager can't find the specified secret.")
        }
        if !allowDeleted, record.deletionAt != nil { throw ECSError(.invalidRequest, Self.markedForDeletion) }
        return record
    }

    /// A secret's ARN: `arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX`.
    func secretARN(_ name: String, suffix: String) -> String {
        "arn:aws:secretsmanager:\(context.region):\(context.accountID):secret:\(name)-\(suffix)"
    }

    /// The value a request gives, checked: a string or a binary, not both, at most 65,536 of either.
    static func secretValue(string: String?, binary: Data?) throws(ECSError) -> (text: String, isBinary: Bool)? {
        if string != nil, binary != nil {
            throw ECSError(
                .invalidParameter,
                "You can't specify both a binary secret value and a string secret value in the same secret."
            )
        }
        if let string {
            guard string.utf8.count <= 65536 else {
                throw ECSError(.invalidParameter, "SecretString is longer than 65,536 bytes")
            }
            return (string, false)
        }
        if let binary {
            guard binary.count <= 65536 else {
                throw ECSError(.invalidParameter, "SecretBinary is longer than 65,536 bytes")
            }
            return (binary.base64EncodedString(), true)
        }
        return nil
    }

    /// The KMS key a request names: only Secrets Manager's default is taken.
    static func secretKmsKey(_ asked: String?) throws(ECSError) -> String? {
        guard let asked else { return nil }
        guard asked == "alias/aws/secretsmanager" else {
            throw ECSError(
                .invalidParameter,
                "KmsKeyId \(asked): Wharf seals secrets with the controller's own key (secrets.key); give "
                    + "alias/aws/secretsmanager or leave KmsKeyId out"
            )
        }
        return asked
    }

    /// Seals a value for a secret.
    static func sealSecret(_ text: String, name: String, draws: SecretDraws) throws(ECSError) -> String {
        do {
            return try draws.seal.seal(text, "secret:\(name)")
        } catch {
            throw ECSError(.encryptionFailure, "the value of \(name) could not be encrypted: \(error)")
        }
    }

    /// CreateSecret: a secret, with a first version (AWSCURRENT) when a value is given. A retry with
    /// the same ClientRequestToken and value answers as the first call did.
    func createSecret(
        _ request: SecretsManager.CreateSecretRequest,
        now: Date,
        draws: SecretDraws
    ) throws(ECSError) -> Outcome<SecretsManager.CreateSecretResponse> {
        let name = request.name ?? ""
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/_+=.@-".contains($0)) }) else {
            throw ECSError(
                .invalidParameter,
                "Invalid name \(name): a secret name can contain ASCII letters, numbers, and the characters /_+=.@-"
            )
        }
        try Self.checkUnsupported(
            type: request.type,
            replicas: !(request.addReplicaRegions ?? []).isEmpty || request.forceOverwriteReplicaSecret == true
        )
        let kmsKeyId = try Self.secretKmsKey(request.kmsKeyId)
        let value = try Self.secretValue(string: request.secretString, binary: request.secretBinary)
        let versionId = request.clientRequestToken ?? draws.versionId
        if let existing = secrets[name] {
            if existing.deletionAt != nil {
                throw ECSError(
                    .invalidRequest,
                    "You can't create this secret because a secret with this name is already scheduled for deletion."
                )
            }
            if let token = request.clientRequestToken, let version = existing.version(id: token),
                let value, draws.seal.open(version.sealedValue, "secret:\(name)") == value.text,
                version.isBinary == value.isBinary
            {
                return Outcome(SecretsManager.CreateSecretResponse(arn: existing.arn, name: name, versionId: token))
            }
            throw ECSError(.resourceExists, "The operation failed because the secret \(name) already exists.")
        }
        try TagRules.check((request.tags ?? []).map { ECS.Tag(key: $0.key, value: $0.value) })
        var record = SecretRecord(
            name: name,
            arn: secretARN(name, suffix: draws.arnSuffix),
            description: request.description,
            kmsKeyId: kmsKeyId,
            tags: (request.tags ?? []).map(Tag.init),
            createdAt: now,
            changedAt: now
        )
        if let value {
            record.add(
                SecretVersion(
                    id: versionId,
                    sealedValue: try Self.sealSecret(value.text, name: name, draws: draws),
                    isBinary: value.isBinary,
                    stages: [SecretRecord.current],
                    createdAt: now
                )
            )
        }
        return Outcome(
            SecretsManager.CreateSecretResponse(arn: record.arn, name: name, versionId: value == nil ? nil : versionId),
            [.putSecret(record)]
        )
    }

    /// Refuses what Wharf does not do: managed secret types and replication to other regions.
    static func checkUnsupported(type: String?, replicas: Bool) throws(ECSError) {
        if let type {
            throw ECSError(.invalidParameter, "Type \(type): Wharf keeps no secrets managed by other services")
        }
        if replicas {
            throw ECSError(
                .invalidParameter,
                "AddReplicaRegions and ForceOverwriteReplicaSecret: Wharf does not replicate secrets to other regions"
            )
        }
    }

    /// PutSecretValue: a new version, AWSCURRENT unless other stages are named.
    func putSecretValue(
        _ request: SecretsManager.PutSecretValueRequest,
        now: Date,
        draws: SecretDraws
    ) throws(ECSError) -> Outcome<SecretsManager.PutSecretValueResponse> {
        var record = try secret(request.secretId)
        if request.rotationToken != nil {
            throw ECSError(.invalidParameter, "RotationToken: Wharf does not rotate secrets")
        }
        guard let value = try Self.secretValue(string: request.secretString, binary: request.secretBinary) else {
            throw ECSError(.invalidParameter, "You must provide either SecretString or SecretBinary.")
        }
        let stages = request.versionStages ?? [SecretRecord.current]
        let versionId = request.clientRequestToken ?? draws.versionId
        if let existing = record.version(id: versionId) {
            guard draws.seal.open(existing.sealedValue, "secret:\(record.name)") == value.text,
                existing.isBinary == value.isBinary
            else {
                throw ECSError(
                    .resourceExists,
                    "You can't modify an existing version, you can only create a new version. A version with "
                        + "ClientRequestToken \(versionId) already exists with a different value."
                )
            }
            return Outcome(
                SecretsManager.PutSecretValueResponse(
                    arn: record.arn,
                    name: record.name,
                    versionId: versionId,
                    versionStages: existing.stages
                )
            )
        }
        record.add(
            SecretVersion(
                id: versionId,
                sealedValue: try Self.sealSecret(value.text, name: record.name, draws: draws),
                isBinary: value.isBinary,
                stages: stages,
                createdAt: now
            )
        )
        record.changedAt = now
        return Outcome(
            SecretsManager.PutSecretValueResponse(
                arn: record.arn,
                name: record.name,
                versionId: versionId,
                versionStages: record.version(id: versionId)?.stages
            ),
            [.putSecret(record)]
        )
    }

    /// UpdateSecret: a new description or key, and with a value a new AWSCURRENT version.
    func updateSecret(
        _ request: SecretsManager.UpdateSecretRequest,
        now: Date,
        draws: SecretDraws
    ) throws(ECSError) -> Outcome<SecretsManager.UpdateSecretResponse> {
        var record = try secret(request.secretId)
        try Self.checkUnsupported(type: request.type, replicas: false)
        if let key = try Self.secretKmsKey(request.kmsKeyId) { record.kmsKeyId = key }
        if let description = request.description { record.description = description }
        var versionId: String?
        if let value = try Self.secretValue(string: request.secretString, binary: request.secretBinary) {
            let id = request.clientRequestToken ?? draws.versionId
            if record.version(id: id) != nil {
                throw ECSError(
                    .resourceExists,
                    "A version with ClientRequestToken \(id) already exists; give a new token for a new value"
                )
            }
            record.add(
                SecretVersion(
                    id: id,
                    sealedValue: try Self.sealSecret(value.text, name: record.name, draws: draws),
                    isBinary: value.isBinary,
                    stages: [SecretRecord.current],
                    createdAt: now
                )
            )
            versionId = id
        }
        record.changedAt = now
        return Outcome(
            SecretsManager.UpdateSecretResponse(arn: record.arn, name: record.name, versionId: versionId),
            [.putSecret(record)]
        )
    }

    /// GetSecretValue: the AWSCURRENT version, or the one a version ID or stage names (both must
    /// name the same one). Reading records the day it was last read.
    func getSecretValue(
        _ request: SecretsManager.GetSecretValueRequest,
        now: Date,
        seal: ValueSeal
    ) throws(ECSError) -> Outcome<SecretsManager.GetSecretValueResponse> {
        var record = try secret(request.secretId)
        let stage = request.versionStage ?? (request.versionId == nil ? SecretRecord.current : nil)
        var version = request.versionId.flatMap { record.version(id: $0) }
        if request.versionId != nil, version == nil {
            throw ECSError(
                .resourceNotFound,
                "Secrets Manager can't find the specified secret value for VersionId: "
                    + "\(request.versionId ?? "")"
            )
        }
        if let stage {
            guard let staged = record.version(stage: stage), version == nil || version?.id == staged.id else {
                throw ECSError(
                    .resourceNotFound,
                    "Secrets Manager can't find the specified secret value for staging "
                        + "label: \(stage)"
                )
            }
            version = staged
        }
        guard let version else {
            throw ECSError(.resourceNotFound, "Secrets Manager can't find the specified secret value.")
        }
        guard let text = seal.open(version.sealedValue, "secret:\(record.name)") else {
            throw ECSError(
                .decryptionFailure,
                "the value of \(record.name) cannot be decrypted with this controller's secrets.key"
            )
        }
        let day = Calendar(identifier: .gregorian).startOfDay(for: now)
        var changes: [StateChange] = []
        if record.accessedAt != day {
            record.accessedAt = day
            changes.append(.putSecret(record))
        }
        return Outcome(
            SecretsManager.GetSecretValueResponse(
                arn: record.arn,
                name: record.name,
                versionId: version.id,
                secretBinary: version.isBinary ? Data(base64Encoded: text) : nil,
                secretString: version.isBinary ? nil : text,
                versionStages: version.stages,
                createdDate: version.createdAt
            ),
            changes
        )
    }

    /// DeleteSecret: scheduled after a recovery window of 7 to 30 days (30 by default), or at once
    /// with ForceDeleteWithoutRecovery.
    func deleteSecret(
        _ request: SecretsManager.DeleteSecretRequest,
        now: Date
    ) throws(ECSError) -> Outcome<SecretsManager.DeleteSecretResponse> {
        var record = try secret(request.secretId, allowDeleted: request.forceDeleteWithoutRecovery == true)
        if request.forceDeleteWithoutRecovery == true {
            guard request.recoveryWindowInDays == nil else {
                throw ECSError(
                    .invalidParameter,
                    "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays."
                )
            }
            return Outcome(
                SecretsManager.DeleteSecretResponse(arn: record.arn, name: record.name, deletionDate: now),
                [.deleteSecret(name: record.name)]
            )
        }
        let days = request.recoveryWindowInDays ?? 30
        guard (7...30).contains(days) else {
            throw ECSError(.invalidParameter, "RecoveryWindowInDays \(days) must be between 7 and 30")
        }
        record.deletionAt = now.addingTimeInterval(Double(days) * 86400)
        return Outcome(
            SecretsManager.DeleteSecretResponse(arn: record.arn, name: record.name, deletionDate: record.deletionAt),
            [.putSecret(record)]
        )
    }

    /// RestoreSecret: cancels a scheduled deletion.
    func restoreSecret(
        _ request: SecretsManager.RestoreSecretRequest
    ) throws(ECSError) -> Outcome<SecretsManager.RestoreSecretResponse> {
        var record = try secret(request.secretId, allowDeleted: true)
        record.deletionAt = nil
        return Outcome(SecretsManager.RestoreSecretResponse(arn: record.arn, name: record.name), [.putSecret(record)])
    }
}
