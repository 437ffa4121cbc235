#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import WharfModel

/// The private-registry credentials an agent pulls with, by registry, as the Amazon ECS agent
/// takes them from `ECS_ENGINE_AUTH_DATA`.
///
/// The file is a Docker `config.json` (`{"auths": {"registry.example:5000": {"auth": "…"}}}`) or
/// the bare map of the ECS agent's `dockercfg` and `docker` auth types. Each entry holds either
/// `auth` (base64 of `user:password`) or `username` and `password`. Keys may carry a scheme and a
/// path (`https://index.docker.io/v1/`); they are matched by host and port.
public struct RegistryAuth: Equatable, Sendable {
    /// Credentials by registry host (with its port); Docker Hub under ``dockerHub``.
    public private(set) var registries: [String: RegistryCredentials] = [:]
    /// Credentials by secret, for `repositoryCredentials.credentialsParameter`: keyed by the
    /// secret's full ARN or its name (`--secrets-file`).
    public private(set) var secrets: [String: RegistryCredentials] = [:]

    /// The key Docker Hub's credentials are kept under.
    public static let dockerHub = "docker.io"

    /// No credentials: every pull is anonymous.
    public init() {}

    /// Credentials for the given registries (keys as a `config.json` may write them).
    public init(_ registries: [String: RegistryCredentials]) {
        for (key, credentials) in registries { self.registries[Self.normalize(key)] = credentials }
    }

    /// Parses the file's contents.
    /// - Parameter source: the file's path, for messages.
    /// - Throws: ``AgentError`` with code `configuration`, naming the file and the entry at fault.
    public init(parsing data: Data, source: String) throws(AgentError) {
        guard case .object(let root)? = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw AgentError(.configuration, "engine auth file \(source) is not a JSON object such as {\"auths\": {\"registry:5000\": {\"auth\": \"BASE64(user:password)\"}}}")
        }
        let entries: [String: JSONValue]
        if let auths = root["auths"] {
            guard case .object(let map) = auths else {
                throw AgentError(.configuration, "engine auth file \(source): \"auths\" must be an object of registries")
            }
            entries = map
        } else {
            entries = root.filter { !["credsStore", "credHelpers", "HttpHeaders", "experimental"].contains($0.key) }
        }
        for (key, value) in entries {
            guard case .object(let entry) = value else {
                throw AgentError(.configuration, "engine auth file \(source): registry \"\(key)\" must map to an object with auth, or username and password")
            }
            registries[Self.normalize(key)] = try Self.credentials(entry, registry: key, source: source)
        }
    }

    /// Adds the secrets of a `--secrets-file`: a JSON object from each secret's ARN or name to
    /// what Secrets Manager would hold for `repositoryCredentials`, the SecretString
    /// `{"username": "...", "password": "..."}` (as an object, or as that JSON in a string).
    /// - Throws: ``AgentError`` with code `configuration`, naming the file and the entry at fault.
    public mutating func addSecrets(parsing data: Data, source: String) throws(AgentError) {
        guard case .object(let root)? = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw AgentError(.configuration, "secrets file \(source) is not a JSON object such as {\"arn:aws:secretsmanager:us-east-1:000000000000:secret:registry\": {\"username\": \"u\", \"password\": \"p\"}}")
        }
        for (key, value) in root {
            var entry: [String: JSONValue]?
            switch value {
            case .object(let object): entry = object
            case .string(let text):
                if case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) { entry = object }
            default: break
            }
            guard let entry, case .string(let username)? = entry["username"], !username.isEmpty, case .string(let password)? = entry["password"] else {
                throw AgentError(.configuration, "secrets file \(source): secret \"\(key)\" must hold {\"username\": ..., \"password\": ...}, as a repositoryCredentials secret does")
            }
            secrets[key] = RegistryCredentials(username: username, password: password)
        }
    }

    /// The credentials for the registry that `image` names, or nil for an anonymous pull.
    public func credentials(for image: String) -> RegistryCredentials? {
        guard let reference = try? ImageReference(parsing: image) else { return nil }
        return registries[reference.registry.map(Self.normalize) ?? Self.dockerHub]
    }

    /// The credentials a container's `repositoryCredentials.credentialsParameter` names: the
    /// secret by its full ARN, or by its name (`arn:...:secret:NAME`, with or without the
    /// six-character suffix Secrets Manager adds); nil when the secrets file has neither.
    public func credentials(forSecret parameter: String) -> RegistryCredentials? {
        if let found = secrets[parameter] { return found }
        let parts = parameter.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 7, parts[0] == "arn", parts[5] == "secret" else { return nil }
        let name = String(parts[6])
        if let found = secrets[name] { return found }
        // NAME-AbCdEf: Secrets Manager's random suffix.
        if let dash = name.lastIndex(of: "-"), name.distance(from: dash, to: name.endIndex) == 7 {
            return secrets[String(name[..<dash])]
        }
        return nil
    }

    /// The registry `image` is pulled from, as messages name it.
    static func registryName(of image: String) -> String {
        ((try? ImageReference(parsing: image))?.registry).map(normalize) ?? dockerHub
    }

    private static func credentials(_ entry: [String: JSONValue], registry: String, source: String) throws(AgentError) -> RegistryCredentials {
        func text(_ key: String) -> String? {
            if case .string(let value)? = entry[key] { return value }
            return nil
        }
        if let auth = text("auth"), !auth.isEmpty {
            guard let decoded = Data(base64Encoded: auth).map({ String(decoding: $0, as: UTF8.self) }),
                  let colon = decoded.firstIndex(of: ":"), colon != decoded.startIndex else {
                throw AgentError(.configuration, "engine auth file \(source): registry \"\(registry)\": auth must be base64 of user:password")
            }
            return RegistryCredentials(username: String(decoded[..<colon]), password: String(decoded[decoded.index(after: colon)...]))
        }
        guard let username = text("username"), !username.isEmpty, let password = text("password") else {
            throw AgentError(.configuration, "engine auth file \(source): registry \"\(registry)\" needs auth (base64 of user:password), or username and password")
        }
        return RegistryCredentials(username: username, password: password)
    }

    /// `https://index.docker.io/v1/` → `docker.io`; `http://127.0.0.1:5000/` → `127.0.0.1:5000`.
    static func normalize(_ key: String) -> String {
        var host = Substring(key.lowercased())
        for scheme in ["https://", "http://"] where host.hasPrefix(scheme) { host = host.dropFirst(scheme.count) }
        if let slash = host.firstIndex(of: "/") { host = host[..<slash] }
        return ["index.docker.io", "registry-1.docker.io", "registry.hub.docker.com", "docker.io"].contains(String(host)) ? dockerHub : String(host)
    }
}
