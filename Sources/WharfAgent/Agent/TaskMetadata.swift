#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The task metadata endpoint version 4's documents, named as ECS's agent names their members.
enum TaskMetadata {
    struct Limits: Encodable {
        /// CPU units for a container; vCPUs for a task.
        var cpu: Double?
        /// MiB.
        var memory: Int?
        enum CodingKeys: String, CodingKey { case cpu = "CPU", memory = "Memory" }
    }

    struct Network: Encodable {
        var attachmentIndex: Int?
        var networkMode: String
        var ipv4Addresses: [String]
        var macAddress: String?
        var ipv4SubnetCIDRBlock: String?
        var privateDNSName: String?
        var subnetGatewayIpv4Address: String?
        enum CodingKeys: String, CodingKey {
            case attachmentIndex = "AttachmentIndex", networkMode = "NetworkMode", ipv4Addresses = "IPv4Addresses"
            case macAddress = "MACAddress", ipv4SubnetCIDRBlock = "IPv4SubnetCIDRBlock"
            case privateDNSName = "PrivateDNSName", subnetGatewayIpv4Address = "SubnetGatewayIpv4Address"
        }
    }

    struct Container: Encodable {
        var dockerID: String?
        var name: String
        var dockerName: String
        var image: String
        var labels: [String: String]
        var desiredStatus: String
        var knownStatus: String
        var exitCode: Int?
        var limits: Limits
        var startedAt: String?
        var type = "NORMAL"
        var logDriver: String?
        var logOptions: [String: String]?
        var restartCount: Int?
        var networks: [Network]
        enum CodingKeys: String, CodingKey {
            case dockerID = "DockerId", name = "Name", dockerName = "DockerName", image = "Image", labels = "Labels"
            case desiredStatus = "DesiredStatus", knownStatus = "KnownStatus", exitCode = "ExitCode"
            case limits = "Limits", startedAt = "StartedAt", type = "Type", logDriver = "LogDriver"
            case logOptions = "LogOptions", restartCount = "RestartCount", networks = "Networks"
        }
    }

    struct Task: Encodable {
        var cluster: String
        var taskARN: String
        var family: String
        var revision: String
        var desiredStatus: String
        var knownStatus: String
        var limits: Limits?
        var pullStartedAt: String?
        var pullStoppedAt: String?
        var executionStoppedAt: String?
        var launchType: String?
        var containers: [Container]
        enum CodingKeys: String, CodingKey {
            case cluster = "Cluster", taskARN = "TaskARN", family = "Family", revision = "Revision"
            case desiredStatus = "DesiredStatus", knownStatus = "KnownStatus", limits = "Limits"
            case pullStartedAt = "PullStartedAt", pullStoppedAt = "PullStoppedAt"
            case executionStoppedAt = "ExecutionStoppedAt", launchType = "LaunchType", containers = "Containers"
        }
    }

    /// Seconds since 1970 as ECS's agent writes times: RFC 3339 in UTC.
    static func time(_ seconds: Double?) -> String? {
        seconds.map { Date(timeIntervalSince1970: $0).formatted(.iso8601) }
    }
}
