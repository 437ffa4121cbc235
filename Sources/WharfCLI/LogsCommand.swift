import ArgumentParser
import Foundation
import WharfModel
#if canImport(Glibc)
import Glibc
#endif

/// `wharf logs`: a task's or a service's container output, from the CloudWatch Logs API, as
/// `docker logs` and `nomad alloc logs` show it; `-f` follows it.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Show (-f: follow) the output of a task or a service's tasks that log through awslogs.",
        discussion: "wharf logs TASK-ID, or wharf logs service NAME."
    )

    @OptionGroup var connection: ControllerConnection
    @OptionGroup var cluster: ClusterOption

    @Flag(name: [.short, .long], help: "Keep printing new lines as they arrive.")
    var follow = false

    @Option(help: "Only lines from this long ago on: 30s, 10m, 2h, 1d. Default: everything.")
    var since: String?

    @Argument(help: "A task ID or ARN, or `service` and a service name.")
    var target: [String]

    /// A stream to read, and how to label its lines.
    struct Source: Hashable {
        var group: String
        var stream: String
        var label: String
    }

    func validate() throws {
        guard target.count == 1 || (target.count == 2 && target[0] == "service") else {
            throw ValidationError("give a task ID, or `service NAME`; got \(target.joined(separator: " "))")
        }
        if let since { _ = try Self.milliseconds(since) }
    }

    /// How far before the newest line `-f` reads again, in milliseconds.
    static let lookBack = 15_000

    /// `30s`, `10m`, `2h`, `1d` in milliseconds.
    static func milliseconds(_ text: String) throws -> Int {
        let units: [Character: Int] = ["s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000]
        guard let unit = text.last.flatMap({ units[$0] }), let count = Int(text.dropLast()), count >= 0 else {
            throw ValidationError("--since \"\(text)\" is not a duration such as 30s, 10m, 2h or 1d")
        }
        let (milliseconds, overflow) = count.multipliedReportingOverflow(by: unit)
        return overflow ? Int.max : milliseconds
    }

    func run() async throws {
        let now = Int(Date().timeIntervalSince1970 * 1000)
        var start = try since.map { max(0, now - min(now, try Self.milliseconds($0))) } ?? 0
        try await APISession.with(connection) { session in
            var sources = try await resolve(session)
            // Event IDs printed, with their timestamps, kept for the look-back window.
            var seen: [String: Int] = [:]
            var resolved = ContinuousClock.now
            while true {
                let events = try await fetch(session, sources, from: start)
                for (source, event) in events {
                    let id = "\(source.group)|\(event.eventId)"
                    guard seen.updateValue(event.timestamp, forKey: id) == nil else { continue }
                    print(line(source, event, labelled: Set(sources.map(\.label)).count > 1))
                }
                fflush(nil)
                guard follow else { return }
                // Next time from a little before the newest timestamp: an agent ships a line some
                // time after it was printed (a batch's linger, a retry), so one node's older line can
                // arrive after another's newer one. What was printed is skipped by its event ID.
                if let newest = events.map({ $0.1.timestamp }).max() { start = max(start, newest - Self.lookBack) }
                seen = seen.filter { $0.value >= start }
                try await Task.sleep(for: .milliseconds(250))
                if target.count == 2, ContinuousClock.now - resolved > .seconds(5) {
                    // A service's tasks come and go.
                    sources = try await resolve(session)
                    resolved = ContinuousClock.now
                }
            }
        }
    }

    func line(_ source: Source, _ event: CloudWatchLogs.FilteredLogEvent, labelled: Bool) -> String {
        labelled ? Terminal.paint("[\(source.label)]", .cyan) + " " + event.message : event.message
    }

    /// Every event from `start` on in the sources' streams, in time order.
    func fetch(
        _ session: APISession,
        _ sources: [Source],
        from start: Int
    ) async throws -> [(Source, CloudWatchLogs.FilteredLogEvent)] {
        var all: [(Source, CloudWatchLogs.FilteredLogEvent)] = []
        for (group, members) in Dictionary(grouping: sources, by: \.group) {
            let byStream = Dictionary(members.map { ($0.stream, $0) }) { first, _ in first }
            for chunk in stride(from: 0, to: members.count, by: 100) {
                var request = CloudWatchLogs.FilterLogEventsRequest(
                    logGroupName: group,
                    logStreamNames: members[chunk..<min(chunk + 100, members.count)].map(\.stream),
                    startTime: start
                )
                repeat {
                    let page: CloudWatchLogs.FilterLogEventsResponse
                    do {
                        page = try await session.logs(
                            "FilterLogEvents",
                            request,
                            as: CloudWatchLogs.FilterLogEventsResponse.self
                        )
                    } catch let error as ValidationError where error.message.contains("ResourceNotFoundException") {
                        break  // No line shipped yet: the group comes with the first.
                    }
                    for event in page.events {
                        if let source = byStream[event.logStreamName] { all.append((source, event)) }
                    }
                    request.nextToken = page.nextToken
                } while request.nextToken != nil
            }
        }
        return all.sorted { ($0.1.timestamp, Int($0.1.eventId) ?? 0) < ($1.1.timestamp, Int($1.1.eventId) ?? 0) }
    }

    /// The awslogs streams of the task, or of the service's tasks (running and recently stopped).
    func resolve(_ session: APISession) async throws -> [Source] {
        let tasks: [ECS.Task]
        if target.count == 2 {
            let running = try await session.tasks(cluster: cluster.name, service: target[1])
            let stopped = try await session.tasks(cluster: cluster.name, service: target[1], stopped: true)
            tasks = (running + stopped).map(\.resource)
            if tasks.isEmpty, follow == false {
                throw ValidationError("service \(target[1]) has no tasks in cluster \(cluster.name)")
            }
        } else {
            let request = ECS.DescribeTasksRequest(cluster: cluster.name, tasks: [target[0]])
            tasks = try await session.ecs("DescribeTasks", request, as: ECS.DescribeTasksResponse.self).tasks ?? []
            if tasks.isEmpty {
                throw ValidationError("task \(target[0]) not found in cluster \(cluster.name); wharf tasks lists them")
            }
        }
        var definitions: [String: [ECS.ContainerDefinition]] = [:]
        var sources: [Source] = []
        for task in tasks {
            guard let arn = task.taskArn, let definitionArn = task.taskDefinitionArn else { continue }
            if definitions[definitionArn] == nil {
                let request = ECS.DescribeTaskDefinitionRequest(taskDefinition: definitionArn)
                let described = try await session.ecs(
                    "DescribeTaskDefinition",
                    request,
                    as: ECS.DescribeTaskDefinitionResponse.self
                )
                definitions[definitionArn] = described.taskDefinition?.containerDefinitions ?? []
            }
            let taskID = Terminal.short(arn)
            for container in definitions[definitionArn] ?? [] {
                guard let log = container.logConfiguration, log.logDriver == "awslogs",
                      let options = log.options, let group = options["awslogs-group"], let name = container.name
                else { continue }
                let runtimeID = task.containers?.first { $0.name == name }?.runtimeId
                let prefixed = options["awslogs-stream-prefix"].map { "\($0)/\(name)/\(taskID)" }
                guard let stream = prefixed ?? runtimeID else { continue }
                let label = target.count == 2 ? "\(name) \(taskID.prefix(8))" : name
                sources.append(Source(group: group, stream: stream, label: label))
            }
        }
        if sources.isEmpty, target.count == 1 {
            throw ValidationError(
                "task \(target[0]) has no container that logs through awslogs; "
                    + "give its containers a logConfiguration with logDriver awslogs"
            )
        }
        return sources
    }
}
