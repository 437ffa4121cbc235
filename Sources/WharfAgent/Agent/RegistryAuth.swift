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

    /// The credentials for the registry that `image` names, or nil for an anonymous pull.
    public func credentials(for image: String) -> RegistryCredentials? {
        guard let reference = try? ImageReference(parsing: image) else { return nil }
        return registries[reference.registry.map(Self.normalize) ?? Self.dockerHub]
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
