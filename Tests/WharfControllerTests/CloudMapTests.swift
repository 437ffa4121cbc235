import Foundation
import Testing
import WharfModel
import WharfState
@testable import WharfController

/// Cloud Map through the wire handlers (`Route53AutoNaming_v20170314.*`), as the SDKs call it.
@Suite("Cloud Map: namespaces, services, instances, discovery, health, operations, tags")
struct CloudMapTests {
    /// A private DNS namespace `internal` and a service `web` with an A record; their IDs.
    func web(_ map: WireClient, records: [[String: Any]] = [["Type": "A", "TTL": 10]]) async throws -> (String, String)
    {
        let created = try await map.ok("CreatePrivateDnsNamespace", ["Name": "internal", "Vpc": "vpc-1"])
        let operation = try #require(created["OperationId"] as? String)
        let done = try await map.ok("GetOperation", ["OperationId": operation])
        let namespace = try #require(
            ((done["Operation"] as? [String: Any])?["Targets"] as? [String: String])?["NAMESPACE"]
        )
        #expect((done["Operation"] as? [String: Any])?["Status"] as? String == "SUCCESS")
        let service = try await map.ok(
            "CreateService",
            [
                "Name": "web", "DnsConfig": ["NamespaceId": namespace, "DnsRecords": records],
                "HealthCheckCustomConfig": ["FailureThreshold": 1],
            ]
        )
        return (namespace, try #require((service["Service"] as? [String: Any])?["Id"] as? String))
    }

    @Test("namespaces: created by operation, listed and filtered, refused twice, deleted only without services")
    func namespaces() async throws {
        let map = try await WireClient(\.cloudMapHandlers)
        let (namespace, service) = try await web(map)
        #expect(namespace.hasPrefix("ns-") && namespace.count == 19)
        let got = try await map.ok("GetNamespace", ["Id": namespace])
        let shown = try #require(got["Namespace"] as? [String: Any])
        #expect(shown["Name"] as? String == "internal" && shown["Type"] as? String == "DNS_PRIVATE")
        #expect(shown["ServiceCount"] as? Int == 1)
        #expect(
            (shown["Arn"] as? String)?.hasPrefix("arn:aws:servicediscovery:us-east-1:000000000000:namespace/ns-")
                == true
        )
        #expect(
            try await map.refusal("CreatePrivateDnsNamespace", ["Name": "internal", "Vpc": "v"])?.code
                == .namespaceAlreadyExists
        )
        #expect(
            try await map.refusal("CreatePrivateDnsNamespace", ["Name": "bad_dns!", "Vpc": "v"])?.code == .invalidInput
        )
        #expect(try await map.refusal("CreatePrivateDnsNamespace", ["Name": "novpc"])?.code == .invalidInput)
        _ = try await map.ok("CreateHttpNamespace", ["Name": "api-only"])
        let listed = try await map.ok(
            "ListNamespaces",
            ["Filters": [["Name": "TYPE", "Values": ["HTTP"], "Condition": "EQ"]]]
        )
        #expect((listed["Namespaces"] as? [[String: Any]])?.map { $0["Name"] as? String } == ["api-only"])
        #expect(try await map.refusal("DeleteNamespace", ["Id": namespace])?.code == .resourceInUse)
        _ = try await map.ok("DeleteService", ["Id": service])
        _ = try await map.ok("DeleteNamespace", ["Id": namespace])
        #expect(try await map.refusal("GetNamespace", ["Id": namespace])?.code == .namespaceNotFound)
    }

    @Test("services: DNS records checked, HTTP namespaces take no DnsConfig, Route 53 health checks refused")
    func services() async throws {
        let map = try await WireClient(\.cloudMapHandlers)
        let (namespace, _) = try await web(map)
        let http = try await map.ok("CreateHttpNamespace", ["Name": "api"])
        let operation = try #require(http["OperationId"] as? String)
        let httpNamespace = try #require(
            (((try await map.ok("GetOperation", ["OperationId": operation]))["Operation"] as? [String: Any])?["Targets"]
                as? [String: String])?["NAMESPACE"]
        )
        let refusals: [([String: Any], ECSError.Code)] = [
            (["Name": "web", "NamespaceId": namespace], .serviceAlreadyExists),
            (
                ["Name": "x", "DnsConfig": ["NamespaceId": httpNamespace, "DnsRecords": [["Type": "A", "TTL": 1]]]],
                .invalidInput
            ),
            (["Name": "y", "NamespaceId": namespace, "HealthCheckConfig": ["Type": "HTTP"]], .invalidInput),
            (
                [
                    "Name": "z",
                    "DnsConfig": [
                        "NamespaceId": namespace,
                        "DnsRecords": [
                            ["Type": "CNAME", "TTL": 1],
                            ["Type": "A", "TTL": 1],
                        ],
                    ],
                ],
                .invalidInput
            ),
            (["Name": "w", "NamespaceId": "ns-nope"], .namespaceNotFound),
        ]
        for (body, code) in refusals {
            #expect(try await map.refusal("CreateService", body)?.code == code, "\(body)")
        }
        let apiService = try await map.ok("CreateService", ["Name": "orders", "NamespaceId": httpNamespace])
        #expect((apiService["Service"] as? [String: Any])?["Type"] as? String == "HTTP")
        let listed = try await map.ok(
            "ListServices",
            ["Filters": [["Name": "NAMESPACE_ID", "Values": [httpNamespace], "Condition": "EQ"]]]
        )
        #expect((listed["Services"] as? [[String: Any]])?.map { $0["Name"] as? String } == ["orders"])
    }

    @Test("instances: the attributes the records need, discovery by attributes and health, custom health, revisions")
    func instances() async throws {
        let map = try await WireClient(\.cloudMapHandlers)
        let (_, service) = try await web(map, records: [["Type": "A", "TTL": 10], ["Type": "SRV", "TTL": 10]])
        #expect(
            try await map.refusal(
                "RegisterInstance",
                ["ServiceId": service, "InstanceId": "a", "Attributes": ["AWS_INSTANCE_IPV4": "10.64.0.5"]]
            )?.code == .invalidInput,
            "an SRV record needs a port"
        )
        for (id, address, color) in [("a", "10.64.0.5", "blue"), ("b", "10.64.0.6", "green")] {
            _ = try await map.ok(
                "RegisterInstance",
                [
                    "ServiceId": service, "InstanceId": id,
                    "Attributes": ["AWS_INSTANCE_IPV4": address, "AWS_INSTANCE_PORT": "80", "color": color],
                ]
            )
        }
        var found = try await map.ok("DiscoverInstances", ["NamespaceName": "internal", "ServiceName": "web"])
        #expect((found["Instances"] as? [[String: Any]])?.count == 2)
        let revision = try #require(found["InstancesRevision"] as? Int)
        found = try await map.ok(
            "DiscoverInstances",
            ["NamespaceName": "internal", "ServiceName": "web", "QueryParameters": ["color": "green"]]
        )
        #expect((found["Instances"] as? [[String: Any]])?.map { $0["InstanceId"] as? String } == ["b"])
        _ = try await map.ok(
            "UpdateInstanceCustomHealthStatus",
            ["ServiceId": service, "InstanceId": "a", "Status": "UNHEALTHY"]
        )
        let health = try await map.ok("GetInstancesHealthStatus", ["ServiceId": service])
        #expect(health["Status"] as? [String: String] == ["a": "UNHEALTHY", "b": "HEALTHY"])
        found = try await map.ok("DiscoverInstances", ["NamespaceName": "internal", "ServiceName": "web"])
        #expect((found["Instances"] as? [[String: Any]])?.map { $0["InstanceId"] as? String } == ["b"])
        #expect((found["InstancesRevision"] as? Int ?? 0) > revision)
        _ = try await map.ok("DeregisterInstance", ["ServiceId": service, "InstanceId": "b"])
        #expect(
            try await map.refusal("DeregisterInstance", ["ServiceId": service, "InstanceId": "b"])?.code
                == .instanceNotFound
        )
        let operations = try await map.ok(
            "ListOperations",
            ["Filters": [["Name": "TYPE", "Values": ["DEREGISTER_INSTANCE"], "Condition": "EQ"]]]
        )
        #expect((operations["Operations"] as? [[String: Any]])?.count == 1)
    }

    @Test("tags on namespaces and services")
    func tags() async throws {
        let map = try await WireClient(\.cloudMapHandlers)
        let (_, service) = try await web(map)
        let arn = "arn:aws:servicediscovery:us-east-1:000000000000:service/\(service)"
        _ = try await map.ok("TagResource", ["ResourceARN": arn, "Tags": [["Key": "team", "Value": "web"]]])
        var listed = try await map.ok("ListTagsForResource", ["ResourceARN": arn])
        #expect((listed["Tags"] as? [[String: String]]) == [["Key": "team", "Value": "web"]])
        _ = try await map.ok("UntagResource", ["ResourceARN": arn, "TagKeys": ["team"]])
        listed = try await map.ok("ListTagsForResource", ["ResourceARN": arn])
        #expect((listed["Tags"] as? [[String: String]]) == [])
        #expect(
            try await map.refusal("ListTagsForResource", ["ResourceARN": arn + "x"])?.code == .resourceNotFound
        )
    }
}
