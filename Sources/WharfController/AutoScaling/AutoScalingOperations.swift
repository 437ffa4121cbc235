import Foundation
import Logging
import WharfModel
import WharfState
import WharfStore

/// The Application Auto Scaling operations the controller serves (`X-Amz-Target:
/// AnyScaleFrontendService.<Operation>`, AWS JSON 1.1) for ECS services' desired counts:
/// scalable targets, scaling policies (whose target tracking alarms are CloudWatch's), scheduled
/// actions, scaling activities and tags.
struct AutoScalingOperations: Sendable {
    private(set) var handlers: [String: ECSOperations.Handler] = [:]

    init(controller: Controller, store: MetricStore, settings: MonitoringSettings) {
        let period = settings.periodSeconds
        /// A write that may make activities: they are recorded once it is stored.
        @Sendable func recording<Response: Sendable>(
            _ body:
                @escaping @Sendable (ClusterState, Date) throws -> Outcome<
                    (response: Response, activities: ClusterState.Activities)
                >
        ) async throws -> Response {
            let outcome = try await controller.write(body)
            do {
                try await store.appendActivities(outcome.activities)
            } catch {
                controller.logger.error("could not record scaling activities", metadata: ["error": "\(error)"])
            }
            return outcome.response
        }
        on("RegisterScalableTarget") { (request: ApplicationAutoScaling.RegisterScalableTargetRequest) in
            let seed = controller.nextSeed()
            return try await recording { state, now in try state.registerScalableTarget(request, now: now, seed: seed) }
        }
        on("DescribeScalableTargets") { (request: ApplicationAutoScaling.DescribeScalableTargetsRequest) in
            try await controller.read { state in try state.describeScalableTargets(request) }
        }
        on("DeregisterScalableTarget") { (request: ApplicationAutoScaling.DeregisterScalableTargetRequest) in
            try await controller.write { state, _ in try state.deregisterScalableTarget(request) }
        }
        on("PutScalingPolicy") { (request: ApplicationAutoScaling.PutScalingPolicyRequest) in
            let seed = controller.nextSeed()
            return try await controller.write { state, now in
                try state.putScalingPolicy(request, now: now, seed: seed, period: period)
            }
        }
        on("DescribeScalingPolicies") { (request: ApplicationAutoScaling.DescribeScalingPoliciesRequest) in
            try await controller.read { state in try state.describeScalingPolicies(request) }
        }
        on("DeleteScalingPolicy") { (request: ApplicationAutoScaling.DeleteScalingPolicyRequest) in
            try await controller.write { state, _ in try state.deleteScalingPolicy(request) }
        }
        on("PutScheduledAction") { (request: ApplicationAutoScaling.PutScheduledActionRequest) in
            let seed = controller.nextSeed()
            return try await controller.write { state, now in
                try state.putScheduledAction(request, now: now, seed: seed)
            }
        }
        on("DescribeScheduledActions") { (request: ApplicationAutoScaling.DescribeScheduledActionsRequest) in
            try await controller.read { state in try state.describeScheduledActions(request) }
        }
        on("DeleteScheduledAction") { (request: ApplicationAutoScaling.DeleteScheduledActionRequest) in
            try await controller.write { state, _ in try state.deleteScheduledAction(request) }
        }
        on("DescribeScalingActivities") { (request: ApplicationAutoScaling.DescribeScalingActivitiesRequest) in
            try ClusterState.checkScalingNamespace(request.serviceNamespace, dimension: request.scalableDimension)
            let rows = try await store.activities(resourceId: request.resourceId)
            return try Self.activities(rows, request: request)
        }
        on("TagResource") { (request: ApplicationAutoScaling.TagResourceRequest) in
            try await controller.write { state, _ in
                var target = try state.scalableTarget(arn: request.resourceARN)
                target.tags = try ClusterState.mergedScalingTags(target.tags, request.tags ?? [:])
                return Outcome(ApplicationAutoScaling.TagResourceResponse(), [.putScalableTarget(target)])
            }
        }
        on("UntagResource") { (request: ApplicationAutoScaling.UntagResourceRequest) in
            try await controller.write { state, _ in
                var target = try state.scalableTarget(arn: request.resourceARN)
                let keys = Set(request.tagKeys ?? [])
                target.tags.removeAll { keys.contains($0.key) }
                return Outcome(ApplicationAutoScaling.UntagResourceResponse(), [.putScalableTarget(target)])
            }
        }
        on("ListTagsForResource") { (request: ApplicationAutoScaling.ListTagsForResourceRequest) in
            try await controller.read { state in
                let target = try state.scalableTarget(arn: request.resourceARN)
                return ApplicationAutoScaling.ListTagsForResourceResponse(
                    tags: Dictionary(target.tags.map { ($0.key, $0.value ?? "") }) { first, _ in first }
                )
            }
        }
    }

    /// Registers `name`, whose request shape is `Request`, with the shared refusals in
    /// Application Auto Scaling's terms (`ValidationException`, `InternalServiceException`).
    private mutating func on<Request: ECSShape, Response: Encodable & Sendable>(
        _ name: String,
        _ body: @escaping @Sendable (Request) async throws -> Response
    ) {
        handlers[name] = { data in
            do {
                let request: Request = try ECSWire.decode(data)
                return try ECSWire.encode(try await body(request))
            } catch let error as ECSError {
                switch error.code {
                case .invalidParameter, .client: throw ECSError(.validation, error.message)
                case .server: throw ECSError(.internalService, error.message)
                default: throw error
                }
            } catch let error as StoreError {
                throw ECSError(.internalService, "the metric store failed: \(error)")
            }
        }
    }

    /// One page of DescribeScalingActivities, newest first; not scaled activities only with
    /// IncludeNotScaledActivities.
    static func activities(
        _ rows: [(id: Int, activity: MetricStore.Activity)],
        request: ApplicationAutoScaling.DescribeScalingActivitiesRequest
    ) throws(ECSError) -> ApplicationAutoScaling.DescribeScalingActivitiesResponse {
        // Not scaled activities only when asked for, as Application Auto Scaling shows them.
        let rows =
            request.includeNotScaledActivities == true ? rows : rows.filter { $0.activity.notScaledReasons == nil }
        let size = request.maxResults ?? 50
        guard (1...50).contains(size) else { throw ECSError(.validation, "MaxResults must be between 1 and 50") }
        let page = try RowPage.page(
            rows.map { ($0.id, $0.activity) },
            size: size,
            token: request.nextToken,
            invalid: ECSError(.invalidNextTokenException, "Invalid token")
        )
        return ApplicationAutoScaling.DescribeScalingActivitiesResponse(
            scalingActivities: page.rows.map { activity in
                ApplicationAutoScaling.ScalingActivity(
                    activityId: activity.activityId,
                    serviceNamespace: ClusterState.ecsNamespace,
                    resourceId: activity.resourceId,
                    scalableDimension: activity.scalableDimension,
                    description: activity.description,
                    cause: activity.cause,
                    startTime: Date(timeIntervalSince1970: Double(activity.startTime) / 1000),
                    endTime: activity.endTime.map { Date(timeIntervalSince1970: Double($0) / 1000) },
                    statusCode: activity.statusCode,
                    statusMessage: activity.statusMessage,
                    details: activity.details,
                    notScaledReasons: activity.notScaledReasons?.map {
                        ApplicationAutoScaling.NotScaledReason(
                            code: $0.code,
                            maxCapacity: $0.maxCapacity,
                            minCapacity: $0.minCapacity,
                            currentCapacity: $0.currentCapacity
                        )
                    }
                )
            },
            nextToken: page.nextToken
        )
    }
}
