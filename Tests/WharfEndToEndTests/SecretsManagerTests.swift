import Foundation
import Testing

@Suite("Secrets Manager with the AWS CLI and boto3 against a real controller", .serialized)
struct SecretsManagerEndToEndTests {
    @Test(
        """
        aws secretsmanager create-secret, get-secret-value, put-secret-value, describe, list, delete and restore; \
        boto3 the same; the plaintext is in no file of the data directory and no log line, and opens after a restart
        """
    )
    func cliAndBoto3() async throws {
        let secret = "sm-\(UUID().uuidString.prefix(8))-plaintext"
        try await withDataDirectory { directory in
            try await withController(dataDirectory: directory) { controller in
                let endpoint = controller.endpoint
                let created = try await aws(
                    [
                        "secretsmanager", "create-secret", "--name", "e2e/db", "--secret-string",
                        "{\"password\":\"\(secret)\"}",
                    ],
                    endpoint: endpoint
                )
                #expect(created.status == 0, "\(created.stderr)")
                let arn = try #require(created.json["ARN"] as? String)
                #expect(arn.hasPrefix("arn:aws:secretsmanager:us-east-1:000000000000:secret:e2e/db-"))
                let got = try await aws(["secretsmanager", "get-secret-value", "--secret-id", arn], endpoint: endpoint)
                #expect(got.json["SecretString"] as? String == "{\"password\":\"\(secret)\"}", "\(got.stderr)")
                let put = try await aws(
                    [
                        "secretsmanager", "put-secret-value", "--secret-id", "e2e/db", "--secret-string",
                        "rotated-\(secret)",
                    ],
                    endpoint: endpoint
                )
                #expect(put.json["VersionStages"] as? [String] == ["AWSCURRENT"], "\(put.stderr)")
                let previous = try await aws(
                    ["secretsmanager", "get-secret-value", "--secret-id", "e2e/db", "--version-stage", "AWSPREVIOUS"],
                    endpoint: endpoint
                )
                #expect(previous.json["SecretString"] as? String == "{\"password\":\"\(secret)\"}")
                let described = try await aws(
                    ["secretsmanager", "describe-secret", "--secret-id", "e2e/db"],
                    endpoint: endpoint
                )
                #expect(described.status == 0 && (described.json["VersionIdsToStages"] as? [String: Any])?.count == 2)
                let deleted = try await aws(
                    ["secretsmanager", "delete-secret", "--secret-id", "e2e/db", "--recovery-window-in-days", "7"],
                    endpoint: endpoint
                )
                #expect(deleted.status == 0 && deleted.json["DeletionDate"] != nil, "\(deleted.stderr)")
                let refused = try await aws(
                    ["secretsmanager", "get-secret-value", "--secret-id", "e2e/db"],
                    endpoint: endpoint
                )
                #expect(
                    refused.status != 0 && refused.stderr.contains("(InvalidRequestException)"),
                    "\(refused.stderr)"
                )
                let restored = try await aws(
                    ["secretsmanager", "restore-secret", "--secret-id", "e2e/db"],
                    endpoint: endpoint
                )
                #expect(restored.status == 0, "\(restored.stderr)")

                let script = """
                    import sys, boto3
                    from botocore.exceptions import ClientError
                    sm = boto3.client("secretsmanager", endpoint_url=sys.argv[1], region_name="us-east-1")
                    sm.create_secret(Name="e2e/api", SecretString="key-1", Tags=[{"Key": "team", "Value": "web"}])
                    print("value:", sm.get_secret_value(SecretId="e2e/api")["SecretString"])
                    rotated = sm.get_secret_value(SecretId="e2e/db")["SecretString"]
                    print("rotated:", rotated == "rotated-" + sys.argv[2])
                    listed = sm.list_secrets(Filters=[{"Key": "tag-value", "Values": ["web"]}])["SecretList"]
                    names = [s["Name"] for s in listed]
                    print("listed:", names)
                    try:
                        sm.get_secret_value(SecretId="e2e/none")
                    except ClientError as error:
                        print("missing:", error.response["Error"]["Code"])
                    print("password:", len(sm.get_random_password(PasswordLength=20)["RandomPassword"]))
                    """
                let boto = try await DockerEngine.run(
                    TestCredentials.signing(["python3", "-c", script, endpoint, secret])
                )
                #expect(boto.status == 0, "\(boto.stdout)\(boto.stderr)")
                #expect(boto.stdout.contains("value: key-1"), "\(boto.stdout)")
                #expect(boto.stdout.contains("rotated: True"), "\(boto.stdout)")
                #expect(boto.stdout.contains("listed: ['e2e/api']"), "\(boto.stdout)")
                #expect(boto.stdout.contains("missing: ResourceNotFoundException"), "\(boto.stdout)")
                #expect(boto.stdout.contains("password: 20"), "\(boto.stdout)")
                #expect(!controller.log.contains(secret), "the plaintext is in no log line")
            }
            expectNoFile(in: directory, contains: secret)
            try await withController(dataDirectory: directory) { controller in
                let got = try await aws(
                    ["secretsmanager", "get-secret-value", "--secret-id", "e2e/db"],
                    endpoint: controller.endpoint
                )
                #expect(got.json["SecretString"] as? String == "rotated-\(secret)")
            }
        }
    }
}
