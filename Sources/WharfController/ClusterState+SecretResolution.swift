import Foundation
import WharfModel
import WharfProtocol
import WharfState

extension ClusterState {
    /// The values of a definition's container `secrets`, read from Parameter Store (a parameter's
    /// name or ARN) and Secrets Manager (a secret's ARN, with ECS's optional
    /// `:json-key:version-stage:version-id`), as the node that starts the task needs them; nil when
    /// the definition has none. What cannot be read becomes the answer's `failure`, in ECS's words.
    func resolveSecrets(of definition: ECS.TaskDefinition, seal: ValueSeal) -> TaskSecrets? {
        let all = definition.containerDefinitions ?? []
        let containers = all.filter {
            !($0.secrets ?? []).isEmpty || !($0.logConfiguration?.secretOptions ?? []).isEmpty
        }
        let logins = all.compactMap { container in
            container.repositoryCredentials?.credentialsParameter.map { (container.name ?? "", $0) }
        }
        guard !containers.isEmpty || !logins.isEmpty else { return nil }
        var resolved = TaskSecrets()
        for (container, source) in logins {
            do throws(ECSError) {
                // A secret the controller does not hold may be in the agent's --secrets-file.
                guard (try? secret(Self.secretARN(in: source))) != nil else { continue }
                let text = try secretValue(source, seal: seal)
                let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
                guard let username = object?["username"] as? String, let password = object?["password"] as? String
                else {
                    throw ECSError(
                        .invalidParameter,
                        "the secret does not hold {\"username\": ..., \"password\": ...}, as "
                            + "repositoryCredentials needs"
                    )
                }
                resolved.registryLogins = (resolved.registryLogins ?? [:]).merging(
                    [container: RegistryLogin(username: username, password: password)]
                ) { _, new in new }
            } catch {
                resolved.failure = Self.initializationFailure(source, error)
                resolved.registryLogins = nil
                return resolved
            }
        }
        for container in containers {
            let name = container.name ?? ""
            do throws(ECSError) {
                if let secrets = container.secrets, !secrets.isEmpty {
                    resolved.environment[name] = try values(of: secrets, seal: seal)
                }
                if let options = container.logConfiguration?.secretOptions, !options.isEmpty {
                    resolved.logOptions = (resolved.logOptions ?? [:]).merging(
                        [name: try values(of: options, seal: seal)]
                    ) { _, new in new }
                }
            } catch {
                resolved.failure = error.message
                resolved.environment = [:]
                resolved.logOptions = nil
                return resolved
            }
        }
        return resolved
    }

    /// The values of `secrets` by name.
    /// - Throws: ECS's `ResourceInitializationError` text as the message, for the first that cannot
    ///   be read.
    func values(of secrets: [ECS.Secret], seal: ValueSeal) throws(ECSError) -> [String: String] {
        var values: [String: String] = [:]
        for secret in secrets {
            let source = secret.valueFrom ?? ""
            do throws(ECSError) {
                values[secret.name ?? ""] = try secretValue(source, seal: seal)
            } catch {
                throw ECSError(error.code, Self.initializationFailure(source, error))
            }
        }
        return values
    }

    /// ECS's words for a secret a task needs that cannot be read.
    static func initializationFailure(_ source: String, _ error: ECSError) -> String {
        let service = source.hasPrefix("arn:aws:secretsmanager:") ? "asm" : "ssm"
        return "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval "
            + "failed: unable to retrieve secret from \(service): \(source): \(error.code.rawValue): \(error.message)"
    }

    /// The secret ARN at the start of a `valueFrom` that may go on with `:json-key:...`.
    static func secretARN(in source: String) -> String {
        source.split(separator: ":", omittingEmptySubsequences: false).prefix(7).joined(separator: ":")
    }

    /// One `valueFrom`'s value.
    func secretValue(_ source: String, seal: ValueSeal) throws(ECSError) -> String {
        guard source.hasPrefix("arn:aws:secretsmanager:") else {
            let (record, version, _) = try selectedVersion(source)
            return try parameterValue(record.name, version, decrypt: true, seal: seal)
        }
        // arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME[:json-key[:version-stage[:version-id]]]
        let parts = source.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 7 else {
            throw ECSError(.invalidParameter, "\(source) is not a Secrets Manager secret ARN")
        }
        let record = try secret(parts[0..<7].joined(separator: ":"))
        let key = parts.count > 7 && !parts[7].isEmpty ? parts[7] : nil
        let stage = parts.count > 8 && !parts[8].isEmpty ? parts[8] : nil
        let versionId = parts.count > 9 && !parts[9].isEmpty ? parts[9] : nil
        let version =
            versionId.flatMap { record.version(id: $0) }
            ?? (versionId == nil ? record.version(stage: stage ?? SecretRecord.current) : nil)
        guard let version else {
            throw ECSError(.resourceNotFound, "Secrets Manager can't find the specified secret value.")
        }
        guard let text = seal.open(version.sealedValue, "secret:\(record.name)") else {
            throw ECSError(.decryptionFailure, "the value of \(record.name) cannot be decrypted with secrets.key")
        }
        guard let key else { return text }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
            let member = object[key]
        else {
            throw ECSError(.invalidParameter, "the secret \(record.name) holds no JSON key \(key)")
        }
        if let string = member as? String { return string }
        let data = (try? JSONSerialization.data(withJSONObject: member, options: [.fragmentsAllowed])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
