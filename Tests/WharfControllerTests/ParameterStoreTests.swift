import Foundation
import Testing
import WharfModel
import WharfState
@testable import WharfController

/// Parameter Store through the wire handlers (`AmazonSSM.*`), as the SDKs call it.
@Suite("Parameter Store: PutParameter, GetParameter(s), paths, history, labels, tags and deletion")
struct ParameterStoreTests {
    @Test("a parameter gets versions by overwriting; selectors pick a version or a label; ARNs name it too")
    func versions() async throws {
        let store = try await WireClient(\.ssmHandlers)
        let first = try await store.ok("PutParameter", ["Name": "/app/url", "Value": "http://a", "Type": "String"])
        #expect(first["Version"] as? Int == 1 && first["Tier"] as? String == "Standard")
        #expect(
            try await store.refusal("PutParameter", ["Name": "/app/url", "Value": "x", "Type": "String"])?.code
                == .parameterAlreadyExists
        )
        let second = try await store.ok("PutParameter", ["Name": "/app/url", "Value": "http://b", "Overwrite": true])
        #expect(second["Version"] as? Int == 2, "the type is kept when an overwrite leaves it out")
        #expect(try await store.value("/app/url") == "http://b")
        #expect(try await store.value("/app/url:1") == "http://a")
        let got = try await store.ok("GetParameter", ["Name": "/app/url:1"])
        let parameter = try #require(got["Parameter"] as? [String: Any])
        #expect(parameter["Selector"] as? String == ":1" && parameter["Version"] as? Int == 1)
        #expect(parameter["ARN"] as? String == "arn:aws:ssm:us-east-1:000000000000:parameter/app/url")
        #expect(parameter["DataType"] as? String == "text" && parameter["Type"] as? String == "String")
        #expect(try await store.value("arn:aws:ssm:us-east-1:000000000000:parameter/app/url") == "http://b")
        #expect(try await store.refusal("GetParameter", ["Name": "/app/url:7"])?.code == .parameterVersionNotFound)
        #expect(try await store.refusal("GetParameter", ["Name": "/app/none"])?.code == .parameterNotFound)

        let labelled = try await store.ok(
            "LabelParameterVersion",
            ["Name": "/app/url", "ParameterVersion": 1, "Labels": ["stable", "9bad", "awsx"]]
        )
        #expect(
            labelled["InvalidLabels"] as? [String] == ["9bad", "awsx"] && labelled["ParameterVersion"] as? Int == 1
        )
        #expect(try await store.value("/app/url:stable") == "http://a")
        _ = try await store.ok("LabelParameterVersion", ["Name": "/app/url", "Labels": ["stable"]])
        #expect(try await store.value("/app/url:stable") == "http://b", "a label moves to the version it is put on")
        let unlabelled = try await store.ok(
            "UnlabelParameterVersion",
            ["Name": "/app/url", "ParameterVersion": 2, "Labels": ["stable", "other"]]
        )
        #expect(unlabelled["RemovedLabels"] as? [String] == ["stable"])
        #expect(unlabelled["InvalidLabels"] as? [String] == ["other"])

        let many = try await store.ok("GetParameters", ["Names": ["/app/url", "/app/url:1", "/nope", "/app/url:gone"]])
        #expect(
            (many["Parameters"] as? [[String: Any]])?.compactMap { $0["Value"] as? String } == ["http://b", "http://a"]
        )
        #expect(many["InvalidParameters"] as? [String] == ["/nope", "/app/url:gone"])

        let history = try await store.ok("GetParameterHistory", ["Name": "/app/url"])
        let versions = try #require(history["Parameters"] as? [[String: Any]])
        #expect(versions.compactMap { $0["Version"] as? Int } == [1, 2])
        #expect(versions.compactMap { $0["Value"] as? String } == ["http://a", "http://b"])
        #expect(versions.first?["LastModifiedUser"] as? String == "arn:aws:iam::000000000000:root")
    }

    @Test("a SecureString is sealed in the state, shown sealed without decryption and plain with it, never described")
    func secureStrings() async throws {
        let store = try await WireClient(\.ssmHandlers)
        _ = try await store.ok(
            "PutParameter",
            ["Name": "/db/password", "Value": "hunter2-secret", "Type": "SecureString"]
        )
        let held = await store.harness.controller.inspect { $0.parameters["/db/password"] }
        let version = try #require(held?.current)
        #expect(version.type == .secureString && version.keyId == "alias/aws/ssm")
        #expect(!version.value.contains("hunter2-secret"), "the state holds only the sealed value")
        let sealed = try await store.value("/db/password")
        #expect(sealed == version.value, "without WithDecryption the answer is the ciphertext, as Parameter Store's")
        #expect(try await store.value("/db/password", decrypt: true) == "hunter2-secret")
        let history = try await store.ok("GetParameterHistory", ["Name": "/db/password", "WithDecryption": true])
        #expect((history["Parameters"] as? [[String: Any]])?.first?["Value"] as? String == "hunter2-secret")
        let described = try await store.ok("DescribeParameters", [:])
        let text = String(decoding: try JSONSerialization.data(withJSONObject: described), as: UTF8.self)
        #expect(!text.contains("hunter2") && text.contains("password"))
        #expect((described["Parameters"] as? [[String: Any]])?.first?["KeyId"] as? String == "alias/aws/ssm")
        #expect(
            try await store.refusal(
                "PutParameter",
                ["Name": "/db/other", "Value": "x", "Type": "SecureString", "KeyId": "alias/mine"]
            )?.code
                == .invalidKeyId
        )
        #expect(
            try await store.refusal(
                "PutParameter",
                ["Name": "/db/plain", "Value": "x", "Type": "String", "KeyId": "k"]
            )?
            .code == .validation
        )
    }

    @Test("paths: one level or recursive, filtered by type, in pages; DescribeParameters filters by name, path and tag")
    func paths() async throws {
        let store = try await WireClient(\.ssmHandlers)
        for (name, type) in [
            ("/prod/a", "String"), ("/prod/b", "SecureString"), ("/prod/db/c", "String"),
            ("/test/a", "String"), ("plain", "StringList"),
        ] {
            _ = try await store.ok("PutParameter", ["Name": name, "Value": "v", "Type": type])
        }
        func names(_ answer: [String: Any]) -> [String] {
            (answer["Parameters"] as? [[String: Any]] ?? []).compactMap { $0["Name"] as? String }
        }
        #expect(names(try await store.ok("GetParametersByPath", ["Path": "/prod"])) == ["/prod/a", "/prod/b"])
        #expect(
            names(try await store.ok("GetParametersByPath", ["Path": "/prod/", "Recursive": true]))
                == ["/prod/a", "/prod/b", "/prod/db/c"]
        )
        #expect(
            names(
                try await store.ok(
                    "GetParametersByPath",
                    [
                        "Path": "/prod", "Recursive": true,
                        "ParameterFilters": [["Key": "Type", "Values": ["SecureString"]]],
                    ]
                )
            ) == ["/prod/b"]
        )
        let page = try await store.ok("GetParametersByPath", ["Path": "/", "Recursive": true, "MaxResults": 2])
        #expect(names(page) == ["/prod/a", "/prod/b"])
        let token = try #require(page["NextToken"] as? String)
        let rest = try await store.ok(
            "GetParametersByPath",
            ["Path": "/", "Recursive": true, "MaxResults": 2, "NextToken": token]
        )
        #expect(names(rest) == ["/prod/db/c", "/test/a"])
        #expect(
            try await store.refusal(
                "GetParametersByPath",
                ["Path": "/", "Recursive": true, "NextToken": "bogus"]
            )?.code == .invalidNextToken
        )
        #expect(try await store.refusal("GetParametersByPath", ["Path": "prod"])?.code == .validation)
        #expect(
            try await store.refusal(
                "GetParametersByPath",
                ["Path": "/prod", "ParameterFilters": [["Key": "Name", "Values": ["x"]]]]
            )?.code
                == .invalidFilterKey
        )

        #expect(
            names(
                try await store.ok(
                    "DescribeParameters",
                    [
                        "ParameterFilters": [["Key": "Name", "Option": "BeginsWith", "Values": ["/prod/"]]]
                    ]
                )
            ) == ["/prod/a", "/prod/b", "/prod/db/c"]
        )
        #expect(
            names(
                try await store.ok(
                    "DescribeParameters",
                    [
                        "ParameterFilters": [["Key": "Path", "Option": "OneLevel", "Values": ["/prod"]]]
                    ]
                )
            ) == ["/prod/a", "/prod/b"]
        )
        #expect(
            names(try await store.ok("DescribeParameters", ["Filters": [["Key": "Type", "Values": ["StringList"]]]]))
                == ["plain"]
        )
        _ = try await store.ok(
            "AddTagsToResource",
            ["ResourceType": "Parameter", "ResourceId": "/test/a", "Tags": [["Key": "team", "Value": "qa"]]]
        )
        #expect(
            names(
                try await store.ok(
                    "DescribeParameters",
                    [
                        "ParameterFilters": [["Key": "tag:team", "Values": ["qa"]]]
                    ]
                )
            ) == ["/test/a"]
        )
        #expect(
            try await store.refusal(
                "DescribeParameters",
                [
                    "Filters": [["Key": "Type", "Values": ["String"]]],
                    "ParameterFilters": [["Key": "Type", "Values": ["String"]]],
                ]
            )?.code == .validation
        )
        #expect(
            try await store.refusal(
                "DescribeParameters",
                [
                    "ParameterFilters": [["Key": "Name", "Option": "Recursive", "Values": ["/a"]]]
                ]
            )?.code == .invalidFilterOption
        )
        #expect(try await store.refusal("DescribeParameters", ["MaxResults": 51])?.code == .validation)
    }

    @Test("names, values, patterns, tiers, policies and data types are checked with Parameter Store's errors")
    func rules() async throws {
        let store = try await WireClient(\.ssmHandlers)
        let refused: [([String: Any], ECSError.Code)] = [
            (["Name": "bad name", "Value": "v", "Type": "String"], .validation),
            (["Name": "a/b", "Value": "v", "Type": "String"], .validation),
            (["Name": "/aws/x", "Value": "v", "Type": "String"], .validation),
            (["Name": "ssm-thing", "Value": "v", "Type": "String"], .validation),
            (
                ["Name": "/" + (1...16).map { "l\($0)" }.joined(separator: "/"), "Value": "v", "Type": "String"],
                .hierarchyLevelLimitExceeded
            ),
            (["Name": "n", "Value": "v"], .validation),
            (["Name": "n", "Value": "v", "Type": "Number"], .validation),
            (["Name": "n", "Value": "abc", "Type": "String", "AllowedPattern": "^\\d+$"], .parameterPatternMismatch),
            (["Name": "n", "Value": "abc", "Type": "String", "AllowedPattern": "(["], .invalidAllowedPattern),
            (["Name": "n", "Value": String(repeating: "x", count: 4097), "Type": "String"], .validation),
            (
                ["Name": "n", "Value": "v", "Type": "String", "Policies": "[{\"Type\":\"Expiration\"}]"],
                .invalidPolicyType
            ),
            (["Name": "n", "Value": "v", "Type": "String", "DataType": "aws:ec2:image"], .validation),
        ]
        for (body, code) in refused {
            let error = try await store.refusal("PutParameter", body)
            #expect(error?.code == code, "\(body): \(String(describing: error))")
        }
        let large = try await store.ok(
            "PutParameter",
            [
                "Name": "big", "Value": String(repeating: "x", count: 5000), "Type": "String",
                "Tier": "Intelligent-Tiering",
            ]
        )
        #expect(large["Tier"] as? String == "Advanced")
        #expect(
            try await store.refusal(
                "PutParameter",
                ["Name": "big", "Value": "x", "Overwrite": true, "Tier": "Standard"]
            )?
            .code == .validation,
            "an advanced parameter is not downgraded"
        )
        _ = try await store.ok(
            "PutParameter",
            ["Name": "num", "Value": "42", "Type": "String", "AllowedPattern": "^\\d+$"]
        )
        #expect(
            try await store.refusal("PutParameter", ["Name": "num", "Value": "x", "Overwrite": true])?.code
                == .parameterPatternMismatch,
            "the pattern stays with the parameter"
        )
        #expect(
            try await store.refusal(
                "PutParameter",
                ["Name": "num", "Value": "43", "Overwrite": true, "Tags": [["Key": "k", "Value": "v"]]]
            )?.code
                == .validation
        )
        _ = try await store.ok("PutParameter", ["Name": "/h/x", "Value": "1", "Type": "String"])
        #expect(
            try await store.refusal(
                "PutParameter",
                [
                    "Name": "/h/x", "Value": "1", "Type": "SecureString",
                    "Overwrite": true,
                ]
            )?.code == .hierarchyTypeMismatch
        )
    }

    @Test("a hundred versions are kept: the oldest goes, unless it carries a label")
    func versionLimit() async throws {
        let store = try await WireClient(\.ssmHandlers)
        _ = try await store.ok("PutParameter", ["Name": "counter", "Value": "1", "Type": "String"])
        _ = try await store.ok(
            "LabelParameterVersion",
            ["Name": "counter", "ParameterVersion": 1, "Labels": ["first"]]
        )
        for value in 2...100 {
            _ = try await store.ok("PutParameter", ["Name": "counter", "Value": "\(value)", "Overwrite": true])
        }
        #expect(
            try await store.refusal("PutParameter", ["Name": "counter", "Value": "101", "Overwrite": true])?.code
                == .parameterMaxVersionLimitExceeded
        )
        _ = try await store.ok(
            "UnlabelParameterVersion",
            ["Name": "counter", "ParameterVersion": 1, "Labels": ["first"]]
        )
        let put = try await store.ok("PutParameter", ["Name": "counter", "Value": "101", "Overwrite": true])
        #expect(put["Version"] as? Int == 101)
        #expect(try await store.refusal("GetParameter", ["Name": "counter:1"])?.code == .parameterVersionNotFound)
        #expect(try await store.value("counter:2") == "2")
    }

    @Test("tags are added, listed and removed on parameters only; deletion takes every version")
    func tagsAndDeletion() async throws {
        let store = try await WireClient(\.ssmHandlers)
        _ = try await store.ok(
            "PutParameter",
            [
                "Name": "/t/a", "Value": "v", "Type": "String", "Tags": [["Key": "env", "Value": "prod"]],
            ]
        )
        _ = try await store.ok("PutParameter", ["Name": "/t/b", "Value": "v", "Type": "String"])
        _ = try await store.ok(
            "AddTagsToResource",
            [
                "ResourceType": "Parameter", "ResourceId": "/t/a",
                "Tags": [
                    ["Key": "env", "Value": "qa"],
                    ["Key": "team", "Value": "x"],
                ],
            ]
        )
        let listed = try await store.ok("ListTagsForResource", ["ResourceType": "Parameter", "ResourceId": "/t/a"])
        #expect(
            (listed["TagList"] as? [[String: String]]) == [
                ["Key": "env", "Value": "qa"], ["Key": "team", "Value": "x"],
            ]
        )
        _ = try await store.ok(
            "RemoveTagsFromResource",
            ["ResourceType": "Parameter", "ResourceId": "/t/a", "TagKeys": ["env"]]
        )
        let after = try await store.ok("ListTagsForResource", ["ResourceType": "Parameter", "ResourceId": "/t/a"])
        #expect((after["TagList"] as? [[String: String]]) == [["Key": "team", "Value": "x"]])
        #expect(
            try await store.refusal("ListTagsForResource", ["ResourceType": "Document", "ResourceId": "/t/a"])?.code
                == .invalidResourceType
        )
        #expect(
            try await store.refusal("ListTagsForResource", ["ResourceType": "Parameter", "ResourceId": "/t/zz"])?.code
                == .invalidResourceId
        )

        _ = try await store.ok("DeleteParameter", ["Name": "/t/a"])
        #expect(try await store.refusal("DeleteParameter", ["Name": "/t/a"])?.code == .parameterNotFound)
        let deleted = try await store.ok("DeleteParameters", ["Names": ["/t/b", "/t/a", "/t/b"]])
        #expect(deleted["DeletedParameters"] as? [String] == ["/t/b"])
        #expect(deleted["InvalidParameters"] as? [String] == ["/t/a", "/t/b"])
        #expect(await store.harness.controller.inspect { $0.parameters.count } == 0)
        #expect(
            try await store.refusal("DeleteParameters", ["Names": []])?.code == .validation,
            "the model's minimum of 1"
        )
    }
}

extension WireClient {
    /// A parameter's value as GetParameter answers it.
    func value(_ name: String, decrypt: Bool = false) async throws -> String? {
        let answer = try await ok("GetParameter", ["Name": name, "WithDecryption": decrypt])
        return (answer["Parameter"] as? [String: Any])?["Value"] as? String
    }
}
