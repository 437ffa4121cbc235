import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import WharfAuth
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The tests' PostgreSQL server (`.ci/setup.sh ensure-postgres`), a schema prefix per test.
enum TestDatabase {
    static let server =
        ProcessInfo.processInfo.environment["WHARF_TEST_POSTGRES_URL"]
        ?? "postgres://wharf@127.0.0.1:55432/wharf?sslmode=disable"

    /// A store URL under a fresh schema prefix; fails in CI (skips elsewhere) without a server.
    static func url(port: Int? = nil) async throws -> (url: String, prefix: String) {
        let check = try await DockerEngine.run(["bash", DockerEngine.repositoryRoot.path + "/.ci/setup.sh", "ensure-postgres"])
        if check.status != 0 {
            if DockerEngine.isRunningInCI { throw ManagedProcess.Failure("no PostgreSQL server: \(check.stderr)") }
            try Test.cancel("Skipped: no PostgreSQL server (\(check.stderr)). Run `sudo bash .ci/setup.sh ensure-postgres`.")
        }
        let prefix = "e2e" + UUID().uuidString.prefix(8).lowercased()
        var url = server + "&schema=" + prefix
        if let port { url = url.replacingOccurrences(of: ":55432/", with: ":\(port)/") }
        return (url, prefix)
    }

    /// Drops every schema under `prefix`.
    static func drop(_ prefix: String) async {
        _ = try? await DockerEngine.run([
            "psql", "-X", "-q", "-h", "127.0.0.1", "-p", "55432", "-U", "wharf", "-d", "wharf", "-c",
            """
            DO $$ DECLARE s text; BEGIN FOR s IN SELECT schema_name FROM information_schema.schemata
            WHERE schema_name = '\(prefix)' OR schema_name LIKE '\(prefix)\\_%'
            LOOP EXECUTE 'DROP SCHEMA ' || quote_ident(s) || ' CASCADE'; END LOOP; END $$
            """,
        ])
    }
}

/// A free loopback TCP port (bound and released).
func freePort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            Glibc.bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
        }
    }
    guard bound else { throw ManagedProcess.Failure("cannot find a free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Controllers on one PostgreSQL store, each on a port of its own, sharing secrets.key.
final class ControllerTrio: @unchecked Sendable {
    // @unchecked: touched from the test's own task only, one call at a time.
    let root: String
    let store: String
    let ports: [Int]
    private(set) var processes: [Int: ManagedProcess] = [:]
    var extraArguments: [Int: [String]] = [:]
    /// A load balancer in front of the controllers: when set, ``call(_:_:target:timeout:)`` goes
    /// through it alone.
    var balancer: String?

    init(root: String, store: String, count: Int) throws {
        self.root = root
        self.store = store
        ports = try (0..<count).map { _ in try freePort() }
    }

    var endpoints: [String] { ports.map { "http://127.0.0.1:\($0)" } }

    /// Each controller's state, running or its exit status, with the end of its log: what a
    /// failed expectation shows, since a controller that stopped on its own explains most of them.
    var report: String {
        processes.keys.sorted().map { index in
            guard let managed = processes[index] else { return "" }
            let state =
                managed.process.isRunning ? "running" : "exited with status \(managed.process.terminationStatus)"
            return "--- controller \(index) (\(ports[index])): \(state)\n\(managed.log.suffix(1500))"
        }.joined(separator: "\n")
    }

    func directory(_ index: Int) -> String { "\(root)/controller-\(index)" }

    /// Starts controller `index` (its data directory gets the first one's secrets.key).
    func start(_ index: Int, store override: String? = nil) throws {
        try FileManager.default.createDirectory(atPath: directory(index), withIntermediateDirectories: true)
        let key = directory(0) + "/secrets.key"
        if index != 0, FileManager.default.fileExists(atPath: key),
            !FileManager.default.fileExists(atPath: directory(index) + "/secrets.key")
        {
            try FileManager.default.copyItem(atPath: key, toPath: directory(index) + "/secrets.key")
        }
        processes[index] = try ManagedProcess(
            "wharf-controller",
            [
                "--listen", "127.0.0.1:\(ports[index])", "--data-dir", directory(index), "--store", override ?? store,
                "--agent-disconnect-after", "30", "--agent-long-poll", "5",
            ] + (extraArguments[index] ?? []),
            environment: TestCredentials.controllerEnvironment
        )
    }

    /// `/healthz` of controller `index`: its role, or nil when it does not answer.
    func role(_ index: Int) async -> String? {
        await Self.role(endpoints[index])
    }

    /// `/healthz` of the controller at `endpoint`: its role, or nil when it does not answer.
    static func role(_ endpoint: String) async -> String? {
        var request = URLRequest(url: URL(string: endpoint + "/healthz")!)
        request.timeoutInterval = 2
        guard let (data, _) = try? await URLSession.shared.data(for: request),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return json["role"] as? String
    }

    /// The role of controller `index` once it answers `/healthz`, waiting up to `timeout` (a busy
    /// machine starts a controller in seconds, not milliseconds).
    func answering(_ index: Int, within timeout: Duration = .seconds(30)) async throws -> String {
        let started = ContinuousClock.now
        while ContinuousClock.now - started < timeout {
            if let role = await role(index) { return role }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ManagedProcess.Failure("controller \(index) does not answer after \(timeout):\n\(processes[index]?.log ?? "")")
    }

    /// The index of the leader, waiting up to `timeout` for one.
    func leader(within timeout: Duration = .seconds(30), excluding: Int? = nil) async throws -> Int {
        let started = ContinuousClock.now
        while ContinuousClock.now - started < timeout {
            for index in ports.indices where index != excluding {
                if await role(index) == "leader" { return index }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ManagedProcess.Failure(
            "no controller leads after \(timeout):\n" + processes.values.map(\.log).joined(separator: "\n---\n")
        )
    }

    /// An ECS call as an SDK retries it, through the balancer or else the controllers in turn: again
    /// (the next controller) on a refused connection or a 503 (no leader yet), for up to `timeout`.
    func call(
        _ operation: String,
        _ body: [String: Any],
        target: String = "AmazonEC2ContainerServiceV20141113",
        timeout: Duration = .seconds(30)
    ) async throws -> (status: Int, json: [String: Any]) {
        let started = ContinuousClock.now
        var last: (status: Int, json: [String: Any]) = (0, [:])
        var index = 0
        while ContinuousClock.now - started < timeout {
            let endpoint = balancer ?? endpoints[index % ports.count]
            let answer = try? await ECSClient(endpoint: endpoint).call(operation, body, target: target)
            if let answer, answer.status != 503 { return answer }
            if let answer { last = answer }
            index += 1
            if index % ports.count == 0 { try await Task.sleep(for: .milliseconds(100)) }
        }
        return last
    }

    /// Starts HAProxy in TCP mode in front of the controllers, checking each one's `/healthz`
    /// (leader and followers alike serve every call), and sends ``call(_:_:target:timeout:)``
    /// through it; returns it.
    func startBalancer() throws -> ManagedProcess {
        let port = try freePort()
        let servers = ports.enumerated().map { "    server c\($0.offset) 127.0.0.1:\($0.element) check" }
        let configuration = """
            global
                maxconn 2000
            defaults
                mode tcp
                timeout connect 1s
                timeout client 90s
                timeout server 90s
                retries 3
                option redispatch
            frontend wharf
                bind 127.0.0.1:\(port)
                default_backend controllers
            backend controllers
                balance roundrobin
                option httpchk GET /healthz
                http-check expect status 200
                default-server inter 300ms fall 1 rise 1

            """ + servers.joined(separator: "\n") + "\n"
        let file = root + "/haproxy.cfg"
        try configuration.write(toFile: file, atomically: true, encoding: .utf8)
        let process = try ManagedProcess("haproxy", ["haproxy", "-f", file, "-db"], path: "/usr/bin/env")
        balancer = "http://127.0.0.1:\(port)"
        return process
    }

    func stopAll() async {
        for process in processes.values { _ = try? await process.stop(signal: SIGKILL) }
        processes = [:]
    }

    func kill(_ index: Int) async throws {
        _ = try await processes[index]?.stop(signal: SIGKILL)
        if let killed = processes[index] { ended.append(killed.log) }
        processes[index] = nil
    }

    /// The logs of the controllers killed so far.
    private(set) var ended: [String] = []

    /// The lines of every controller's log so far, the killed ones' included, that contain one of `words`.
    func logLines(containing words: [String]) -> [String] {
        (ended + processes.values.map(\.log)).flatMap { $0.split(separator: "\n") }
            .filter { line in words.contains { line.contains($0) } }.map(String.init)
    }
}

@Suite("High availability: controllers on one PostgreSQL store", .serialized)
struct HighAvailabilityTests {
    /// What the writers had acknowledged.
    final class Ledger: Sendable {
        let families = Mutex<[String: [Int]]>([:])
        let clusters = Mutex<[String]>([])
        let tasks = Mutex<[String]>([])
        let scalings = Mutex(0)
        let logLines = Mutex<[String]>([])
        let samples = Mutex<[Int]>([])
        let stop = Mutex(false)
    }

    /// Stores a log line (PutLogEvents) and a metric sample (PutMetricData) each round through
    /// whichever controller answers, and notes those acknowledged.
    static func telemetryWriter(_ trio: ControllerTrio, group: String, _ ledger: Ledger) async {
        var round = 0
        while !ledger.stop.withLock({ $0 }) {
            round += 1
            let now = Date().timeIntervalSince1970
            let put = try? await trio.call(
                "PutLogEvents",
                [
                    "logGroupName": group, "logStreamName": "writes",
                    "logEvents": [["timestamp": Int(now * 1_000), "message": "write \(round)"]],
                ],
                target: "Logs_20140328",
                timeout: .seconds(20)
            )
            if put?.status == 200 { ledger.logLines.withLock { $0.append("write \(round)") } }
            let sample = try? await trio.call(
                "PutMetricData",
                [
                    "Namespace": "HA/Writes",
                    "MetricData": [[
                        "MetricName": "Writes", "Dimensions": [["Name": "Round", "Value": "\(round)"]],
                        "Value": Double(round), "Timestamp": now,
                    ]],
                ],
                target: "GraniteServiceVersion20100801",
                timeout: .seconds(20)
            )
            if sample?.status == 200 { ledger.samples.withLock { $0.append(round) } }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Every value of the `Round` dimension of the metric `HA/Writes` `Writes`, through ListMetrics' pages.
    static func storedRounds(_ trio: ControllerTrio) async throws -> Set<Int> {
        var rounds: Set<Int> = []
        var token: String?
        repeat {
            var body: [String: Any] = ["Namespace": "HA/Writes", "MetricName": "Writes"]
            if let token { body["NextToken"] = token }
            let page = try await trio.call("ListMetrics", body, target: "GraniteServiceVersion20100801")
            #expect(page.status == 200, "ListMetrics: \(page.json)")
            for metric in page.json["Metrics"] as? [[String: Any]] ?? [] {
                for dimension in metric["Dimensions"] as? [[String: Any]] ?? [] {
                    if let value = (dimension["Value"] as? String).flatMap({ Int($0) }) { rounds.insert(value) }
                }
            }
            token = page.status == 200 ? page.json["NextToken"] as? String : nil
        } while token != nil
        return rounds
    }

    /// Places tasks while the leader dies: a RunTask of one short task a second, and the service
    /// `churn` scaled between 1 and 3, so that placements are in flight at every kill.
    static func placer(_ trio: ControllerTrio, cluster: String, family: String, _ ledger: Ledger) async {
        var round = 0
        while !ledger.stop.withLock({ $0 }) {
            round += 1
            let ran = try? await trio.call(
                "RunTask", ["cluster": cluster, "taskDefinition": family, "count": 1], timeout: .seconds(20)
            )
            if let ran, ran.status == 200 {
                let arns = (ran.json["tasks"] as? [[String: Any]] ?? []).compactMap { $0["taskArn"] as? String }
                ledger.tasks.withLock { $0 += arns }
            }
            let scaled = try? await trio.call(
                "UpdateService",
                ["cluster": cluster, "service": "churn", "desiredCount": 1 + round % 3],
                timeout: .seconds(20)
            )
            if scaled?.status == 200 { ledger.scalings.withLock { $0 += 1 } }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    static func writer(_ trio: ControllerTrio, _ name: String, _ ledger: Ledger) async {
        var round = 0
        while !ledger.stop.withLock({ $0 }) {
            round += 1
            if let answer = try? await trio.call("RegisterTaskDefinition", definition(name), timeout: .seconds(20)),
                answer.status == 200, let revision = (answer.json["taskDefinition"] as? [String: Any])?["revision"] as? Int
            {
                ledger.families.withLock { $0[name, default: []].append(revision) }
            }
            let cluster = "\(name)-\(round)"
            if let answer = try? await trio.call("CreateCluster", ["clusterName": cluster], timeout: .seconds(20)),
                answer.status == 200
            {
                ledger.clusters.withLock { $0.append(cluster) }
            }
            try? await Task.sleep(for: .milliseconds(30))
        }
    }

    @Test(
        """
        three controllers on one PostgreSQL behind HAProxy: the leader SIGKILLed three times under concurrent writes \
        and placements through the balancer: every acknowledged write and task kept, no task with two containers, a \
        new leader within 10 s each time, the wharf CLI and the AWS CLI answering through the takeover, a service's \
        tasks not restarted, the agent (given all three addresses) working for the last leader
        """
    )
    func killTheLeader() async throws {
        _ = try await DockerEngine.ensureAvailable()
        let (store, prefix) = try await TestDatabase.url()
        defer { Task { await TestDatabase.drop(prefix) } }
        try await withDataDirectory { root in
            let trio = try ControllerTrio(root: root, store: store, count: 3)
            var agent: ManagedProcess?
            var balancer: ManagedProcess?
            defer { _ = balancer.map { kill($0.process.processIdentifier, SIGKILL) } }
            let cluster = "ha-\(prefix)"
            do {
                try trio.start(0)
                #expect(try await trio.leader() == 0)
                try trio.start(1)
                try trio.start(2)
                let roles = [try await trio.answering(1), try await trio.answering(2)]
                #expect(roles == ["follower", "follower"])
                balancer = try trio.startBalancer()
                // A follower passes calls on to the leader, which checks the AWS CLI's signature itself.
                let created = try await aws(["ecs", "create-cluster", "--cluster-name", "via-\(prefix)"], endpoint: trio.endpoints[1])
                #expect(created.status == 0, "through a follower: \(created.stderr)")
                let read = try await aws(["ecs", "describe-clusters", "--clusters", "via-\(prefix)"], endpoint: trio.endpoints[2])
                #expect((read.json["clusters"] as? [[String: Any]])?.first?["status"] as? String == "ACTIVE", "\(read)")
                let wrongKey = SigV4Signer(
                    accessKeyId: TestCredentials.accessKeyId,
                    secretAccessKey: "not-the-secret",
                    region: TestCredentials.region
                )
                let forged = try await ECSClient(endpoint: trio.endpoints[1], signer: wrongKey).call("ListClusters", [:])
                #expect(forged.status == 400 || forged.status == 403, "a bad signature through a follower: \(forged)")
                #expect(try await trio.call("CreateCluster", ["clusterName": cluster]).status == 200)
                let activation = try await trio.call(
                    "CreateActivation",
                    ["IamRole": "ecsAnywhereRole", "RegistrationLimit": 5],
                    target: "AmazonSSM"
                )
                let id = try #require(activation.json["ActivationId"] as? String)
                let code = try #require(activation.json["ActivationCode"] as? String)
                agent = try ManagedProcess(
                    "wharf-agent",
                    [
                        "--controller", trio.endpoints.joined(separator: ","), "--cluster", cluster,
                        "--data-dir", root + "/agent", "--image-pull-behavior", "prefer-cached",
                        "--activation-id", id, "--activation-code", code, "--log-level", "debug",
                        // Ports of its own: the default introspection port is another test's.
                        "--introspection-port", "0", "--reserved-ports", "22",
                    ]
                )
                let instance = try await agent?.waitFor("registration") { text -> String? in
                    guard let range = text.range(of: "instance.arn=") else { return nil }
                    return String(text[range.upperBound...].prefix { !$0.isWhitespace })
                }
                let registered = try await trio.call("RegisterTaskDefinition", [
                    "family": "steady-\(prefix)",
                    "containerDefinitions": [[
                        "name": "app", "image": "wharf-test/busybox:latest", "memory": 16,
                        "command": ["sleep", "100000"], "stopTimeout": 1,
                    ]],
                ])
                #expect(registered.status == 200)
                #expect(
                    try await trio.call("CreateService", [
                        "cluster": cluster, "serviceName": "steady", "taskDefinition": "steady-\(prefix)",
                        "desiredCount": 2,
                    ]).status == 200
                )
                let running = try await Self.runningContainers(trio, cluster: cluster, count: 2)
                let brief = try await trio.call("RegisterTaskDefinition", [
                    "family": "brief-\(prefix)",
                    "containerDefinitions": [[
                        "name": "app", "image": "wharf-test/busybox:latest", "memory": 8, "command": ["sleep", "2"],
                    ]],
                ])
                #expect(brief.status == 200)
                #expect(
                    try await trio.call("CreateService", [
                        "cluster": cluster, "serviceName": "churn", "taskDefinition": "steady-\(prefix)",
                        "desiredCount": 1,
                    ]).status == 200
                )

                let logGroup = "/ha/\(prefix)"
                let logs = "Logs_20140328"
                #expect(try await trio.call("CreateLogGroup", ["logGroupName": logGroup], target: logs).status == 200)
                let stream = ["logGroupName": logGroup, "logStreamName": "writes"]
                #expect(try await trio.call("CreateLogStream", stream, target: logs).status == 200)
                let ledger = Ledger()
                let writers = Task {
                    await withTaskGroup(of: Void.self) { group in
                        group.addTask { await Self.telemetryWriter(trio, group: logGroup, ledger) }
                        for writer in 0..<4 { group.addTask { await Self.writer(trio, "w\(writer)", ledger) } }
                        group.addTask { await Self.placer(trio, cluster: cluster, family: "brief-\(prefix)", ledger) }
                    }
                }
                var leader = 0
                var takeovers: [Duration] = []
                let lb = try #require(trio.balancer)
                // How many log lines and samples were acknowledged by the end of each leader's term.
                var terms: [(lines: Int, samples: Int)] = [(0, 0)]
                for _ in 0..<3 {
                    try await Task.sleep(for: .seconds(2))
                    terms.append((ledger.logLines.withLock { $0.count }, ledger.samples.withLock { $0.count }))
                    try await trio.kill(leader)
                    let killed = ContinuousClock.now
                    // The wharf CLI through the balancer's one name, at once: it waits out the takeover.
                    async let cli = DockerEngine.run(TestCredentials.signing([
                        ManagedProcess.built("wharf").path, "services", "--endpoint", lb, "--cluster", cluster, "--output", "json",
                    ]))
                    // The AWS CLI too, retrying the 503s of the takeover as the SDKs' standard retry mode does.
                    async let awsCLI = DockerEngine.run(TestCredentials.signing([
                        "env", "AWS_RETRY_MODE=standard", "AWS_MAX_ATTEMPTS=12", "AWS_PAGER=", "aws", "ecs", "list-services",
                        "--cluster", cluster, "--endpoint-url", lb, "--output", "json",
                    ]))
                    let next = try await trio.leader(within: .seconds(20), excluding: leader)
                    takeovers.append(ContinuousClock.now - killed)
                    let listed = try await cli
                    #expect(listed.status == 0 && listed.stdout.contains("steady"), "wharf services: \(listed.stdout)\(listed.stderr)")
                    let awsListed = try await awsCLI
                    #expect(awsListed.status == 0 && awsListed.stdout.contains("service/\(cluster)/steady"),
                            "aws ecs list-services: \(awsListed.stdout)\(awsListed.stderr)")
                    try trio.start(leader)
                    leader = next
                }
                try await Task.sleep(for: .seconds(2))
                ledger.stop.withLock { $0 = true }
                terms.append((ledger.logLines.withLock { $0.count }, ledger.samples.withLock { $0.count }))
                await writers.value
                for (index, took) in takeovers.enumerated() {
                    #expect(took < .seconds(10), "takeover \(index + 1) took \(took)")
                }

                let families = ledger.families.withLock { $0 }
                let clusters = ledger.clusters.withLock { $0 }
                #expect(families.values.map(\.count).reduce(0, +) + clusters.count > 20, "too few writes to prove anything")
                for (family, revisions) in families {
                    for revision in revisions {
                        let described = try await trio.call("DescribeTaskDefinition", ["taskDefinition": "\(family):\(revision)"])
                        #expect(
                            described.status == 200,
                            "\(family):\(revision) was acknowledged but is gone\n\(trio.report)"
                        )
                    }
                }
                for start in stride(from: 0, to: clusters.count, by: 100) {
                    let names = Array(clusters[start..<min(start + 100, clusters.count)])
                    let described = try await trio.call("DescribeClusters", ["clusters": names])
                    #expect((described.json["failures"] as? [Any])?.isEmpty ?? false, "missing: \(described.json)")
                }
                // Every task a RunTask acknowledged is known, whatever became of it.
                let launched = ledger.tasks.withLock { $0 }
                #expect(launched.count >= 5 && ledger.scalings.withLock { $0 } >= 5, "too few placements: \(launched)")
                for start in stride(from: 0, to: launched.count, by: 100) {
                    let arns = Array(launched[start..<min(start + 100, launched.count)])
                    let described = try await trio.call("DescribeTasks", ["cluster": cluster, "tasks": arns])
                    #expect((described.json["failures"] as? [Any])?.isEmpty ?? false, "missing: \(described.json)")
                }
                // Every log line and metric sample a leader acknowledged is still there under the last one.
                let lines = ledger.logLines.withLock { $0 }
                let samples = ledger.samples.withLock { $0 }
                // Every leader acknowledged some, the group and stream made under the first included.
                #expect(zip(terms, terms.dropFirst()).allSatisfy { $1.lines > $0.lines && $1.samples > $0.samples },
                        "log lines and samples acknowledged by the end of each term: \(terms)")
                let tail = try await trio.call(
                    "GetLogEvents",
                    ["logGroupName": logGroup, "logStreamName": "writes", "startFromHead": true, "limit": 10_000],
                    target: logs
                )
                let stored = Set((tail.json["events"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String })
                #expect(tail.status == 200 && Set(lines).isSubset(of: stored),
                        "acknowledged log lines lost: \(Set(lines).subtracting(stored).sorted())")
                let rounds = try await Self.storedRounds(trio)
                #expect(Set(samples).isSubset(of: rounds), "acknowledged samples lost: \(Set(samples).subtracting(rounds).sorted())")
                // The agent follows the leader; the service's two containers are the same two, still running.
                let started = ContinuousClock.now
                var connected = false
                while ContinuousClock.now - started < .seconds(40), !connected {
                    let described = try await trio.call(
                        "DescribeContainerInstances",
                        ["cluster": cluster, "containerInstances": [instance ?? ""]]
                    )
                    connected = (described.json["containerInstances"] as? [[String: Any]])?.first?["agentConnected"] as? Bool
                        == true
                    if !connected { try await Task.sleep(for: .milliseconds(500)) }
                }
                #expect(connected, "the agent did not reconnect:\n\(agent?.log.suffix(3000) ?? "")")
                let still = try await Self.runningContainers(trio, cluster: cluster, count: 2)
                if still != running {
                    // What the controller says became of the first two, and what the agent saw.
                    let stopped = try await trio.call(
                        "ListTasks",
                        ["cluster": cluster, "serviceName": "steady", "desiredStatus": "STOPPED"]
                    ).json["taskArns"] as? [String] ?? []
                    let described = stopped.isEmpty ? [:] : try await trio.call(
                        "DescribeTasks", ["cluster": cluster, "tasks": stopped]
                    ).json
                    let reasons = (described["tasks"] as? [[String: Any]] ?? []).map {
                        "\($0["stoppedReason"] ?? "?") / \($0["stopCode"] ?? "?")"
                    }
                    let agentLog = agent.map { String($0.log.suffix(6000)) } ?? "(no agent process)"
                    let events = try await trio.call("DescribeServices", ["cluster": cluster, "services": ["steady"]])
                        .json["services"] as? [[String: Any]] ?? []
                    let messages = (events.first?["events"] as? [[String: Any]] ?? []).prefix(10).compactMap { $0["message"] }
                    let controllers = trio.logLines(containing: ["agent disconnected", "leading:", "lost the leadership"])
                    Issue.record(
                        """
                        the service's containers changed: \(still) replaced \(running); stopped: \(reasons)
                        service events: \(messages)
                        controllers: \(controllers.joined(separator: "\n"))
                        agent:
                        \(agentLog)
                        """
                    )
                }
                // The agent works for the last leader: a third task placed now runs beside the first two.
                #expect(
                    try await trio.call("UpdateService", ["cluster": cluster, "service": "steady", "desiredCount": 3])
                        .status == 200
                )
                let three = try await Self.runningContainers(trio, cluster: cluster, count: 3)
                #expect(three.isSuperset(of: running), "now: \(three), before: \(running)")
                // No task placed twice: every container the node ever started for the cluster is a task the
                // controller knows, and no task has two; the service's running containers are its three tasks.
                let entries = try await DockerEngine.run([
                    "docker", "ps", "-a", "--no-trunc", "--filter",
                    "label=com.amazonaws.ecs.cluster=arn:aws:ecs:us-east-1:000000000000:cluster/\(cluster)",
                    "--format", "{{.ID}} {{.Label \"com.amazonaws.ecs.task-arn\"}} {{.State}}",
                ]).trimmedStdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
                let owners = entries.filter { $0.count == 3 }.map { $0[1] }
                #expect(owners.count == entries.count && Set(owners).count == owners.count, "containers: \(entries)")
                let known = Array(Set(owners))
                for start in stride(from: 0, to: known.count, by: 100) {
                    let arns = Array(known[start..<min(start + 100, known.count)])
                    let described = try await trio.call("DescribeTasks", ["cluster": cluster, "tasks": arns])
                    #expect((described.json["failures"] as? [Any])?.isEmpty ?? false, "unknown: \(described.json)")
                }
                let steady = try await trio.call("ListTasks", ["cluster": cluster, "serviceName": "steady"])
                    .json["taskArns"] as? [String] ?? []
                let steadyRunning = entries.filter { $0.count == 3 && $0[2] == "running" && steady.contains($0[1]) }
                #expect(Set(steadyRunning.map { $0[0] }) == three, "containers: \(entries), tasks: \(three)")
                // Nor was the agent ever taken for lost: each leader heard from it within the grace period. (On a
                // one-node cluster a lost agent's tasks are left running, so the containers alone would not say.)
                let lost = trio.logLines(containing: ["agent disconnected"])
                #expect(lost.isEmpty, "a leader took the agent for lost:\n\(lost.joined(separator: "\n"))")
                // The leadership metrics: the last leader took its term and writes to PostgreSQL; a follower
                // says it follows.
                let leads = try await scrape(trio.endpoints[leader] + "/metrics")
                #expect(leads.contains("\nwharf_leader 1"), "\(leads.suffix(3000))")
                #expect(leads.contains("wharf_leadership_changes_total{event=\"acquired\"} 1"), "\(leads.suffix(3000))")
                let writes = leads.split(separator: "\n").first {
                    $0.hasPrefix("wharf_store_operation_duration_seconds_count{") && $0.contains("store=\"postgres\"")
                        && $0.contains("operation=\"write\"")
                }
                #expect((writes?.split(separator: " ").last.flatMap { Int($0) } ?? 0) > 0, "\(leads.suffix(3000))")
                let follower = (0..<3).first { $0 != leader } ?? 0
                let follows = try await scrape(trio.endpoints[follower] + "/metrics")
                #expect(follows.contains("\nwharf_leader 0"), "\(follows.suffix(3000))\n\(trio.report)")
            } catch {
                _ = try? await agent?.stop()
                await Self.cleanUp(cluster)
                await trio.stopAll()
                throw error
            }
            _ = try? await agent?.stop()
            await Self.cleanUp(cluster)
            await trio.stopAll()
        }
    }

    @Test(
        """
        a leader cut off from the database (its connection frozen) stops leading, exit status 75, before another \
        controller takes over; the other serves the state written before
        """
    )
    func cutOff() async throws {
        let proxyPort = try freePort()
        let (direct, prefix) = try await TestDatabase.url()
        defer { Task { await TestDatabase.drop(prefix) } }
        let viaProxy = direct.replacingOccurrences(of: ":55432/", with: ":\(proxyPort)/")
        let proxy = try ManagedProcess(
            "python3",
            ["python3", DockerEngine.repositoryRoot.path + "/Tests/WharfEndToEndTests/Support/tcp_proxy.py",
             "127.0.0.1:\(proxyPort)", "127.0.0.1:55432"],
            path: "/usr/bin/env"
        )
        defer { _ = kill(proxy.process.processIdentifier, SIGKILL) }
        try await withDataDirectory { root in
            let trio = try ControllerTrio(root: root, store: direct, count: 2)
            do {
                try trio.start(0, store: viaProxy)
                #expect(try await trio.leader() == 0)
                try trio.start(1)
                #expect(try await trio.answering(1) == "follower")
                #expect(try await trio.call("CreateCluster", ["clusterName": "before-cut"]).status == 200)
                // Freeze every connection of the leader's: nothing is refused or closed, nothing answers.
                kill(proxy.process.processIdentifier, SIGSTOP)
                let cut = ContinuousClock.now
                var exited: Duration?
                var tookOver: Duration?
                while ContinuousClock.now - cut < .seconds(30), exited == nil || tookOver == nil {
                    if exited == nil, trio.processes[0]?.process.isRunning == false { exited = ContinuousClock.now - cut }
                    if tookOver == nil, await trio.role(1) == "leader" { tookOver = ContinuousClock.now - cut }
                    try await Task.sleep(for: .milliseconds(25))
                }
                let status = trio.processes[0]?.process.terminationStatus
                let log = trio.processes[0]?.log ?? ""
                #expect(status == 75, "the cut-off leader exited with \(String(describing: status)):\n\(log.suffix(2000))")
                #expect(log.contains("lost the leadership"))
                let stepped = try #require(exited, "the cut-off leader never stopped")
                let successor = try #require(tookOver, "no controller took over")
                #expect(stepped < successor, "stepped down after \(stepped), the successor led after \(successor)")
                #expect(successor < .seconds(10))
                let described = try await ECSClient(endpoint: trio.endpoints[1]).call(
                    "DescribeClusters",
                    ["clusters": ["before-cut"]]
                )
                #expect((described.json["clusters"] as? [[String: Any]])?.first?["status"] as? String == "ACTIVE")
            } catch {
                kill(proxy.process.processIdentifier, SIGCONT)
                await trio.stopAll()
                throw error
            }
            kill(proxy.process.processIdentifier, SIGCONT)
            await trio.stopAll()
        }
    }

    @Test(
        """
        a running cluster moved from SQLite to PostgreSQL with wharf-controller migrate: the agent stays joined, its \
        task keeps running in the same container, and the controller on PostgreSQL places new tasks on it
        """
    )
    func migrateLive() async throws {
        let (store, prefix) = try await TestDatabase.url()
        defer { Task { await TestDatabase.drop(prefix) } }
        try await withCluster { cluster in
            let instance = try await cluster.startAgent("node-a")
            let definition = try await cluster.register([
                "family": "moved-\(prefix)",
                "containerDefinitions": [[
                    "name": "app", "image": "wharf-test/busybox:latest", "memory": 16,
                    "command": ["sleep", "100000"], "stopTimeout": 1,
                ]],
            ])
            let first = try await cluster.run(definition)
            let running = try await cluster.waitForTask(first) { $0["lastStatus"] as? String == "RUNNING" }
            let container = try #require(firstContainer(running)["runtimeId"] as? String)
            try await cluster.restartController(arguments: ["--store", store]) {
                let moved = try await DockerEngine.run([
                    ManagedProcess.built("wharf-controller").path, "migrate",
                    "--from", "sqlite:\(cluster.root)/controller", "--to", store,
                ])
                #expect(moved.status == 0, "migrate: \(moved.stdout)\(moved.stderr)")
            }
            #expect(await ControllerTrio.role(cluster.controller.endpoint) == "leader")
            // The node is the same instance, connected to the controller on PostgreSQL.
            let started = ContinuousClock.now
            var connected = false
            while !connected, ContinuousClock.now - started < .seconds(40) {
                let described = try await cluster.client.call(
                    "DescribeContainerInstances", ["cluster": cluster.name, "containerInstances": [instance]]
                )
                let node = (described.json["containerInstances"] as? [[String: Any]])?.first
                connected = node?["agentConnected"] as? Bool == true && node?["status"] as? String == "ACTIVE"
                if !connected { try await Task.sleep(for: .milliseconds(500)) }
            }
            #expect(connected, "the agent did not rejoin:\n\(cluster.agents["node-a"]?.log.suffix(3000) ?? "")")
            let still = try await cluster.waitForTask(first) { $0["lastStatus"] as? String == "RUNNING" }
            #expect(firstContainer(still)["runtimeId"] as? String == container, "the task's container changed")
            let second = try await cluster.run(definition)
            let placed = try await cluster.waitForTask(second) { $0["lastStatus"] as? String == "RUNNING" }
            #expect(placed["containerInstanceArn"] as? String == instance)
            let containers = try await DockerEngine.run([
                "docker", "ps", "-q", "--no-trunc", "--filter", "label=com.amazonaws.ecs.cluster=\(cluster.clusterArn)",
            ]).trimmedStdout.split(separator: "\n")
            #expect(containers.count == 2, "containers: \(containers)")
        }
    }

    /// The runtime IDs of the service's RUNNING tasks once there are `count`.
    static func runningContainers(_ trio: ControllerTrio, cluster: String, count: Int) async throws -> Set<String> {
        let started = ContinuousClock.now
        var last: [[String: Any]] = []
        while ContinuousClock.now - started < .seconds(90) {
            let listed = try await trio.call("ListTasks", ["cluster": cluster, "serviceName": "steady"])
            let arns = listed.json["taskArns"] as? [String] ?? []
            if !arns.isEmpty {
                let described = try await trio.call("DescribeTasks", ["cluster": cluster, "tasks": arns])
                last = described.json["tasks"] as? [[String: Any]] ?? []
                let running = last.filter { $0["lastStatus"] as? String == "RUNNING" }
                if running.count == count, arns.count == count {
                    return Set(running.compactMap { firstContainer($0)["runtimeId"] as? String })
                }
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw ManagedProcess.Failure("the service has not \(count) RUNNING tasks: \(last)")
    }

    static func cleanUp(_ cluster: String) async {
        let ids = (try? await DockerEngine.run([
            "docker", "ps", "-aq", "--filter",
            "label=com.amazonaws.ecs.cluster=arn:aws:ecs:us-east-1:000000000000:cluster/\(cluster)",
        ]))?.trimmedStdout.split(separator: "\n").map(String.init) ?? []
        if !ids.isEmpty { _ = try? await DockerEngine.run(["docker", "rm", "-f", "-v"] + ids) }
    }
}
