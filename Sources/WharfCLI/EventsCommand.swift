import ArgumentParser
import Foundation

/// `wharf events SERVICE`: what the service scheduler said about a service, oldest first.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events", abstract: "Show a service's events (placements, deployments, steady state), oldest first.")

    @OptionGroup var connection: ControllerConnection
    @OptionGroup var cluster: ClusterOption

    @Argument(help: "The service's name or ARN.")
    var service: String

    func run() async throws {
        let described = try await APISession.with(connection) { session in
            try await session.ecs("DescribeServices", ["cluster": cluster.name, "services": [service]])
        }
        guard let item = (described["services"] as? [[String: Any]])?.first else {
            let reason = (described["failures"] as? [[String: Any]])?.first?["reason"] as? String ?? "MISSING"
            throw ValidationError("service \(service) not found in cluster \(cluster.name) (\(reason)); wharf services lists them")
        }
        let events = (item["events"] as? [[String: Any]] ?? []).reversed()
        if connection.output == "json" { return try Terminal.printJSON(["events": Array(events)]) }
        for event in events {
            let time = (event["createdAt"] as? Double).map { Date(timeIntervalSince1970: $0).formatted(.iso8601) } ?? "-"
            print("\(Terminal.paint(time, .grey))  \(event["message"] as? String ?? "")")
        }
    }
}
