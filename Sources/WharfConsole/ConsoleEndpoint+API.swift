import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import WharfAuth
import WharfModel

extension ConsoleEndpoint {
    /// The header that asks the ECS API for Wharf's utilization figures, passed on when the page
    /// sends it.
    static let include = HTTPField.Name("X-Wharf-Include")!
    /// The header that names a Query-protocol API (`elasticloadbalancing`) for a form body.
    static let queryService = HTTPField.Name("X-Wharf-Query")!

    /// `POST /console/api`: the body and `X-Amz-Target` of one API call, signed here with the
    /// session's key and answered by the controller's API endpoint, its answer unchanged.
    func api(_ request: Request) async -> Response {
        guard request.headers[Self.marker] == "1" else { return Self.refusal(.forbidden, "MissingConsoleHeader") }
        var accessKeyId: String?
        var secret: String?
        if case .keys(let lookup) = authentication {
            guard let token = Self.token(request), let session = sessions.session(token),
                let id = session.accessKeyId
            else {
                return Self.refusal(.unauthorized, "ConsoleSessionExpired", "Sign in to the console again.")
            }
            guard let known = await lookup(id) else {
                sessions.close(token)
                return Self.refusal(
                    .unauthorized,
                    "ConsoleSessionExpired",
                    "The access key \(id) no longer exists; sign in again with another."
                )
            }
            accessKeyId = id
            secret = known
        }
        // Elastic Load Balancing speaks the Query protocol: a form body, no target.
        let query = request.headers[Self.queryService] == ELBv2.signingName
        let target = request.headers[HTTPField.Name("X-Amz-Target")!]
        let service: (prefix: String, signingName: String, contentType: String)
        if query, target == nil {
            service = ("", ELBv2.signingName, "application/x-www-form-urlencoded; charset=utf-8")
        } else if let target, let known = Self.services.first(where: { target.hasPrefix($0.prefix) }) {
            service = known
        } else {
            return Self.refusal(
                .badRequest,
                "UnknownOperationException",
                "the console calls the ECS, SSM, Secrets Manager, Cloud Map, CloudWatch Logs, CloudWatch and "
                    + "Application Auto Scaling APIs by their X-Amz-Target, and Elastic Load Balancing with "
                    + "X-Wharf-Query: elasticloadbalancing"
            )
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodyBytes)
        } catch {
            return Self.refusal(
                .contentTooLarge,
                "ValidationException",
                "the request body exceeds \(maxBodyBytes) bytes"
            )
        }
        let authority = request.head.authority ?? "localhost"
        var headers: [(name: String, value: String)] = [("host", authority), ("content-type", service.contentType)]
        if let target { headers.append(("x-amz-target", target)) }
        if let include = request.headers[Self.include] { headers.append(("x-wharf-include", include)) }
        if let accessKeyId, let secret {
            let signer = SigV4Signer(accessKeyId: accessKeyId, secretAccessKey: secret, region: region)
            headers += signer.sign(
                method: "POST",
                path: "/",
                headers: headers,
                body: Data(body.readableBytesView),
                service: service.signingName
            )
        }
        var fields = HTTPFields()
        for (name, value) in headers where name != "host" {
            if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
        }
        fields[.contentLength] = String(body.readableBytes)
        let head = HTTPRequest(
            method: .post,
            scheme: request.head.scheme,
            authority: authority,
            path: "/",
            headerFields: fields
        )
        var answer = await dispatch(Request(head: head, body: RequestBody(buffer: body)))
        answer.headers[.cacheControl] = "no-store"
        return answer
    }
}
