import ArgumentParser
import Foundation

/// `--cluster`, as the AWS CLI's `--cluster`: a name or ARN.
struct ClusterOption: ParsableArguments {
    @Option(help: "The cluster, by name or ARN (env WHARF_CLUSTER). Default: default.")
    var cluster: String?

    var name: String { cluster ?? ProcessInfo.processInfo.environment["WHARF_CLUSTER"] ?? "default" }
}
