extension DockerAPI {
    /// The answer to `GET /containers/{id}/json`, as far as `ContainerState` needs it.
    struct ContainerInspect: Decodable, Sendable {
        struct State: Decodable, Sendable {
            struct Health: Decodable, Sendable {
                var status: String

                enum CodingKeys: String, CodingKey {
                    case status = "Status"
                }
            }

            var status: String
            var exitCode: Int?
            var oomKilled: Bool?
            var error: String?
            var health: Health?
            var startedAt: String?
            var finishedAt: String?

            enum CodingKeys: String, CodingKey {
                case status = "Status", exitCode = "ExitCode", oomKilled = "OOMKilled", error = "Error"
                case health = "Health", startedAt = "StartedAt", finishedAt = "FinishedAt"
            }
        }

        struct Config: Decodable, Sendable {
            var labels: [String: String]?

            enum CodingKeys: String, CodingKey {
                case labels = "Labels"
            }
        }

        struct NetworkSettings: Decodable, Sendable {
            struct Network: Decodable, Sendable {
                var ipAddress: String?
                var macAddress: String?

                enum CodingKeys: String, CodingKey {
                    case ipAddress = "IPAddress", macAddress = "MacAddress"
                }
            }

            /// `"80/tcp"` to its bindings; null for a port that is exposed but not published.
            var ports: [String: [HostConfig.PortBinding]?]?
            var networks: [String: Network]?

            enum CodingKeys: String, CodingKey {
                case ports = "Ports", networks = "Networks"
            }
        }

        var id: String
        var name: String
        var state: State
        var config: Config?
        var networkSettings: NetworkSettings?

        enum CodingKeys: String, CodingKey {
            case id = "Id", name = "Name", state = "State", config = "Config", networkSettings = "NetworkSettings"
        }
    }
}

extension ContainerState {
    /// The state the engine reports in `inspect`.
    ///
    /// - The exit code is set once the container has exited (or is dead), nil before.
    /// - A status this code does not know (a newer engine's) reads as `dead`.
    /// - Bindings are the engine's real ones, dynamic host ports included. An engine with IPv6
    ///   reports each published port twice, on `0.0.0.0` and on `::`; the `::` twin of an IPv4
    ///   binding with the same host port is left out, so each published port appears once, as
    ///   ECS's network bindings do. An IPv6-only binding is kept. The engine drops the bindings
    ///   when the container stops, so an exited container has none.
    /// - The engine stamps `StartedAt` when its start call completes, which for a process that
    ///   exits within milliseconds is after `FinishedAt`; the finish time is then raised to the
    ///   start time, so a container never ends before it began.
    init(_ inspect: DockerAPI.ContainerInspect) {
        let status = Status(rawValue: inspect.state.status) ?? .dead
        let health = inspect.state.health?.status
        let startedAt = inspect.state.startedAt.flatMap(DockerTimestamp.secondsSince1970)
        let finishedAt = inspect.state.finishedAt.flatMap(DockerTimestamp.secondsSince1970)
        self.init(
            id: inspect.id,
            name: inspect.name.hasPrefix("/") ? String(inspect.name.dropFirst()) : inspect.name,
            labels: inspect.config?.labels ?? [:],
            status: status,
            exitCode: status == .exited || status == .dead ? inspect.state.exitCode : nil,
            oomKilled: inspect.state.oomKilled ?? false,
            error: inspect.state.error.flatMap { $0.isEmpty ? nil : $0 },
            health: health == nil || health == "" || health == "none" ? nil : health,
            bindings: Self.bindings(inspect.networkSettings?.ports ?? [:]),
            startedAt: startedAt,
            finishedAt: finishedAt.map { finished in startedAt.map { max($0, finished) } ?? finished }
        )
        for (name, network) in inspect.networkSettings?.networks ?? [:] {
            guard let address = network.ipAddress, !address.isEmpty else { continue }
            let mac = network.macAddress.flatMap { $0.isEmpty ? nil : $0 }
            networks[name] = Endpoint(ipv4Address: address, macAddress: mac)
        }
    }

    static func bindings(_ ports: [String: [DockerAPI.HostConfig.PortBinding]?]) -> [Binding] {
        var result: [Binding] = []
        for (key, published) in ports {
            let parts = key.split(separator: "/", maxSplits: 1)
            guard let containerPort = parts.first.flatMap({ Int($0) }) else { continue }
            let transport = parts.count > 1 ? String(parts[1]) : "tcp"
            let all = (published ?? []).compactMap { binding -> Binding? in
                guard let hostPort = Int(binding.hostPort), hostPort > 0 else { return nil }
                return Binding(containerPort: containerPort, hostPort: hostPort, hostIP: binding.hostIP, transport: transport)
            }
            // One binding per published port: the IPv4 one. An engine with IPv6 publishes each
            // port on :: too, a dynamic one sometimes under another number; those are dropped
            // unless the port is published on IPv6 alone.
            let ipv4 = all.filter { !$0.hostIP.contains(":") }
            result += ipv4.isEmpty ? all : ipv4
        }
        return result.sorted {
            ($0.containerPort, $0.transport, $0.hostPort, $0.hostIP) < ($1.containerPort, $1.transport, $1.hostPort, $1.hostIP)
        }
    }
}
