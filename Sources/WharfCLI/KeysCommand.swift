import ArgumentParser
import Foundation
import WharfModel

/// `wharf keys`: the access keys that sign API requests (the AWS CLI's AWS_ACCESS_KEY_ID and
/// AWS_SECRET_ACCESS_KEY). Calls are signed with the key in the environment, so the first key is
/// made with the bootstrap pair.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create, list and revoke the access keys that sign API requests.",
        subcommands: [KeysCreateCommand.self, KeysListCommand.self, KeysRevokeCommand.self]
    )
}

/// `wharf keys create`.
struct KeysCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create an access key and print its secret (shown once).")

    @OptionGroup var connection: ControllerConnection

    @Option(help: "What the key is for (up to 256 characters).")
    var description: String?

    func run() async throws {
        let result: WharfAdmin.CreateAccessKeyResult = try await connection.call(
            "CreateAccessKey", WharfAdmin.CreateAccessKeyRequest(description: description), target: "WharfAdmin", signingName: WharfAdmin.signingName)
        if connection.output == "json" {
            print(String(decoding: try ECSJSON.encoder().encode(result), as: UTF8.self))
            return
        }
        let key = result.accessKey ?? WharfAdmin.AccessKey()
        print("""
        AccessKeyId:     \(key.accessKeyId ?? "")
        SecretAccessKey: \(key.secretAccessKey ?? "")   (shown only this once)

        Use it with the AWS CLI:
          export AWS_ACCESS_KEY_ID=\(key.accessKeyId ?? "") AWS_SECRET_ACCESS_KEY='\(key.secretAccessKey ?? "")'
          aws ecs list-clusters --endpoint-url \(connection.resolvedEndpoint)
        """)
    }
}

/// `wharf keys list`.
struct KeysListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the access keys (never their secrets).")

    @OptionGroup var connection: ControllerConnection

    func run() async throws {
        let result: WharfAdmin.ListAccessKeysResult = try await connection.call(
            "ListAccessKeys", WharfAdmin.ListAccessKeysRequest(), target: "WharfAdmin", signingName: WharfAdmin.signingName)
        if connection.output == "json" {
            print(String(decoding: try ECSJSON.encoder().encode(result), as: UTF8.self))
            return
        }
        let rows = (result.accessKeys ?? []).map { key in
            [key.accessKeyId ?? "", key.source ?? "", key.createDate.map { $0.formatted(.iso8601) } ?? "-", key.description ?? ""]
        }
        print(Table(header: ["ACCESS KEY ID", "SOURCE", "CREATED", "DESCRIPTION"], rows: rows).rendered)
    }
}

/// `wharf keys revoke`.
struct KeysRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke an access key: requests it signs are refused from now on.")

    @OptionGroup var connection: ControllerConnection

    @Argument(help: "The access key ID.")
    var id: String

    func run() async throws {
        let _: WharfAdmin.DeleteAccessKeyResult = try await connection.call(
            "DeleteAccessKey", WharfAdmin.DeleteAccessKeyRequest(accessKeyId: id), target: "WharfAdmin", signingName: WharfAdmin.signingName)
        print("revoked access key \(id)")
    }
}
