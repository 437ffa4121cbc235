import AsyncHTTPClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOHTTP1

extension DockerRuntime {
    /// Whether the engine holds `reference`: `GET /images/{name}/json`, where 404 means no.
    public func hasImage(_ reference: String) async throws(RuntimeError) -> Bool {
        let context = "looking up image \"\(reference)\""
        let response = try await client.request(.GET, "/images/\(DockerClient.escapePath(reference))/json", context: context)
        switch response.status {
        case .ok: return true
        case .notFound: return false
        default: throw client.failure(response, context)
        }
    }

    /// Pulls `reference` with `POST /images/create`, reading the engine's progress stream to its
    /// end.
    ///
    /// The engine reports a failure either as an error status before the stream (404 for a
    /// missing image on 20.10) or as an `error` line inside a 200 stream; both end here.
    /// - Throws: `RuntimeError` with code `imageNotFound` when the registry does not have the
    ///   image (or will not say it exists), `pullFailed` for any other failure of the pull,
    ///   `invalid` for a malformed reference, `unavailable` without an engine.
    public func pullImage(_ reference: String, credentials: RegistryCredentials?) async throws(RuntimeError) {
        let image = try ImageReference(parsing: reference)
        let context = "pulling image \"\(reference)\""
        var headers = HTTPHeaders()
        if let credentials {
            let auth = DockerAPI.AuthConfig(
                username: credentials.username, password: credentials.password, serveraddress: image.serverAddress
            )
            headers.add(name: "X-Registry-Auth", value: Self.base64URL(try DockerClient.json(auth)))
        }
        let response = try await client.stream(
            .POST, "/images/create", query: [("fromImage", image.repository), ("tag", image.tagOrDigest)],
            headers: headers, context: context
        )
        var failure: String?
        do {
            guard response.status == .ok else {
                let body = try await response.body.collect(upTo: DockerClient.maximumBodySize)
                let answer = DockerClient.Response(status: response.status, body: body)
                throw Self.pullError(context, answer.engineMessage, status: response.status)
            }
            var splitter = JSONObjectSplitter()
            for try await chunk in response.body {
                for object in try splitter.append(chunk.readableBytesView) {
                    let line = try? JSONDecoder().decode(DockerAPI.ProgressMessage.self, from: Data(object))
                    if let message = line?.failure { failure = message }
                }
            }
        } catch {
            throw client.transportError(error, context)
        }
        if let failure { throw Self.pullError(context, failure, status: .ok) }
        // A cancelled read ends like a finished one; only a stream read to its end is a pull.
        if Task.isCancelled { throw RuntimeError(.cancelled, "\(context): cancelled") }
    }

    /// The error for a failed pull: `imageNotFound` when the engine's words say the registry has
    /// no such image, else `pullFailed`.
    static func pullError(_ context: String, _ message: String, status: HTTPResponseStatus) -> RuntimeError {
        let lowered = message.lowercased()
        let missing = status == .notFound
            || ["manifest unknown", "not found", "repository does not exist", "no such image"].contains { lowered.contains($0) }
        return RuntimeError(missing ? .imageNotFound : .pullFailed, "\(context): \(message)")
    }

    /// Base64 with the URL-safe alphabet (padding kept), as the engine decodes `X-Registry-Auth`.
    static func base64URL(_ data: Data) -> String {
        String(data.base64EncodedString().map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
    }
}
