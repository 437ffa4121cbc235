import WharfModel

extension APISession {
    /// The ARNs on every page of a List operation, starting from `request`.
    func listAll<Request: ECSListRequest, Page: ECSListPage>(
        _ operation: String,
        _ request: Request,
        as _: Page.Type
    ) async throws -> [String] {
        var request = request
        var arns: [String] = []
        repeat {
            let page = try await ecs(operation, request, as: Page.self)
            arns += page.arns
            request.nextToken = page.nextToken
        } while request.nextToken != nil
        return arns
    }

    /// What `describe` answers for `arns`, asked `size` ARNs at a time (a Describe operation's limit).
    func describeAll<Item>(
        _ arns: [String],
        by size: Int,
        _ describe: ([String]) async throws -> [Item]
    ) async throws -> [Item] {
        var described: [Item] = []
        for start in stride(from: 0, to: arns.count, by: size) {
            described += try await describe(Array(arns[start..<min(start + size, arns.count)]))
        }
        return described
    }

    /// Every cluster, described.
    func clusters() async throws -> [ECS.Cluster] {
        let arns = try await listAll("ListClusters", ECS.ListClustersRequest(), as: ECS.ListClustersResponse.self)
        return try await describeAll(arns, by: 100) { chunk -> [ECS.Cluster] in
            let request = ECS.DescribeClustersRequest(clusters: chunk)
            return try await ecs("DescribeClusters", request, as: ECS.DescribeClustersResponse.self).clusters ?? []
        }
    }

    /// The cluster's services, described, by name.
    func services(cluster: String) async throws -> [Described<ECS.Service>] {
        let list = ECS.ListServicesRequest(cluster: cluster)
        let arns = try await listAll("ListServices", list, as: ECS.ListServicesResponse.self)
        let services = try await describeAll(arns, by: 10) { chunk -> [Described<ECS.Service>] in
            let request = ECS.DescribeServicesRequest(cluster: cluster, services: chunk)
            return try await ecs("DescribeServices", request, as: DescribedServices.self).services ?? []
        }
        return services.sorted { ($0.serviceName ?? "") < ($1.serviceName ?? "") }
    }

    /// The cluster's tasks (of one service, when given), described; running ones unless `stopped`.
    func tasks(cluster: String, service: String? = nil, stopped: Bool = false) async throws -> [Described<ECS.Task>] {
        let list = ECS.ListTasksRequest(
            cluster: cluster,
            serviceName: service,
            desiredStatus: stopped ? "STOPPED" : "RUNNING"
        )
        let arns = try await listAll("ListTasks", list, as: ECS.ListTasksResponse.self)
        let tasks = try await describeAll(arns, by: 100) { chunk -> [Described<ECS.Task>] in
            let request = ECS.DescribeTasksRequest(cluster: cluster, tasks: chunk)
            return try await ecs("DescribeTasks", request, as: DescribedTasks.self).tasks ?? []
        }
        return tasks.sorted { ($0.taskArn ?? "") < ($1.taskArn ?? "") }
    }

    /// The cluster's container instances, described, by host.
    func instances(cluster: String) async throws -> [Described<ECS.ContainerInstance>] {
        let list = ECS.ListContainerInstancesRequest(cluster: cluster)
        let arns = try await listAll("ListContainerInstances", list, as: ECS.ListContainerInstancesResponse.self)
        let instances = try await describeAll(arns, by: 100) { chunk -> [Described<ECS.ContainerInstance>] in
            let request = ECS.DescribeContainerInstancesRequest(cluster: cluster, containerInstances: chunk)
            return try await ecs("DescribeContainerInstances", request, as: DescribedContainerInstances.self)
                .containerInstances ?? []
        }
        return instances.sorted { ($0.ec2InstanceId ?? "") < ($1.ec2InstanceId ?? "") }
    }
}
