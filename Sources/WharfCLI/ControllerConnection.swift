import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import WharfAuth
import WharfController
import WharfModel

/// How the `wharf` commands reach a controller: its URL, the output format, and the access key
/// requests are signed with, found as the AWS CLI finds it (``AWSCredentials``).
struct ControllerConnection: ParsableArguments {
    @Option(help: "The controller's URL (env WHARF_ENDPOINT, else AWS_ENDPOINT_URL). Default: http://127.0.0.1:8080.")
    var endpoint: String?

    @Option(help: "table (default) or json.")
    var output: String = "table"

    /// The endpoint these flags and the environment name.
    var resolvedEndpoint: String {
        let environment = ProcessInfo.processInfo.environment
        return endpoint ?? environment["WHARF_ENDPOINT"] ?? environment["AWS_ENDPOINT_URL"] ?? "http://127.0.0.1:8080"
    }

    @Option(help: "The region requests are signed for (env AWS_REGION, else AWS_DEFAULT_REGION, else the profile's). Default: us-east-1.")
    var region: String?

    @Option(help: "The profile in ~/.aws/credentials (or ~/.aws/config) to sign with (env AWS_PROFILE). Default: default.")
    var profile: String?

    @Option(help: "PEM file of the CA that signs an https controller's certificate, such as its tls/ca.pem (env AWS_CA_BUNDLE, as the AWS CLI reads it).")
    var caBundle: String?

    func validate() throws {
        guard ["table", "json"].contains(output) else { throw ValidationError("--output \"\(output)\" is not table or json") }
    }

    /// The signer for the access key the AWS CLI would use (``AWSCredentials``); nil without one
    /// (requests then go unsigned, which only `wharf dev` accepts).
    func signer(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SigV4Signer? {
        do {
            guard let found = try AWSCredentials.resolve(profile: profile, region: region, environment: environment) else { return nil }
            return SigV4Signer(accessKeyId: found.accessKeyId, secretAccessKey: found.secretAccessKey, region: found.region)
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// Calls an operation of the controller, signed when an access key is in the environment.
    /// - Parameters:
    ///   - target: the operation's target prefix (`AmazonSSM`, `WharfAdmin`).
    ///   - signingName: the service name SigV4 signs for (`ssm`, `wharf`).
    func call<Request: Encodable, Response: Decodable>(_ operation: String, _ body: Request, target: String = "AmazonSSM",
                                                       signingName: String = "ssm") async throws -> Response {
        let payload = try ECSJSON.encoder().encode(body)
        let data = try await APISession.with(self) { session in
            try await session.call(operation, body: payload, target: target, signingName: signingName)
        }
        return try ECSJSON.decoder().decode(Response.self, from: data)
    }
}

/// A plain text table: columns padded to their widest cell.
struct Table {
    var header: [String]
    var rows: [[String]]

    var rendered: String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
