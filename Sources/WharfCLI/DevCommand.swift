import ArgumentParser
import Foundation
import Logging
import WharfController
import WharfModel

/// `wharf dev`: a local cluster in one process on embedded defaults (data in ./.wharf, API on
/// loopback), like `nomad agent -dev`.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run a local Wharf controller with data in ./.wharf and the API on 127.0.0.1:8080."
    )

    @OptionGroup var options: ControllerOptions

    func run() async throws {
        let configuration = try options.configuration(defaultDataDir: ".wharf")
        let logger = Daemon.logger("wharf.dev", level: try options.level())
        try await Daemon.run(logger: logger) {
            try await ControllerServer.run(configuration, logger: logger) { port in
                let endpoint = "http://\(configuration.host == "0.0.0.0" ? "127.0.0.1" : configuration.host):\(port)"
                FileHandle.standardOutput.write(Data("""

                Wharf dev cluster is up. Data: \(configuration.dataDirectory). Stop with Ctrl-C.
                Try it with the AWS CLI (any access key works until authentication arrives):
                  export AWS_ACCESS_KEY_ID=wharf AWS_SECRET_ACCESS_KEY=wharf AWS_DEFAULT_REGION=\(configuration.context.region)
                  aws ecs create-cluster --cluster-name demo --endpoint-url \(endpoint)
                  aws ecs list-clusters --endpoint-url \(endpoint)

                """.utf8))
            }
        }
    }
}
