import WharfModel
import WharfStore

/// How a controller is set up: where it listens, where it keeps its data, what it answers as.
public struct ControllerConfiguration: Sendable {
    /// The host to listen on.
    public var host: String
    /// The TCP port to listen on; 0 picks a free one (the log says which).
    public var port: Int
    /// The directory holding the database and the lock file.
    public var dataDirectory: String
    /// The region and account in every ARN.
    public var context: AccountContext
    /// The other regions served (`--regions`); nil serves every region of the `aws` partition.
    public var servedRegions: Set<String>?

    /// Whether requests for `region` are served: the controller's own, or another it serves.
    public func serves(_ region: String) -> Bool {
        region == context.region || (servedRegions ?? AWSRegions.all).contains(region)
    }
    /// The largest request body accepted, in bytes.
    public var maxBodyBytes: Int
    /// Long poll, disconnection grace period and liveness checks for agents.
    public var agentTimings: AgentTimings
    /// Whether nodes may join without an activation (`wharf dev`, `--open-registration`).
    public var openRegistration: Bool
    /// The task address range (`--task-cidr`): a /24 of it for each node's awsvpc tasks.
    public var taskCIDR: IPv4Network = TaskSubnets.defaultCIDR
    /// How API calls are authenticated: SigV4 unless this is `wharf dev`.
    public var authentication: APIAuthentication
    /// Whether and with what certificate the controller serves HTTPS.
    public var tls: TLSMode
    /// Extra DNS names and IP addresses for a certificate the controller creates itself.
    public var tlsNames: [String] = []
    public var tlsAddresses: [String] = []
    /// The most the stored container logs may take (`logs.db`); past it the oldest events go.
    public var logStorageBytes: Int = 1 << 30
    /// How often the log groups' retention is enforced.
    public var logRetentionSweep: Duration = .seconds(60)
    /// How long a STOPPED task (and an INACTIVE service) is kept before it is forgotten: an hour,
    /// as ECS keeps them (`--task-retention`).
    public var taskRetention: Duration = .seconds(3600)
    /// How CloudWatch's metrics are made and kept (`--metric-period`, `--metric-retention`).
    public var monitoring = MonitoringSettings()
    /// Where the cluster state lives (`--store`): `wharf.db` in the data directory, or a PostgreSQL
    /// database several controllers share, one of them leading.
    public var store: StoreLocation = .sqlite
    /// How controllers sharing a PostgreSQL store elect their leader.
    public var leadership = LeadershipSettings()
    /// The lease this controller writes under, once it leads on a PostgreSQL store (set by
    /// ``ControllerServer``, not by the operator).
    public var storeFence: PostgresStore.Fence?

    /// Where the cluster state lives.
    public enum StoreLocation: Sendable, Equatable {
        /// `wharf.db` (and `regions/NAME/wharf.db`) in the data directory; one controller.
        case sqlite
        /// A PostgreSQL database; several controllers, one leader at a time.
        case postgres(PostgresLocation)

        /// `sqlite` or `postgres`, as metrics name the store.
        public var kind: String {
            switch self {
            case .sqlite: "sqlite"
            case .postgres: "postgres"
            }
        }
    }

    /// The leadership lease of controllers sharing a PostgreSQL store.
    public struct LeadershipSettings: Sendable, Equatable {
        /// How long a lease lasts unrenewed: a dead leader's successor takes over this long after
        /// its last renewal (`--leader-lease`).
        public var lease: Duration = .seconds(5)
        /// The URL the others give for this controller while it leads (`--advertise-url`); nil: this
        /// machine's host name and the port it serves.
        public var advertiseURL: String?

        public init() {}

        /// How often the leader renews and a follower tries to take over: a sixth of the lease.
        public var renewInterval: Duration { lease / 6 }
    }

    /// Whether the controller serves HTTPS.
    public enum TLSMode: Sendable, Equatable {
        /// HTTPS when the data directory holds a certificate, or when listening beyond loopback
        /// (the CA and certificate are created at first start); plain HTTP on loopback otherwise.
        case auto
        /// HTTPS, creating the CA and certificate when there are none.
        case on
        /// Plain HTTP, wherever it listens (behind a TLS-terminating proxy, say).
        case off
        /// HTTPS with the operator's certificate (chain) and key, PEM files.
        case files(certificate: String, key: String)
    }

    /// Creates a configuration.
    public init(host: String = "127.0.0.1", port: Int = 8080, dataDirectory: String,
                context: AccountContext = AccountContext(), maxBodyBytes: Int = 4 * 1024 * 1024,
                agentTimings: AgentTimings = AgentTimings(), openRegistration: Bool = false,
                authentication: APIAuthentication = .sigV4(bootstrap: nil), tls: TLSMode = .auto) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.context = context
        self.maxBodyBytes = maxBodyBytes
        self.agentTimings = agentTimings
        self.openRegistration = openRegistration
        self.authentication = authentication
        self.tls = tls
    }

    /// Whether `host` is `localhost`, an IPv4 address in 127.0.0.0/8 or `::1` (a DNS name that
    /// merely starts with "127." is not).
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" { return true }
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        guard let bytes = ControllerTLS.ipBytes(bare) else { return false }
        return bytes.count == 4 ? bytes[0] == 127 : bytes == [UInt8](repeating: 0, count: 15) + [1]
    }

    /// Parses `host:port`, `:port` or `port`.
    /// - Returns: nil when the text is not one of those.
    public static func parseListen(_ text: String) -> (host: String, port: Int)? {
        let host: Substring
        let port: Substring
        if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        } else {
            (host, port) = ("", Substring(text))
        }
        guard let number = Int(port), (0...65535).contains(number) else { return nil }
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? host.dropFirst().dropLast() : host
        return (name.isEmpty ? "0.0.0.0" : String(name), number)
    }
}
