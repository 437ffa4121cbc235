import ArgumentParser
import Foundation
import WharfModel

/// `wharf events SERVICE`: what the service scheduler said about a service, oldest first.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Show a service's events (placements, deployments, steady state), oldest first."
    )

    @OptionGroup var connection: ControllerConnection
    @OptionGroup var cluster: ClusterOption

    @Argument(help: "The service's name or ARN.")
    var service: String

    func run() async throws {
        let request = ECS.DescribeServicesRequest(cluster: cluster.name, services: [service])
        let described = try await APISession.with(connection) { session in
            try await session.ecs("DescribeServices", request, as: ECS.DescribeServicesResponse.self)
        }
        guard let item = described.services?.first else {
            let reason = described.failures?.first?.reason ?? "MISSING"
            throw ValidationError(
                "service \(service) not found in cluster \(cluster.name) (\(reason)); wharf services lists them"
            )
        }
        let events = Array((item.events ?? []).reversed())
        if connection.output == "json" { return try Terminal.printJSON(["events": events]) }
        for event in events {
            let time = event.createdAt.map { $0.formatted(.iso8601) } ?? "-"
            print("\(Terminal.paint(time, .grey))  \(event.message ?? "")")
        }
    }
}
