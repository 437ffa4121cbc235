import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import WharfModel

/// How the `wharf` commands reach a controller: its URL, and the output format.
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

    func validate() throws {
        guard ["table", "json"].contains(output) else { throw ValidationError("--output \"\(output)\" is not table or json") }
    }

    /// Calls an SSM operation of the controller (requests are not signed until authentication arrives).
    func call<Request: Encodable, Response: Decodable>(_ operation: String, _ body: Request) async throws -> Response {
        var request = HTTPClientRequest(url: resolvedEndpoint.hasSuffix("/") ? resolvedEndpoint : resolvedEndpoint + "/")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-amz-json-1.1")
        request.headers.add(name: "X-Amz-Target", value: "AmazonSSM.\(operation)")
        request.body = .bytes(ByteBuffer(bytes: try ECSJSON.encoder().encode(body)))
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
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
