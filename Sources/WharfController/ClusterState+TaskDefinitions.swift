import Foundation
import WharfModel
import WharfState

extension ClusterState {
    /// RegisterTaskDefinition: the next revision of the family.
    public func registerTaskDefinition(
        _ request: ECS.RegisterTaskDefinitionRequest,
        now: Date
    ) throws(ECSError) -> Outcome<ECS.RegisterTaskDefinitionResponse> {
        let family = request.family ?? ""
        let revision = taskDefinitions.lastRevision(of: family) + 1
        let definition = try ECS.TaskDefinition.registering(
            request,
            revision: revision,
            context: context,
            registeredAt: now,
            registeredBy: caller
        )
        let record = TaskDefinitionRecord(
            key: TaskDefinitionKey(family: family, revision: revision),
            registeredAt: now,
            registeredBy: caller,
            tags: (request.tags ?? []).map(Tag.init),
            spec: definition
        )
        let tags = record.tags.isEmpty ? nil : record.tags.map(\.ecs)
        return Outcome(
            ECS.RegisterTaskDefinitionResponse(taskDefinition: record.definition, tags: tags),
            [.putTaskDefinition(record), .putFamilyRevision(family: family, revision: revision)]
        )
    }

    /// ECS's message for a task definition that is not there (RunTask, CreateService, ...).
    static let taskDefinitionNotFound = "TaskDefinition not found."

    /// DescribeTaskDefinition by family (newest ACTIVE revision), `family:revision` or ARN.
    public func describeTaskDefinition(
        _ request: ECS.DescribeTaskDefinitionRequest
    ) throws(ECSError) -> ECS.DescribeTaskDefinitionResponse {
        let record: TaskDefinitionRecord
        do {
            record = try taskDefinition(request.taskDefinition)
        } catch where error.code == .client && error.message == Self.taskDefinitionNotFound {
            // ECS's own wording for this operation.
            throw ECSError(.client, "Unable to describe task definition.", hint: error.hint)
        }
        let withTags = (request.include ?? []).contains("TAGS")
        return ECS.DescribeTaskDefinitionResponse(
            taskDefinition: record.definition,
            tags: withTags ? record.tags.map(\.ecs) : nil
        )
    }

    /// ListTaskDefinitions: ARNs by family and revision, filtered by family and status.
    public func listTaskDefinitions(
        _ request: ECS.ListTaskDefinitionsRequest
    ) throws(ECSError) -> ECS.ListTaskDefinitionsResponse {
        let size = try PageToken.pageSize(request.maxResults, limit: 100)
        let status = request.status ?? "ACTIVE"
        let ascending = (request.sort ?? "ASC") == "ASC"
        var records = taskDefinitions.all.filter { record in
            record.status.rawValue == status && (request.familyPrefix.map { record.key.family == $0 } ?? true)
        }
        records.sort { ascending ? Self.sortKey($0) < Self.sortKey($1) : Self.sortKey($0) > Self.sortKey($1) }
        let scope = PageToken.scope("task-definitions", request.familyPrefix, status, "\(ascending)")
        let page = try PageToken.page(
            records,
            key: Self.sortKey,
            ascending: ascending,
            size: size,
            after: request.nextToken,
            scope: scope
        )
        return ECS.ListTaskDefinitionsResponse(
            taskDefinitionArns: page.items.map { arn(of: $0.key) },
            nextToken: page.nextToken
        )
    }

    /// ListTaskDefinitionFamilies: family names by prefix; a family is ACTIVE while any revision is.
    public func listTaskDefinitionFamilies(
        _ request: ECS.ListTaskDefinitionFamiliesRequest
    ) throws(ECSError) -> ECS.ListTaskDefinitionFamiliesResponse {
        let size = try PageToken.pageSize(request.maxResults, limit: 100)
        let status = request.status ?? "ACTIVE"
        var active = Set<String>()
        var all = Set<String>()
        for record in taskDefinitions.all {
            all.insert(record.key.family)
            if record.status == .active { active.insert(record.key.family) }
        }
        let chosen: Set<String> =
            switch status {
            case "ACTIVE": active
            case "INACTIVE": all.subtracting(active)
            default: all
            }
        let families = chosen.filter { family in request.familyPrefix.map { family.hasPrefix($0) } ?? true }.sorted()
        let page = try PageToken.page(
            families,
            key: { $0 },
            size: size,
            after: request.nextToken,
            scope: PageToken.scope("families", request.familyPrefix, status)
        )
        return ECS.ListTaskDefinitionFamiliesResponse(families: page.items, nextToken: page.nextToken)
    }

    /// DeregisterTaskDefinition: the revision becomes INACTIVE and stays describable.
    public func deregisterTaskDefinition(
        _ request: ECS.DeregisterTaskDefinitionRequest,
        now: Date
    ) throws(ECSError) -> Outcome<ECS.DeregisterTaskDefinitionResponse> {
        var record = try taskDefinition(request.taskDefinition, requireRevision: true)
        guard record.status == .active else {
            return Outcome(ECS.DeregisterTaskDefinitionResponse(taskDefinition: record.definition))
        }
        record.status = .inactive
        record.deregisteredAt = now
        return Outcome(
            ECS.DeregisterTaskDefinitionResponse(taskDefinition: record.definition),
            [.putTaskDefinition(record)]
        )
    }

    /// DeleteTaskDefinitions: INACTIVE revisions are deleted; others come back as failures.
    public func deleteTaskDefinitions(
        _ request: ECS.DeleteTaskDefinitionsRequest,
        now: Date
    ) throws(ECSError) -> Outcome<ECS.DeleteTaskDefinitionsResponse> {
        let references = request.taskDefinitions ?? []
        guard (1...10).contains(references.count) else {
            throw ECSError(.invalidParameter, "taskDefinitions names \(references.count) revisions; give 1 to 10")
        }
        var deleted: [ECS.TaskDefinition] = []
        var failures: [ECS.Failure] = []
        var changes: [StateChange] = []
        var seen = Set<TaskDefinitionKey>()
        for reference in references {
            var record: TaskDefinitionRecord
            do {
                record = try taskDefinition(reference, requireRevision: true)
            } catch {
                failures.append(
                    ECS.Failure(
                        arn: reference,
                        reason: "The specified task definition does not exist.",
                        detail: error.message
                    )
                )
                continue
            }
            guard seen.insert(record.key).inserted else { continue }
            guard record.status == .inactive else {
                failures.append(
                    ECS.Failure(
                        arn: arn(of: record.key),
                        reason:
                            "The specified task definition is still in ACTIVE status. Please deregister the target and try again."
                    )
                )
                continue
            }
            record.status = .deleteInProgress
            record.deleteRequestedAt = now
            deleted.append(record.definition)
            // As in ECS, a revision that tasks still use stays (DELETE_IN_PROGRESS) until they
            // stop; one that nothing uses goes at once.
            changes.append(tasks.uses(record.key) ? .putTaskDefinition(record) : .deleteTaskDefinition(record.key))
        }
        return Outcome(ECS.DeleteTaskDefinitionsResponse(taskDefinitions: deleted, failures: failures), changes)
    }

    /// Resolves `family`, `family:revision` or a task definition ARN.
    /// - Throws: `ClientException` naming the reference when nothing matches.
    func taskDefinition(_ reference: String?, requireRevision: Bool = false) throws(ECSError) -> TaskDefinitionRecord {
        guard let reference, !reference.isEmpty else {
            throw ECSError(
                .invalidParameter,
                "taskDefinition is required: give family, family:revision or a task definition ARN"
            )
        }
        var identifier = reference
        if reference.hasPrefix("arn:") {
            guard let arn = ARN(parsing: reference), arn.resourceType == "task-definition", context.owns(arn) else {
                throw ECSError(
                    .client,
                    "\"\(reference)\" is not a task definition ARN of this controller (arn:aws:ecs:\(context.region):\(context.accountID):task-definition/FAMILY:REVISION)"
                )
            }
            identifier = arn.resourceID
        }
        let parts = identifier.split(separator: ":", omittingEmptySubsequences: false)
        let family = String(parts[0])
        let notFound = ECSError(
            .client,
            Self.taskDefinitionNotFound,
            hint: "no task definition \"\(identifier)\" in region \(context.region); ListTaskDefinitions lists them"
        )
        switch parts.count {
        case 1:
            if requireRevision {
                throw ECSError(
                    .client,
                    "Revision is missing.",
                    hint: "give a revision (\"\(family):REVISION\") or a task definition ARN, not only the family"
                )
            }
            guard let newest = taskDefinitions.newestActive(family: family) else { throw notFound }
            return newest
        case 2:
            guard let revision = Int(parts[1]), revision > 0 else {
                throw ECSError(.client, "revision \"\(parts[1])\" in \"\(identifier)\" is not a positive number")
            }
            guard let record = taskDefinitions[TaskDefinitionKey(family: family, revision: revision)] else {
                throw notFound
            }
            return record
        default:
            throw ECSError(.client, "\"\(identifier)\" is not family, family:revision or a task definition ARN")
        }
    }

    static func sortKey(_ record: TaskDefinitionRecord) -> String {
        let revision = String(record.key.revision)
        return "\(record.key.family)\u{1}\(String(repeating: "0", count: max(0, 10 - revision.count)))\(revision)"
    }
}
