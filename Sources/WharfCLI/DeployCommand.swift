import ArgumentParser
import Foundation
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
        let outcome = try await APISession.with(connection) { session -> Outcome in
            var body: [String: Any] = ["cluster": cluster.name, "service": service, "taskDefinition": taskDefinition]
            if let desired { body["desiredCount"] = desired }
            let updated = try await session.ecs("UpdateService", body)
            let started = updated["service"] as? [String: Any] ?? [:]
            let deployment = (started["deployments"] as? [[String: Any]])?.first
            let id = deployment?["id"] as? String ?? ""
            if !wait {
                if connection.output == "json" { try Terminal.printJSON(updated) } else {
                    print("deploying \(Terminal.short(started["taskDefinition"] as? String)) to \(service): deployment \(id)")
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
        var drawn = 0
        var last = ""
        while true {
            let described = try await session.ecs("DescribeServices", ["cluster": cluster.name, "services": [service]])
            guard let current = (described["services"] as? [[String: Any]])?.first else {
                return .failed("service \(service) is gone")
            }
            let deployments = current["deployments"] as? [[String: Any]] ?? []
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
            let ours = deployments.first { $0["id"] as? String == id }
            let reason = ours?["rolloutStateReason"] as? String ?? ""
            if ours?["rolloutState"] as? String == "FAILED" {
                return .failed(reason.isEmpty ? "deployment \(id) failed" : reason)
            }
            if ours == nil || deployments.first?["id"] as? String != id {
                let primary = deployments.first?["rolloutStateReason"] as? String ?? ""
                return .failed("deployment \(id) was replaced\(primary.isEmpty ? "" : ": " + primary)")
            }
            if ours?["rolloutState"] as? String == "COMPLETED", deployments.count == 1,
               ours?["runningCount"] as? Int == ours?["desiredCount"] as? Int {
                if connection.output != "json" { print(Terminal.paint("deployment \(id) completed: \(reason)", .green)) }
                return .completed
            }
            guard clock.now < deadline else { return .failed("deployment \(id) did not finish within \(timeout) s") }
            try await Task.sleep(for: .seconds(1))
        }
    }

    /// `PRIMARY  web:3  [##########----------]  2/4 running  IN_PROGRESS`.
    static func progress(_ deployment: [String: Any]) -> String {
        let running = deployment["runningCount"] as? Int ?? 0
        let desired = deployment["desiredCount"] as? Int ?? 0
        let failed = deployment["failedTasks"] as? Int ?? 0
        return [
            (deployment["status"] as? String ?? "-").padding(toLength: 8, withPad: " ", startingAt: 0),
            Terminal.short(deployment["taskDefinition"] as? String),
            Terminal.bar(running, of: desired),
            "\(running)/\(desired) running" + (failed > 0 ? ", \(failed) failed" : ""),
            Terminal.status(deployment["rolloutState"] as? String ?? "-"),
        ].joined(separator: "  ")
    }
}
