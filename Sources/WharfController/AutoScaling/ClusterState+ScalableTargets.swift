import Foundation
import WharfModel
import WharfState
import WharfStore

/// Application Auto Scaling's scalable targets over the state: ECS services' desired counts.
extension ClusterState {
    typealias Activities = [MetricStore.Activity]

    static let ecsNamespace = "ecs"
    static let desiredCount = "ecs:service:DesiredCount"

    /// The role Application Auto Scaling uses for ECS when none is given.
    var autoScalingRole: String {
        "arn:aws:iam::\(context.accountID):role/aws-service-role/ecs.application-autoscaling.amazonaws.com/"
            + "AWSServiceRoleForApplicationAutoScaling_ECSService"
    }

    func scalableTargetARN(_ record: ScalableTargetRecord) -> String {
        "arn:aws:application-autoscaling:\(context.region):\(context.accountID):scalable-target/\(record.id)"
    }

    /// The target a request names, checked: Wharf scales ECS services' desired counts only.
    static func targetKey(
        namespace: String?,
        resourceId: String?,
        dimension: String?
    ) throws(ECSError) -> ScalableTargetKey {
        guard namespace == ecsNamespace else {
            throw ECSError(
                .validation,
                "Wharf scales ECS services only: ServiceNamespace must be ecs, not \(namespace ?? "")"
            )
        }
        guard dimension == desiredCount else {
            throw ECSError(
                .validation,
                "Unsupported scalable dimension \(dimension ?? "") for service namespace ecs: it must be "
                    + "ecs:service:DesiredCount"
            )
        }
        let resource = resourceId ?? ""
        let parts = resource.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "service", !parts[1].isEmpty, !parts[2].isEmpty else {
            throw ECSError(
                .validation,
                "Unsupported resource ID \(resource): an ECS service is service/CLUSTER/SERVICE"
            )
        }
        return ScalableTargetKey(resourceId: resource, scalableDimension: desiredCount)
    }

    /// The registered target with this key.
    func scalableTarget(_ key: ScalableTargetKey) throws(ECSError) -> ScalableTargetRecord {
        guard let record = autoScaling[target: key] else {
            throw ECSError(
                .objectNotFound,
                "No scalable target registered for service namespace: ecs, resource ID: \(key.resourceId), "
                    + "scalable dimension: \(key.scalableDimension)"
            )
        }
        return record
    }

    /// The ACTIVE ECS service a target scales.
    func scaledService(_ record: ScalableTargetRecord) -> ServiceRecord? {
        guard let service = record.service, let found = serviceRecord(service.name, cluster: service.cluster),
            found.status == .active
        else { return nil }
        return found
    }

    /// RegisterScalableTarget: registers an ECS service's desired count, or changes a registered
    /// one's capacities, suspension, role or tags. A desired count outside the new range is
    /// brought into it.
    func registerScalableTarget(
        _ request: ApplicationAutoScaling.RegisterScalableTargetRequest,
        now: Date,
        seed: UInt64
    ) throws(ECSError) -> Outcome<
        (response: ApplicationAutoScaling.RegisterScalableTargetResponse, activities: Activities)
    > {
        let key = try Self.targetKey(
            namespace: request.serviceNamespace,
            resourceId: request.resourceId,
            dimension: request.scalableDimension
        )
        var random = SeededRandom(seed: seed)
        let existing = autoScaling[target: key]
        var record: ScalableTargetRecord
        if let existing {
            record = existing
        } else {
            guard let minimum = request.minCapacity, let maximum = request.maxCapacity else {
                throw ECSError(
                    .validation,
                    "MinCapacity and MaxCapacity are required to register a new scalable target"
                )
            }
            let id = (0..<3).map { _ in String(random.next(), radix: 16).leftPadded(16) }.joined().prefix(32)
            record = ScalableTargetRecord(
                resourceId: key.resourceId,
                scalableDimension: key.scalableDimension,
                minCapacity: minimum,
                maxCapacity: maximum,
                roleARN: autoScalingRole,
                id: String(id),
                createdAt: now
            )
        }
        let probe = ScalableTargetRecord(
            resourceId: key.resourceId,
            scalableDimension: key.scalableDimension,
            minCapacity: 0,
            maxCapacity: 0,
            roleARN: "",
            id: "",
            createdAt: now
        )
        guard let service = probe.service, let found = serviceRecord(service.name, cluster: service.cluster),
            found.status == .active
        else {
            throw ECSError(.validation, "ECS service doesn't exist: \(key.resourceId)")
        }
        if found.isDaemon {
            throw ECSError(
                .validation,
                "\(key.resourceId) uses the DAEMON scheduling strategy, whose desired count is not its own to scale"
            )
        }
        record.minCapacity = request.minCapacity ?? record.minCapacity
        record.maxCapacity = request.maxCapacity ?? record.maxCapacity
        guard record.minCapacity >= 0, record.maxCapacity >= record.minCapacity else {
            throw ECSError(
                .validation,
                "Maximum capacity (\(record.maxCapacity)) cannot be less than minimum capacity (\(record.minCapacity))"
            )
        }
        if let role = request.roleARN {
            guard role.hasPrefix("arn:") else { throw ECSError(.validation, "RoleARN \(role) is not an ARN") }
            record.roleARN = role
        }
        if let suspended = request.suspendedState {
            record.suspended = SuspendedState(
                dynamicScalingIn: suspended.dynamicScalingInSuspended ?? record.suspended.dynamicScalingIn,
                dynamicScalingOut: suspended.dynamicScalingOutSuspended ?? record.suspended.dynamicScalingOut,
                scheduledScaling: suspended.scheduledScalingSuspended ?? record.suspended.scheduledScaling
            )
        }
        if let tags = request.tags {
            record.tags = try Self.mergedScalingTags(record.tags, tags)
        }
        var changes: [StateChange] = [.putScalableTarget(record)]
        var activities: Activities = []
        let bounded = min(max(found.desiredCount, record.minCapacity), record.maxCapacity)
        if bounded != found.desiredCount {
            let which = bounded > found.desiredCount ? "minimum" : "maximum"
            let scaled = try setDesiredCount(
                found,
                to: bounded,
                now: now,
                deploymentID: random.deploymentID()
            )
            changes += scaled
            activities.append(
                scalingActivity(
                    record,
                    count: bounded,
                    cause: "\(which) capacity was set to \(bounded)",
                    now: now,
                    id: random.uuid()
                )
            )
        }
        return Outcome(
            (
                ApplicationAutoScaling.RegisterScalableTargetResponse(scalableTargetARN: scalableTargetARN(record)),
                activities
            ),
            changes
        )
    }

    /// The changes that set a service's desired count, as UpdateService does.
    func setDesiredCount(
        _ service: ServiceRecord,
        to count: Int,
        now: Date,
        deploymentID: String
    ) throws(ECSError) -> [StateChange] {
        try updateService(
            ECS.UpdateServiceRequest(cluster: service.cluster, service: service.name, desiredCount: count),
            now: now,
            deploymentID: deploymentID
        ).changes
    }

    /// A successful activity that set a target's desired count to `count`.
    func scalingActivity(
        _ record: ScalableTargetRecord,
        count: Int,
        cause: String,
        now: Date,
        id: String
    ) -> MetricStore.Activity {
        MetricStore.Activity(
            activityId: id,
            resourceId: record.resourceId,
            scalableDimension: record.scalableDimension,
            startTime: CloudWatchOperations.millis(now),
            endTime: CloudWatchOperations.millis(now),
            description: "Setting desired count to \(count).",
            cause: cause,
            statusCode: "Successful",
            statusMessage: "Successfully set desired count to \(count). Change successfully fulfilled by ecs."
        )
    }

    /// Tags as Application Auto Scaling allows them: at most 50, keys of 1 to 128 characters not
    /// starting with `aws:`, merged over `current`.
    static func mergedScalingTags(_ current: [Tag], _ added: [String: String]) throws(ECSError) -> [Tag] {
        for key in added.keys where key.isEmpty || key.count > 128 || key.lowercased().hasPrefix("aws:") {
            throw ECSError(
                .validation,
                "The tag key \(key) is not allowed: 1 to 128 characters, not starting with aws:"
            )
        }
        var tags = current.filter { added[$0.key] == nil }
        tags += added.sorted { $0.key < $1.key }.map { Tag(key: $0.key, value: $0.value) }
        guard tags.count <= 50 else {
            throw ECSError(.tooManyTagsException, "A scalable target may have at most 50 tags")
        }
        return tags
    }

    /// A target in Application Auto Scaling's shape.
    func scalableTargetShape(_ record: ScalableTargetRecord) -> ApplicationAutoScaling.ScalableTarget {
        ApplicationAutoScaling.ScalableTarget(
            serviceNamespace: Self.ecsNamespace,
            resourceId: record.resourceId,
            scalableDimension: record.scalableDimension,
            minCapacity: record.minCapacity,
            maxCapacity: record.maxCapacity,
            roleARN: record.roleARN,
            creationTime: record.createdAt,
            suspendedState: ApplicationAutoScaling.SuspendedState(
                dynamicScalingInSuspended: record.suspended.dynamicScalingIn,
                dynamicScalingOutSuspended: record.suspended.dynamicScalingOut,
                scheduledScalingSuspended: record.suspended.scheduledScaling
            ),
            scalableTargetARN: scalableTargetARN(record)
        )
    }

    /// DescribeScalableTargets: by resource and dimension, 50 at most a page.
    func describeScalableTargets(
        _ request: ApplicationAutoScaling.DescribeScalableTargetsRequest
    ) throws(ECSError) -> ApplicationAutoScaling.DescribeScalableTargetsResponse {
        try Self.checkScalingNamespace(request.serviceNamespace, dimension: request.scalableDimension)
        let resources = request.resourceIds.map(Set.init)
        let matching = autoScaling.allTargets.filter { resources?.contains($0.resourceId) ?? true }
        let page = try Self.scalingPage(
            matching,
            key: \.key.text,
            size: request.maxResults,
            token: request.nextToken,
            scope: "targets|\(resources?.sorted().joined(separator: ",") ?? "")"
        )
        return ApplicationAutoScaling.DescribeScalableTargetsResponse(
            scalableTargets: page.items.map(scalableTargetShape),
            nextToken: page.nextToken
        )
    }

    /// DeregisterScalableTarget: the target, its scaling policies (with their alarms) and its
    /// scheduled actions.
    func deregisterScalableTarget(
        _ request: ApplicationAutoScaling.DeregisterScalableTargetRequest
    ) throws(ECSError) -> Outcome<ApplicationAutoScaling.DeregisterScalableTargetResponse> {
        let key = try Self.targetKey(
            namespace: request.serviceNamespace,
            resourceId: request.resourceId,
            dimension: request.scalableDimension
        )
        _ = try scalableTarget(key)
        var changes: [StateChange] = [.deleteScalableTarget(key)]
        for policy in autoScaling.policies(of: key) {
            changes.append(.deleteScalingPolicy(arn: policy.arn))
            changes += policy.alarmNames.filter { alarms[$0] != nil }.map { .deleteAlarm(name: $0) }
        }
        changes += autoScaling.allScheduledActions.filter { $0.target == key }.map {
            .deleteScheduledAction(arn: $0.arn)
        }
        return Outcome(ApplicationAutoScaling.DeregisterScalableTargetResponse(), changes)
    }

    /// Checks a describe call's namespace and, when given, dimension.
    static func checkScalingNamespace(_ namespace: String?, dimension: String?) throws(ECSError) {
        guard namespace == ecsNamespace else {
            throw ECSError(
                .validation,
                "Wharf scales ECS services only: ServiceNamespace must be ecs, not \(namespace ?? "")"
            )
        }
        if let dimension, dimension != desiredCount {
            throw ECSError(
                .validation,
                "Unsupported scalable dimension \(dimension) for service namespace ecs: it must be "
                    + "ecs:service:DesiredCount"
            )
        }
    }

    /// One page of a describe call: `MaxResults` (1 to 50, 50 by default) after the token.
    static func scalingPage<T>(
        _ items: [T],
        key: (T) -> String,
        size: Int?,
        token: String?,
        scope: String
    ) throws(ECSError) -> (items: [T], nextToken: String?) {
        if let size, !(1...50).contains(size) {
            throw ECSError(.validation, "MaxResults must be between 1 and 50")
        }
        do {
            return try PageToken.page(items, key: key, size: size ?? 50, after: token, scope: scope)
        } catch {
            throw ECSError(.invalidNextTokenException, "Invalid token")
        }
    }

    /// TagResource, UntagResource and ListTagsForResource: scalable targets are what takes tags.
    func scalableTarget(arn: String?) throws(ECSError) -> ScalableTargetRecord {
        let text = arn ?? ""
        guard let record = autoScaling.allTargets.first(where: { scalableTargetARN($0) == text }) else {
            throw ECSError(.resourceNotFound, "Scalable target with ARN \(text) not found")
        }
        return record
    }
}

extension String {
    /// The string with zeros in front, to `width` characters.
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
