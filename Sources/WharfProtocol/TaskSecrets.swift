/// What the controller read from Parameter Store and Secrets Manager for a task's `secrets`.
public struct TaskSecrets: Codable, Equatable, Sendable {
    /// Environment variables by container name, then variable name.
    public var environment: [String: [String: String]]
    /// Log driver options from `logConfiguration.secretOptions`, by container name, then option.
    public var logOptions: [String: [String: String]]?
    /// Registry logins from `repositoryCredentials.credentialsParameter` secrets found in the
    /// controller's Secrets Manager, by container name (others come from the agent's
    /// `--secrets-file`).
    public var registryLogins: [String: RegistryLogin]?
    /// Why they could not all be read (ECS's `ResourceInitializationError` text): the task must
    /// stop without starting.
    public var failure: String?

    public init(
        environment: [String: [String: String]] = [:],
        logOptions: [String: [String: String]]? = nil,
        registryLogins: [String: RegistryLogin]? = nil,
        failure: String? = nil
    ) {
        self.environment = environment
        self.logOptions = logOptions
        self.registryLogins = registryLogins
        self.failure = failure
    }
}

/// A registry user name and password, as a `repositoryCredentials` secret holds them.
public struct RegistryLogin: Codable, Equatable, Sendable {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}
