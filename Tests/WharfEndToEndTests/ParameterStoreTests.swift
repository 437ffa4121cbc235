import Foundation
import Testing

@Suite("Parameter Store with the AWS CLI and boto3 against a real controller", .serialized)
struct ParameterStoreEndToEndTests {
    @Test(
        """
        aws ssm put-parameter and get-parameter(s), by path and with history; boto3 the same; a SecureString's \
        plaintext is in no file of the data directory, no log line and no describe answer, and survives a restart
        """
    )
    func cliAndBoto3() async throws {
        let secret = "pw-\(UUID().uuidString.prefix(8))-plaintext"
        try await withDataDirectory { directory in
            try await withController(dataDirectory: directory) { controller in
                let endpoint = controller.endpoint
                let put = try await aws(
                    [
                        "ssm", "put-parameter", "--name", "/e2e/db/password", "--type", "SecureString", "--value",
                        secret,
                    ],
                    endpoint: endpoint
                )
                #expect(put.status == 0, "\(put.stderr)")
                #expect(put.json["Version"] as? Int == 1 && put.json["Tier"] as? String == "Standard")
                let plain = try await aws(
                    ["ssm", "put-parameter", "--name", "/e2e/db/host", "--type", "String", "--value", "db.lab"],
                    endpoint: endpoint
                )
                #expect(plain.status == 0, "\(plain.stderr)")
                let again = try await aws(
                    ["ssm", "put-parameter", "--name", "/e2e/db/host", "--type", "String", "--value", "x"],
                    endpoint: endpoint
                )
                #expect(again.status != 0 && again.stderr.contains("(ParameterAlreadyExists)"), "\(again.stderr)")

                let decrypted = try await aws(
                    ["ssm", "get-parameter", "--name", "/e2e/db/password", "--with-decryption"],
                    endpoint: endpoint
                )
                #expect((decrypted.json["Parameter"] as? [String: Any])?["Value"] as? String == secret, "\(decrypted)")
                let sealed = try await aws(["ssm", "get-parameter", "--name", "/e2e/db/password"], endpoint: endpoint)
                let sealedValue = (sealed.json["Parameter"] as? [String: Any])?["Value"] as? String
                #expect(sealedValue != nil && sealedValue != secret)
                let byPath = try await aws(
                    ["ssm", "get-parameters-by-path", "--path", "/e2e", "--recursive", "--with-decryption"],
                    endpoint: endpoint
                )
                let values = (byPath.json["Parameters"] as? [[String: Any]] ?? []).compactMap { $0["Value"] as? String }
                #expect(values == ["db.lab", secret], "\(byPath.json)")
                let described = try await aws(["ssm", "describe-parameters"], endpoint: endpoint)
                #expect(described.status == 0, "\(described.stderr)")
                let describedText = String(
                    decoding: try JSONSerialization.data(withJSONObject: described.json),
                    as: UTF8.self
                )
                #expect(!describedText.contains(secret))
                #expect((described.json["Parameters"] as? [[String: Any]])?.count == 2)
                let missing = try await aws(["ssm", "get-parameter", "--name", "/e2e/none"], endpoint: endpoint)
                #expect(missing.status != 0 && missing.stderr.contains("(ParameterNotFound)"), "\(missing.stderr)")

                let script = """
                    import sys, boto3
                    from botocore.exceptions import ClientError
                    ssm = boto3.client("ssm", endpoint_url=sys.argv[1], region_name="us-east-1")
                    ssm.put_parameter(Name="/e2e/db/host", Value="db2.lab", Type="String", Overwrite=True)
                    ssm.label_parameter_version(Name="/e2e/db/host", ParameterVersion=1, Labels=["old"])
                    print("old:", ssm.get_parameter(Name="/e2e/db/host:old")["Parameter"]["Value"])
                    names = ["/e2e/db/host", "/e2e/db/password", "/e2e/nope"]
                    got = ssm.get_parameters(Names=names, WithDecryption=True)
                    print("values:", [p["Value"] == sys.argv[2] or p["Value"] for p in got["Parameters"]])
                    print("invalid:", got["InvalidParameters"])
                    history = ssm.get_parameter_history(Name="/e2e/db/host")["Parameters"]
                    print("history:", [(h["Version"], h["Value"], h.get("Labels")) for h in history])
                    paginator = ssm.get_paginator("get_parameters_by_path")
                    pages = paginator.paginate(Path="/e2e", Recursive=True, MaxResults=1)
                    print("paged:", [p["Name"] for page in pages for p in page["Parameters"]])
                    try:
                        ssm.put_parameter(Name="/e2e/x", Value="v", Type="String", Policies="[]")
                    except ClientError as error:
                        print("policies:", error.response["Error"]["Code"])
                    """
                let boto = try await DockerEngine.run(
                    TestCredentials.signing(["python3", "-c", script, endpoint, secret])
                )
                #expect(boto.status == 0, "\(boto.stdout)\(boto.stderr)")
                #expect(boto.stdout.contains("old: db.lab"), "\(boto.stdout)")
                #expect(boto.stdout.contains("values: ['db2.lab', True]"), "\(boto.stdout)")
                #expect(boto.stdout.contains("invalid: ['/e2e/nope']"), "\(boto.stdout)")
                #expect(boto.stdout.contains("history: [(1, 'db.lab', ['old']), (2, 'db2.lab', [])]"), "\(boto.stdout)")
                #expect(boto.stdout.contains("paged: ['/e2e/db/host', '/e2e/db/password']"), "\(boto.stdout)")
                #expect(boto.stdout.contains("policies: InvalidPolicyTypeException"), "\(boto.stdout)")
                #expect(!controller.log.contains(secret), "the plaintext is in no log line")
            }
            // Stopped: no file of the data directory holds the plaintext (wharf.db, its WAL, the key).
            expectNoFile(in: directory, contains: secret)
            // Restarted on the same directory: the value opens again with the stored key.
            try await withController(dataDirectory: directory) { controller in
                let decrypted = try await aws(
                    ["ssm", "get-parameter", "--name", "/e2e/db/password", "--with-decryption"],
                    endpoint: controller.endpoint
                )
                #expect((decrypted.json["Parameter"] as? [String: Any])?["Value"] as? String == secret)
            }
        }
    }
}
