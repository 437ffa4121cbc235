import Foundation
import WharfModel
import WharfState

extension ClusterState {
    /// DescribeSecret: everything but the value; a secret scheduled for deletion too.
    func describeSecret(
        _ request: SecretsManager.DescribeSecretRequest
    ) throws(ECSError) -> SecretsManager.DescribeSecretResponse {
        let record = try secret(request.secretId, allowDeleted: true)
        return SecretsManager.DescribeSecretResponse(
            arn: record.arn,
            name: record.name,
            description: record.description,
            kmsKeyId: record.kmsKeyId,
            rotationEnabled: false,
            lastChangedDate: record.changedAt,
            lastAccessedDate: record.accessedAt,
            deletedDate: record.deletionAt,
            tags: record.tags.map(\.secretsManager),
            versionIdsToStages: Self.stagedVersions(record),
            createdDate: record.createdAt
        )
    }

    /// The versions that carry a staging label, with their labels.
    static func stagedVersions(_ record: SecretRecord) -> [String: [String]] {
        Dictionary(
            record.versions.filter { !$0.stages.isEmpty }.map { ($0.id, $0.stages) },
            uniquingKeysWith: { first, _ in first }
        )
    }

    /// ListSecrets: every secret (those scheduled for deletion only when asked), filtered by name,
    /// description, tag key or value (prefixes; `!` negates), sorted and paged.
    func listSecrets(
        _ request: SecretsManager.ListSecretsRequest
    ) throws(ECSError) -> SecretsManager.ListSecretsResponse {
        let filters = request.filters ?? []
        for filter in filters {
            let key = filter.key ?? ""
            guard
                ["description", "name", "tag-key", "tag-value", "primary-region", "owning-service", "all"]
                    .contains(key)
            else {
                throw ECSError(
                    .invalidParameter,
                    "Filters: key \(key) is not valid; use description, name, tag-key, "
                        + "tag-value, primary-region, owning-service or all"
                )
            }
        }
        let size = request.maxResults ?? 100
        guard (1...100).contains(size) else {
            throw ECSError(.invalidParameter, "MaxResults \(size) is outside the allowed range 1 to 100")
        }
        let matching = secrets.all.filter { record in
            (request.includePlannedDeletion == true || record.deletionAt == nil)
                && filters.allSatisfy { secretMatches(record, key: $0.key ?? "", values: $0.values ?? []) }
        }
        let sortBy = request.sortBy ?? "created-date"
        let keyed = matching.map { record -> (String, SecretRecord) in
            let date: Date? =
                switch sortBy {
                case "last-accessed-date": record.accessedAt
                case "last-changed-date": record.changedAt
                case "name": nil
                default: record.createdAt
                }
            let sort = date.map { String(format: "%017.6f", $0.timeIntervalSince1970) } ?? record.name
            return (sort + "|" + record.name, record)
        }
        let descending = request.sortOrder == "desc"
        let sorted = keyed.sorted { descending ? $0.0 > $1.0 : $0.0 < $1.0 }
        let scope =
            "secrets/\(request.includePlannedDeletion == true)/\(sortBy)/\(descending)/"
            + filters.map { "\($0.key ?? "")=\($0.values ?? [])" }.joined(separator: ";")
        let page: (items: [(String, SecretRecord)], nextToken: String?)
        do {
            page = try PageToken.page(
                sorted,
                key: \.0,
                ascending: !descending,
                size: size,
                after: request.nextToken,
                scope: scope
            )
        } catch {
            throw ECSError(.invalidNextTokenException, "The NextToken value is not valid for this request")
        }
        let entries = page.items.map { _, record in
            SecretsManager.SecretListEntry(
                arn: record.arn,
                name: record.name,
                description: record.description,
                kmsKeyId: record.kmsKeyId,
                rotationEnabled: false,
                lastChangedDate: record.changedAt,
                lastAccessedDate: record.accessedAt,
                deletedDate: record.deletionAt,
                tags: record.tags.map(\.secretsManager),
                secretVersionsToStages: Self.stagedVersions(record),
                createdDate: record.createdAt
            )
        }
        return SecretsManager.ListSecretsResponse(secretList: entries, nextToken: page.nextToken)
    }

    /// Whether a secret passes one ListSecrets filter: any of its values matches the start of the
    /// field (`!value`: none does).
    func secretMatches(_ record: SecretRecord, key: String, values: [String]) -> Bool {
        let fields: [String] =
            switch key {
            case "name": [record.name]
            case "description": [record.description ?? ""]
            case "tag-key": record.tags.map(\.key)
            case "tag-value": record.tags.compactMap(\.value)
            case "primary-region": [context.region]
            case "owning-service": []
            default: [record.name, record.description ?? ""] + record.tags.map(\.key) + record.tags.compactMap(\.value)
            }
        let wanted = values.filter { !$0.hasPrefix("!") }
        let unwanted = values.filter { $0.hasPrefix("!") }.map { String($0.dropFirst()) }
        let hit = { (prefix: String) in fields.contains { $0.hasPrefix(prefix) } }
        return (wanted.isEmpty || wanted.contains(where: hit)) && !unwanted.contains(where: hit)
    }

    /// ListSecretVersionIds: the versions with a staging label, or every version kept.
    func listSecretVersionIds(
        _ request: SecretsManager.ListSecretVersionIdsRequest
    ) throws(ECSError) -> SecretsManager.ListSecretVersionIdsResponse {
        let record = try secret(request.secretId, allowDeleted: true)
        let size = request.maxResults ?? 100
        guard (1...100).contains(size) else {
            throw ECSError(.invalidParameter, "MaxResults \(size) is outside the allowed range 1 to 100")
        }
        let versions = record.versions.filter { request.includeDeprecated == true || !$0.stages.isEmpty }
        let numbered = versions.enumerated().map { (String(format: "%06d", $0.offset), $0.element) }
        let page: (items: [(String, SecretVersion)], nextToken: String?)
        do {
            page = try PageToken.page(
                numbered,
                key: \.0,
                size: size,
                after: request.nextToken,
                scope: "versions/\(record.arn)/\(request.includeDeprecated == true)"
            )
        } catch {
            throw ECSError(.invalidNextTokenException, "The NextToken value is not valid for this request")
        }
        return SecretsManager.ListSecretVersionIdsResponse(
            versions: page.items.map { _, version in
                SecretsManager.SecretVersionsListEntry(
                    versionId: version.id,
                    versionStages: version.stages,
                    createdDate: version.createdAt,
                    kmsKeyIds: [record.kmsKeyId ?? "DefaultEncryptionKey"]
                )
            },
            nextToken: page.nextToken,
            arn: record.arn,
            name: record.name
        )
    }

    /// UpdateSecretVersionStage: moves a staging label to a version (AWSCURRENT's old version then
    /// gets AWSPREVIOUS), or removes it from one.
    func updateSecretVersionStage(
        _ request: SecretsManager.UpdateSecretVersionStageRequest,
        now: Date
    ) throws(ECSError) -> Outcome<SecretsManager.UpdateSecretVersionStageResponse> {
        var record = try secret(request.secretId)
        let stage = request.versionStage ?? ""
        let holder = record.version(stage: stage)
        for id in [request.moveToVersionId, request.removeFromVersionId].compactMap({ $0 })
        where record.version(id: id) == nil {
            throw ECSError(.resourceNotFound, "Secrets Manager can't find the specified secret version: \(id)")
        }
        if let holder, holder.id != request.moveToVersionId, holder.id != request.removeFromVersionId {
            throw ECSError(
                .invalidParameter,
                "The staging label \(stage) is currently attached to version \(holder.id). You must specify "
                    + "RemoveFromVersionId to move it."
            )
        }
        if let remove = request.removeFromVersionId, holder?.id != remove {
            throw ECSError(.invalidParameter, "Version \(remove) does not carry the staging label \(stage)")
        }
        if let target = request.moveToVersionId {
            record.move(stages: [stage], to: target)
        } else if let remove = request.removeFromVersionId {
            guard stage != SecretRecord.current else {
                throw ECSError(.invalidParameter, "AWSCURRENT can only be moved to another version, not removed")
            }
            if let index = record.versions.firstIndex(where: { $0.id == remove }) {
                record.versions[index].stages.removeAll { $0 == stage }
            }
        } else {
            throw ECSError(.invalidParameter, "Give MoveToVersionId, RemoveFromVersionId or both")
        }
        record.changedAt = now
        return Outcome(
            SecretsManager.UpdateSecretVersionStageResponse(arn: record.arn, name: record.name),
            [.putSecret(record)]
        )
    }

    /// TagResource: adds or replaces tags on a secret, at most 50 in all.
    func tagSecret(_ request: SecretsManager.TagResourceRequest) throws(ECSError) -> Outcome<EmptyAnswer> {
        var record = try secret(request.secretId)
        try TagRules.check((request.tags ?? []).map { ECS.Tag(key: $0.key, value: $0.value) })
        record.tags.merge((request.tags ?? []).map(Tag.init))
        guard record.tags.count <= 50 else {
            throw ECSError(
                .invalidParameter,
                "A secret can have at most 50 tags; \(record.name) would have "
                    + "\(record.tags.count)"
            )
        }
        return Outcome(EmptyAnswer(), [.putSecret(record)])
    }

    /// UntagResource: removes tags from a secret by key.
    func untagSecret(_ request: SecretsManager.UntagResourceRequest) throws(ECSError) -> Outcome<EmptyAnswer> {
        var record = try secret(request.secretId)
        let keys = Set(request.tagKeys ?? [])
        record.tags.removeAll { keys.contains($0.key) }
        return Outcome(EmptyAnswer(), [.putSecret(record)])
    }

    /// GetRandomPassword: a password of the asked length and kinds of characters, drawn from
    /// `random`.
    static func randomPassword(
        _ request: SecretsManager.GetRandomPasswordRequest,
        using random: inout some RandomNumberGenerator
    ) throws(ECSError) -> SecretsManager.GetRandomPasswordResponse {
        let length = request.passwordLength ?? 32
        let excluded = Set(request.excludeCharacters ?? "")
        var kinds: [[Character]] = []
        if request.excludeLowercase != true { kinds.append(Array("abcdefghijklmnopqrstuvwxyz")) }
        if request.excludeUppercase != true { kinds.append(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) }
        if request.excludeNumbers != true { kinds.append(Array("0123456789")) }
        if request.excludePunctuation != true { kinds.append(Array("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")) }
        if request.includeSpace == true { kinds.append([" "]) }
        kinds = kinds.map { $0.filter { !excluded.contains($0) } }.filter { !$0.isEmpty }
        let requireEach = request.requireEachIncludedType ?? true
        guard !kinds.isEmpty, !requireEach || length >= kinds.count else {
            throw ECSError(
                .invalidParameter,
                "No password of \(length) characters can include a character of each kind that is not excluded"
            )
        }
        let all = kinds.flatMap { $0 }
        var password = (0..<length).map { _ in all.randomElement(using: &random) ?? "x" }
        if requireEach {
            var positions = Array(0..<length).shuffled(using: &random)
            for kind in kinds {
                let position = positions.removeLast()
                password[position] = kind.randomElement(using: &random) ?? password[position]
            }
        }
        return SecretsManager.GetRandomPasswordResponse(randomPassword: String(password))
    }
}

/// An answer with no members (`{}`), as TagResource and UntagResource give.
struct EmptyAnswer: Codable, Sendable {}
