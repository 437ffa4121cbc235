import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import WharfModel
import WharfProtocol

/// Sends each request to the region it is for. An API request's region is the one its SigV4
/// credential scope names; an agent's, the region of its container instance or cluster ARN, else
/// the `region` it registers in. The controller's own region answers requests that name no region
/// or one it does not serve (and refuses them as AWS does).
///
/// Another region is opened at the first request for it that is signed with a known key, so an
/// unsigned caller cannot make the controller create databases; a request that fails that check is
/// answered by endpoints that check it again and only word the refusal.
struct RegionRouter: Sendable {
    let homeRegion: String
    let home: RegionEndpoints
    /// Endpoints that refuse every request, verified or not, in the protocol it speaks.
    let refusing: RegionEndpoints
    /// The other regions; nil serves only the controller's own.
    let regions: ControllerRegions?
    let maxBodyBytes: Int
    let logger: Logger
    /// Whether a region is served (`--regions`).
    var served: @Sendable (String) -> Bool = { _ in true }

    /// Answers `POST /`.
    func api(_ request: Request) async -> Response {
        guard let regions, let scope = Self.scope(request), scope.region != homeRegion,
            served(scope.region)
        else { return await home.handle(request) }
        if let endpoints = await regions.endpoints(scope.region) { return await endpoints.handle(request) }
        var buffered = request
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodyBytes)
        } catch {
            // Too large: the refusal says so, in the request's protocol, from its declared length
            // (the body, read in part, cannot be read again).
            var head = request.head
            head.headerFields[.contentLength] = String(maxBodyBytes + 1)
            return await refusing.handle(Request(head: head, body: RequestBody(buffer: ByteBuffer())))
        }
        buffered.body = RequestBody(buffer: body)
        let authenticator = APIAuthenticator(
            mode: home.json.authenticator.mode,
            regions: [scope.region],
            controller: home.json.authenticator.controller,
            sealer: home.json.authenticator.sealer,
            logger: logger
        )
        do {
            let data = Data(body.readableBytesView)
            _ = try await authenticator.authenticate(buffered, body: data, service: scope.service)
        } catch {
            return await refusing.handle(buffered)
        }
        do {
            return try await regions.open(scope.region).handle(buffered)
        } catch {
            logger.error("cannot open a region", metadata: ["region": "\(scope.region)", "error": "\(error)"])
            return await refusing.handle(buffered)
        }
    }

    /// Answers the agent protocol's `path`.
    func agent(_ path: String, _ request: Request) async -> Response {
        // With no other region open, every agent is the home region's: no need to look inside.
        guard let regions, await regions.anyOpen else { return await home.agent.answer(path, request) }
        var buffered = request
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodyBytes)
        } catch {
            let error = AgentProtocolError(.invalidRequest, "the request body exceeds \(maxBodyBytes) bytes")
            return AgentEndpoint.json(AgentEndpoint.status(error.code), error)
        }
        buffered.body = RequestBody(buffer: body)
        let probe = try? ECSJSON.decoder().decode(AgentRegionProbe.self, from: Data(body.readableBytesView))
        guard let region = probe?.region, region != homeRegion else { return await home.agent.answer(path, buffered) }
        if let endpoints = await regions.endpoints(region) { return await endpoints.agent.answer(path, buffered) }
        // Agents join clusters made through the API, which opened their region.
        let error = AgentProtocolError(
            .clusterNotFound,
            "region \(region) has no clusters on this controller: create the cluster with a client in that region"
        )
        return AgentEndpoint.json(AgentEndpoint.status(error.code), error)
    }

    /// The credential scope of a signed request (Authorization header), without checking it.
    static func scope(_ request: Request) -> (region: String, service: String)? {
        guard let authorization = request.headers[.authorization] else { return nil }
        // Bytes, not Characters: this runs on every request, and Foundation's range(of:) showed.
        let bytes = Array(authorization.utf8)
        let marker = Array("Credential=".utf8)
        guard bytes.count >= marker.count,
            let start = (0...(bytes.count - marker.count)).first(where: {
                bytes[$0..<($0 + marker.count)].elementsEqual(marker)
            })
        else { return nil }
        let credential = bytes[(start + marker.count)...].prefix {
            $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: " ")
        }
        let parts = credential.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard parts.count == 5 else { return nil }
        return (String(decoding: parts[2], as: UTF8.self), String(decoding: parts[3], as: UTF8.self))
    }
}

/// The members of an agent request that say which region it is for.
struct AgentRegionProbe: Decodable {
    var containerInstanceArn: String?
    var cluster: String?
    var registerRegion: String?

    enum CodingKeys: String, CodingKey {
        case containerInstanceArn, cluster
        case registerRegion = "region"
    }

    /// The region of the container instance ARN, else of the cluster ARN, else the one named.
    var region: String? {
        for text in [containerInstanceArn, cluster].compactMap({ $0 }) where text.hasPrefix("arn:") {
            if let arn = ARN(parsing: text) { return arn.region }
        }
        return registerRegion
    }
}
