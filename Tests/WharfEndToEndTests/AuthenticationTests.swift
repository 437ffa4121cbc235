import Foundation
import Testing

@Suite("API authentication with real clients: SigV4 from the AWS CLI and boto3, wharf keys", .serialized)
struct AuthenticationTests {
    /// Runs the AWS CLI with `environment` in place of the tests' credentials.
    func aws(_ arguments: [String], _ endpoint: String, id: String, secret: String, extra: [String] = []) async throws -> DockerEngine.CommandResult {
        try await DockerEngine.run(["env", "AWS_ACCESS_KEY_ID=\(id)", "AWS_SECRET_ACCESS_KEY=\(secret)", "AWS_DEFAULT_REGION=us-east-1",
                                    "AWS_PAGER=", "aws"] + arguments + ["--endpoint-url", endpoint, "--output", "json"] + extra)
    }

    @Test("the AWS CLI and boto3 with the right key work; unsigned, wrongly signed, unknown-key and 20-minute-old requests are refused with AWS's error types")
    func refusals() async throws {
        try await withController { controller in
            let ok = try await aws(["ecs", "create-cluster", "--cluster-name", "signed"], controller.endpoint,
                                   id: TestCredentials.accessKeyId, secret: TestCredentials.secretAccessKey)
            #expect(ok.status == 0, "\(ok.stderr)")
            let unsigned = try await aws(["ecs", "list-clusters"], controller.endpoint, id: "x", secret: "y", extra: ["--no-sign-request"])
            #expect(unsigned.status != 0 && unsigned.stderr.contains("(MissingAuthenticationTokenException)"), "\(unsigned.stderr)")
            let wrong = try await aws(["ecs", "list-clusters"], controller.endpoint, id: TestCredentials.accessKeyId, secret: "not-the-secret-0123456789")
            #expect(wrong.status != 0 && wrong.stderr.contains("(InvalidSignatureException)"), "\(wrong.stderr)")
            let unknown = try await aws(["ssm", "describe-activations"], controller.endpoint, id: "AKWHNOSUCHKEY0000000", secret: TestCredentials.secretAccessKey)
            #expect(unknown.status != 0 && unknown.stderr.contains("(UnrecognizedClientException)"), "\(unknown.stderr)")

            // boto3, once with its clock 20 minutes behind (outside the 15-minute window), once on time.
            let script = """
            import datetime, sys, boto3, botocore.auth
            from botocore.exceptions import ClientError
            real = botocore.auth.get_current_datetime
            ecs = boto3.client("ecs", endpoint_url=sys.argv[1], region_name="us-east-1")
            botocore.auth.get_current_datetime = lambda: real() - datetime.timedelta(minutes=20)
            try:
                ecs.list_clusters()
                print("old: accepted")
            except ClientError as error:
                print("old:", error.response["Error"]["Code"], error.response["Error"]["Message"])
            botocore.auth.get_current_datetime = real
            print("now:", ecs.list_clusters()["clusterArns"])
            print("ssm:", len(boto3.client("ssm", endpoint_url=sys.argv[1], region_name="us-east-1").describe_activations()["ActivationList"]))
            """
            let boto = try await DockerEngine.run(TestCredentials.signing(["python3", "-c", script, controller.endpoint]))
            #expect(boto.status == 0, "\(boto.stdout)\(boto.stderr)")
            #expect(boto.stdout.contains("old: InvalidSignatureException Signature expired"), "\(boto.stdout)")
            #expect(boto.stdout.contains("now: ['arn:aws:ecs:us-east-1:000000000000:cluster/signed']"), "\(boto.stdout)")
            #expect(boto.stdout.contains("ssm: 0"), "\(boto.stdout)")
        }
    }

    @Test("wharf keys: create a key with the bootstrap pair, use it with the AWS CLI, list it, revoke it; its secret is neither in the database nor in the log")
    func keys() async throws {
        try await withController { controller in
            let wharf = ManagedProcess.built("wharf").path
            let created = try await DockerEngine.run(TestCredentials.signing([wharf, "keys", "create", "--endpoint", controller.endpoint,
                                                                               "--description", "laptop", "--output", "json"]))
            #expect(created.status == 0, "\(created.stderr)")
            let key = (try? JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])?["AccessKey"] as? [String: Any]
            let id = try #require(key?["AccessKeyId"] as? String, "\(created.stdout)")
            let secret = try #require(key?["SecretAccessKey"] as? String)
            let used = try await aws(["ecs", "list-clusters"], controller.endpoint, id: id, secret: secret)
            #expect(used.status == 0, "\(used.stderr)")
            // wharf finds the key in a profile of ~/.aws/credentials, as the AWS CLI would.
            let home = controller.dataDirectory + "/home"
            try FileManager.default.createDirectory(atPath: home + "/.aws", withIntermediateDirectories: true)
            try "[laptop]\naws_access_key_id = \(id)\naws_secret_access_key = \(secret)\n".write(toFile: home + "/.aws/credentials", atomically: true, encoding: .utf8)
            let byProfile = try await DockerEngine.run(["env", "HOME=\(home)", "AWS_PROFILE=laptop", wharf, "keys", "list", "--endpoint", controller.endpoint])
            #expect(byProfile.status == 0 && byProfile.stdout.contains(id), "\(byProfile.stdout)\(byProfile.stderr)")

            let table = try await DockerEngine.run(TestCredentials.signing([wharf, "keys", "list", "--endpoint", controller.endpoint]))
            let row = try #require(table.stdout.split(separator: "\n").first { $0.hasPrefix(id) }, "\(table.stdout)\(table.stderr)")
            #expect(row.contains("stored") && row.contains("laptop"))
            #expect(table.stdout.contains(TestCredentials.accessKeyId) && !table.stdout.contains(secret))

            let revoked = try await DockerEngine.run(TestCredentials.signing([wharf, "keys", "revoke", id, "--endpoint", controller.endpoint]))
            #expect(revoked.status == 0 && revoked.stdout.contains("revoked access key \(id)"), "\(revoked.stderr)")
            let refused = try await aws(["ecs", "list-clusters"], controller.endpoint, id: id, secret: secret)
            #expect(refused.status != 0 && refused.stderr.contains("(UnrecognizedClientException)"), "\(refused.stderr)")
            let again = try await DockerEngine.run(TestCredentials.signing([wharf, "keys", "revoke", id, "--endpoint", controller.endpoint]))
            #expect(again.status != 0 && again.stderr.contains("NoSuchEntityException"), "\(again.stderr)")
            // Plain HTTP to a machine elsewhere (TEST-NET-1, unroutable): warned before anything is sent.
            let remote = try await DockerEngine.run(TestCredentials.signing(["timeout", "5", wharf, "keys", "list", "--endpoint", "http://192.0.2.1:9"]))
            #expect(remote.stderr.contains("is plain HTTP beyond loopback"), "\(remote.stderr)")
            #expect(!table.stderr.contains("plain HTTP"), "no warning on loopback")
            let unsigned = try await DockerEngine.run([wharf, "keys", "list", "--endpoint", controller.endpoint])
            #expect(unsigned.status != 0 && unsigned.stderr.contains("MissingAuthenticationTokenException"), "\(unsigned.stderr)")

            for file in ["wharf.db", "wharf.db-wal"] {
                let bytes = FileManager.default.contents(atPath: controller.dataDirectory + "/" + file) ?? Data()
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "the secret is in \(file)")
                #expect(bytes.range(of: Data(TestCredentials.secretAccessKey.utf8)) == nil, "the bootstrap secret is in \(file)")
            }
            let mode = try FileManager.default.attributesOfItem(atPath: controller.dataDirectory + "/secrets.key")[.posixPermissions] as? Int
            #expect(mode == 0o600)
            #expect(!controller.log.contains(secret) && !controller.log.contains(TestCredentials.secretAccessKey))
        }
    }

    @Test("a database whose stored keys do not unseal with secrets.key (restored without it) stops the controller at start, with exit 64")
    func lostSecretsKey() async throws {
        try await withDataDirectory { directory in
            try await withController(dataDirectory: directory) { controller in
                let created = try await controller.client.call("CreateAccessKey", ["Description": "kept"], target: "WharfAdmin")
                #expect(created.status == 200, "\(created.json)")
            }
            try FileManager.default.removeItem(atPath: directory + "/secrets.key")
            let restarted = try await DockerEngine.run(["env", "WHARF_ADMIN_ACCESS_KEY_ID=\(TestCredentials.accessKeyId)",
                                                        "WHARF_ADMIN_SECRET_ACCESS_KEY=\(TestCredentials.secretAccessKey)",
                                                        ControllerProcess.executable.path, "--listen", "127.0.0.1:0", "--data-dir", directory])
            #expect(restarted.status == 64, "\(restarted.stderr)")
            #expect(restarted.stderr.contains("none of the 1 stored access keys can be unsealed"), "\(restarted.stderr)")
        }
    }

    @Test("wharf-controller without any access key refuses to start (exit 64) and says how; wharf dev off loopback without one is refused")
    func noKeys() async throws {
        try await withDataDirectory { directory in
            let bare = try await DockerEngine.run([ControllerProcess.executable.path, "--listen", "127.0.0.1:0", "--data-dir", directory])
            #expect(bare.status == 64, "\(bare.stderr)")
            #expect(bare.stderr.contains("WHARF_ADMIN_ACCESS_KEY_ID and WHARF_ADMIN_SECRET_ACCESS_KEY"), "\(bare.stderr)")
            let half = try await DockerEngine.run(["env", "WHARF_ADMIN_ACCESS_KEY_ID=AKWHHALF", ControllerProcess.executable.path, "--data-dir", directory])
            #expect(half.status == 64 && half.stderr.contains("WHARF_ADMIN_SECRET_ACCESS_KEY is not"), "\(half.stderr)")
            let short = try await DockerEngine.run(["env", "WHARF_ADMIN_ACCESS_KEY_ID=AKWHSHORT", "WHARF_ADMIN_SECRET_ACCESS_KEY=short",
                                                    ControllerProcess.executable.path, "--data-dir", directory])
            #expect(short.status == 64 && short.stderr.contains("at least 16 characters"), "\(short.stderr)")
            let dev = try await DockerEngine.run([ManagedProcess.built("wharf").path, "dev", "--listen", "0.0.0.0:0", "--data-dir", directory])
            #expect(dev.status != 0 && dev.stderr.contains("loopback only"), "\(dev.stderr)")
        }
    }
}
