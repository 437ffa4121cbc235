import Foundation
import Hummingbird
import Logging
import WharfModel
import WharfStore

/// The endpoints that answer for one region's state: `POST /` in its three protocols (AWS JSON,
/// the Query protocol of Elastic Load Balancing and CloudWatch, CloudWatch's JSON 1.0) and the
/// agent protocol.
struct RegionEndpoints: Sendable {
    let json: ECSEndpoint
    let query: QueryEndpoint
    let monitoring: CloudWatchEndpoint?
    let agent: AgentEndpoint

    /// What a region's endpoints are made of.
    struct Parts: Sendable {
        /// The region's controller.
        var controller: Controller
        /// The controller's own region's controller: the access keys live there.
        var keys: Controller
        /// The controller's own region (`--region`).
        var homeRegion: String
        var configuration: ControllerConfiguration
        var sealer: SecretSealer
        /// `https` or `http`, for DiscoverPollEndpoint.
        var scheme: String
        var logs: LogStore?
        var metricStore: MetricStore?
        var metrics: ControllerMetrics
        var logger: Logger
        /// The `wharf exec` sessions, one set for every region (a session is found by its ID).
        var exec: ExecSessions

        /// The parts of the controller's own region, whose `controller` holds the access keys.
        static func home(
            _ controller: Controller,
            configuration: ControllerConfiguration,
            sealer: SecretSealer,
            tls: Bool,
            logs: LogStore?,
            metricStore: MetricStore?,
            metrics: ControllerMetrics,
            logger: Logger
        ) -> Parts {
            Parts(
                controller: controller,
                keys: controller,
                homeRegion: configuration.context.region,
                configuration: configuration,
                sealer: sealer,
                scheme: tls ? "https" : "http",
                logs: logs,
                metricStore: metricStore,
                metrics: metrics,
                logger: logger,
                exec: ExecSessions(now: controller.now)
            )
        }
    }

    /// - Parameters:
    ///   - regions: the regions a request's credential scope may name: the region's own, or for the
    ///     endpoints that only word refusals, every region served.
    ///   - refuseVerified: refuse even requests whose signature checks out (those endpoints).
    init(_ parts: Parts, regions: Set<String>, refuseVerified: Bool = false) {
        let configuration = parts.configuration
        let controller = parts.controller
        // Each revision's JSON, shared by sync answers and DescribeTaskDefinition.
        let definitions = TaskDefinitionJSON()
        var authenticator = APIAuthenticator(
            mode: configuration.authentication,
            regions: regions,
            controller: parts.keys,
            sealer: parts.sealer,
            logger: parts.logger
        )
        authenticator.refuseVerified = refuseVerified
        var json = ECSEndpoint(
            operations: ECSOperations(
                controller: controller,
                sealer: parts.sealer,
                bootstrapKeyId: configuration.authentication.bootstrapKeyId,
                definitions: definitions
            ),
            logs: parts.logs.map { LogsOperations(store: $0, context: configuration.context, now: controller.now) },
            authenticator: authenticator,
            maxBodyBytes: configuration.maxBodyBytes,
            logger: parts.logger,
            metrics: parts.metrics
        )
        json.scheme = parts.scheme
        json.exec = parts.exec
        json.adminRegion = configuration.context.region == parts.homeRegion ? nil : parts.homeRegion
        json.autoScaling = parts.metricStore.map {
            AutoScalingOperations(controller: controller, store: $0, settings: configuration.monitoring)
        }
        let cloudWatch = parts.metricStore.map {
            CloudWatchOperations(
                controller: controller,
                metrics: $0,
                settings: configuration.monitoring,
                context: configuration.context,
                now: controller.now
            )
        }
        self.json = json
        self.query = QueryEndpoint(elbv2: ELBv2Operations(controller: controller), cloudWatch: cloudWatch, json: json)
        self.monitoring = cloudWatch.map { CloudWatchEndpoint(operations: $0, json: json) }
        self.agent = AgentEndpoint(
            controller: controller,
            logs: parts.logs,
            metrics: parts.metrics,
            maxBodyBytes: configuration.maxBodyBytes,
            logger: parts.logger,
            syncJSON: SyncResponseJSON(definitions: definitions),
            exec: parts.exec
        )
    }

    /// Answers `POST /` in the protocol the request speaks.
    func handle(_ request: Request) async -> Response {
        if QueryEndpoint.accepts(request) { return await query.handle(request) }
        if let monitoring, CloudWatchEndpoint.accepts(request) { return await monitoring.handle(request) }
        return await json.handle(request)
    }
}
