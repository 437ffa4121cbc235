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
        let base = resolvedEndpoint.hasSuffix("/") ? String(resolvedEndpoint.dropLast()) : resolvedEndpoint
        guard let url = URL(string: base + "/"), let host = url.host, let scheme = url.scheme, ["http", "https"].contains(scheme) else {
            throw ValidationError("--endpoint \"\(resolvedEndpoint)\" is not an http(s) URL such as http://127.0.0.1:8080")
        }
        if scheme == "http", !ControllerConfiguration.isLoopback(host) {
            // Signatures stop tampering, not reading: a new key's secret would cross the network in clear.
            FileHandle.standardError.write(Data("wharf: warning: \(base) is plain HTTP beyond loopback; what it answers (such as a new key's secret) crosses the network unencrypted. Use https://\n".utf8))
        }
        let payload = try ECSJSON.encoder().encode(body)
        var request = HTTPClientRequest(url: base + "/")
        request.method = .POST
        var headers: [(name: String, value: String)] = [
            ("Host", (host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host) + (url.port.map { ":\($0)" } ?? "")),
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", "\(target).\(operation)"),
        ]
        if let signer = try signer() {
            headers += signer.sign(method: "POST", path: "/", headers: headers, body: payload, service: signingName)
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: payload))
        var tls = TLSConfiguration.makeClientConfiguration()
        if let bundle = caBundle ?? ProcessInfo.processInfo.environment["AWS_CA_BUNDLE"], !bundle.isEmpty {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(bundle))
            } catch {
                throw ValidationError("--ca-bundle \"\(bundle)\" cannot be read as PEM certificates: \(error)")
            }
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(tlsConfiguration: tls))
        defer { _ = client.shutdown() }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(30))
        } catch {
            throw ValidationError("cannot reach the controller at \(resolvedEndpoint): \(error); give its URL with --endpoint")
        }
        let data = Data((try await response.body.collect(upTo: 16 * 1024 * 1024)).readableBytesView)
        guard response.status == .ok else {
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            let type = object?["__type"] as? String ?? "HTTP \(response.status.code)"
            let message = object?["message"] as? String ?? String(decoding: data, as: UTF8.self)
            throw ValidationError("\(operation) failed: \(type): \(message)")
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
