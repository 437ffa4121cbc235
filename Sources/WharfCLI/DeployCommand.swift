import ArgumentParser
import Foundation
import WharfModel
#if canImport(Glibc)
import Glibc
#endif

/// `wharf deploy SERVICE --task-definition FAMILY[:REVISION]`: rolls a service out to a task
/// definition (and desired count), and with `--wait` shows each deployment's running of desired
/// until the new one completes; exits 1 when it fails or the circuit breaker rolls it back.
struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Deploy a task definition to a service; --wait shows the rollout and fails if it fails or rolls back."
    )

    @OptionGroup var connection: ControllerConnection
    @OptionGroup var cluster: ClusterOption

    @Argument(help: "The service's name or ARN.")
    var service: String

    @Option(help: "The task definition: FAMILY (its latest ACTIVE revision), FAMILY:REVISION or an ARN.")
    var taskDefinition: String

    @Option(help: "The number of tasks to run.")
    var desired: Int?

    @Flag(help: "Wait for the rollout to finish, showing its progress; exit 1 if it fails or is rolled back.")
    var wait = false

    @Option(help: "Seconds --wait waits before giving up (exit 1). Default: 600.")
    var timeout: Int = 600

    func validate() throws {
        if let desired, desired < 0 { throw ValidationError("--desired \(desired) must be 0 or more") }
        guard timeout > 0 else { throw ValidationError("--timeout \(timeout) must be more than 0 seconds") }
    }

    func run() async throws {
        let request = ECS.UpdateServiceRequest(
            cluster: cluster.name,
            service: service,
            desiredCount: desired,
            taskDefinition: taskDefinition
        )
        let outcome = try await APISession.with(connection) { session -> Outcome in
            let updated = try await session.ecs("UpdateService", request, as: ECS.UpdateServiceResponse.self)
            let id = updated.service?.deployments?.first?.id ?? ""
            if !wait {
                if connection.output == "json" {
                    try Terminal.printJSON(updated)
                } else {
                    let definition = Terminal.short(updated.service?.taskDefinition)
                    print("deploying \(definition) to \(service): deployment \(id)")
                }
                return .completed
            }
            return try await watch(session, deployment: id)
        }
        if case .failed(let reason) = outcome {
            FileHandle.standardError.write(Data("wharf: deployment failed: \(reason)\n".utf8))
            throw ExitCode(1)
        }
    }

    enum Outcome {
        case completed
        case failed(String)
    }

    /// Polls the service until deployment `id` completes, fails, or is replaced.
    func watch(_ session: APISession, deployment id: String) async throws -> Outcome {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(timeout))
        let request = ECS.DescribeServicesRequest(cluster: cluster.name, services: [service])
        var drawn = 0
        var last = ""
        while true {
            let described = try await session.ecs("DescribeServices", request, as: ECS.DescribeServicesResponse.self)
            guard let current = described.services?.first else {
                return .failed("service \(service) is gone")
            }
            let deployments = current.deployments ?? []
            let lines = deployments.map(Self.progress)
            let frame = lines.joined(separator: "\n")
            if connection.output == "json" {
                if frame != last { try Terminal.printJSON(["deployments": deployments]) }
            } else if Terminal.isTTY {
                // Redraw the table in place.
                if drawn > 0 { print("\u{1B}[\(drawn)A", terminator: "") }
                for line in lines { print("\u{1B}[2K" + line) }
                drawn = lines.count
            } else if frame != last {
                print(frame + "\n")
            }
            last = frame
            fflush(nil)
            let ours = deployments.first { $0.id == id }
            let reason = ours?.rolloutStateReason ?? ""
            if ours?.rolloutState == "FAILED" {
                return .failed(reason.isEmpty ? "deployment \(id) failed" : reason)
            }
            if ours == nil || deployments.first?.id != id {
                let primary = deployments.first?.rolloutStateReason ?? ""
                return .failed("deployment \(id) was replaced\(primary.isEmpty ? "" : ": " + primary)")
            }
            if ours?.rolloutState == "COMPLETED", deployments.count == 1,
               ours?.runningCount == ours?.desiredCount {
                if connection.output != "json" {
                    print(Terminal.paint("deployment \(id) completed: \(reason)", .green))
                }
                return .completed
            }
            guard clock.now < deadline else { return .failed("deployment \(id) did not finish within \(timeout) s") }
            try await Task.sleep(for: .seconds(1))
        }
    }

    /// `PRIMARY  web:3  [##########----------]  2/4 running  IN_PROGRESS`.
    static func progress(_ deployment: ECS.Deployment) -> String {
        let running = deployment.runningCount ?? 0
        let desired = deployment.desiredCount ?? 0
        let failed = deployment.failedTasks ?? 0
        return [
            (deployment.status ?? "-").padding(toLength: 8, withPad: " ", startingAt: 0),
            Terminal.short(deployment.taskDefinition),
            Terminal.bar(running, of: desired),
            "\(running)/\(desired) running" + (failed > 0 ? ", \(failed) failed" : ""),
            Terminal.status(deployment.rolloutState ?? "-"),
        ].joined(separator: "  ")
    }
}
