import Foundation
import WharfModel
import WharfScheduler
import WharfState

extension ClusterState {
    /// ListServiceDeployments: a service's deployments, newest first, by status and creation time,
    /// in pages of at most 100 (default 20).
    public func listServiceDeployments(
        _ request: ECS.ListServiceDeploymentsRequest
    ) throws(ECSError) -> ECS.ListServiceDeploymentsResponse {
        let name = try activeCluster(request.cluster).name
        guard let reference = request.service, !reference.isEmpty else {
            throw ECSError(.invalidParameter, "service is required: a service name or ARN")
        }
        guard let record = serviceRecord(reference, cluster: name) else {
            throw ECSError(
                .serviceNotFound,
                "Service not found.",
                hint: "no service \"\(reference)\" in cluster \"\(name)\"; ListServices lists them"
            )
        }
        let statuses = request.status ?? []
        let size = request.maxResults == nil ? 20 : try PageToken.pageSize(request.maxResults, limit: 100)
        let after = request.createdAt?.after
        let before = request.createdAt?.before
        let entries = record.serviceDeployments.filter { entry in
            (statuses.isEmpty || statuses.contains(entry.status.rawValue))
                && (after.map { entry.createdAt >= $0 } ?? true)
                && (before.map { entry.createdAt <= $0 } ?? true)
        }.map { presentServiceDeployment($0, of: record) }
        let window = "\(after?.timeIntervalSince1970 ?? 0)/\(before?.timeIntervalSince1970 ?? 0)"
        let scope = "service-deployments/\(record.arn)/\(statuses.joined(separator: ","))/\(window)"
        // Newest first: the page key is the creation time (then the ARN), descending.
        let keyed = entries.map {
            (String(format: "%017.6f|", $0.createdAt?.timeIntervalSince1970 ?? 0) + ($0.serviceDeploymentArn ?? ""), $0)
        }
        .sorted { $0.0 > $1.0 }
        let page = try PageToken.page(
            keyed,
            key: { $0.0 },
            ascending: false,
            size: size,
            after: request.nextToken,
            scope: scope
        )
        let briefs = page.items.map { _, entry in
            ECS.ServiceDeploymentBrief(
                serviceDeploymentArn: entry.serviceDeploymentArn,
                serviceArn: entry.serviceArn,
                clusterArn: entry.clusterArn,
                startedAt: entry.startedAt,
                createdAt: entry.createdAt,
                finishedAt: entry.finishedAt,
                targetServiceRevisionArn: entry.targetServiceRevision?.arn,
                status: entry.status,
                statusReason: entry.statusReason
            )
        }
        return ECS.ListServiceDeploymentsResponse(serviceDeployments: briefs, nextToken: page.nextToken)
    }

    /// DescribeServiceDeployments: up to 20 service deployments by ARN; unknown ones are MISSING failures.
    /// The service and its deployment that a service deployment or service revision ARN names
    /// (`arn:aws:ecs:REGION:ACCOUNT:TYPE/CLUSTER/SERVICE/ID`, TYPE `service-deployment` or
    /// `service-revision`: both end in the deployment's ID).
    func serviceDeployment(_ arn: String, type: String = "service-deployment")
        -> (ServiceRecord, ServiceDeploymentRecord)?
    {
        let parts = arn.split(separator: "/").map(String.init)
        guard parts.count == 4, parts[0].hasSuffix(":\(type)") else { return nil }
        let serviceArn = String(parts[0].dropLast(type.count)) + "service/\(parts[1])/\(parts[2])"
        let deployment = ServiceDeploymentRecord.deploymentID(inARN: arn)
        guard let record = services[serviceArn],
            let entry = record.serviceDeployments.first(where: { $0.deployment == deployment })
        else { return nil }
        return (record, entry)
    }

    /// StopServiceDeployment: stops the service's deployment in progress and rolls back to the
    /// last completed one (stopType ROLLBACK, the one ECS takes), in the scheduler's next round.
    public func stopServiceDeployment(
        _ request: ECS.StopServiceDeploymentRequest
    ) throws(ECSError) -> Outcome<ECS.StopServiceDeploymentResponse> {
        guard let arn = request.serviceDeploymentArn else {
            throw ECSError(.invalidParameter, "serviceDeploymentArn: is required")
        }
        let stopType = request.stopType ?? "ROLLBACK"
        guard stopType == "ROLLBACK" else {
            throw ECSError(.invalidParameter, "stopType \(stopType) is not supported; the valid value is ROLLBACK")
        }
        guard let (record, entry) = serviceDeployment(arn) else {
            throw ECSError(.serviceDeploymentNotFound, "The service deployment does not exist.", hint: arn)
        }
        guard entry.status == .inProgress, let primary = record.primary, primary.id == entry.deployment,
            primary.rolloutState == .inProgress
        else {
            throw ECSError(
                .conflict,
                "The service deployment is not in progress.",
                hint: "\(arn) is \(entry.status.rawValue)"
            )
        }
        var updated = record
        updated.deploymentStopRequested = true
        return Outcome(ECS.StopServiceDeploymentResponse(serviceDeploymentArn: arn), [.putService(updated)])
    }

    /// DescribeServiceRevisions: up to 20 service revision ARNs
    /// (`service-revision/CLUSTER/SERVICE/ID`), each the settings its deployment began with; one
    /// unknown, or of a deployment older than the 50 kept, comes back in `failures`.
    public func describeServiceRevisions(
        _ request: ECS.DescribeServiceRevisionsRequest
    ) throws(ECSError) -> ECS.DescribeServiceRevisionsResponse {
        let arns = request.serviceRevisionArns ?? []
        guard (1...20).contains(arns.count) else {
            throw ECSError(.invalidParameter, "serviceRevisionArns names \(arns.count) service revisions; give 1 to 20")
        }
        var found: [ECS.ServiceRevision] = []
        var failures: [ECS.Failure] = []
        for arn in arns {
            guard let (record, entry) = serviceDeployment(arn, type: "service-revision"),
                let revision = entry.revision
            else {
                failures.append(ECS.Failure(arn: arn, reason: "MISSING", detail: "no service revision with this ARN"))
                continue
            }
            var snapshot = record
            snapshot.loadBalancers = revision.loadBalancers
            snapshot.serviceRegistries = revision.serviceRegistries
            found.append(
                ECS.ServiceRevision(
                    serviceRevisionArn: arn,
                    serviceArn: record.arn,
                    clusterArn: context.clusterARN(record.cluster),
                    taskDefinition: self.arn(of: revision.taskDefinition),
                    capacityProviderStrategy: revision.capacityProviderStrategy?.map(\.ecs),
                    launchType: revision.launchType?.rawValue,
                    platformVersion: revision.platformVersion,
                    platformFamily: revision.platformVersion == nil ? nil : "Linux",
                    loadBalancers: projectLoadBalancers(snapshot),
                    serviceRegistries: projectServiceRegistries(snapshot),
                    networkConfiguration: revision.networkConfiguration?.value,
                    createdAt: revision.createdAt
                )
            )
        }
        return ECS.DescribeServiceRevisionsResponse(serviceRevisions: found, failures: failures)
    }

    public func describeServiceDeployments(
        _ request: ECS.DescribeServiceDeploymentsRequest
    ) throws(ECSError) -> ECS.DescribeServiceDeploymentsResponse {
        let arns = request.serviceDeploymentArns ?? []
        guard (1...20).contains(arns.count) else {
            throw ECSError(
                .invalidParameter,
                "serviceDeploymentArns names \(arns.count) service deployments; give 1 to 20"
            )
        }
        var found: [ECS.ServiceDeployment] = []
        var failures: [ECS.Failure] = []
        for arn in arns {
            if let (record, entry) = serviceDeployment(arn) {
                found.append(presentServiceDeployment(entry, of: record))
            } else {
                failures.append(ECS.Failure(arn: arn, reason: "MISSING", detail: "no service deployment with this ARN"))
            }
        }
        return ECS.DescribeServiceDeploymentsResponse(serviceDeployments: found, failures: failures)
    }
}
