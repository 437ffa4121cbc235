import Foundation
import Testing
import WharfModel
import WharfState
@testable import WharfController

/// Applies a write's changes the way the Controller does after the store committed them.
func commit<T>(_ state: inout ClusterState, _ outcome: Outcome<T>) -> T {
    for change in outcome.changes { state.apply(change) }
    return outcome.response
}

let now = Date(timeIntervalSince1970: 1_750_000_000)

func definitionRequest(_ family: String = "web", cpu: String? = nil) -> ECS.RegisterTaskDefinitionRequest {
    ECS.RegisterTaskDefinitionRequest(
        family: family, containerDefinitions: [ECS.ContainerDefinition(name: "app", image: "nginx", memory: 64)],
        cpu: cpu, tags: [ECS.Tag(key: "team", value: "web")]
    )
}

@Suite("Cluster operations")
struct ClusterOperationTests {
    var state = ClusterState(context: AccountContext())

    @Test("CreateCluster stores settings, configuration, tags and providers; a second create returns it unchanged")
    mutating func create() throws {
        let request = ECS.CreateClusterRequest(
            clusterName: "prod", tags: [ECS.Tag(key: "env", value: "prod")],
            settings: [ECS.ClusterSetting(name: "containerInsights", value: "enabled")],
            configuration: ECS.ClusterConfiguration(executeCommandConfiguration: ECS.ExecuteCommandConfiguration(logging: "DEFAULT")),
            capacityProviders: ["FARGATE"],
            defaultCapacityProviderStrategy: [ECS.CapacityProviderStrategyItem(capacityProvider: "FARGATE", weight: 1)]
        )
        let created = try #require(commit(&state, try state.createCluster(request)).cluster)
        #expect(created.clusterArn == "arn:aws:ecs:us-east-1:000000000000:cluster/prod")
        #expect(created.status == "ACTIVE")
        #expect(created.settings == [ECS.ClusterSetting(name: "containerInsights", value: "enabled")])
        #expect(created.capacityProviders == ["FARGATE"])
        let again = try state.createCluster(ECS.CreateClusterRequest(clusterName: "prod"))
        #expect(again.changes.isEmpty)
        #expect(again.response.cluster?.tags == [ECS.Tag(key: "env", value: "prod")])
    }

    @Test("DescribeClusters reports unknown names as MISSING and includes parts only on request")
    mutating func describe() throws {
        _ = commit(&state, try state.createCluster(ECS.CreateClusterRequest(clusterName: "a", tags: [ECS.Tag(key: "k", value: "v")])))
        let plain = try state.describeClusters(ECS.DescribeClustersRequest(clusters: ["a", "nope"]))
        #expect(plain.clusters?.map(\.clusterName) == ["a"])
        #expect(plain.clusters?.first?.tags == nil)
        #expect(plain.clusters?.first?.settings == nil)
        #expect(plain.failures == [ECS.Failure(arn: "arn:aws:ecs:us-east-1:000000000000:cluster/nope", reason: "MISSING")])
        let full = try state.describeClusters(ECS.DescribeClustersRequest(
            clusters: ["arn:aws:ecs:us-east-1:000000000000:cluster/a"], include: ["TAGS", "SETTINGS", "STATISTICS"]))
        #expect(full.clusters?.first?.tags == [ECS.Tag(key: "k", value: "v")])
        #expect(full.clusters?.first?.settings?.first?.name == "containerInsights")
        #expect(full.clusters?.first?.statistics?.isEmpty == false)
        let byDefault = try state.describeClusters(ECS.DescribeClustersRequest())
        #expect(byDefault.failures?.first?.arn == "arn:aws:ecs:us-east-1:000000000000:cluster/default")
    }

    @Test("a cluster ARN of another region comes back MISSING; text that is no cluster ARN is refused")
    func foreignARN() throws {
        let foreign = "arn:aws:ecs:eu-west-1:000000000000:cluster/a"
        let response = try state.describeClusters(ECS.DescribeClustersRequest(clusters: [foreign]))
        #expect(response.failures?.first?.arn == foreign)
        #expect(response.failures?.first?.reason == "MISSING")
        #expect(throws: ECSError.self) {
            try state.describeClusters(ECS.DescribeClustersRequest(clusters: ["arn:aws:ecs:us-east-1:000000000000:service/a"]))
        }
    }

    @Test("new clusters take containerInsights from the caller's setting, else the account default")
    mutating func insightsDefault() throws {
        _ = commit(&state, try state.putAccountSettingDefault(ECS.PutAccountSettingDefaultRequest(name: "containerInsights", value: "enhanced")))
        let first = try state.createCluster(ECS.CreateClusterRequest(clusterName: "a")).response.cluster?.settings
        #expect(first == [ECS.ClusterSetting(name: "containerInsights", value: "enhanced")])
        _ = commit(&state, try state.putAccountSetting(ECS.PutAccountSettingRequest(name: "containerInsights", value: "enabled")))
        let second = try state.createCluster(ECS.CreateClusterRequest(clusterName: "b")).response.cluster?.settings
        #expect(second == [ECS.ClusterSetting(name: "containerInsights", value: "enabled")])
    }

    @Test("ListClusters pages through ACTIVE clusters only")
    mutating func list() throws {
        for name in ["c1", "c2", "c3", "gone"] {
            _ = commit(&state, try state.createCluster(ECS.CreateClusterRequest(clusterName: name)))
        }
        _ = commit(&state, try state.deleteCluster(ECS.DeleteClusterRequest(cluster: "gone")))
        let first = try state.listClusters(ECS.ListClustersRequest(maxResults: 2))
        let second = try state.listClusters(ECS.ListClustersRequest(nextToken: first.nextToken, maxResults: 2))
        #expect((first.clusterArns ?? []) + (second.clusterArns ?? []) == ["c1", "c2", "c3"].map { "arn:aws:ecs:us-east-1:000000000000:cluster/\($0)" })
        #expect(second.nextToken == nil)
    }

    @Test("DeleteCluster leaves an INACTIVE cluster that can be described but not updated")
    mutating func delete() throws {
        _ = commit(&state, try state.createCluster(ECS.CreateClusterRequest(clusterName: "tmp")))
        let deleted = commit(&state, try state.deleteCluster(ECS.DeleteClusterRequest(cluster: "tmp")))
        #expect(deleted.cluster?.status == "INACTIVE")
        #expect(try state.describeClusters(ECS.DescribeClustersRequest(clusters: ["tmp"])).clusters?.first?.status == "INACTIVE")
        #expect {
            try state.updateClusterSettings(ECS.UpdateClusterSettingsRequest(cluster: "tmp", settings: []))
        } throws: { ($0 as? ECSError)?.code == .clusterNotFound }
        #expect {
            try state.deleteCluster(ECS.DeleteClusterRequest(cluster: "never"))
        } throws: { ($0 as? ECSError)?.code == .clusterNotFound }
    }

    @Test("DeleteCluster is refused for each thing a cluster still holds", arguments: [
        (1, 0, 0, ECSError.Code.clusterContainsServices), (0, 2, 0, .clusterContainsContainerInstances), (0, 0, 3, .clusterContainsTasks),
    ])
    func deletionRefused(services: Int, instances: Int, tasks: Int, code: ECSError.Code) {
        #expect {
            try ClusterDeletion.check(cluster: "c", activeServices: services, registeredInstances: instances, tasks: tasks)
        } throws: { ($0 as? ECSError)?.code == code }
    }

    @Test("cluster settings, capacity providers and strategies are checked")
    mutating func updates() throws {
        _ = commit(&state, try state.createCluster(ECS.CreateClusterRequest(clusterName: "u")))
        #expect(throws: ECSError.self) {
            try state.updateClusterSettings(ECS.UpdateClusterSettingsRequest(cluster: "u", settings: [ECS.ClusterSetting(name: "containerInsights", value: "maybe")]))
        }
        #expect(throws: ECSError.self) {
            try state.putClusterCapacityProviders(ECS.PutClusterCapacityProvidersRequest(
                cluster: "u", capacityProviders: ["A"], defaultCapacityProviderStrategy: [ECS.CapacityProviderStrategyItem(capacityProvider: "B")]))
        }
        let updated = commit(&state, try state.updateClusterSettings(ECS.UpdateClusterSettingsRequest(
            cluster: "u", settings: [ECS.ClusterSetting(name: "containerInsights", value: "enhanced")])))
        #expect(updated.cluster?.settings == [ECS.ClusterSetting(name: "containerInsights", value: "enhanced")])
    }
}

@Suite("Task definition operations")
struct TaskDefinitionOperationTests {
    var state = ClusterState(context: AccountContext())

    mutating func registerThree() throws {
        for _ in 0..<3 { _ = commit(&state, try state.registerTaskDefinition(definitionRequest(), now: now)) }
    }

    @Test("revisions count up per family and are never reused after deletion")
    mutating func revisions() throws {
        try registerThree()
        #expect(try state.describeTaskDefinition(ECS.DescribeTaskDefinitionRequest(taskDefinition: "web")).taskDefinition?.revision == 3)
        _ = commit(&state, try state.deregisterTaskDefinition(ECS.DeregisterTaskDefinitionRequest(taskDefinition: "web:3"), now: now))
        _ = commit(&state, try state.deleteTaskDefinitions(ECS.DeleteTaskDefinitionsRequest(taskDefinitions: ["web:3"]), now: now))
        let next = commit(&state, try state.registerTaskDefinition(definitionRequest(), now: now))
        #expect(next.taskDefinition?.revision == 4)
        let other = commit(&state, try state.registerTaskDefinition(definitionRequest("api"), now: now))
        #expect(other.taskDefinition?.revision == 1)
    }

    @Test("DescribeTaskDefinition by family, family:revision and ARN, with tags on request")
    mutating func describe() throws {
        try registerThree()
        let arn = "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1"
        #expect(try state.describeTaskDefinition(ECS.DescribeTaskDefinitionRequest(taskDefinition: "web:2")).taskDefinition?.revision == 2)
        let byARN = try state.describeTaskDefinition(ECS.DescribeTaskDefinitionRequest(taskDefinition: arn, include: ["TAGS"]))
        #expect(byARN.taskDefinition?.revision == 1)
        #expect(byARN.tags == [ECS.Tag(key: "team", value: "web")])
        #expect(try state.describeTaskDefinition(ECS.DescribeTaskDefinitionRequest(taskDefinition: "web")).tags == nil)
        for missing in ["web:9", "nope", "web:x", "arn:aws:ecs:us-east-1:000000000000:cluster/web"] {
            #expect(throws: ECSError.self) { try state.describeTaskDefinition(ECS.DescribeTaskDefinitionRequest(taskDefinition: missing)) }
        }
    }

    @Test("a deregistered revision is INACTIVE, still describable, and skipped for the bare family")
    mutating func deregister() throws {
        try registerThree()
        let response = commit(&state, try state.deregisterTaskDefinition(ECS.DeregisterTaskDefinitionRequest(taskDefinition: "web:3"), now: now))
        #expect(response.taskDefinition?.status == "INACTIVE")
        #expect(response.taskDefinition?.deregisteredAt == now)
        #expect(try state.describeTaskDefinition(ECS.DescribeTaskDefinitionRequest(taskDefinition: "web:3")).taskDefinition?.status == "INACTIVE")
        #expect(try state.describeTaskDefinition(ECS.DescribeTaskDefinitionRequest(taskDefinition: "web")).taskDefinition?.revision == 2)
        #expect(throws: ECSError.self) { try state.deregisterTaskDefinition(ECS.DeregisterTaskDefinitionRequest(taskDefinition: "web"), now: now) }
    }

    @Test("DeleteTaskDefinitions deletes INACTIVE revisions and reports the rest as failures")
    mutating func delete() throws {
        try registerThree()
        _ = commit(&state, try state.deregisterTaskDefinition(ECS.DeregisterTaskDefinitionRequest(taskDefinition: "web:1"), now: now))
        let response = commit(&state, try state.deleteTaskDefinitions(ECS.DeleteTaskDefinitionsRequest(
            taskDefinitions: ["web:1", "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1", "web:2", "web:9"]), now: now))
        #expect(response.taskDefinitions?.map(\.status) == ["DELETE_IN_PROGRESS"])
        #expect(response.failures?.count == 2)
        #expect(response.failures?.first?.reason?.contains("ACTIVE") == true)
        #expect(throws: ECSError.self) { try state.describeTaskDefinition(ECS.DescribeTaskDefinitionRequest(taskDefinition: "web:1")) }
    }

    @Test("ListTaskDefinitions filters by family and status, sorts both ways, and pages")
    mutating func list() throws {
        try registerThree()
        for _ in 0..<10 { _ = commit(&state, try state.registerTaskDefinition(definitionRequest("api"), now: now)) }
        _ = commit(&state, try state.deregisterTaskDefinition(ECS.DeregisterTaskDefinitionRequest(taskDefinition: "web:2"), now: now))
        let web = try state.listTaskDefinitions(ECS.ListTaskDefinitionsRequest(familyPrefix: "web", sort: "DESC"))
        #expect(web.taskDefinitionArns?.map { $0.split(separator: "/").last.map(String.init) ?? "" } == ["web:3", "web:1"])
        var arns: [String] = []
        var token: String?
        repeat {
            let page = try state.listTaskDefinitions(ECS.ListTaskDefinitionsRequest(nextToken: token, maxResults: 4))
            arns += page.taskDefinitionArns ?? []
            token = page.nextToken
        } while token != nil
        #expect(arns.count == 12)
        #expect(arns.first?.hasSuffix("api:1") == true)
        #expect(arns[9].hasSuffix("api:10") == true)
        let inactive = try state.listTaskDefinitions(ECS.ListTaskDefinitionsRequest(status: "INACTIVE"))
        #expect(inactive.taskDefinitionArns == ["arn:aws:ecs:us-east-1:000000000000:task-definition/web:2"])
    }

    @Test("ListTaskDefinitionFamilies by prefix and status")
    mutating func families() throws {
        try registerThree()
        _ = commit(&state, try state.registerTaskDefinition(definitionRequest("worker"), now: now))
        _ = commit(&state, try state.deregisterTaskDefinition(ECS.DeregisterTaskDefinitionRequest(taskDefinition: "worker:1"), now: now))
        #expect(try state.listTaskDefinitionFamilies(ECS.ListTaskDefinitionFamiliesRequest()).families == ["web"])
        #expect(try state.listTaskDefinitionFamilies(ECS.ListTaskDefinitionFamiliesRequest(status: "INACTIVE")).families == ["worker"])
        #expect(try state.listTaskDefinitionFamilies(ECS.ListTaskDefinitionFamiliesRequest(familyPrefix: "w", status: "ALL")).families == ["web", "worker"])
    }
}

@Suite("Tags and account settings")
struct TagAndSettingTests {
    var state = ClusterState(context: AccountContext())

    @Test("tags are added, replaced, removed and listed on clusters and task definitions")
    mutating func tags() throws {
        _ = commit(&state, try state.createCluster(ECS.CreateClusterRequest(clusterName: "t", tags: [ECS.Tag(key: "a", value: "1")])))
        _ = commit(&state, try state.registerTaskDefinition(definitionRequest(), now: now))
        for arn in ["arn:aws:ecs:us-east-1:000000000000:cluster/t", "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1"] {
            _ = commit(&state, try state.tagResource(ECS.TagResourceRequest(resourceArn: arn, tags: [ECS.Tag(key: "a", value: "2"), ECS.Tag(key: "b", value: "3")])))
            let tagged = try state.listTagsForResource(ECS.ListTagsForResourceRequest(resourceArn: arn)).tags ?? []
            #expect(tagged.contains(ECS.Tag(key: "a", value: "2")))
            #expect(tagged.contains(ECS.Tag(key: "b", value: "3")))
            _ = commit(&state, try state.untagResource(ECS.UntagResourceRequest(resourceArn: arn, tagKeys: ["a"])))
            #expect(try state.listTagsForResource(ECS.ListTagsForResourceRequest(resourceArn: arn)).tags?.contains { $0.key == "a" } == false)
        }
        #expect { try state.tagResource(ECS.TagResourceRequest(resourceArn: "arn:aws:ecs:us-east-1:000000000000:cluster/none", tags: []))
        } throws: { ($0 as? ECSError)?.code == .clusterNotFound }
        #expect { try state.listTagsForResource(ECS.ListTagsForResourceRequest(resourceArn: "nonsense"))
        } throws: { ($0 as? ECSError)?.code == .invalidParameter }
        #expect { try state.tagResource(ECS.TagResourceRequest(resourceArn: "arn:aws:ecs:us-east-1:000000000000:cluster/t", tags: [ECS.Tag(key: "aws:x", value: "")]))
        } throws: { ($0 as? ECSError)?.code == .invalidParameter }
    }

    @Test("DeleteAccountSetting removes the principal's own value: the account default applies again")
    mutating func deleteSetting() throws {
        _ = commit(&state, try state.putAccountSettingDefault(ECS.PutAccountSettingDefaultRequest(name: "awsvpcTrunking", value: "enabled")))
        _ = commit(&state, try state.putAccountSetting(ECS.PutAccountSettingRequest(name: "awsvpcTrunking", value: "disabled")))
        let deleted = commit(&state, try state.deleteAccountSetting(ECS.DeleteAccountSettingRequest(name: "awsvpcTrunking")))
        #expect(deleted.setting?.value == "disabled")
        #expect(try state.listAccountSettings(ECS.ListAccountSettingsRequest(name: "awsvpcTrunking")).settings?.isEmpty == true)
        let effective = try state.listAccountSettings(ECS.ListAccountSettingsRequest(name: "awsvpcTrunking", effectiveSettings: true))
        #expect(effective.settings?.first?.value == "enabled")
        let none = try state.deleteAccountSetting(ECS.DeleteAccountSettingRequest(name: "awsvpcTrunking"))
        #expect(none.changes.isEmpty && none.response.setting?.value == "enabled")
        #expect { try state.deleteAccountSetting(ECS.DeleteAccountSettingRequest(name: "nope")) } throws: {
            ($0 as? ECSError)?.code == .invalidParameter
        }
    }

    @Test("account settings: own value, account default, then ECS's default")
    mutating func settings() throws {
        _ = commit(&state, try state.putAccountSettingDefault(ECS.PutAccountSettingDefaultRequest(name: "awsvpcTrunking", value: "enabled")))
        let put = commit(&state, try state.putAccountSetting(ECS.PutAccountSettingRequest(name: "containerInsights", value: "enhanced")))
        #expect(put.setting == ECS.Setting(name: "containerInsights", value: "enhanced", principalArn: "arn:aws:iam::000000000000:root", type: "user"))
        let own = try state.listAccountSettings(ECS.ListAccountSettingsRequest())
        #expect(own.settings?.map(\.name) == ["containerInsights"])
        var effective: [ECS.Setting] = []
        var token: String?
        repeat {
            let page = try state.listAccountSettings(ECS.ListAccountSettingsRequest(effectiveSettings: true, nextToken: token))
            effective += page.settings ?? []
            token = page.nextToken
        } while token != nil
        #expect(effective.count == AccountSettingRules.settings.count)
        #expect(effective.first { $0.name == "awsvpcTrunking" }?.value == "enabled")
        #expect(effective.first { $0.name == "taskLongArnFormat" }?.value == "enabled")
        #expect(effective.first { $0.name == "taskLongArnFormat" }?.type == "aws_managed")
        #expect { try state.putAccountSetting(ECS.PutAccountSettingRequest(name: "containerInsights", value: "on"))
        } throws: { ($0 as? ECSError)?.message.contains("enabled, disabled, enhanced") == true }
    }
}
