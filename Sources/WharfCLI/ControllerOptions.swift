import ArgumentParser
import Foundation
import WharfController
import WharfStore
import WharfModel

/// The controller's flags. Each also reads `WHARF_<FLAG>` from the environment (a flag given on
/// the command line wins), so a systemd `EnvironmentFile=` configures everything.
public struct ControllerOptions: ParsableArguments {
    @Option(help: "Address to serve on, host:port (env WHARF_LISTEN). Default: 127.0.0.1:8080.")
    var listen: String?

    @Option(help: "Directory for the database (env WHARF_DATA_DIR). Default: /var/lib/wharf; ./.wharf for wharf dev.")
    var dataDir: String?

    @Option(
        help: """
            The controller's own region (env WHARF_REGION): requests that name no region, agents that give no \
            --region, and the admin API. Every AWS region is served besides, each with its own resources. \
            Default: us-east-1.
            """
    )
    var region: String?

    @Option(
        help: """
            The other AWS regions served, comma-separated (env WHARF_REGIONS); a request for any other is refused. \
            Default: every region of AWS's aws partition.
            """
    )
    var regions: String?

    @Option(help: "12-digit account ID in ARNs (env WHARF_ACCOUNT_ID). Default: 000000000000.")
    var accountId: String?

    @Option(help: "Largest request body accepted, in bytes (env WHARF_MAX_REQUEST_BYTES). Default: 4194304.")
    var maxRequestBytes: Int?

    @Option(help: "Most the stored container logs (logs.db) may take, in MiB; past it the oldest events are deleted (env WHARF_LOG_STORAGE_MB). Default: 1024.")
    var logStorageMb: Int?

    @Option(help: "Seconds without a sync before an agent counts as disconnected and its service tasks are replaced (env WHARF_AGENT_DISCONNECT_AFTER). Default: 60.")
    var agentDisconnectAfter: Int?

    @Option(help: "Seconds a sync with nothing new is held open (env WHARF_AGENT_LONG_POLL). Default: 20.")
    var agentLongPoll: Int?

    @Option(help: """
        How long a STOPPED task, and an INACTIVE service, is kept before it is forgotten, as 90s, 30m, 1h or 2d \
        (env WHARF_TASK_RETENTION). Default: 1h, as ECS.
        """)
    var taskRetention: String?

    @Option(help: """
        How often Wharf's own CloudWatch metrics (AWS/ECS) get a point, as 60s or 1m; the alarms that \
        scaling policies create use it as their period (env WHARF_METRIC_PERIOD). Default: 1m, as ECS.
        """)
    var metricPeriod: String?

    @Option(help: """
        How long CloudWatch metric samples and alarm history are kept, as 15d or 36h \
        (env WHARF_METRIC_RETENTION). Default: 15d, as CloudWatch keeps one-minute data.
        """)
    var metricRetention: String?

    @Option(help: """
        Where the cluster state lives: sqlite (wharf.db in the data directory, one controller) or a PostgreSQL URL, \
        postgres://USER:PASSWORD@HOST:5432/DATABASE, which several controllers share, one leading \
        (env WHARF_STORE). Default: sqlite.
        """)
    var store: String?

    @Option(help: """
        With a PostgreSQL store: seconds a leader's lease lasts unrenewed, so how soon another controller takes \
        over from one that died (env WHARF_LEADER_LEASE). Default: 5.
        """)
    var leaderLease: Int?

    @Option(help: """
        With a PostgreSQL store: the URL the other controllers and /healthz give for this one while it leads \
        (env WHARF_ADVERTISE_URL). Default: this machine's host name and the port it serves.
        """)
    var advertiseUrl: String?

    @Flag(help: "Let nodes join without an activation (env WHARF_OPEN_REGISTRATION=true). Only on a network you trust; wharf dev does this.")
    var openRegistration = false

    @Option(
        help: """
            The task address range: each node that joins leases a /24 of it for its awsvpc tasks \
            (env WHARF_TASK_CIDR). Default: 10.64.0.0/10.
            """
    )
    var taskCidr: String?

    @Option(help: "auto (HTTPS with the data directory's certificate, created at first start when listening beyond loopback), on or off (env WHARF_TLS). Default: auto.")
    var tls: String?

    @Option(help: "Your own certificate chain (PEM) to serve HTTPS with, instead of the controller's CA (env WHARF_TLS_CERT).")
    var tlsCert: String?

    @Option(help: "The key (PEM) of --tls-cert (env WHARF_TLS_KEY).")
    var tlsKey: String?

    @Option(help: "A DNS name for the certificate the controller creates; repeat for more (env WHARF_TLS_NAMES, comma-separated).")
    var tlsName: [String] = []

    @Option(help: "An IP address for the certificate the controller creates; repeat for more (env WHARF_TLS_IPS, comma-separated).")
    var tlsIp: [String] = []

    @Option(help: "trace, debug, info, notice, warning, error or critical (env WHARF_LOG_LEVEL). Default: info.")
    var logLevel: String?

    public init() {}

    /// The certificate names and addresses from the flags and the environment.
    func certificateSubjects(_ environment: [String: String]) throws -> (names: [String], addresses: [String]) {
        func list(_ flags: [String], _ name: String) -> [String] {
            flags.isEmpty ? (environment[name] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } : flags
        }
        let names = list(tlsName, "WHARF_TLS_NAMES")
        let addresses = list(tlsIp, "WHARF_TLS_IPS")
        for name in names where name.isEmpty || name.contains(where: { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "*") }) {
            throw ValidationError("--tls-name \"\(name)\" is not a DNS name such as controller.lan")
        }
        for address in addresses where ControllerTLS.ipBytes(address) == nil {
            throw ValidationError("--tls-ip \"\(address)\" is not an IPv4 or IPv6 address such as 192.168.1.10")
        }
        return (names, addresses)
    }

    /// The configuration these flags and the environment describe, with `defaults` for what neither gives.
    func configuration(defaultListen: String = "127.0.0.1:8080", defaultDataDir: String = "/var/lib/wharf", defaultOpenRegistration: Bool = false,
                       environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ControllerConfiguration {
        let listen = self.listen ?? environment["WHARF_LISTEN"] ?? defaultListen
        guard let (host, port) = ControllerConfiguration.parseListen(listen) else {
            throw ValidationError("--listen \"\(listen)\" is not host:port (for example 127.0.0.1:8080 or 0.0.0.0:8080)")
        }
        let region = self.region ?? environment["WHARF_REGION"] ?? "us-east-1"
        guard !region.isEmpty, region.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else {
            throw ValidationError("--region \"\(region)\" is not a region name such as us-east-1 (lowercase letters, digits, hyphens)")
        }
        let account = accountId ?? environment["WHARF_ACCOUNT_ID"] ?? "000000000000"
        guard account.count == 12, account.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw ValidationError("--account-id \"\(account)\" must be exactly 12 digits, such as 000000000000")
        }
        var maxBytes = 4 * 1024 * 1024
        if let text = environment["WHARF_MAX_REQUEST_BYTES"], maxRequestBytes == nil {
            guard let value = Int(text) else {
                throw ValidationError("WHARF_MAX_REQUEST_BYTES \"\(text)\" is not a number of bytes, such as 4194304")
            }
            maxBytes = value
        }
        if let given = maxRequestBytes { maxBytes = given }
        guard maxBytes >= 1024 else { throw ValidationError("--max-request-bytes \(maxBytes) is too small; give at least 1024") }
        func seconds(_ flag: Int?, _ name: String, _ option: String, _ range: ClosedRange<Int>, default value: Int) throws -> Int {
            var result = value
            if let flag {
                result = flag
            } else if let text = environment[name] {
                guard let parsed = Int(text) else { throw ValidationError("\(name) \"\(text)\" is not a whole number of seconds (\(option))") }
                result = parsed
            }
            guard range.contains(result) else { throw ValidationError("\(option) \(result) must be \(range.lowerBound) to \(range.upperBound) seconds") }
            return result
        }
        let longPoll = try seconds(agentLongPoll, "WHARF_AGENT_LONG_POLL", "--agent-long-poll", 1...300, default: 20)
        let disconnect = try seconds(agentDisconnectAfter, "WHARF_AGENT_DISCONNECT_AFTER", "--agent-disconnect-after", 2...86_400, default: 60)
        guard disconnect > longPoll else {
            throw ValidationError("--agent-disconnect-after (\(disconnect) s) must be longer than --agent-long-poll (\(longPoll) s), or every idle agent would count as disconnected")
        }
        var open = openRegistration || defaultOpenRegistration
        if let text = environment["WHARF_OPEN_REGISTRATION"], !openRegistration {
            guard let value = Bool(text.lowercased()) else {
                throw ValidationError("WHARF_OPEN_REGISTRATION \"\(text)\" must be true or false")
            }
            open = value
        }
        let tlsText = tls ?? environment["WHARF_TLS"] ?? "auto"
        var tlsMode: ControllerConfiguration.TLSMode
        switch tlsText {
        case "auto": tlsMode = .auto
        case "on": tlsMode = .on
        case "off": tlsMode = .off
        default: throw ValidationError("--tls \"\(tlsText)\" is not auto, on or off")
        }
        let certificate = tlsCert ?? environment["WHARF_TLS_CERT"]
        let key = tlsKey ?? environment["WHARF_TLS_KEY"]
        switch (certificate, key) {
        case (nil, nil): break
        case (let certificate?, let key?):
            guard tlsMode != .off else { throw ValidationError("--tls-cert serves HTTPS; it cannot go with --tls off") }
            tlsMode = .files(certificate: certificate, key: key)
        default:
            throw ValidationError("--tls-cert and --tls-key go together: the certificate chain and its key, PEM files")
        }
        var logStorage = 1024
        if let given = logStorageMb {
            logStorage = given
        } else if let text = environment["WHARF_LOG_STORAGE_MB"] {
            guard let value = Int(text) else { throw ValidationError("WHARF_LOG_STORAGE_MB \"\(text)\" is not a whole number of MiB, such as 1024") }
            logStorage = value
        }
        guard (1...1_048_576).contains(logStorage) else {
            throw ValidationError("--log-storage-mb \(logStorage) must be 1 to 1048576 MiB")
        }
        let subjects = try certificateSubjects(environment)
        var configuration = ControllerConfiguration(
            host: host, port: port,
            dataDirectory: dataDir ?? environment["WHARF_DATA_DIR"] ?? defaultDataDir,
            context: AccountContext(region: region, accountID: account),
            maxBodyBytes: maxBytes,
            agentTimings: AgentTimings(longPoll: .seconds(longPoll), disconnectAfter: .seconds(disconnect),
                                       sweepInterval: .seconds(min(5, max(1, disconnect / 4)))),
            openRegistration: open,
            authentication: .sigV4(bootstrap: try Self.bootstrapKey(environment)),
            tls: tlsMode
        )
        configuration.tlsNames = subjects.names
        configuration.tlsAddresses = subjects.addresses
        if let list = regions ?? environment["WHARF_REGIONS"] {
            let names = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
            if let unknown = names.first(where: { !AWSRegions.all.contains($0) }) {
                throw ValidationError("--regions names \"\(unknown)\", which is not a region of AWS's aws partition")
            }
            configuration.servedRegions = Set(names)
        }
        configuration.logStorageBytes = logStorage << 20
        let retention = taskRetention ?? environment["WHARF_TASK_RETENTION"] ?? "1h"
        guard let seconds = Self.seconds(retention), (1...366 * 86_400).contains(seconds) else {
            throw ValidationError("--task-retention \"\(retention)\" is not a duration from 1s to 366d, such as 90s, 30m, 1h or 2d")
        }
        configuration.taskRetention = .seconds(seconds)
        let period = metricPeriod ?? environment["WHARF_METRIC_PERIOD"] ?? "1m"
        guard let periodSeconds = Self.seconds(period), (1...3600).contains(periodSeconds) else {
            throw ValidationError("--metric-period \"\(period)\" is not a duration from 1s to 1h, such as 10s or 1m")
        }
        let kept = metricRetention ?? environment["WHARF_METRIC_RETENTION"] ?? "15d"
        guard let keptSeconds = Self.seconds(kept), (3600...455 * 86_400).contains(keptSeconds) else {
            throw ValidationError(
                "--metric-retention \"\(kept)\" is not a duration from 1h to 455d, such as 36h or 15d"
            )
        }
        configuration.monitoring = MonitoringSettings(period: .seconds(periodSeconds), retention: .seconds(keptSeconds))
        let cidr = taskCidr ?? environment["WHARF_TASK_CIDR"] ?? TaskSubnets.defaultCIDR.description
        guard let network = IPv4Network(cidr), network.prefixLength <= TaskSubnets.blockLength else {
            throw ValidationError(
                "--task-cidr \"\(cidr)\" must be an IPv4 network of /24 or wider, such as 10.64.0.0/10 or "
                    + "192.168.100.0/22"
            )
        }
        configuration.taskCIDR = network
        try storeSettings(&configuration, environment: environment)
        return configuration
    }

    /// `--store`, `--leader-lease` and `--advertise-url` into `configuration`.
    func storeSettings(_ configuration: inout ControllerConfiguration, environment: [String: String]) throws {
        let store = self.store ?? environment["WHARF_STORE"] ?? "sqlite"
        if store == "sqlite" {
            configuration.store = .sqlite
        } else {
            do {
                configuration.store = .postgres(try PostgresLocation(url: store))
            } catch {
                throw ValidationError("--store: \(error.message)")
            }
        }
        var lease = 5
        if let given = leaderLease {
            lease = given
        } else if let text = environment["WHARF_LEADER_LEASE"] {
            guard let value = Int(text) else {
                throw ValidationError(
                    "WHARF_LEADER_LEASE \"\(text)\" is not a whole number of seconds (--leader-lease)"
                )
            }
            lease = value
        }
        guard (2...60).contains(lease) else { throw ValidationError("--leader-lease \(lease) must be 2 to 60 seconds") }
        configuration.leadership.lease = .seconds(lease)
        if let url = advertiseUrl ?? environment["WHARF_ADVERTISE_URL"] {
            guard let parsed = URL(string: url), parsed.scheme == "http" || parsed.scheme == "https", parsed.host != nil
            else {
                throw ValidationError(
                    "--advertise-url \"\(url)\" is not an http(s) URL such as https://controller-1:8080"
                )
            }
            configuration.leadership.advertiseURL = url
        }
        let leads = configuration.store != .sqlite
        if !leads, self.leaderLease != nil || advertiseUrl != nil {
            throw ValidationError(
                "--leader-lease and --advertise-url elect a leader among controllers on one PostgreSQL --store"
            )
        }
    }

    /// The seconds in a duration such as `90s`, `30m`, `1h`, `2d` or `1h30m`; nil when it is not one.
    static func seconds(_ text: String) -> Int? {
        var total = 0
        var number = ""
        for character in text {
            if character.isASCII, character.isNumber {
                number.append(character)
                continue
            }
            let unit = switch character {
            case "s": 1
            case "m": 60
            case "h": 3600
            case "d": 86_400
            default: 0
            }
            guard unit > 0, let value = Int(number), value <= 1_000_000_000 else { return nil }
            total += value * unit
            number = ""
        }
        return number.isEmpty && !text.isEmpty ? total : nil
    }

    /// The bootstrap pair from `WHARF_ADMIN_ACCESS_KEY_ID` and `WHARF_ADMIN_SECRET_ACCESS_KEY`:
    /// both or neither (secrets go in the environment, never in flags that `ps` shows).
    static func bootstrapKey(_ environment: [String: String]) throws -> AccessKeyPair? {
        let id = environment["WHARF_ADMIN_ACCESS_KEY_ID"].flatMap { $0.isEmpty ? nil : $0 }
        let secret = environment["WHARF_ADMIN_SECRET_ACCESS_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        switch (id, secret) {
        case (nil, nil):
            return nil
        case (let id?, let secret?):
            guard (3...128).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw ValidationError("WHARF_ADMIN_ACCESS_KEY_ID \"\(id)\" must be 3 to 128 letters and digits, such as AKWHADMIN0000000001")
            }
            guard secret.count >= 16, secret.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                throw ValidationError("WHARF_ADMIN_SECRET_ACCESS_KEY must be at least 16 characters without spaces (openssl rand -base64 30 makes one)")
            }
            return AccessKeyPair(accessKeyId: id, secretAccessKey: secret)
        case (nil, _):
            throw ValidationError("WHARF_ADMIN_SECRET_ACCESS_KEY is set but WHARF_ADMIN_ACCESS_KEY_ID is not; set both, or neither")
        case (_, nil):
            throw ValidationError("WHARF_ADMIN_ACCESS_KEY_ID is set but WHARF_ADMIN_SECRET_ACCESS_KEY is not; set both, or neither")
        }
    }

    /// The log level these flags and the environment ask for.
    func level(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        let level = logLevel ?? environment["WHARF_LOG_LEVEL"] ?? "info"
        let allowed = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        guard allowed.contains(level) else {
            throw ValidationError("--log-level \"\(level)\" is not one of \(allowed.joined(separator: ", "))")
        }
        return level
    }
}
