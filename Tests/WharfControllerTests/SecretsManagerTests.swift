import Foundation
import Testing
import WharfModel
import WharfState
@testable import WharfController

/// Secrets Manager through the wire handlers (`secretsmanager.*`), as the SDKs call it.
@Suite("Secrets Manager: secrets, versions and stages, listing, deletion with recovery, tags")
struct SecretsManagerTests {
    @Test("a secret's ARN carries six random characters; it is found by name, ARN or ARN without them")
    func create() async throws {
        let manager = try await WireClient(\.secretsHandlers)
        let created = try await manager.ok(
            "CreateSecret",
            ["Name": "prod/db", "SecretString": "{\"password\":\"p1\"}"]
        )
        let arn = try #require(created["ARN"] as? String)
        #expect(arn.hasPrefix("arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/db-"))
        #expect(arn.count == "arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/db-".count + 6)
        let versionId = try #require(created["VersionId"] as? String)
        for id in ["prod/db", arn, "arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/db"] {
            let got = try await manager.ok("GetSecretValue", ["SecretId": id])
            #expect(got["SecretString"] as? String == "{\"password\":\"p1\"}", "\(id)")
            #expect(got["VersionStages"] as? [String] == ["AWSCURRENT"] && got["VersionId"] as? String == versionId)
        }
        #expect(
            try await manager.refusal("CreateSecret", ["Name": "prod/db", "SecretString": "x"])?.code == .resourceExists
        )
        #expect(try await manager.refusal("GetSecretValue", ["SecretId": "nope"])?.code == .resourceNotFound)
        #expect(
            try await manager.refusal("CreateSecret", ["Name": "both", "SecretString": "x", "SecretBinary": "eA=="])?
                .code == .invalidParameter
        )
        #expect(
            try await manager.refusal("CreateSecret", ["Name": "bad name!", "SecretString": "x"])?.code
                == .invalidParameter
        )
        #expect(
            try await manager.refusal("CreateSecret", ["Name": "k", "SecretString": "x", "KmsKeyId": "alias/mine"])?
                .code == .invalidParameter
        )
        #expect(
            try await manager.refusal(
                "CreateSecret",
                ["Name": "r", "SecretString": "x", "AddReplicaRegions": [["Region": "eu-west-1"]]]
            )?.code
                == .invalidParameter
        )

        let token = "0123456789abcdef0123456789abcdef"
        let first = try await manager.ok(
            "CreateSecret",
            ["Name": "idem", "SecretString": "v", "ClientRequestToken": token]
        )
        let retried = try await manager.ok(
            "CreateSecret",
            ["Name": "idem", "SecretString": "v", "ClientRequestToken": token]
        )
        #expect(retried["ARN"] as? String == first["ARN"] as? String && retried["VersionId"] as? String == token)
        #expect(
            try await manager.refusal(
                "CreateSecret",
                ["Name": "idem", "SecretString": "other", "ClientRequestToken": token]
            )?.code == .resourceExists
        )

        let empty = try await manager.ok("CreateSecret", ["Name": "later"])
        #expect(empty["VersionId"] == nil)
        #expect(try await manager.refusal("GetSecretValue", ["SecretId": "later"])?.code == .resourceNotFound)

        let binary = try await manager.ok(
            "CreateSecret",
            ["Name": "bin", "SecretBinary": Data([0, 1, 2, 255]).base64EncodedString()]
        )
        #expect(binary["VersionId"] != nil)
        let gotBinary = try await manager.ok("GetSecretValue", ["SecretId": "bin"])
        #expect(gotBinary["SecretBinary"] as? String == Data([0, 1, 2, 255]).base64EncodedString())
        #expect(gotBinary["SecretString"] == nil)

        let held = await manager.harness.controller.inspect { $0.secrets["prod/db"] }
        #expect(
            held?.versions.allSatisfy { !$0.sealedValue.contains(#"{"password":"p1"}"#) } == true,
            "the state holds only sealed values"
        )
    }

    @Test("a new value becomes AWSCURRENT and the old one AWSPREVIOUS; stages and version IDs pick versions")
    func versions() async throws {
        let manager = try await WireClient(\.secretsHandlers)
        let one = try await manager.ok("CreateSecret", ["Name": "s", "SecretString": "v1"])
        let two = try await manager.ok("PutSecretValue", ["SecretId": "s", "SecretString": "v2"])
        #expect(two["VersionStages"] as? [String] == ["AWSCURRENT"])
        #expect(try await manager.ok("GetSecretValue", ["SecretId": "s"])["SecretString"] as? String == "v2")
        let previous = try await manager.ok("GetSecretValue", ["SecretId": "s", "VersionStage": "AWSPREVIOUS"])
        #expect(
            previous["SecretString"] as? String == "v1"
                && previous["VersionId"] as? String == one["VersionId"] as? String
        )
        let byId = try await manager.ok("GetSecretValue", ["SecretId": "s", "VersionId": one["VersionId"] ?? ""])
        #expect(byId["SecretString"] as? String == "v1")
        #expect(
            try await manager.refusal(
                "GetSecretValue",
                ["SecretId": "s", "VersionId": one["VersionId"] ?? "", "VersionStage": "AWSCURRENT"]
            )?.code
                == .resourceNotFound,
            "a version ID and a stage must name the same version"
        )
        let pending = try await manager.ok(
            "PutSecretValue",
            ["SecretId": "s", "SecretString": "v3", "VersionStages": ["AWSPENDING"]]
        )
        #expect(pending["VersionStages"] as? [String] == ["AWSPENDING"])
        #expect(try await manager.ok("GetSecretValue", ["SecretId": "s"])["SecretString"] as? String == "v2")
        _ = try await manager.ok(
            "UpdateSecretVersionStage",
            [
                "SecretId": "s", "VersionStage": "AWSCURRENT", "MoveToVersionId": pending["VersionId"] ?? "",
                "RemoveFromVersionId": two["VersionId"] ?? "",
            ]
        )
        #expect(try await manager.ok("GetSecretValue", ["SecretId": "s"])["SecretString"] as? String == "v3")
        let described = try await manager.ok("DescribeSecret", ["SecretId": "s"])
        let stages = try #require(described["VersionIdsToStages"] as? [String: [String]])
        #expect(stages[two["VersionId"] as? String ?? ""] == ["AWSPREVIOUS"])
        #expect(Set(stages[pending["VersionId"] as? String ?? ""] ?? []) == ["AWSPENDING", "AWSCURRENT"])
        #expect(stages[one["VersionId"] as? String ?? ""] == nil, "a version without a label is deprecated")
        #expect(described["SecretString"] == nil && described["RotationEnabled"] as? Bool == false)
        let all = try await manager.ok("ListSecretVersionIds", ["SecretId": "s", "IncludeDeprecated": true])
        #expect((all["Versions"] as? [[String: Any]])?.count == 3)
        let staged = try await manager.ok("ListSecretVersionIds", ["SecretId": "s"])
        #expect((staged["Versions"] as? [[String: Any]])?.count == 2)
        #expect(
            try await manager.refusal(
                "UpdateSecretVersionStage",
                [
                    "SecretId": "s", "VersionStage": "AWSCURRENT", "MoveToVersionId": one["VersionId"] ?? "",
                ]
            )?.code == .invalidParameter,
            "moving AWSCURRENT must name the version it leaves"
        )

        let updated = try await manager.ok(
            "UpdateSecret",
            ["SecretId": "s", "Description": "db", "SecretString": "v4"]
        )
        #expect(updated["VersionId"] != nil)
        #expect(try await manager.ok("GetSecretValue", ["SecretId": "s"])["SecretString"] as? String == "v4")
        #expect(try await manager.ok("DescribeSecret", ["SecretId": "s"])["Description"] as? String == "db")
        #expect(
            try await manager.refusal("PutSecretValue", ["SecretId": "s", "SecretString": "x", "RotationToken": "t"])?
                .code == .invalidParameter
        )
    }

    @Test("deletion waits out its recovery window, can be undone, and ends with the retention pass; or is forced")
    func deletion() async throws {
        let manager = try await WireClient(\.secretsHandlers)
        _ = try await manager.ok("CreateSecret", ["Name": "old", "SecretString": "v"])
        _ = try await manager.ok("CreateSecret", ["Name": "keep", "SecretString": "v"])
        #expect(
            try await manager.refusal("DeleteSecret", ["SecretId": "old", "RecoveryWindowInDays": 3])?.code
                == .invalidParameter
        )
        #expect(
            try await manager.refusal(
                "DeleteSecret",
                ["SecretId": "old", "RecoveryWindowInDays": 7, "ForceDeleteWithoutRecovery": true]
            )?.code
                == .invalidParameter
        )
        let deleted = try await manager.ok("DeleteSecret", ["SecretId": "old", "RecoveryWindowInDays": 7])
        let now = manager.harness.clock.now()
        #expect(
            (deleted["DeletionDate"] as? Double).map { Date(timeIntervalSince1970: $0) }
                == now.addingTimeInterval(7 * 86400)
        )
        #expect(try await manager.refusal("GetSecretValue", ["SecretId": "old"])?.code == .invalidRequest)
        #expect(
            try await manager.refusal("CreateSecret", ["Name": "old", "SecretString": "v"])?.code == .invalidRequest
        )
        #expect(try await manager.ok("DescribeSecret", ["SecretId": "old"])["DeletedDate"] != nil)
        func listed(_ body: [String: Any] = [:]) async throws -> [String] {
            (try await manager.ok("ListSecrets", body)["SecretList"] as? [[String: Any]] ?? []).compactMap {
                $0["Name"] as? String
            }
        }
        #expect(try await listed() == ["keep"])
        #expect(Set(try await listed(["IncludePlannedDeletion": true])) == ["old", "keep"])
        _ = try await manager.ok("RestoreSecret", ["SecretId": "old"])
        #expect(try await manager.ok("GetSecretValue", ["SecretId": "old"])["SecretString"] as? String == "v")

        _ = try await manager.ok("DeleteSecret", ["SecretId": "old", "RecoveryWindowInDays": 7])
        manager.harness.clock.advance(6 * 86400)
        #expect(try await manager.harness.controller.expire(retention: .seconds(3600)).secrets == 0)
        manager.harness.clock.advance(86400)
        #expect(try await manager.harness.controller.expire(retention: .seconds(3600)).secrets == 1)
        #expect(try await manager.refusal("DescribeSecret", ["SecretId": "old"])?.code == .resourceNotFound)

        _ = try await manager.ok("DeleteSecret", ["SecretId": "keep", "ForceDeleteWithoutRecovery": true])
        #expect(try await manager.refusal("DescribeSecret", ["SecretId": "keep"])?.code == .resourceNotFound)
        #expect(await manager.harness.controller.inspect { $0.secrets.count } == 0)
    }

    @Test("ListSecrets filters by name, description and tags (a leading ! negates), sorts and pages")
    func listing() async throws {
        let manager = try await WireClient(\.secretsHandlers)
        for (name, description, team) in [
            ("app/a", "first", "web"), ("app/b", "second", "db"), ("ops/c", "third", "web"),
        ] {
            _ = try await manager.ok(
                "CreateSecret",
                [
                    "Name": name, "Description": description, "SecretString": "v",
                    "Tags": [["Key": "team", "Value": team]],
                ]
            )
            manager.harness.clock.advance(1)
        }
        func names(_ body: [String: Any]) async throws -> [String] {
            (try await manager.ok("ListSecrets", body)["SecretList"] as? [[String: Any]] ?? []).compactMap {
                $0["Name"] as? String
            }
        }
        #expect(try await names([:]) == ["app/a", "app/b", "ops/c"])
        #expect(try await names(["SortOrder": "desc"]) == ["ops/c", "app/b", "app/a"])
        #expect(try await names(["Filters": [["Key": "name", "Values": ["app/"]]]]) == ["app/a", "app/b"])
        #expect(try await names(["Filters": [["Key": "name", "Values": ["!app/"]]]]) == ["ops/c"])
        #expect(try await names(["Filters": [["Key": "tag-value", "Values": ["web"]]]]) == ["app/a", "ops/c"])
        #expect(try await names(["Filters": [["Key": "description", "Values": ["sec"]]]]) == ["app/b"])
        let page = try await manager.ok("ListSecrets", ["MaxResults": 2])
        #expect((page["SecretList"] as? [[String: Any]])?.count == 2)
        let rest = try await names(["MaxResults": 2, "NextToken": page["NextToken"] ?? ""])
        #expect(rest == ["ops/c"])
        #expect(try await manager.refusal("ListSecrets", ["NextToken": "bogus"])?.code == .invalidNextTokenException)
        #expect(
            try await manager.refusal("ListSecrets", ["Filters": [["Key": "colour", "Values": ["x"]]]])?.code
                == .invalidParameter
        )

        _ = try await manager.ok("TagResource", ["SecretId": "app/a", "Tags": [["Key": "env", "Value": "prod"]]])
        _ = try await manager.ok("UntagResource", ["SecretId": "app/a", "TagKeys": ["team"]])
        let tags = try await manager.ok("DescribeSecret", ["SecretId": "app/a"])["Tags"] as? [[String: String]]
        #expect(tags == [["Key": "env", "Value": "prod"]])
    }

    @Test("GetRandomPassword: the asked length, each included kind at least once, excluded characters never")
    func randomPassword() throws {
        var random = SeededRandom(seed: 7)
        for _ in 0..<50 {
            let password =
                try ClusterState.randomPassword(
                    SecretsManager.GetRandomPasswordRequest(
                        passwordLength: 12,
                        excludeCharacters: "abc",
                        excludePunctuation: true
                    ),
                    using: &random
                ).randomPassword ?? ""
            #expect(password.count == 12)
            #expect(
                password.contains { $0.isLowercase } && password.contains { $0.isUppercase }
                    && password.contains { $0.isNumber }
            )
            #expect(!password.contains { "abc".contains($0) || $0.isPunctuation || $0.isSymbol })
        }
        #expect(throws: ECSError.self) {
            try ClusterState.randomPassword(
                SecretsManager.GetRandomPasswordRequest(passwordLength: 2, excludePunctuation: false),
                using: &random
            )
        }
    }
}
