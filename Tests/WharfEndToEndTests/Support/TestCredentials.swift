import Foundation
import WharfAuth

/// The access key every test controller starts with (its bootstrap pair), and the environment
/// that gives it to the AWS CLI, boto3 and `wharf`.
enum TestCredentials {
    static let accessKeyId = "AKWHE2EADMIN00000001"
    static let secretAccessKey = "e2e-admin-secret-0123456789abcdefABCDEF"
    static let region = "us-east-1"

    /// What a `wharf-controller` needs to accept the key.
    static let controllerEnvironment = [
        "WHARF_ADMIN_ACCESS_KEY_ID": accessKeyId, "WHARF_ADMIN_SECRET_ACCESS_KEY": secretAccessKey,
    ]

    /// What a client needs to sign with it.
    static let clientEnvironment = [
        "AWS_ACCESS_KEY_ID": accessKeyId, "AWS_SECRET_ACCESS_KEY": secretAccessKey, "AWS_DEFAULT_REGION": region, "AWS_PAGER": "",
    ]

    /// `command` run under `env` with the client environment.
    static func signing(_ command: [String]) -> [String] {
        ["env"] + clientEnvironment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } + command
    }

    static let signer = SigV4Signer(accessKeyId: accessKeyId, secretAccessKey: secretAccessKey, region: region)
}
