import ArgumentParser
import Foundation
import Logging
import WharfStore

/// `wharf-controller migrate --from sqlite:PATH --to postgres://...`: moves a stopped controller's
/// cluster state from its data directory into PostgreSQL (every region), nodes staying joined.
struct ControllerMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Move a stopped controller's cluster state from its data directory (SQLite) into PostgreSQL.",
        discussion: """
            Every region's state (clusters, task definitions, instances and their credentials, tasks, services, \
            activations, access keys, parameters, secrets, load balancers, Cloud Map, alarms, scaling) is copied, \
            each region into an empty schema, with its container logs, metrics, alarm history and scaling \
            activities (logs.db, metrics.db). Nothing is removed from the data directory. Then start the controller \
            (or several) with --store and the same URL, and the \
            same data directory's secrets.key and tls/ on every one.
            """
    )

    @Option(help: "The stopped controller's data directory (or its wharf.db), as sqlite:PATH.")
    var from: String

    @Option(help: "The PostgreSQL store, postgres://USER:PASSWORD@HOST:5432/DATABASE.")
    var to: String

    @Option(help: "The controller's own region, whose state is wharf.db itself (env WHARF_REGION). Default: us-east-1.")
    var region: String?

    func run() async throws {
        guard from.hasPrefix("sqlite:") else {
            throw ValidationError("--from \"\(from)\" must be sqlite:PATH, the controller's data directory")
        }
        var directory = String(from.dropFirst("sqlite:".count))
        if directory.hasSuffix("/wharf.db") || directory == "wharf.db" {
            directory = (directory as NSString).deletingLastPathComponent
        }
        if directory.isEmpty { directory = "." }
        let location: PostgresLocation
        do {
            location = try PostgresLocation(url: to)
        } catch {
            throw ValidationError("--to: \(error.message)")
        }
        let home = region ?? ProcessInfo.processInfo.environment["WHARF_REGION"] ?? "us-east-1"
        let logger = Logger(label: "wharf.migrate")
        do {
            let copied = try await StoreMigration.migrate(
                dataDirectory: directory,
                home: home,
                to: location,
                logger: logger
            )
            for region in copied {
                let schema = location.schema(region: region.region)
                print(
                    "\(region.region): \(region.records) records and \(region.telemetryRows) rows of logs and metrics "
                        + "copied into \(schema)"
                )
            }
            print("""
                Done. Start wharf-controller with --store '\(location)' (with its password), the same \
                --region, and this data directory's secrets.key and tls/ on every controller.
                """)
        } catch {
            FileHandle.standardError.write(Data("wharf-controller migrate: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
