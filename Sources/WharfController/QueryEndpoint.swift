import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import WharfModel

/// `POST /` as the AWS Query protocol has it: a form body naming the `Action` and `Version`, an
/// XML answer, and errors as `<ErrorResponse>` with the code botocore turns into the service's
/// exception. Serves Elastic Load Balancing v2 and CloudWatch (the service the request is signed
/// for; Elastic Load Balancing when it is not signed).
struct QueryEndpoint: Sendable {
    let elbv2: ELBv2Operations
    /// CloudWatch's operations (`monitoring`); nil serves none.
    var cloudWatch: CloudWatchOperations? = nil
    /// The JSON endpoint, for its body limit and authentication.
    let json: ECSEndpoint

    /// Whether `request` is a Query protocol call: a form body and no `X-Amz-Target`.
    static func accepts(_ request: Request) -> Bool {
        request.headers[.amzTarget] == nil
            && request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true
    }

    func handle(_ request: Request) async -> Response {
        let started = ContinuousClock.now
        let requestID = UUID().uuidString.lowercased()
        var action = "unknown"
        let response: Response
        var namespace = ELBv2.xmlNamespace
        do {
            let raw = try await json.collectBody(request)
            let body = CloudWatchEndpoint.isGzip(request) ? try GzipBody.inflate(raw, limit: json.maxBodyBytes) : raw
            let parameters = try QueryDecoder.parameters(form: Array(body))
            let service = Self.signedService(request) ?? ELBv2.signingName
            _ = try await json.authenticator.authenticate(request, body: raw, service: service)
            guard let name = parameters["Action"] else {
                throw ECSError(.missingAction, "The request must contain the parameter Action")
            }
            switch service {
            case ELBv2.signingName:
                if let version = parameters["Version"], version != ELBv2.version {
                    throw ECSError(.invalidAction, "Could not find operation \(name) for version \(version)")
                }
                guard let handler = elbv2.handlers[name] else {
                    throw ECSError(.invalidAction, "Could not find operation \(name) for version \(ELBv2.version)")
                }
                action = "elasticloadbalancing:\(name)"
                response = Self.response(.ok, try await handler(parameters, requestID), requestID: requestID)
            case CloudWatch.signingName where cloudWatch != nil:
                namespace = CloudWatch.xmlNamespace
                if let version = parameters["Version"], version != CloudWatch.version {
                    throw ECSError(.invalidAction, "Could not find operation \(name) for version \(version)")
                }
                guard let handler = cloudWatch?.handlers[name] else {
                    throw ECSError(.invalidAction, "Could not find operation \(name) for version \(CloudWatch.version)")
                }
                action = "monitoring:\(name)"
                let output = try await handler(.query(parameters))
                let xml: [UInt8]
                do {
                    xml = try QueryXML.response(
                        action: name,
                        result: output,
                        namespace: namespace,
                        requestID: requestID
                    )
                } catch {
                    throw ECSError(.internalServiceError, "the response could not be encoded: \(error)")
                }
                response = Self.response(.ok, xml, requestID: requestID)
            default:
                throw ECSError(
                    .invalidAction,
                    "Wharf serves the Query protocol for Elastic Load Balancing (elasticloadbalancing) and "
                        + "CloudWatch (monitoring), not \(service)"
                )
            }
        } catch let error as ECSError {
            response = errorResponse(error, requestID: requestID, namespace: namespace)
        } catch {
            json.logger.error("request failed", metadata: ["request.id": "\(requestID)", "error": "\(error)"])
            response = errorResponse(
                ECSError(.server, "internal error; see the controller's log for request \(requestID)"),
                requestID: requestID,
                namespace: namespace
            )
        }
        json.metrics?.apiCall(
            operation: action,
            status: Int(response.status.code),
            duration: ContinuousClock.now - started
        )
        return response
    }

    /// The service named in the request's SigV4 credential scope, if it is signed.
    static func signedService(_ request: Request) -> String? {
        guard let authorization = request.headers[.authorization],
            let range = authorization.range(of: "Credential=")
        else { return nil }
        let scope = authorization[range.upperBound...].prefix { $0 != "," && $0 != " " }
        let parts = scope.split(separator: "/")
        return parts.count == 5 ? String(parts[3]) : nil
    }

    /// The Query protocol's names and statuses for the failures every service shares.
    func errorResponse(_ error: ECSError, requestID: String, namespace: String) -> Response {
        let code: String
        let status: Int
        switch error.code {
        case .invalidSignature: (code, status) = ("SignatureDoesNotMatch", 403)
        case .unrecognizedClient: (code, status) = ("InvalidClientTokenId", 403)
        case .missingAuthenticationToken: (code, status) = ("MissingAuthenticationToken", 403)
        case .incompleteSignature: (code, status) = ("IncompleteSignature", 400)
        case .server:
            (code, status) = (namespace == CloudWatch.xmlNamespace ? "InternalServiceError" : "InternalFailure", 500)
        case .invalidParameter, .client, .serialization:
            (code, status) = (namespace == CloudWatch.xmlNamespace ? "InvalidParameterValue" : "ValidationError", 400)
        default: (code, status) = (error.code.rawValue, error.httpStatus)
        }
        if status >= 500 {
            json.logger.error("request failed", metadata: ["request.id": "\(requestID)", "error": "\(error.message)"])
        } else {
            json.logger.debug("request refused", metadata: ["request.id": "\(requestID)", "error": "\(error)"])
        }
        let body = QueryXML.error(
            code: code,
            message: error.message,
            sender: status < 500,
            namespace: namespace,
            requestID: requestID
        )
        return Self.response(HTTPResponse.Status(code: status), body, requestID: requestID)
    }

    static func response(_ status: HTTPResponse.Status, _ body: [UInt8], requestID: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/xml"
        headers[.amznRequestID] = requestID
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
